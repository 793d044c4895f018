"""`vmfex-direct-pool`: define, inspect and remove the VM-FEX passthrough network.

The core (plan_define, plan_remove, apply_plan, pool_status) takes an open
libvirt connection, so callers and tests choose the connection; main() is the
command line around it.
"""
import argparse
import json
import os
import sys
from typing import List, Optional

from vdsm_hook_vmfex.errors import NetworkNotReady, VmfexError
from vdsm_hook_vmfex.netxml import FORWARD_MODE, NicOnNetwork, build_network_xml

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
PROG = "vmfex-direct-pool"

STEP_DONE = {"destroy": "stopped", "define": "defined", "start": "started",
             "autostart": "autostart set", "undefine": "undefined"}
STEP_TODO = {"destroy": "stop (destroy) the running network",
             "define": "define the network from the XML",
             "start": "start the network", "autostart": "set autostart",
             "undefine": "undefine the network"}
# A destroyed network forgets which vNICs running VMs hold: their macvtaps stay,
# and a restarted network may hand the same vNIC to the next VM.
CONSEQUENCE = {
    "change": "their NICs stay on the macvtap devices they have until each VM "
              "restarts, and the restarted network does not count those vNICs as in "
              "use, so a new VM may be given one: restart or migrate those VMs soon",
    "remove": "their NICs stay on the macvtap devices they have, but the VMs cannot "
              "restart or migrate to this host until the network is defined again",
}
ACTIONS = {"change": "change the devices of", "remove": "remove"}


class Refused(VmfexError):
    """A change that running domains would suffer, asked for without --force."""


class NoDevices(VmfexError):
    """Nothing to build the network from."""


class Plan(object):
    """What a define or remove would do to network `name`, and who uses it."""

    def __init__(self, name: str, steps: "List[str]", current=None,
                 xml: Optional[str] = None, devices: "Optional[List[str]]" = None,
                 disruptive: bool = False,
                 users: "Optional[List[NicOnNetwork]]" = None,
                 shared: "Optional[dict]" = None) -> None:
        self.name = name
        self.steps = steps
        self.current = current  # virt.NetworkInfo or None
        self.xml = xml
        self.devices = devices or []
        self.disruptive = disruptive  # stops or replaces the network VMs use
        self.users = users or []
        self.shared = shared or {}  # device -> other networks listing it


# --- pure decisions --------------------------------------------------------

def _same_devices(state, devices: "List[str]") -> bool:
    return (state is not None and state.mode == FORWARD_MODE
            and sorted(state.devices) == sorted(devices))


def define_steps(current, devices: "List[str]") -> "List[str]":
    """The libvirt steps that make `current` (virt.NetworkInfo or None) an
    active, autostarted, persistent passthrough network over `devices`."""
    if current is None:
        return ["define", "start", "autostart"]
    config_ok = current.persistent and _same_devices(current.config, devices)
    live_ok = current.live is None or _same_devices(current.live, devices)
    steps = []
    if current.active and not live_ok:
        # libvirt applies a new definition only when the network (re)starts.
        steps.append("destroy")
    if not config_ok:
        steps.append("define")
    if not current.active or not live_ok:
        steps.append("start")
    if not current.autostart:
        steps.append("autostart")
    return steps


def describe_users(users: "List[NicOnNetwork]", limit: int = 10) -> str:
    """'vm1 (00:1a:..:01 profile P1), vm2 (...)', the first `limit` NICs."""
    shown = ["%s (%s profile %s)" % (nic.domain, nic.mac or "no MAC",
                                     nic.profileid or "none") for nic in users[:limit]]
    more = len(users) - limit
    return ", ".join(shown) + (" and %d more NIC(s)" % more if more > 0 else "")


