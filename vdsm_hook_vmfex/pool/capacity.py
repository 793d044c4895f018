"""How many VM-FEX NICs the pool can still take on this host, member by member.

Pure: what libvirt and sysfs said in, small records out. A member counts in
`total` when the interface exists on the host; it is `used` when the live
network XML gives it connections (libvirt counts the NICs on each forward
<interface>; in passthrough mode one NIC holds one device) or a running
domain's live XML names it as its NIC's source device; it is `free` when
unused and a VM-FEX vNIC, because a port profile on any other device fails
the VM start. So total - used - free = the unused members that are not VM-FEX
vNICs (listed in `not_vmfex`).
"""


class Member(object):
    """One device of the pool: on the host? a VM-FEX vNIC? which NICs use it?"""

    def __init__(self, dev: str, present: bool, vmfex: bool, connections: int,
                 used_by: "list") -> None:
        self.dev = dev
        self.present = present
        self.vmfex = vmfex
        self.connections = connections
        self.used_by = used_by  # domainxml.NicOnNetwork

    @property
    def used(self) -> bool:
        # used_by without connections: the network was stopped under running
        # VMs, which keep their devices (see plan.CONSEQUENCE).
        return self.connections > 0 or bool(self.used_by)

    def as_dict(self) -> dict:
        return {"dev": self.dev, "present": self.present, "vmfex": self.vmfex,
                "connections": self.connections,
                "used_by": [{"domain": nic.domain, "mac": nic.mac} for nic in self.used_by]}


class Capacity(object):
    """The pool's members and the numbers that follow from them."""

    def __init__(self, members: "list") -> None:
        self.members = members

    @property
    def total(self) -> int:
        return sum(1 for m in self.members if m.present)

    @property
    def used(self) -> int:
        return sum(1 for m in self.members if m.present and m.used)

    @property
    def free(self) -> int:
        return sum(1 for m in self.members if m.present and not m.used and m.vmfex)

    @property
    def missing(self) -> "list":
        return [m.dev for m in self.members if not m.present]

    @property
    def not_vmfex(self) -> "list":
        return [m.dev for m in self.members if m.present and not m.vmfex]

    def numbers(self) -> dict:
        return {"total": self.total, "used": self.used, "free": self.free}


def pool_capacity(current, users: "list", interfaces: dict) -> Capacity:
    """The capacity of network `current` (virt.NetworkInfo, None: not defined)
    from its live XML (its definition while inactive: nothing is used then),
    the NICs on it (`users`, domainxml.NicOnNetwork) and `interfaces`
    ({dev: sysfs.Interface} for every member)."""
    if current is None:
        return Capacity([])
    state = current.live if current.live is not None else current.config
    members = []
    for dev in state.devices:
        connections = state.connections.get(dev, 0)
        used_by = [nic for nic in users if nic.dev == dev]
        in_use = connections > 0 or bool(used_by)
        members.append(Member(dev, interfaces[dev].present,
                              interfaces[dev].is_vmfex(in_use), connections, used_by))
    return Capacity(members)
