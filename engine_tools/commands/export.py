"""`vmfex-engine export`: every VM's map as `vm,mac,profile` CSV (or JSON)."""
import argparse
import json
import sys
from typing import Optional, TextIO

from engine_tools.commands.output import add_json_argument
from engine_tools.commands.progress import bars
from engine_tools.engine import client as engine_client
from engine_tools.model.inventory import export_lines, export_records, profile_nics
from engine_tools.options.connection import (
    CONNECTION_HELP,
    add_connection_arguments,
    engine_options,
)
from vdsm_hook_vmfex.common.cli import add_command
from vdsm_hook_vmfex.common.errors import VmfexError


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "export", help="write every VM's map as vm,mac,profile CSV",
        description="Export the maps the engine holds; assigning the file back changes "
                    "nothing. NICs whose vNIC profile carries vmfex (the vNIC profile "
                    "model) follow in a '#' section (vm,mac,profile,vnic_profile) that "
                    "assign ignores. --json writes the same as one JSON document.",
        epilog=CONNECTION_HELP)
    parser.add_argument("-o", "--output", metavar="FILE", help="output file (default: stdout)")
    add_json_argument(parser)
    add_connection_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return export(args.output, engine_options(args), sys.stdout, sys.stderr,
                  as_json=args.json)


def _write(output: Optional[str], text: str, out: TextIO) -> None:
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise VmfexError("cannot write %s: %s" % (output, e.strerror)) from None
    else:
        out.write(text)


def export(output: Optional[str], options: engine_client.Options, out: TextIO,
           err: TextIO, as_json: bool = False) -> int:
    """Write every VM's map as `vm,mac,profile` CSV (as_json: the JSON
    document) to `output` (None: out)."""
    vms, networking = engine_client.read_both_models(options, bars(err))
    if as_json:
        records = export_records(vms, networking)
        document = {"command": "export",
                    "summary": {"rows": len(records["maps"]),
                                "invalid_vms": len(records["invalid"]),
                                "profile_nics": len(records["profile_nics"]),
                                "vms_read": len(vms)}}
        document.update(records)
        _write(output, json.dumps(document, indent=2, ensure_ascii=True) + "\n", out)
        return 0
    lines, skipped = export_lines(vms, networking)
    _write(output, "".join(line + "\n" for line in lines), out)
    profile_rows = sum(len(profile_nics(vm, networking)) for vm in vms.values())
    rows = len(lines) - 1 - skipped - profile_rows - (1 if profile_rows else 0)
    err.write("exported %d rows%s%s\n" % (
        rows, ", %d VMs with an invalid map left out (see 'check')" % skipped if skipped else "",
        ", %d NICs on vNIC profiles (commented section)" % profile_rows if profile_rows
        else ""))
    return 0