def refusal(plan: Plan, action: str, force: bool = False) -> Optional[str]:
    """Why `action` ('change' or 'remove') must not go ahead without --force,
    or None."""
    if force or not plan.steps:
        return None
    mode = plan.current.config.mode if plan.current is not None else FORWARD_MODE
    if mode != FORWARD_MODE:
        return ("refusing to %s network %r: its forward mode is %r, not %r, so it is "
                "not a VM-FEX pool; choose another name (--name, or network in "
                "vmfex.conf), or use --force to %s it anyway"
                % ("replace" if action == "change" else "remove", plan.name, mode,
                   FORWARD_MODE, "replace" if action == "change" else "remove"))
    if not plan.users:
        return None
    domains = sorted(set(nic.domain for nic in plan.users))
    return ("refusing to %s network %r: %d running domain(s) have NICs on it: %s; "
            "shut them down or migrate them away first, or use --force (%s)"
            % (ACTIONS[action], plan.name, len(domains), describe_users(plan.users),
               CONSEQUENCE[action]))


# --- libvirt edges -----------------------------------------------------------

def plan_define(conn, name: str, devices: "List[str]") -> Plan:
    """Read the network and decide; running domains are listed only when the
    change would stop or replace the network."""
    from vdsm_hook_vmfex.virt import devices_in_other_networks, list_network_users, read_network
    if not devices:
        raise NoDevices("no VM-FEX vNIC to put in network %r: expected --dev IFACE "
                        "or zero-MAC enic interfaces in sysfs" % name)
    current = read_network(conn, name)
    steps = define_steps(current, devices)
    # Disruptive: the devices a started network hands out change under VMs that
    # hold vNICs from it (an inactive network's VMs keep theirs too).
    disruptive = current is not None and (
        "destroy" in steps or (not current.active and "define" in steps
                               and not _same_devices(current.config, devices)))
    users = list_network_users(conn, name) if disruptive else []
    shared = devices_in_other_networks(conn, devices, name) if "define" in steps else {}
    xml = build_network_xml(name, devices, current.uuid if current else None)
    return Plan(name, steps, current, xml, devices, disruptive, users, shared)


def shared_warnings(plan: Plan) -> "List[str]":
    """One warning per device another libvirt network also hands out."""
    return ["%s is also a device of libvirt network(s) %s: a VM there and a VM on %r "
            "could be given the same vNIC" % (dev, ", ".join(repr(n) for n in nets),
                                              plan.name)
            for dev, nets in sorted(plan.shared.items())]


def plan_remove(conn, name: str) -> Plan:
    """Decide how to remove the network; running domains are always checked."""
    from vdsm_hook_vmfex.virt import list_network_users, read_network
    current = read_network(conn, name)
    steps = []
    if current is not None:
        if current.active:
            steps.append("destroy")
        if current.persistent:
            steps.append("undefine")
    users = list_network_users(conn, name) if steps else []
    return Plan(name, steps, current, disruptive=bool(steps), users=users)


def apply_plan(conn, plan: Plan, force: bool = False, action: str = "change") -> None:
    """Run the plan's steps in order; Refused, changing nothing, if running
    domains use the network or it is not a passthrough network, unless `force`."""
    from vdsm_hook_vmfex.errors import LibvirtFailure
    from vdsm_hook_vmfex.virt import change_network
    reason = refusal(plan, action, force)
    if reason:
        raise Refused(reason)
    done = []
    for step in plan.steps:
        try:
            change_network(conn, plan.name, step, plan.xml if step == "define" else None)
        except LibvirtFailure as err:
            raise LibvirtFailure("%s%s" % (err, _recover(conn, plan, done))) from None
        done.append(step)


def _recover(conn, plan: Plan, done: "List[str]") -> str:
    """After a failed step: restart a network we stopped, and say what was done."""
    from vdsm_hook_vmfex.errors import LibvirtFailure
    from vdsm_hook_vmfex.virt import change_network
    if not done:
        return "; nothing was changed"
    text = "; already done: %s" % ", ".join(STEP_DONE[s] for s in done)
    if "destroy" not in done or "start" in done or "undefine" in plan.steps:
        return text
    # A network left stopped fails every VM start on this host: bring it back
    # with whatever definition libvirt now holds.
    try:
        change_network(conn, plan.name, "start")
    except LibvirtFailure as err:
        return text + "; the network is stopped (%s)" % err
    return text + "; started the network again with its current definition"


