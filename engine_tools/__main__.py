"""`python -m engine_tools` runs the vmfex-engine command line."""
import sys

from engine_tools.cli import main

sys.exit(main())
