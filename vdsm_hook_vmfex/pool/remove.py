"""`vmfex-direct-pool remove`: stop and undefine the network."""
import argparse
import sys

from vdsm_hook_vmfex.common.cli import EXIT_OK, add_command
from vdsm_hook_vmfex.pool.options import (
    add_target_arguments,
    describe_steps,
    libvirt_connection,
    network_name,
    progress,
    report_dry_run,
)
from vdsm_hook_vmfex.pool.plan import CONSEQUENCE, STEP_DONE

EPILOG = """\
examples:
  %(prog)s --dry-run
  %(prog)s
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vdsm_hook_vmfex.host.config import load_settings
    from vdsm_hook_vmfex.host.lock import hold_lock
    from vdsm_hook_vmfex.pool.apply import apply_plan
    from vdsm_hook_vmfex.pool.plan import plan_remove
    settings = load_settings()
    name = network_name(args, settings)
    with libvirt_connection(args) as conn:
        if args.dry_run:
            plan = plan_remove(conn, name)
            return report_dry_run(plan, args.force, "is not defined; nothing to remove")
        with hold_lock(settings.lock_path, on_wait=progress):
            plan = plan_remove(conn, name)
            apply_plan(conn, plan, args.force)
    if plan.users:
        progress("warning: running domains used network %r: %s"
                 % (plan.name, CONSEQUENCE["remove"]))
    if not plan.steps:
        sys.stdout.write("%s: not defined, nothing to remove\n" % plan.name)
    else:
        sys.stdout.write("%s: %s\n" % (plan.name, describe_steps(plan.steps, STEP_DONE)))
    return EXIT_OK
