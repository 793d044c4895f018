"""Issue 18 item 3 on the real qemu driver: what a running VM-FEX NIC (an
<interface type='network'> on the passthrough pool, actual type direct) can
do when it leaves VM-FEX for a Linux bridge. Findings: docs/leave-running-vms.md.

The NICs here start without <virtualport> (802.1Qbh needs a Cisco vNIC, see
test_domains_real); everything else is what the hook and VDSM hand libvirt.
"""
import shutil
import subprocess
import time

import libvirt
import pytest
from lxml import etree

from tests.libvirtd.fixtures import STARTS_DOMAINS
from tests.libvirtd.helpers import (
    HOTPLUG_DEVICES,
    NETWORK,
    POOL_EXHAUSTED,
    SMALL_DOMAIN,
    interfaces,
    mac,
    start_paused,
    vmfex_map,
)

pytestmark = [pytest.mark.libvirtd, STARTS_DOMAINS]

BRIDGE = "br0"
# The oVirt network of the VM-FEX vNIC profile: VDSM's <source bridge> for it.
VMFEX_NETWORK = "vmfex-net"
MAC = mac(1)
ALIAS = "ua-5c3d2b1a-0f9e-4d8c-b7a6-958473625140"

# libvirt 9.0's words. qemuDomainChangeNet (src/qemu/qemu_hotplug.c): a change
# of the actual type (direct -> bridge) needs a reconnect, which it refuses;
# for a type='network' NIC it first allocates an actual device for the new
# definition, so on a passthrough pool it picks another free member and the
# differing direct device needs a reconnect too.
TYPE_CHANGE_REFUSED = ("Operation not supported: unable to change config on "
                       "'bridge' network type")
POOL_UPDATE_REFUSED = ("Operation not supported: unable to change config on "
                       "'network' network type")
ALIAS_IN_USE = "unsupported configuration: non unique alias detected: " + ALIAS
# VDSM waits up to hotunplug_timeout (30 s) for the guest to release a NIC.
UNPLUG_TIMEOUT = 30.0

# The <interface> VDSM builds from its device (vmdevices/network.py
# Interface.getXML): type bridge, the oVirt network as <source bridge>. It is
# what reaches before_update_device, before_nic_hotplug and libvirt; the hook
# rewrites it when a VM-FEX model names the NIC. No <filterref>: this machine
# has no ebtables to instantiate one (a profile without a filter sends none).
VDSM_NIC = """<interface type="bridge">
  <mac address="{mac}"/>
  <model type="virtio"/>
  <source bridge="{bridge}"/>
  <link state="{link}"/>
  <alias name="{alias}"/>
</interface>
"""
# Native PCIe hotplug (not QEMU's ACPI hotplug, the q35 default since 6.1):
# QEMU then releases at once a NIC plugged into a slot the guest never powered
# on, the paused guest's part of an unplug a guest OS does within seconds.
NATIVE_HOTPLUG = ('<qemu:commandline xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">'
                  '<qemu:arg value="-global"/>'
                  '<qemu:arg value="ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"/>'
                  '</qemu:commandline>\n')


def vdsm_nic(bridge: str, link: str = "up") -> str:
    return VDSM_NIC.format(mac=MAC, bridge=bridge, link=link, alias=ALIAS)


def without_virtualport(xml: str) -> str:
    """The hook's output minus <virtualport> (needs a Cisco vNIC)."""
    root = etree.fromstring(xml.encode())
    for port in root.iter("virtualport"):
        port.getparent().remove(port)
    return etree.tostring(root, encoding="unicode")


def on_vmfex(host, hook_point: str, xml: str) -> str:
    """`xml` as the hook puts MAC on the pool (VM map {MAC: Web}), startable here."""
    run = host.hook(hook_point, xml, vmfex_map({MAC: "Web"}))
    assert run.code == 0, run.stderr
    assert "-> network %s, port profile 'Web'" % NETWORK in run.stderr
    return without_virtualport(run.xml)


def running_vmfex_vm(host, conn, name: str = "leaving", pool=None):
    """A running domain whose NIC MAC the hook put on the pool (of the veths
    `pool`, default all) at its start."""
    host.define_pool(pool)
    domain = SMALL_DOMAIN.format(name=name, nics=HOTPLUG_DEVICES + vdsm_nic(VMFEX_NETWORK))
    return start_paused(conn, on_vmfex(host, "before_vm_start", domain))


def the_nic(dom, flags: int = 0):
    nics = interfaces(dom.XMLDesc(flags))
    assert len(nics) == 1, [etree.tostring(n) for n in nics]
    return nics[0]


