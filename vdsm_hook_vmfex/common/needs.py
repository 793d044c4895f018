"""The optional Python modules of both tools, and what to install for each.

The RPMs require them (packaging/vdsm-hook-vmfex.spec.in); a pip install gets
them from the extras of pyproject.toml. Without one, the program that needs it
says in one line what to install, never a traceback.
"""
from collections import namedtuple
from contextlib import contextmanager
from typing import Iterator, Optional

from vdsm_hook_vmfex.common.errors import VmfexError

#: `extra` of pyproject.toml lists `pypi`; the spec requires (or recommends)
#: the EL `package`; `everywhere`: EL and Fedora ship it (else some repositories).
Need = namedtuple("Need", "extra pypi package everywhere")

#: Top-level module -> the pyproject.toml extra and the EL package bringing it
#: (the spec's Requires and Recommends; keep the three in step).
NEEDS = {
    "ovirtsdk4": Need("engine", "ovirt-engine-sdk-python", "python3-ovirt-engine-sdk4", True),
    "yaml": Need("engine", "PyYAML", "python3-pyyaml", True),
    "ucsmsdk": Need("ucsm", "ucsmsdk", "python3-ucsmsdk", False),
    "lxml": Need("host", "lxml", "python3-lxml", True),
    "libvirt": Need("host", "libvirt-python", "python3-libvirt", True),
}

DISTRIBUTION = "vdsm-hook-vmfex"


class MissingModule(VmfexError):
    """A Python module the command needs is not installed."""


def install_hint(module: str) -> str:
    """What to install for `module` (a key of NEEDS): the EL package, or the
    pip extra when the tool itself came from pip."""
    need = NEEDS[module]
    pip = "pip install '%s[%s]'" % (DISTRIBUTION, need.extra)
    if need.everywhere:
        return "dnf install %s (or, for a pip install of the tool, %s)" % (need.package, pip)
    return ("dnf install %s where a repository has it, else pip3 install %s (or, for a "
            "pip install of the tool, %s)" % (need.package, need.pypi, pip))


def missing_message(module: str, err: "ImportError | None" = None) -> str:
    """The one line saying that `module` is missing (or that importing it
    failed with `err`, e.g. on a module it needs) and how to get it."""
    if err is not None and (err.name or "").split(".")[0] != module:
        return ("the Python module %s cannot be loaded (%s): %s"
                % (module, " ".join(str(err).split()), install_hint(module)))
    return "the Python module %s is not installed: %s" % (module, install_hint(module))


def missing_module(err: BaseException) -> Optional[str]:
    """The module of NEEDS that `err` says is not installed, or None (any
    other error, a bug in the tool, stays one)."""
    if not isinstance(err, ImportError):
        return None
    top = (err.name or "").split(".")[0]
    return top if top in NEEDS else None


@contextmanager
def one_line_if_missing(prog: str) -> Iterator[None]:
    """Turn an ImportError of a module in NEEDS inside the block into its one
    line on stderr and exit 1 (for imports outside run_command's reach, as
    the command modules the parser is built from)."""
    try:
        yield
    except ImportError as err:
        module = missing_module(err)
        if module is None:
            raise
        import sys
        sys.stderr.write("%s: error: %s\n" % (prog, missing_message(module, err)))
        raise SystemExit(1) from None


class Absent(object):
    """Stands for `module` where it is not installed, so that the module
    importing it still loads (its parsers, --help): the names given as
    `kwargs` are kept (e.g. an exception base class that `except` clauses
    and subclasses name), every other attribute raises MissingModule."""

    def __init__(self, module: str, err: ImportError, **kwargs) -> None:
        self.__dict__.update(kwargs)
        self._message = missing_message(module, err)

    def __getattr__(self, name: str):
        raise MissingModule(self._message)
