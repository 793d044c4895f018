"""`vmfex-engine check`: report what is wrong with the maps the engine holds."""
import argparse
import sys
from typing import TextIO

from engine_tools.commands.output import add_json_argument, write_json
from engine_tools.commands.progress import bars
from engine_tools.engine import client as engine_client
from engine_tools.model.assign_plan import vmfex_value
from engine_tools.model.inventory import check_problems, profile_nics
from engine_tools.options.connection import (
    CONNECTION_HELP,
    add_connection_arguments,
    engine_options,
    ucsm_options,
)
from vdsm_hook_vmfex.common.cli import add_command


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "check",
        help="report maps naming MACs not on the VM, invalid values, shared MACs, "
             "NICs whose two models disagree",
        description="Read every VM and vNIC profile and report problems of both models "
                    "(VM maps, vNIC profiles carrying vmfex); exit 1 when there are any.",
        epilog=CONNECTION_HELP)
    add_json_argument(parser)
    add_connection_arguments(parser, ucsm=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return check(engine_options(args), sys.stdout,
                 ucsm_options=ucsm_options(args), as_json=args.json)


def check(options: engine_client.Options, out: TextIO, ucsm_options=None,
          as_json: bool = False) -> int:
    """Print every problem of both models the engine holds; 1 when there are any.
    With ucsm_options also unknown port profiles and maxPorts overuse."""
    vms, networking = engine_client.read_both_models(options, bars(sys.stderr))
    problems = check_problems(vms, networking)
    if ucsm_options is not None:
        from engine_tools.ucsm import checks as ucsm_checks
        from engine_tools.ucsm import client as ucsm

        problems += ucsm_checks.check_lines(
            vms, ucsm.read_profiles(ucsm_options, sys.stderr), networking)
    mapped = sum(1 for vm in vms.values() if vmfex_value(vm) is not None)
    on_profiles = sum(len(profile_nics(vm, networking)) for vm in vms.values())
    if as_json:
        write_json(out, {"command": "check",
                         "summary": {"problems": len(problems), "mapped_vms": mapped,
                                     "profile_nics": on_profiles, "vms_read": len(vms),
                                     "ucsm_checked": ucsm_options is not None},
                         "problems": problems})
        return 1 if problems else 0
    for problem in problems:
        out.write(problem + "\n")
    out.write("%d problem(s) in the maps of %d VMs and %d NICs on vNIC profiles carrying "
              "vmfex (%d VMs read)\n" % (len(problems), mapped, on_profiles, len(vms)))
    return 1 if problems else 0
