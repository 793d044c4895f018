"""What `define` and `remove` would do to the network, decided before any change.

plan_define/plan_remove read libvirt through an open connection; the
decisions themselves (define_steps, refusal) are pure.
"""
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.host.netxml import FORWARD_MODE, build_network_xml

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
    """What a define ('change') or remove ('remove') would do to network
    `name`, and who uses it."""

    def __init__(self, action: str, name: str, steps: "list", current=None,
                 xml: "str | None" = None, devices: "list | None" = None,
                 disruptive: bool = False, users: "list | None" = None,
                 shared: "dict | None" = None, absent: "list | None" = None,
                 absent_from: str = "/sys/class/net") -> None:
        if action not in ACTIONS:
            raise ValueError("unknown plan action %r" % action)
        self.action = action
        self.name = name
        self.steps = steps
        self.current = current  # virt.NetworkInfo or None
        self.xml = xml
        self.devices = devices or []
        self.disruptive = disruptive  # stops or replaces the network VMs use
        self.users = users or []  # domainxml.NicOnNetwork
        self.shared = shared or {}  # device -> other networks listing it
        self.absent = absent or []  # devices asked for that the host does not have
        self.absent_from = absent_from  # where they were looked for


def _same_devices(state, devices: "list") -> bool:
    return (state is not None and state.mode == FORWARD_MODE
            and sorted(state.devices) == sorted(devices))


def define_steps(current, devices: "list") -> "list":
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


def describe_users(users: "list", limit: int = 10) -> str:
    """'vm1 (00:1a:..:01 profile P1), vm2 (...)', the first `limit` NICs."""
    shown = ["%s (%s profile %s)" % (nic.domain, nic.mac or "no MAC",
                                     nic.profileid or "none") for nic in users[:limit]]
    more = len(users) - limit
    return ", ".join(shown) + (" and %d more NIC(s)" % more if more > 0 else "")


def refusal(plan: Plan, force: bool = False) -> "str | None":
    """Why the plan must not go ahead without --force, or None."""
    if force or not plan.steps:
        return None
    if plan.absent:
        # A typo in --dev (eht3) would give VMs a device that is not there.
        return ("refusing to define network %r over %s: no such interface on this "
                "host (none in %s); expected the name of a VM-FEX vNIC (see "
                "'ip link'), or use --force to define it anyway"
                % (plan.name, " ".join(plan.absent), plan.absent_from))
    verb = "replace" if plan.action == "change" else "remove"
    mode = plan.current.config.mode if plan.current is not None else FORWARD_MODE
    if mode != FORWARD_MODE:
        return ("refusing to %s network %r: its forward mode is %r, not %r, so it is "
                "not a VM-FEX pool; choose another name (--name, or network in "
                "vmfex.conf), or use --force to %s it anyway"
                % (verb, plan.name, mode, FORWARD_MODE, verb))
    if not plan.users:
        return None
    domains = sorted(set(nic.domain for nic in plan.users))
    return ("refusing to %s network %r: %d running domain(s) have NICs on it: %s; "
            "shut them down or migrate them away first, or use --force (%s)"
            % (ACTIONS[plan.action], plan.name, len(domains), describe_users(plan.users),
               CONSEQUENCE[plan.action]))


def plan_define(conn, name: str, devices: "list", absent: "list | None" = None,
                absent_from: str = "/sys/class/net") -> Plan:
    """Read the network and decide; running domains are listed only when the
    change would stop or replace the network. `absent`: the `devices` not
    found in `absent_from` (a define over them is refused unless forced)."""
    from vdsm_hook_vmfex.host.virt import (
        devices_in_other_networks,
        list_network_users,
        read_network,
    )
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
    return Plan("change", name, steps, current, xml, devices, disruptive, users, shared,
                absent, absent_from)


def shared_warnings(plan: Plan) -> "list":
    """One warning per device another libvirt network also hands out."""
    return ["%s is also a device of libvirt network(s) %s: a VM there and a VM on %r "
            "could be given the same vNIC" % (dev, ", ".join(repr(n) for n in nets),
                                              plan.name)
            for dev, nets in sorted(plan.shared.items())]


def plan_remove(conn, name: str) -> Plan:
    """Decide how to remove the network; running domains are always checked."""
    from vdsm_hook_vmfex.host.virt import list_network_users, read_network
    current = read_network(conn, name)
    steps = []
    if current is not None:
        if current.active:
            steps.append("destroy")
        if current.persistent:
            steps.append("undefine")
    users = list_network_users(conn, name) if steps else []
    return Plan("remove", name, steps, current, disruptive=bool(steps), users=users)
