"""`vmfex-direct-pool status`: can this host serve VM-FEX NICs?"""
import argparse
import json
import sys

from vdsm_hook_vmfex.common.cli import EXIT_FAILED, EXIT_OK, add_command
from vdsm_hook_vmfex.common.errors import NetworkNotReady
from vdsm_hook_vmfex.pool.options import (
    PROG,
    add_target_arguments,
    libvirt_connection,
    network_name,
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
                 warnings: "list") -> None:
        self.name = name
        self.current = current  # virt.NetworkInfo or None
        self.users = users  # domainxml.NicOnNetwork
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
    from vdsm_hook_vmfex.host.virt import list_network_users, read_network, require_ready
    current = read_network(conn, name)
    users = list_network_users(conn, name)
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


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "status", help="show the network, its devices and the VM NICs on it",
        epilog=EPILOG,
        description="Show whether the network is defined, active and autostarted,\n"
                    "its devices, and the running VM NICs on it with their port\n"
                    "profiles. Exit 0 when it can serve VMs, 1 when not.")
    add_target_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vdsm_hook_vmfex.host.config import load_settings
    name = network_name(args, load_settings())
    with libvirt_connection(args) as conn:
        status = pool_status(conn, name)
    if args.json:
        sys.stdout.write(json.dumps(status.as_dict(), indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(format_status(status))
    if not status.ready:
        progress("not ready: " + status.reason)
        return EXIT_FAILED
    return EXIT_OK