class PoolStatus(object):
    """Network state, the running NICs on it, and whether it can serve VMs."""

    def __init__(self, name: str, current, users: "List[NicOnNetwork]",
                 reason: Optional[str], warnings: "List[str]") -> None:
        self.name = name
        self.current = current
        self.users = users
        self.reason = reason  # None when ready
        self.warnings = warnings

    @property
    def ready(self) -> bool:
        return self.reason is None

    def as_dict(self) -> dict:
        cur = self.current
        state = None
        if cur is not None:
            state = cur.live if cur.live is not None else cur.config
        return {
            "network": self.name,
            "defined": cur is not None,
            "persistent": bool(cur and cur.persistent),
            "active": bool(cur and cur.active),
            "autostart": bool(cur and cur.autostart),
            "mode": state.mode if state else None,
            "devices": list(state.devices) if state else [],
            "devices_in_use": list(state.busy) if state else [],
            "domains": [nic.as_dict() for nic in self.users],
            "ready": self.ready,
            "reason": self.reason,
            "warnings": list(self.warnings),
        }


def pool_status(conn, name: str) -> PoolStatus:
    """Everything `status` reports, read from libvirt."""
    from vdsm_hook_vmfex.virt import list_network_users, read_network, require_ready
    current = read_network(conn, name)
    users = list_network_users(conn, name)
    reason = None
    try:
        require_ready(name, current is not None, bool(current and current.active),
                      current.live if current else None)
    except NetworkNotReady as err:
        reason = str(err)
    warnings = []
    if current is not None:
        if not current.persistent:
            warnings.append("the network is transient: it disappears when libvirtd "
                            "restarts; run '%s define'" % PROG)
        elif not current.autostart:
            warnings.append("autostart is off: the network stays down after a host "
                            "reboot; run '%s define'" % PROG)
        if (current.live is not None and current.persistent
                and sorted(current.live.devices) != sorted(current.config.devices)):
            warnings.append("the definition (%s) differs from the running network; it "
                            "applies at the next network start"
                            % " ".join(current.config.devices))
    return PoolStatus(name, current, users, reason, warnings)


def format_status(status: PoolStatus) -> str:
    """The human table `status` prints."""
    info = status.as_dict()

    def yes(flag: bool) -> str:
        return "yes" if flag else "no"
    devices = " ".join(info["devices"]) or "-"
    if info["devices_in_use"]:
        devices += "  (in use: %s)" % " ".join(info["devices_in_use"])
    lines = [
        "network     %s" % info["network"],
        "defined     %s" % (yes(info["defined"]) + ("" if not info["defined"] else
                            " (persistent)" if info["persistent"] else " (transient)")),
        "active      %s" % yes(info["active"]),
        "autostart   %s" % yes(info["autostart"]),
        "mode        %s" % (info["mode"] or "-"),
        "devices     %s" % devices,
        "ready       %s" % ("yes" if status.ready else "no: " + status.reason),
    ]
    lines += ["warning     %s" % text for text in status.warnings]
    if status.users:
        rows = [("DOMAIN", "MAC", "PROFILE")] + [
            (nic.domain, nic.mac or "-", nic.profileid or "-") for nic in status.users]
        width = [max(len(row[i]) for row in rows) for i in range(2)]
        lines.append("")
        lines += ["%-*s  %-*s  %s" % (width[0], r[0], width[1], r[1], r[2]) for r in rows]
    else:
        lines.append("running domains on it: none")
    return "\n".join(lines) + "\n"


# --- command line ------------------------------------------------------------

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

The network name comes from /etc/vdsm/vmfex.conf ($VMFEX_CONF),
[vmfex] network = NAME (default direct-pool): the same setting the
vmfex hook uses. Exit status: 0 ok, 1 failed or refused, 2 bad usage.
"""

DEFINE_EPILOG = """\
examples:
  %(prog)s
  %(prog)s --dev eth3 --dev eth4 --dry-run
  %(prog)s --uri qemu:///system --name vmfex-lab --dev eth3

Without --dev it uses the interfaces in SYSFS/class/net whose device is
on PCI and whose MAC is 00:00:00:00:00:00 (dynamic vNICs no VM holds),
preferring those driven by enic. Changing the devices of a network that
running VMs use is refused unless --force.
"""

STATUS_EPILOG = """\
examples:
  %(prog)s
  %(prog)s --json --name vmfex-lab
