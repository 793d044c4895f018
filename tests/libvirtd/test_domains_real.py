"""What the hook writes, judged by libvirt's qemu driver: defineXML, device
attach, and a start that gets as far as the 802.1Qbh association."""
import libvirt
import pytest
from lxml import etree

from tests.libvirtd.fixtures import STARTS_DOMAINS
from tests.libvirtd.helpers import (
    NETWORK,
    NO_NETWORK,
    NOT_ACTIVE,
    POOL_EXHAUSTED,
    PORT_PROFILE_FAILED,
    REWRITABLE_TYPES,
    SMALL_DOMAIN,
    hotplug_target,
    interfaces,
    mac,
    rich_domain,
    rich_nic,
    small_domain,
    start_paused,
    tcg_sample,
    vmfex_map,
)

pytestmark = [pytest.mark.libvirtd, STARTS_DOMAINS]

SAMPLE_MAP = {"00:1a:4a:16:01:b0": "Profile1", "00:1a:4a:16:01:b1": "Profile2"}


def by_mac(xml: str) -> dict:
    return {nic.find("mac").get("address"): nic for nic in interfaces(xml)}


def assert_on_pool(nic, profile: str) -> None:
    """A NIC as the qemu driver stored it: on the pool with its profile, and
    nothing libvirt refuses on a direct NIC left."""
    assert nic.get("type") == "network"
    assert nic.find("source").get("network") == NETWORK
    assert nic.find("virtualport").get("type") == "802.1Qbh"
    assert nic.find("virtualport/parameters").get("profileid") == profile
    for dropped in ("filterref", "vlan", "port"):
        assert nic.find(dropped) is None, dropped


def refused_start(host, conn, name: str, rewrite=lambda xml: xml):
    """The hook's output for a one-NIC domain `name` (its NIC mapped to
    profile Web), defined after `rewrite` and started, which must fail:
    (the domain, libvirt's message)."""
    run = host.hook("before_vm_start", rich_domain(name, 1), vmfex_map({mac(0): "Web"}))
    assert run.code == 0, run.stderr
    dom = conn.defineXML(rewrite(run.xml))
    with pytest.raises(libvirt.libvirtError) as err:
        dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
    return dom, err.value.get_error_message()


def test_the_vdsm_sample_rewritten_is_accepted_by_the_qemu_driver(host, conn):
    run = host.hook("before_vm_start", tcg_sample(), vmfex_map(SAMPLE_MAP))
    assert run.code == 0, run.stderr
    dom = conn.defineXML(run.xml)
    stored = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    nics = by_mac(stored)
    for address, profile in SAMPLE_MAP.items():
        assert_on_pool(nics[address], profile)
    b0, b1 = nics["00:1a:4a:16:01:b0"], nics["00:1a:4a:16:01:b1"]
    assert (b0.find("mtu").get("size"), b0.find("boot").get("order")) == ("1500", "2")
    assert b0.find("alias").get("name") == "ua-3e1a0c6c-8fd2-4b2d-a0b4-2d2e0d3b1f3a"
    assert b0.find("address").get("bus") == "0x01"
    assert b1.find("driver").get("queues") == "4"
    assert b1.find("bandwidth/inbound").get("average") == "10000"
    untouched = nics["00:1a:4a:16:01:57"]
    assert untouched.get("type") == "bridge"
    assert untouched.find("filterref").get("filter") == "vdsm-no-mac-spoofing"
    assert "<ovirt-vm:vmfex>" in stored  # VDSM's metadata survives libvirt too


