"""ovirtsdk4 for the engine room, imported in this one place.

Where it is not installed (or cannot load, e.g. without pycurl), its names
stand in (common.needs.Absent): the command modules and their parsers still
load (`--help`, the man page build), and the first use of the SDK, connecting,
says in one line what to install.
"""
from vdsm_hook_vmfex.common.needs import Absent

try:
    import ovirtsdk4
    import ovirtsdk4.types as types
except ImportError as err:
    # Error: the base class that `except` clauses and our subclasses name.
    ovirtsdk4 = Absent("ovirtsdk4", err, Error=type("Error", (Exception,), {}))
    types = Absent("ovirtsdk4", err)

__all__ = ["ovirtsdk4", "types"]
