import sys

from vdsm_hook_vmfex.hook.main import main

sys.exit(main())
