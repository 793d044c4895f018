"""Command line of `vmfex-engine`; each subcommand is its own module."""
import argparse
from typing import List, Optional

from engine_tools.commands import (
    assign,
    capacity,
    check,
    convert,
    export,
    host_deploy,
    leave,
    profiles,
    register,
    ucs,
)
from vdsm_hook_vmfex.common.cli import build_parser, run_command
from vdsm_hook_vmfex.common.version import __version__

PROG = "vmfex-engine"
COMMANDS = [register, assign, export, check, profiles, convert, ucs, host_deploy, capacity,
            leave]

EPILOG = """\
examples:
  vmfex-engine register --restart            # every cluster version, restart engine
  vmfex-engine register --cver 4.7 --dry-run
  vmfex-engine assign maps.csv --engine-url https://engine.example.com \\
      --username admin@internal --password-file ~/.engine-pw --dry-run
  vmfex-engine assign changes.csv --merge --config production
  vmfex-engine export -o maps.csv --config production
  vmfex-engine check --config production
  vmfex-engine assign maps.csv --config production --ucsm ucsm.example.com \\
      --ucsm-username admin --ucsm-password-file ~/.ucsm-pw --ucsm-ca-file ucsm-ca.pem
  vmfex-engine ucs profiles --config production
  vmfex-engine register --device --restart   # the vNIC profile model
  vmfex-engine profiles create --network vmfex-net Profile1 Profile2
  vmfex-engine convert --dry-run --create-profiles --config production
  vmfex-engine capacity --hosts fleet-capacity.json --config production

CSV for assign (UTF-8, '#' comments and blank lines allowed, '-' reads stdin):
  vm,mac,profile                  or   vm,nic,profile
  web01,00:1a:4a:16:01:b0,Profile1     web01,nic1,Profile1

exit codes: 0 ok, 1 failure (nothing written when validation fails), 2 usage
"""


def make_parser() -> argparse.ArgumentParser:
    """The whole command line (also what the man page and the shell
    completion are generated from, packaging/generate-docs.py)."""
    return build_parser(
        PROG, "Engine side of vdsm-hook-vmfex: register the 'vmfex' custom "
              "property, set the MAC -> port profile maps of many VMs (the VM map "
              "model), manage vNIC profiles carrying 'vmfex' (the vNIC profile "
              "model) and convert maps to profiles.",
        EPILOG, __version__, COMMANDS)


def main(argv: Optional[List[str]] = None) -> int:
    """Run `vmfex-engine` with `argv` (default sys.argv[1:]); return the exit code."""
    return run_command(PROG, make_parser(), argv)
