"""The pool's capacity: members counted from live XML, sysfs and the NICs on it."""
from vdsm_hook_vmfex.host.domainxml import NicOnNetwork
from vdsm_hook_vmfex.host.netxml import read_pool_state
from vdsm_hook_vmfex.host.virt import NetworkInfo
from vdsm_hook_vmfex.pool.capacity import pool_capacity
from vdsm_hook_vmfex.pool.sysfs import ZERO_MAC, Interface

LIVE = """<network connections='2'>
  <name>direct-pool</name>
  <forward dev='eth3' mode='passthrough'>
    <interface dev='eth3' connections='1'/>
    <interface dev='eth4' connections='1'/>
    <interface dev='eth5'/>
    <interface dev='eth6'/>
    <interface dev='eth9'/>
  </forward>
</network>"""
CONFIG = LIVE.replace(" connections='1'", "").replace(" connections='2'", "")


def enic(name, mac=ZERO_MAC):
    return Interface(name, True, "0000:0b:00.1", "enic", mac)


INTERFACES = {
    "eth3": enic("eth3", "00:1a:4a:16:01:b0"),  # a VM's MAC: in use
    "eth4": enic("eth4", "00:1a:4a:16:01:b1"),
    "eth5": enic("eth5"),
    "eth6": Interface("eth6", True, "0000:06:00.0", "igb", "00:25:b5:00:00:0f"),
    "eth9": Interface("eth9", False),
}
USERS = [NicOnNetwork("vm1", "00:1a:4a:16:01:b0", "Web", "eth3"),
         NicOnNetwork("vm2", "00:1a:4a:16:01:b1", None, "eth4"),
         NicOnNetwork("vm3", "00:1a:4a:16:01:b2", None)]  # no device known


def network(active=True):
    return NetworkInfo("direct-pool", persistent=True, active=active,
                       config=read_pool_state(CONFIG),
                       live=read_pool_state(LIVE) if active else None)


def test_counts_present_used_and_free_members():
    capacity = pool_capacity(network(), USERS, INTERFACES)
    assert capacity.numbers() == {"total": 4, "used": 2, "free": 1}
    assert capacity.missing == ["eth9"]
    assert capacity.not_vmfex == ["eth6"]
    assert [m.as_dict() for m in capacity.members][:2] == [
        {"dev": "eth3", "present": True, "vmfex": True, "connections": 1,
         "used_by": [{"domain": "vm1", "mac": "00:1a:4a:16:01:b0"}]},
        {"dev": "eth4", "present": True, "vmfex": True, "connections": 1,
         "used_by": [{"domain": "vm2", "mac": "00:1a:4a:16:01:b1"}]}]
    assert capacity.members[2].as_dict()["used_by"] == []


def test_a_free_enic_with_a_mac_is_no_vmfex_vnic():
    # Free dynamic vNICs show an all-zero MAC; a static vNIC shows its own.
    interfaces = dict(INTERFACES, eth5=enic("eth5", "00:25:b5:00:00:1f"))
    capacity = pool_capacity(network(), USERS, interfaces)
    assert capacity.not_vmfex == ["eth5", "eth6"]
    assert capacity.numbers() == {"total": 4, "used": 2, "free": 0}


def test_an_inactive_network_counts_what_running_domains_still_hold():
    # No connections without a live network; the domains keep their devices.
    capacity = pool_capacity(network(active=False), USERS, INTERFACES)
    assert capacity.numbers() == {"total": 4, "used": 2, "free": 1}
    assert [m.connections for m in capacity.members] == [0, 0, 0, 0, 0]
    nobody = pool_capacity(network(active=False), [], dict(
        INTERFACES, eth3=enic("eth3"), eth4=enic("eth4")))
    assert nobody.numbers() == {"total": 4, "used": 0, "free": 3}


def test_a_missing_network_has_no_members():
    empty = pool_capacity(None, USERS, {})
    assert (empty.numbers(), empty.members, empty.missing) == (
        {"total": 0, "used": 0, "free": 0}, [], [])
