"""`vmfex-direct-pool status`: can this host serve VM-FEX NICs?"""
import argparse
import sys

from vdsm_hook_vmfex.common.cli import EXIT_FAILED, EXIT_OK, add_command
from vdsm_hook_vmfex.common.errors import NetworkNotReady
from vdsm_hook_vmfex.pool.capacity import Capacity, pool_capacity
from vdsm_hook_vmfex.pool.options import (
    PROG,
    add_json_argument,
    add_sysfs_argument,
    add_target_arguments,
    libvirt_connection,
    network_name,
    print_json,
    progress,
)

EPILOG = """\
examples:
  %(prog)s
  %(prog)s --json --name vmfex-lab
"""


class PoolStatus(object):
    """Network state, the running NICs on it, and whether it can serve VMs."""

    def __init__(self, name: str, current, users: "list", reason: "str | None",
                 warnings: "list", capacity: "Capacity | None" = None) -> None:
        self.name = name
        self.current = current  # virt.NetworkInfo or None
        self.users = users  # domainxml.NicOnNetwork
        self.reason = reason  # None when ready
        self.warnings = warnings
        self.capacity = capacity or Capacity([])

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
            "capacity": self.capacity.numbers(),
            "members": [member.as_dict() for member in self.capacity.members],
            "missing": self.capacity.missing,
            "not_vmfex": self.capacity.not_vmfex,
        }


def pool_status(conn, name: str, sysfs_root: str = "/sys") -> PoolStatus:
    """Everything `status` reports, read from libvirt and `sysfs_root`."""
    from vdsm_hook_vmfex.host.virt import list_network_users, read_network, require_ready
    from vdsm_hook_vmfex.pool.sysfs import read_interface
    current = read_network(conn, name)
    users = list_network_users(conn, name)
    members = []
    if current is not None:
        state = current.live if current.live is not None else current.config
        members = state.devices
    capacity = pool_capacity(current, users, {dev: read_interface(sysfs_root, dev)
                                              for dev in members})
    reason = None
    try:
        require_ready(name, current)
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
    if capacity.missing:
        warnings.append("member(s) %s: no such interface on this host; run '%s define'"
                        % (" ".join(capacity.missing), PROG))
    if capacity.not_vmfex:
        warnings.append("member(s) %s: not VM-FEX vNICs (expected driver enic on PCI "
                        "and MAC 00:00:00:00:00:00 while free)"
                        % " ".join(capacity.not_vmfex))
    return PoolStatus(name, current, users, reason, warnings, capacity)


def describe_capacity(capacity: Capacity) -> str:
    """'4 vNIC(s) on this host: 1 used, 3 free' and what does not count."""
    text = "%d vNIC(s) on this host: %d used, %d free" % (
        capacity.total, capacity.used, capacity.free)
    if capacity.missing:
        text += "; %d missing" % len(capacity.missing)
    if capacity.not_vmfex:
        text += "; %d not VM-FEX" % len(capacity.not_vmfex)
    return text


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
        "capacity    %s" % describe_capacity(status.capacity),
        "ready       %s" % ("yes" if status.ready else "no: " + status.reason),
    ]
    lines += ["warning     %s" % text for text in status.warnings]
    if status.users:
        rows = [("DOMAIN", "MAC", "DEVICE", "PROFILE")] + [
            (nic.domain, nic.mac or "-", nic.dev or "-", nic.profileid or "-")
            for nic in status.users]
        width = [max(len(row[i]) for row in rows) for i in range(3)]
        lines.append("")
        lines += ["%-*s  %-*s  %-*s  %s" % (width[0], r[0], width[1], r[1], width[2], r[2],
                                          r[3]) for r in rows]
    else:
        lines.append("running domains on it: none")
    return "\n".join(lines) + "\n"


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "status", help="show the network, its devices and the VM NICs on it",
        epilog=EPILOG,
        description="Show whether the network is defined, active and autostarted,\n"
                    "its devices, how many of them are used and free, and the\n"
                    "running VM NICs on it with their port profiles. Exit 0 when\n"
                    "it can serve VMs, 1 when not.")
    add_target_arguments(parser)
    add_sysfs_argument(parser)
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vdsm_hook_vmfex.host.config import load_settings
    name = network_name(args, load_settings())
    with libvirt_connection(args) as conn:
        status = pool_status(conn, name, args.sysfs_root)
    if args.json:
        print_json(status.as_dict())
    else:
        sys.stdout.write(format_status(status))
    if not status.ready:
        progress("not ready: " + status.reason)
        return EXIT_FAILED
    return EXIT_OK