def pool_use(conn) -> dict:
    """{pool member: connections}, only those in use."""
    root = etree.fromstring(conn.networkLookupByName(NETWORK).XMLDesc(0).encode())
    return {i.get("dev"): int(i.get("connections")) for i in root.findall("forward/interface")
            if i.get("connections")}


def assert_on_pool(nic) -> None:
    assert nic.get("type") == "direct"
    source = nic.find("source")
    assert (source.get("network"), source.get("dev"), source.get("mode")) == (
        NETWORK, "vmfex0", "passthrough")
    assert nic.find("mac").get("address") == MAC


def assert_on_bridge(libvirtd, nic) -> None:
    """A live NIC on BRIDGE whose tap the kernel really enslaved to it."""
    assert nic.get("type") == "bridge"
    assert nic.find("source").get("bridge") == BRIDGE
    assert nic.find("mac").get("address") == MAC
    tap = nic.find("target").get("dev")
    assert tap in bridge_ports(libvirtd)


def in_netns(libvirtd, *argv: str) -> str:
    """Run `argv` in the daemon's network namespace; its stdout."""
    proc = subprocess.run(["nsenter", "-t", str(libvirtd.holder.pid), "-n"] + list(argv),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def bridge_ports(libvirtd) -> list:
    out = in_netns(libvirtd, "ip", "-o", "link", "show", "master", BRIDGE)
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()]


@pytest.fixture
def bridge(libvirtd, conn):
    """A Linux bridge BRIDGE in the daemon's namespace, the target network."""
    if shutil.which("nsenter") is None:
        pytest.skip("nsenter missing from PATH (util-linux)")
    in_netns(libvirtd, "ip", "link", "add", BRIDGE, "type", "bridge")
    in_netns(libvirtd, "ip", "link", "set", BRIDGE, "up")
    try:
        yield BRIDGE
    finally:
        in_netns(libvirtd, "ip", "link", "del", BRIDGE)


def refused(call, *args) -> libvirt.libvirtError:
    with pytest.raises(libvirt.libvirtError) as err:
        call(*args)
    return err.value


# --- a live update (the engine's NIC profile change: VDSM updateDevice) -----

def test_a_live_update_to_a_bridge_is_refused_and_changes_nothing(host, conn, bridge):
    """vNIC-profile model: the new profile has no vmfex, the hook passes VDSM's
    bridge NIC through and libvirt cannot change the interface type live."""
    dom = running_vmfex_vm(host, conn)
    inactive = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    update = host.hook("before_update_device", vdsm_nic(bridge), None)
    assert (update.code, update.stderr, update.xml) == (0, "", vdsm_nic(bridge))

    for flags in (libvirt.VIR_DOMAIN_AFFECT_LIVE,
                  libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG):
        err = refused(dom.updateDeviceFlags, update.xml, flags)
        assert err.get_error_message() == TYPE_CHANGE_REFUSED
        assert err.get_error_code() == libvirt.VIR_ERR_OPERATION_UNSUPPORTED
        assert_on_pool(the_nic(dom))
        assert pool_use(conn) == {"vmfex0": 1}
        assert dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) == inactive  # all or nothing
    assert bridge_ports(host.daemon) == []


