"""`vmfex-direct-pool remove`: stop and undefine the network."""
import argparse

from vdsm_hook_vmfex.common.cli import add_command
from vdsm_hook_vmfex.pool.options import (
    add_json_argument,
    add_target_arguments,
    libvirt_connection,
    network_name,
    progress,
    report_outcome,
)
from vdsm_hook_vmfex.pool.outcome import Outcome
from vdsm_hook_vmfex.pool.plan import CONSEQUENCE

EPILOG = """\
examples:
  %(prog)s --dry-run
  %(prog)s
  %(prog)s --json

Refused (exit 2) while running VMs have NICs on it, unless --force.
"""


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "remove", help="stop and undefine the network", epilog=EPILOG,
        description="Stop (destroy) and undefine the network. Refused while running\n"
                    "VMs have NICs on it, unless --force.")
    add_target_arguments(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would change; change nothing")
    parser.add_argument("--force", action="store_true",
                        help="remove it even while running VMs use it")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vdsm_hook_vmfex.host.config import load_settings
    from vdsm_hook_vmfex.host.lock import hold_lock
    from vdsm_hook_vmfex.pool.apply import apply_plan
    from vdsm_hook_vmfex.pool.plan import plan_remove, refusal
    settings = load_settings()
    name = network_name(args, settings)
    with libvirt_connection(args) as conn:
        if args.dry_run:
            plan = plan_remove(conn, name)
            reason = refusal(plan, args.force)
        else:
            with hold_lock(settings.lock_path, on_wait=progress):
                plan = plan_remove(conn, name)
                reason = refusal(plan, args.force)
                if reason is None:
                    apply_plan(conn, plan, args.force)
    warnings = []
    if plan.users and plan.steps and args.force:
        warnings.append("running domains %s network %r: %s"
                        % ("use" if args.dry_run else "used", plan.name,
                           CONSEQUENCE["remove"]))
    outcome = Outcome("remove", plan, args.dry_run, args.force, reason, warnings)
    return report_outcome(outcome, args.json)
