"""`vmfex-engine export`: every VM's map as `vm,mac,profile` CSV."""
import argparse
import sys
from typing import Optional, TextIO

from engine_tools.commands.progress import bars
from engine_tools.engine import client as engine_client
from engine_tools.engine.options import (
    CONNECTION_HELP,
    add_connection_arguments,
    connection_options,
)
from engine_tools.model.inventory import export_lines, profile_nics
from vdsm_hook_vmfex.common.cli import add_command
from vdsm_hook_vmfex.common.errors import VmfexError


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "export", help="write every VM's map as vm,mac,profile CSV",
        description="Export the maps the engine holds; assigning the file back changes "
                    "nothing. NICs whose vNIC profile carries vmfex (the vNIC profile "
                    "model) follow in a '#' section (vm,mac,profile,vnic_profile) that "
                    "assign ignores.", epilog=CONNECTION_HELP)
    parser.add_argument("-o", "--output", metavar="FILE", help="output file (default: stdout)")
    add_connection_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return export(args.output, connection_options(args), sys.stdout, sys.stderr)


def export(output: Optional[str], options: engine_client.Options, out: TextIO,
           err: TextIO) -> int:
    """Write every VM's map as `vm,mac,profile` CSV to `output` (None: out)."""
    vms, networking = engine_client.read_both_models(options, bars(err))
    lines, skipped = export_lines(vms, networking)
    text = "".join(line + "\n" for line in lines)
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise VmfexError("cannot write %s: %s" % (output, e.strerror)) from None
    else:
        out.write(text)
    profile_rows = sum(len(profile_nics(vm, networking)) for vm in vms.values())
    rows = len(lines) - 1 - skipped - profile_rows - (1 if profile_rows else 0)
    err.write("exported %d rows%s%s\n" % (
        rows, ", %d VMs with an invalid map left out (see 'check')" % skipped if skipped else "",
        ", %d NICs on vNIC profiles (commented section)" % profile_rows if profile_rows
        else ""))
    return 0
