import sys

from vdsm_hook_vmfex.pool.cli import main

sys.exit(main())
