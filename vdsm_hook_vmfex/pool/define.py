"""`vmfex-direct-pool define`: define, start and autostart the network."""
import argparse
import os

from vdsm_hook_vmfex.common.cli import UsageError, add_command
from vdsm_hook_vmfex.common.errors import InvalidName
from vdsm_hook_vmfex.common.rules import check_ifname
from vdsm_hook_vmfex.pool.options import (
    add_json_argument,
    add_sysfs_argument,
    add_target_arguments,
    libvirt_connection,
    network_name,
    progress,
    report_outcome,
)
from vdsm_hook_vmfex.pool.outcome import Outcome
from vdsm_hook_vmfex.pool.plan import CONSEQUENCE, NoDevices, Plan, shared_warnings

EPILOG = """\
examples:
  %(prog)s
  %(prog)s --dev eth3 --dev eth4 --dry-run
  %(prog)s --uri qemu:///system --name vmfex-lab --dev eth3
  %(prog)s --json --dry-run

Without --dev it uses the interfaces in SYSFS/class/net whose device is
on PCI and whose MAC is 00:00:00:00:00:00 (dynamic vNICs no VM holds),
preferring those driven by enic. Refused (exit 2) unless --force: a --dev
that is no interface on this host, and changing the devices of a network
that running VMs use.
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
                        help="change the devices even while running VMs use the network, "
                             "or over a --dev this host does not have")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def chosen_devices(args: argparse.Namespace, warnings: "list") -> "tuple":
    """(devices, absent): --dev values checked, and those of them that are no
    interface in sysfs; or the devices detected in sysfs (reported on
    stderr) and []. Doubts about detected devices go to `warnings`."""
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
        absent = [dev for dev in devices if not os.path.exists(os.path.join(net_dir, dev))]
        return devices, absent
    chosen, warning = choose_vmfex_devices(find_zero_mac_pci_nics(args.sysfs_root))
    if warning:
        warnings.append(warning)
    if not chosen:
        raise NoDevices("no VM-FEX vNIC found in %s (expected interfaces on PCI with MAC "
                        "00:00:00:00:00:00, driver enic): check the service profile "
                        "gives this host dynamic vNICs, or name them with --dev"
                        % net_dir)
    progress("found %d VM-FEX vNIC(s) in %s: %s"
             % (len(chosen), net_dir, ", ".join(nic.describe() for nic in chosen)))
    return [nic.name for nic in chosen], []


def plan_warnings(plan: Plan, force: bool, dry_run: bool) -> "list":
    """What a define that goes ahead should tell: devices shared with other
    networks, and what --force let through."""
    warnings = shared_warnings(plan)
    if force and plan.absent and plan.steps:
        warnings.append("%s: no such interface in %s on this host; %s anyway (--force)"
                        % (" ".join(plan.absent), plan.absent_from,
                           "would be defined" if dry_run else "defined"))
    if force and plan.users and plan.steps:
        warnings.append("running domains use network %r: %s"
                        % (plan.name, CONSEQUENCE["change"]))
    return warnings


def run(args: argparse.Namespace) -> int:
    from vdsm_hook_vmfex.host.config import load_settings
    from vdsm_hook_vmfex.host.lock import hold_lock
    from vdsm_hook_vmfex.pool.apply import apply_plan
    from vdsm_hook_vmfex.pool.plan import plan_define, refusal
    settings = load_settings()
    name = network_name(args, settings)
    warnings = []
    devices, absent = chosen_devices(args, warnings)
    net_dir = os.path.join(args.sysfs_root, "class", "net")
    with libvirt_connection(args) as conn:
        if args.dry_run:
            plan = plan_define(conn, name, devices, absent, net_dir)
            reason = refusal(plan, args.force)
        else:
            with hold_lock(settings.lock_path, on_wait=progress):
                plan = plan_define(conn, name, devices, absent, net_dir)
                reason = refusal(plan, args.force)
                if reason is None:
                    apply_plan(conn, plan, args.force)
    outcome = Outcome("define", plan, args.dry_run, args.force, reason,
                      warnings + plan_warnings(plan, args.force, args.dry_run))
    return report_outcome(outcome, args.json)