"""

REMOVE_EPILOG = """\
examples:
  %(prog)s --dry-run
  %(prog)s
"""


def build_parser() -> argparse.ArgumentParser:
    from vdsm_hook_vmfex.version import __version__
    parser = argparse.ArgumentParser(
        prog=PROG, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Manage the libvirt passthrough network that lists this host's\n"
                    "Cisco VM-FEX dynamic vNICs, for the vmfex VDSM hook.")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def common(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument("--name", metavar="NAME",
                         help="network name (default: from vmfex.conf, else direct-pool)")
        cmd.add_argument("--uri", metavar="URI",
                         help="libvirt URI (default: VDSM's connection when VDSM is "
                              "installed, else libvirt's default URI)")

    define = sub.add_parser(
        "define", help="define, start and autostart the network",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=DEFINE_EPILOG,
        description="Define the passthrough network over the VM-FEX vNICs, start it\n"
                    "and set autostart. Does nothing when it is already so.")
    common(define)
    define.add_argument("--dev", metavar="IFACE", action="append", default=[],
                        help="a VM-FEX vNIC to include (repeat for each); "
                             "default: detect them")
    define.add_argument("--sysfs-root", metavar="DIR", default="/sys",
                        help="where sysfs is mounted (default: /sys)")
    define.add_argument("--dry-run", action="store_true",
                        help="print the XML and the changes; change nothing")
    define.add_argument("--force", action="store_true",
                        help="change the devices even while running VMs use the network")
    define.set_defaults(run=_run_define)

    status = sub.add_parser(
        "status", help="show the network, its devices and the VM NICs on it",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=STATUS_EPILOG,
        description="Show whether the network is defined, active and autostarted,\n"
                    "its devices, and the running VM NICs on it with their port\n"
                    "profiles. Exit 0 when it can serve VMs, 1 when not.")
    common(status)
    status.add_argument("--json", action="store_true", help="print JSON for scripts")
    status.set_defaults(run=_run_status)

    remove = sub.add_parser(
        "remove", help="stop and undefine the network",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=REMOVE_EPILOG,
        description="Stop (destroy) and undefine the network. Refused while running\n"
                    "VMs have NICs on it, unless --force.")
    common(remove)
    remove.add_argument("--dry-run", action="store_true",
                        help="print what would change; change nothing")
    remove.add_argument("--force", action="store_true",
                        help="remove it even while running VMs use it")
    remove.set_defaults(run=_run_remove)
    return parser


def _progress(message: str) -> None:
    sys.stderr.write("%s: %s\n" % (PROG, message))


class UsageError(VmfexError):
    """A bad command-line value."""


def _network_name(args, settings) -> str:
    from vdsm_hook_vmfex.config import check_network_name
    from vdsm_hook_vmfex.errors import ConfigError
    if args.name is None:
        return settings.network
    try:
        return check_network_name(args.name, "--name")
    except ConfigError as err:
        raise UsageError(str(err)) from None


def _devices(args) -> "List[str]":
    """--dev values checked, or the devices detected in sysfs (reported on stderr)."""
    from vdsm_hook_vmfex.netxml import InvalidDevice, check_ifname
    from vdsm_hook_vmfex.sysfs import choose_vmfex_devices, find_zero_mac_pci_nics
    net_dir = os.path.join(args.sysfs_root, "class", "net")
    if args.dev:
        devices = []
        for dev in args.dev:
            try:
                check_ifname(dev)
            except InvalidDevice as err:
                raise UsageError("--dev: %s" % err) from None
            if dev in devices:
                raise UsageError("--dev %s is given twice: expected each device once" % dev)
            devices.append(dev)
        for dev in devices:
            if not os.path.exists(os.path.join(net_dir, dev)):
                _progress("warning: %s is not an interface in %s on this host"
                          % (dev, net_dir))
        return devices
    chosen, warning = choose_vmfex_devices(find_zero_mac_pci_nics(args.sysfs_root))
    if warning:
        _progress("warning: " + warning)
    if not chosen:
        raise NoDevices("no VM-FEX vNIC found in %s (expected interfaces on PCI with MAC "
                        "00:00:00:00:00:00, driver enic): check the service profile "
                        "gives this host dynamic vNICs, or name them with --dev"
                        % net_dir)
    _progress("found %d VM-FEX vNIC(s) in %s: %s"
              % (len(chosen), net_dir, ", ".join(nic.describe() for nic in chosen)))
    return [nic.name for nic in chosen]


def _describe_steps(steps: "List[str]", names: dict) -> str:
    return ", ".join(names[step] for step in steps)


def _report_dry_run(plan, action: str, force: bool, nothing_to_do: str) -> int:
    """Say what `plan` would do, or why it would be refused; change nothing."""
    if not plan.steps:
        _progress("dry run: network %r %s" % (plan.name, nothing_to_do))
        return EXIT_OK
    _progress("dry run: would %s on network %r"
              % (_describe_steps(plan.steps, STEP_TODO), plan.name))
    reason = refusal(plan, action, force)
    if reason:
        _progress("dry run: would refuse: " + reason)
        return EXIT_FAILED
    return EXIT_OK


def _run_define(args, settings, conn) -> int:
    from vdsm_hook_vmfex.lock import hold_lock
    devices = args.devices
    if args.dry_run:
        plan = plan_define(conn, args.network, devices)
        for warning in shared_warnings(plan):
            _progress("warning: " + warning)
        sys.stdout.write(plan.xml)
        return _report_dry_run(plan, "change", args.force, "is unchanged")
    with hold_lock(settings.lock_path, on_wait=_progress):
        plan = plan_define(conn, args.network, devices)
        apply_plan(conn, plan, args.force, "change")
    for warning in shared_warnings(plan):
        _progress("warning: " + warning)
    if plan.users:
        _progress("warning: running domains use network %r: %s"
                  % (plan.name, CONSEQUENCE["change"]))
    done = _describe_steps(plan.steps, STEP_DONE) if plan.steps else "unchanged"
    sys.stdout.write("%s: %s (%s over %s)\n" % (plan.name, done, FORWARD_MODE,
                                               " ".join(devices)))
    return EXIT_OK


def _run_remove(args, settings, conn) -> int:
    from vdsm_hook_vmfex.lock import hold_lock
    if args.dry_run:
        plan = plan_remove(conn, args.network)
        return _report_dry_run(plan, "remove", args.force,
                               "is not defined; nothing to remove")
    with hold_lock(settings.lock_path, on_wait=_progress):
        plan = plan_remove(conn, args.network)
        apply_plan(conn, plan, args.force, "remove")
    if plan.users:
        _progress("warning: running domains used network %r: %s"
                  % (plan.name, CONSEQUENCE["remove"]))
    if not plan.steps:
        sys.stdout.write("%s: not defined, nothing to remove\n" % plan.name)
    else:
        sys.stdout.write("%s: %s\n" % (plan.name, _describe_steps(plan.steps, STEP_DONE)))
    return EXIT_OK


def _run_status(args, settings, conn) -> int:
    status = pool_status(conn, args.network)
    if args.json:
        sys.stdout.write(json.dumps(status.as_dict(), indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(format_status(status))
    if not status.ready:
        _progress("not ready: " + status.reason)
        return EXIT_FAILED
    return EXIT_OK


def main(argv: "Optional[List[str]]" = None) -> int:
    """Run `vmfex-direct-pool` with `argv` (default sys.argv[1:]); return the exit code."""
    from vdsm_hook_vmfex.config import load_settings
    from vdsm_hook_vmfex.virt import open_connection
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        args.network = _network_name(args, settings)
        args.devices = _devices(args) if args.command == "define" else []
        conn = open_connection(args.uri)
        try:
            return args.run(args, settings, conn)
        finally:
            conn.close()
    except UsageError as err:
        _progress("error: %s" % err)
        return EXIT_USAGE
    except VmfexError as err:
        _progress("error: %s" % err)
        return EXIT_FAILED
    except KeyboardInterrupt:
        _progress("interrupted")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