@pytest.mark.parametrize("kind", REWRITABLE_TYPES)
def test_32_nics_of_each_type_rewritten_are_accepted(host, conn, kind):
    nics = "".join(rich_nic(i, kind, i + 1) for i in range(32))
    xml = SMALL_DOMAIN.format(name="nics-" + kind, nics=nics)
    profiles = {mac(i): "Profile%d" % i for i in range(32)}
    run = host.hook("before_vm_start", xml, vmfex_map(profiles))
    assert run.code == 0, run.stderr
    stored = conn.defineXML(run.xml).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    nics = by_mac(stored)
    assert len(nics) == 32
    for i in range(32):
        nic = nics[mac(i)]
        assert_on_pool(nic, "Profile%d" % i)
        kept = (nic.find("mtu").get("size"), nic.find("boot").get("order"),
                nic.find("driver").get("queues"), nic.find("address").get("bus"),
                nic.find("bandwidth/outbound").get("average"))
        assert kept == ("9000", str(i + 1), "4", "0x%02x" % (i + 1), "1000")
        assert nic.find("alias").get("name").startswith("ua-%08x" % i)


def test_domains_of_1_to_32_mixed_nics_rewritten_are_accepted(host, conn):
    for count in range(1, 33):
        profiles = {mac(i): "P%d" % count for i in range(count)}
        run = host.hook("before_vm_start", rich_domain("mixed%d" % count, count),
                        vmfex_map(profiles))
        assert run.code == 0, run.stderr
        dom = conn.defineXML(run.xml)
        nics = interfaces(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        assert len(nics) == count
        for nic in nics:
            assert_on_pool(nic, "P%d" % count)
        dom.undefine()


@pytest.mark.parametrize("kind", REWRITABLE_TYPES)
def test_hotplug_output_attaches_to_the_persistent_config(host, conn, kind):
    dom = conn.defineXML(hotplug_target("hotplug"))
    for i in range(3):
        run = host.hook("before_nic_hotplug", rich_nic(i, kind, None),
                        vmfex_map({mac(i): "Hot%d" % i}))
        assert run.code == 0, run.stderr
        dom.attachDeviceFlags(run.xml, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    nics = by_mac(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    assert sorted(nics) == [mac(i) for i in range(3)]
    for i in range(3):
        assert_on_pool(nics[mac(i)], "Hot%d" % i)


def test_starting_a_rewritten_nic_reaches_the_port_profile_association(host, conn):
    """On a veth libvirt gets as far as sending the 802.1Qbh association, which
    needs a Cisco enic vNIC: the XML passed every schema and driver check."""
    host.define_pool()
    dom, message = refused_start(host, conn, "qbh")
    assert PORT_PROFILE_FAILED in message
    assert dom.isActive() == 0
    # the failed start gave its pool device back
    assert "connections" not in conn.networkLookupByName(NETWORK).XMLDesc(0)


def test_hotplugging_a_rewritten_nic_into_a_running_domain_reaches_the_association(
        host, conn):
    host.define_pool()
    dom = start_paused(conn, hotplug_target("live"))
    run = host.hook("before_nic_hotplug", rich_nic(5, "bridge", None),
                    vmfex_map({mac(5): "Web"}))
    assert run.code == 0, run.stderr
    with pytest.raises(libvirt.libvirtError) as err:
        dom.attachDeviceFlags(run.xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert PORT_PROFILE_FAILED in err.value.get_error_message()


@pytest.mark.parametrize("pool_state, message", [
    ("missing", NO_NETWORK),
    ("inactive", NOT_ACTIVE),
    ("full", POOL_EXHAUSTED),
])
def test_libvirt_refuses_a_start_the_pool_cannot_serve(host, conn, libvirtd,
                                                       pool_state, message):
    """Why before_vm_start needs no check of its own: the hook passes, libvirt
    refuses the start itself."""
    if pool_state != "missing":
        host.define_pool()
    if pool_state == "inactive":
        conn.networkLookupByName(NETWORK).destroy()
    if pool_state == "full":
        for i in range(len(libvirtd.vnic_names)):
            start_paused(conn, small_domain("user%d" % i, [mac(100 + i)]))
    assert message in refused_start(host, conn, "late")[1]


def without_association(xml: str, mtu: str) -> str:
    """The hook's output minus what this machine cannot do: <virtualport>
    (802.1Qbh needs a Cisco vNIC) and <bandwidth> (this kernel has no sfq
    qdisc nor tc police action); <mtu> set to `mtu`."""
    root = etree.fromstring(xml.encode())
    for nic in root.iter("interface"):
        for name in ("virtualport", "bandwidth"):
            nic.remove(nic.find(name))
        nic.find("mtu").set("size", mtu)
    return etree.tostring(root, encoding="unicode")


def test_what_the_hook_keeps_starts_on_a_pool_device(host, conn):
    host.define_pool()
    run = host.hook("before_vm_start", rich_domain("kept", 1), vmfex_map({mac(0): "Web"}))
    assert run.code == 0, run.stderr
    dom = start_paused(conn, without_association(run.xml, "1500"))
    live = interfaces(dom.XMLDesc(0))[0]
    source = live.find("source")
    assert (source.get("network"), source.get("mode")) == (NETWORK, "passthrough")
    assert source.get("dev") == "vmfex0"
    assert live.find("target").get("dev").startswith("macvtap")
    kept = (live.find("driver").get("queues"), live.find("mtu").get("size"),
            live.find("boot").get("order"), live.find("address").get("bus"))
    assert kept == ("4", "1500", "1", "0x01")


def test_an_mtu_above_the_vnics_stops_the_start(host, conn):
    """libvirt sets <mtu> on the macvtap, which cannot exceed its vNIC's MTU
    (1500 here): a kept MTU larger than the VM-FEX vNIC's fails the start."""
    host.define_pool()
    _, message = refused_start(host, conn, "jumbo", lambda xml: without_association(xml, "9000"))
    assert "Cannot set interface MTU on 'macvtap" in message


VNIC_SAMPLE = "vdsm-domain-vnic-profiles.xml"
OVIRT_VM = "{http://ovirt.org/vm/1.0}"


def test_the_vnic_profile_sample_rewritten_is_accepted(host, conn):
    """No VM-level map: the NICs' profiles come from their vNIC profiles."""
    run = host.hook("before_vm_start", tcg_sample(VNIC_SAMPLE), None)
    assert run.code == 0, run.stderr
    written = by_mac(run.xml)
    stored = by_mac(conn.defineXML(run.xml).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    assert_on_pool(stored["00:1a:4a:16:01:b0"], "DbProfile")
    b1 = written["00:1A:4A:16:01:B1"].find("virtualport/parameters").get("profileid")
    assert_on_pool(stored["00:1a:4a:16:01:b1"], b1)
    assert stored["00:1a:4a:16:01:57"].get("type") == "bridge"


def test_the_vdsm_device_sequence_on_vnic_profiles_is_accepted(host, conn):
    """As VDSM starts such a VM: before_device_create on each NIC with device
    custom properties (its output appended to <devices> in its place), then
    before_vm_start on the whole domain; the qemu driver takes the result."""
    root = etree.fromstring(tcg_sample(VNIC_SAMPLE).encode())
    devices = root.find("devices")
    for device in root.iter(OVIRT_VM + "device"):
        value = device.findtext(OVIRT_VM + "custom/" + OVIRT_VM + "vmfex")
        if value is None:
            continue
        nic = [i for i in devices.findall("interface")
               if i.find("mac").get("address").lower() == device.get("mac_address").lower()][0]
        run = host.hook("before_device_create", etree.tostring(nic, encoding="unicode"),
                        value)
        assert run.code == 0, run.stderr
        devices.remove(nic)
        devices.append(etree.fromstring(run.xml.encode()))
    run = host.hook("before_vm_start", etree.tostring(root, encoding="unicode"), None)
    assert run.code == 0, run.stderr
    stored = by_mac(conn.defineXML(run.xml).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    assert_on_pool(stored["00:1a:4a:16:01:b0"], "DbProfile")
    assert stored["00:1a:4a:16:01:b1"].find("virtualport") is not None
    assert stored["00:1a:4a:16:01:57"].get("type") == "bridge"
