"""`vmfex-direct-pool define`: define, start and autostart the network."""
import argparse
import os
import sys

from vdsm_hook_vmfex.common.cli import EXIT_OK, UsageError, add_command
from vdsm_hook_vmfex.common.errors import InvalidName
from vdsm_hook_vmfex.common.rules import check_ifname
from vdsm_hook_vmfex.host.netxml import FORWARD_MODE
from vdsm_hook_vmfex.pool.options import (
    add_sysfs_argument,
    add_target_arguments,
    describe_steps,
    libvirt_connection,
    network_name,
    progress,
    report_dry_run,
)
from vdsm_hook_vmfex.pool.plan import (
    CONSEQUENCE,
    STEP_DONE,
    NoDevices,
    Plan,
    shared_warnings,
)

EPILOG = """\
examples:
  %(prog)s
  %(prog)s --dev eth3 --dev eth4 --dry-run
  %(prog)s --uri qemu:///system --name vmfex-lab --dev eth3

Without --dev it uses the interfaces in SYSFS/class/net whose device is
on PCI and whose MAC is 00:00:00:00:00:00 (dynamic vNICs no VM holds),
preferring those driven by enic. Changing the devices of a network that
running VMs use is refused unless --force.
"""


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "define", help="define, start and autostart the network",
        epilog=EPILOG,
        description="Define the passthrough network over the VM-FEX vNICs, start it\n"
                    "and set autostart. Does nothing when it is already so.")
    add_target_arguments(parser)
    parser.add_argument("--dev", metavar="IFACE", action="append", default=[],
                        help="a VM-FEX vNIC to include (repeat for each); "
                             "default: detect them")
    add_sysfs_argument(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="print the XML and the changes; change nothing")
    parser.add_argument("--force", action="store_true",
                        help="change the devices even while running VMs use the network")
    parser.set_defaults(run=run)


def chosen_devices(args: argparse.Namespace) -> "list":
    """--dev values checked, or the devices detected in sysfs (reported on stderr)."""
    from vdsm_hook_vmfex.pool.sysfs import choose_vmfex_devices, find_zero_mac_pci_nics
    net_dir = os.path.join(args.sysfs_root, "class", "net")
    if args.dev:
        devices = []
        for dev in args.dev:
            try:
                check_ifname(dev)
            except InvalidName as err:
                raise UsageError("--dev: %s" % err) from None
            if dev in devices:
                raise UsageError("--dev %s is given twice: expected each device once" % dev)
            devices.append(dev)
        for dev in devices:
            if not os.path.exists(os.path.join(net_dir, dev)):
                progress("warning: %s is not an interface in %s on this host"
                         % (dev, net_dir))
        return devices
    chosen, warning = choose_vmfex_devices(find_zero_mac_pci_nics(args.sysfs_root))
    if warning:
        progress("warning: " + warning)
    if not chosen:
        raise NoDevices("no VM-FEX vNIC found in %s (expected interfaces on PCI with MAC "
                        "00:00:00:00:00:00, driver enic): check the service profile "
                        "gives this host dynamic vNICs, or name them with --dev"
                        % net_dir)
    progress("found %d VM-FEX vNIC(s) in %s: %s"
             % (len(chosen), net_dir, ", ".join(nic.describe() for nic in chosen)))
    return [nic.name for nic in chosen]


def _warn_shared(plan: Plan) -> None:
    for warning in shared_warnings(plan):
        progress("warning: " + warning)


def run(args: argparse.Namespace) -> int:
    from vdsm_hook_vmfex.host.config import load_settings
    from vdsm_hook_vmfex.host.lock import hold_lock
    from vdsm_hook_vmfex.pool.apply import apply_plan
    from vdsm_hook_vmfex.pool.plan import plan_define
    settings = load_settings()
    name = network_name(args, settings)
    devices = chosen_devices(args)
    with libvirt_connection(args) as conn:
        if args.dry_run:
            plan = plan_define(conn, name, devices)
            _warn_shared(plan)
            sys.stdout.write(plan.xml)
            return report_dry_run(plan, args.force, "is unchanged")
        with hold_lock(settings.lock_path, on_wait=progress):
            plan = plan_define(conn, name, devices)
            apply_plan(conn, plan, args.force)
    _warn_shared(plan)
    if plan.users:
        progress("warning: running domains use network %r: %s"
                 % (plan.name, CONSEQUENCE["change"]))
    done = describe_steps(plan.steps, STEP_DONE) if plan.steps else "unchanged"
    sys.stdout.write("%s: %s (%s over %s)\n" % (plan.name, done, FORWARD_MODE,
                                               " ".join(devices)))
    return EXIT_OK
