"""`vmfex-direct-pool`: the command line; each subcommand is its own module."""
import argparse

from vdsm_hook_vmfex.common.cli import build_parser, run_command
from vdsm_hook_vmfex.common.needs import one_line_if_missing
from vdsm_hook_vmfex.common.version import __version__

#: pool.options.PROG, named again here: importing pool.options needs lxml.
PROG = "vmfex-direct-pool"

EPILOG = """\
examples:
  # detect the zero-MAC enic vNICs; define, start and autostart the network
  %(prog)s define
  # show the XML and what would change; change nothing
  %(prog)s define --dev eth3 --dev eth4 --dry-run
  # state, devices and the VM NICs on it, as JSON
  %(prog)s status --json
  # stop and undefine it (refused while running VMs use it)
  %(prog)s remove
  # what define or remove did (or would do), as JSON
  %(prog)s define --json --dry-run

The network name comes from /etc/vdsm/vmfex.conf ($VMFEX_CONF),
[vmfex] network = NAME (default direct-pool): the same setting the
vmfex hook uses. Exit status: 0 ok, 1 failed (status: not ready), 2 bad
usage or refused.
"""


def make_parser() -> argparse.ArgumentParser:
    """The whole command line (also what the man page and the shell
    completion are generated from, packaging/generate-docs.py)."""
    # Here, not at the top: the commands need lxml, and main says in one
    # line what to install where it is missing.
    from vdsm_hook_vmfex.pool import define, remove, status
    return build_parser(
        PROG, "Manage the libvirt passthrough network that lists this host's\n"
              "Cisco VM-FEX dynamic vNICs, for the vmfex VDSM hook.",
        EPILOG, __version__, [define, status, remove])


def main(argv: "list | None" = None) -> int:
    """Run `vmfex-direct-pool` with `argv` (default sys.argv[1:]); return the exit code."""
    with one_line_if_missing(PROG):
        parser = make_parser()
    return run_command(PROG, parser, argv)