@pytest.mark.parametrize("bridge_name, link", [(BRIDGE, "up"), (VMFEX_NETWORK, "down")])
def test_an_update_the_vm_map_pulls_back_onto_the_pool_is_refused_too(
        host, conn, bridge, bridge_name, link):
    """VM-map model: VDSM hands device hook points the VM's custom properties
    of its start, so a map still naming the NIC puts the update back on the
    pool; libvirt allocates a second pool member for it and refuses. So does
    a mere link change on the old network: no live update of a pool NIC."""
    dom = running_vmfex_vm(host, conn)
    update = on_vmfex(host, "before_update_device", vdsm_nic(bridge_name, link))
    err = refused(dom.updateDeviceFlags, update, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert err.get_error_message() == POOL_UPDATE_REFUSED
    nic = the_nic(dom)
    assert_on_pool(nic)
    assert nic.find("link").get("state") == "up"
    assert pool_use(conn) == {"vmfex0": 1}  # the second member was given back


def test_an_update_on_a_pool_without_a_free_member_is_refused_by_the_allocation(
        host, conn):
    dom = running_vmfex_vm(host, conn, pool=["vmfex0"])
    update = on_vmfex(host, "before_update_device", vdsm_nic(VMFEX_NETWORK, "down"))
    err = refused(dom.updateDeviceFlags, update, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert POOL_EXHAUSTED in err.get_error_message()
    assert_on_pool(the_nic(dom))
    assert pool_use(conn) == {"vmfex0": 1}


# --- replug: unplug, change, plug (the guest loses that link meanwhile) ------

def wait_until_unplugged(dom, timeout: float = UNPLUG_TIMEOUT) -> bool:
    """Whether the domain's NICs are gone within `timeout` (bounded, as VDSM's
    _waitForDeviceRemoval): detachDeviceFlags returns before the guest let go."""
    deadline = time.monotonic() + timeout
    while interfaces(dom.XMLDesc(0)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def hotplugged_vmfex_vm(host, conn):
    """A running domain whose VM-FEX NIC was plugged live (before_nic_hotplug),
    in a slot the paused guest never powered on."""
    host.define_pool()
    target = SMALL_DOMAIN.format(name="replug", nics=HOTPLUG_DEVICES)
    dom = start_paused(conn, target.replace("</domain>", NATIVE_HOTPLUG + "</domain>"))
    dom.attachDeviceFlags(on_vmfex(host, "before_nic_hotplug", vdsm_nic(VMFEX_NETWORK)),
                          libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert_on_pool(the_nic(dom))
    assert pool_use(conn) == {"vmfex0": 1}
    return dom


def test_replug_moves_the_nic_to_the_bridge_and_frees_its_pool_device(
        host, conn, libvirtd, bridge):
    dom = hotplugged_vmfex_vm(host, conn)
    # VDSM's hotunplugNic detaches its own view of the NIC (type bridge, the
    # old network): libvirt finds the device by MAC and alias.
    dom.detachDeviceFlags(vdsm_nic(VMFEX_NETWORK), libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert wait_until_unplugged(dom)
    assert pool_use(conn) == {}

    plug = host.hook("before_nic_hotplug", vdsm_nic(bridge), None)
    assert (plug.code, plug.stderr, plug.xml) == (0, "", vdsm_nic(bridge))
    dom.attachDeviceFlags(plug.xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    nic = the_nic(dom)
    assert_on_bridge(libvirtd, nic)
    assert nic.find("alias").get("name") == ALIAS
    assert pool_use(conn) == {}


def test_a_replug_the_vm_map_still_names_goes_back_onto_the_pool(host, conn, bridge):
    """VM-map model: at before_nic_hotplug the map of the VM's start still
    names the MAC, so the plug lands on VM-FEX again, not on the bridge."""
    dom = hotplugged_vmfex_vm(host, conn)
    dom.detachDeviceFlags(vdsm_nic(VMFEX_NETWORK), libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert wait_until_unplugged(dom)
    dom.attachDeviceFlags(on_vmfex(host, "before_nic_hotplug", vdsm_nic(bridge)),
                          libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert_on_pool(the_nic(dom))
    assert pool_use(conn) == {"vmfex0": 1}


def test_an_unplug_the_guest_has_not_done_keeps_the_nic_and_its_pool_device(
        host, conn, bridge):
    """A NIC present since the start sits in a slot the guest powered on:
    without the guest's part detachDeviceFlags still returns (after libvirt's
    own ~5 s wait), the NIC stays and the plug of its successor is refused.
    Replug must see the NIC gone (bounded) before it plugs."""
    dom = running_vmfex_vm(host, conn)
    dom.detachDeviceFlags(vdsm_nic(VMFEX_NETWORK), libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert not wait_until_unplugged(dom, timeout=1.0)
    assert_on_pool(the_nic(dom))
    assert pool_use(conn) == {"vmfex0": 1}
    err = refused(dom.attachDeviceFlags, vdsm_nic(bridge), libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert err.get_error_message() == ALIAS_IN_USE


# --- next start: the persistent definition changed while running ------------

def test_a_config_only_change_takes_effect_at_the_next_start(host, conn, libvirtd, bridge):
    dom = running_vmfex_vm(host, conn)
    dom.updateDeviceFlags(vdsm_nic(bridge), libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    assert_on_pool(the_nic(dom))  # running on as it was
    assert pool_use(conn) == {"vmfex0": 1}
    stored = the_nic(dom, libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert (stored.get("type"), stored.find("source").get("bridge")) == ("bridge", bridge)

    dom.destroy()
    assert pool_use(conn) == {}
    dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
    assert_on_bridge(libvirtd, the_nic(dom))
    assert pool_use(conn) == {}
