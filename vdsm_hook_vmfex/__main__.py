import sys

from vdsm_hook_vmfex.hook import main

sys.exit(main())
