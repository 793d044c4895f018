"""The XML rewrite: pure function on lxml trees, checked by libvirt itself."""
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.domains import domain_xml
from tests.paths import DATA
from tests.virt_helpers import libvirt_schema_errors, start_domain
from vdsm_hook_vmfex.common.errors import InvalidDomainXml
from vdsm_hook_vmfex.hook.domxml import (
    attach_port_profiles,
    find_interfaces,
    interface_mac,
    parse_xml,
    serialize_xml,
)

B0, B1, OTHER = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1", "00:1a:4a:16:01:57"
MAPPING = {B0: "Profile1", B1: "Profile2"}


def sample() -> bytes:
    with open(os.path.join(DATA, "vdsm-domain.xml"), "rb") as xml:
        return xml.read()


def rewrite(data: bytes, mapping=MAPPING, network="direct-pool"):
    root = parse_xml(data)
    rewrites, missing = attach_port_profiles(root, mapping, network)
    return root, rewrites, missing


def nic(root, mac):
    return next(i for i in find_interfaces(root) if interface_mac(i) == mac)


def canonical(element) -> bytes:
    return etree.tostring(element, method="c14n")


def test_mapped_nics_become_vmfex_nics():
    root, rewrites, missing = rewrite(sample())
    assert [(r.mac, r.profile, r.changed) for r in rewrites] == [
        (B0, "Profile1", True), (B1, "Profile2", True)]
    assert missing == []
    for mac, profile in MAPPING.items():
        iface = nic(root, mac)
        assert iface.get("type") == "network"
        assert [dict(s.attrib) for s in iface.findall("source")] == [{"network": "direct-pool"}]
        ports = iface.findall("virtualport")
        assert [p.get("type") for p in ports] == ["802.1Qbh"]
        assert [dict(p.attrib) for p in ports[0]] == [{"profileid": profile}]
        assert iface.find("filterref") is None


def test_everything_else_of_a_mapped_nic_is_kept():
    before = parse_xml(sample())
    after, _, _ = rewrite(sample())
    for mac in MAPPING:
        kept = [(c.tag, dict(c.attrib), [canonical(g) for g in c])
                for c in nic(before, mac) if c.tag not in ("source", "filterref")]
        now = [(c.tag, dict(c.attrib), [canonical(g) for g in c])
               for c in nic(after, mac) if c.tag not in ("source", "virtualport")]
        assert now == kept
    b0 = nic(after, B0)
    assert b0.find("boot").get("order") == "2"
    assert b0.find("mtu").get("size") == "1500"
    assert nic(after, B1).find("driver").get("queues") == "4"


def test_unmapped_nics_and_the_rest_of_the_document_are_untouched():
    before = parse_xml(sample())
    after, _, _ = rewrite(sample())
    assert canonical(nic(after, OTHER)) == canonical(nic(before, OTHER))
    for old, new in zip(before, after):
        if old.tag != "devices":
            assert canonical(new) == canonical(old)
    text = serialize_xml(after, sample()).decode()
    assert "<ovirt-vm:device mac_address=\"00:1a:4a:16:01:b0\">" in text
    assert "<ovirt-tune:qos/>" in text
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<domain ")


def test_output_is_accepted_by_libvirt(virt):
    root, _, _ = rewrite(sample())
    xml = serialize_xml(root, sample()).decode()
    assert libvirt_schema_errors(xml, "domain") == ""
    dom = start_domain(virt, xml)
    live = etree.fromstring(dom.XMLDesc(0).encode())
    ports = live.findall("devices/interface/virtualport/parameters")
    assert [p.get("profileid") for p in ports] == ["Profile1", "Profile2"]
    assert [s.get("network") for s in live.findall("devices/interface/source")] == [
        "direct-pool", "direct-pool", None]


def test_filterref_is_dropped_from_an_already_network_nic():
    """qemu refuses filterref once the actual type is direct (facts), whatever
    the NIC looked like before."""
    root = parse_xml(sample())
    iface = nic(root, B0)
    iface.set("type", "network")
    iface.find("source").attrib.clear()
    iface.find("source").set("network", "direct-pool")
    assert iface.find("filterref") is not None
    attach_port_profiles(root, {B0: "Profile1"}, "direct-pool")
    assert iface.find("filterref") is None


def test_rewrite_is_idempotent():
    root, _, _ = rewrite(sample())
    once = serialize_xml(root, sample())
    again, rewrites, _ = rewrite(once)
    assert [r.changed for r in rewrites] == [False, False]
    assert serialize_xml(again, once) == once


ATTACHED = """<interface type='network'>
      <mac address='00:1A:4A:16:01:B0'/>
      <source   network='direct-pool' />
      <virtualport type='802.1Qbh'>
        <parameters profileid='P1'/>
      </virtualport>
      <model type='virtio'/>
    </interface>"""


@pytest.mark.parametrize("xml", [
    ATTACHED,
    ATTACHED.replace("'", '"'),
    ATTACHED.replace("<parameters", "<!-- set by vmfex --><parameters"),
    "".join(line.strip() for line in ATTACHED.splitlines()),
])
def test_a_nic_already_meaning_the_profile_is_left_as_it_is(xml):
    # VDSM re-serialises the hook's before_device_create output: other
    # whitespace and quoting, the same meaning.
    root, rewrites, _ = rewrite(xml.encode(), {B0: "P1"})
    assert [r.changed for r in rewrites] == [False]
    assert canonical(root) == canonical(parse_xml(xml.encode()))  # whitespace too


@pytest.mark.parametrize("old, new", [
    ("type='network'", "type='bridge'"),
    ("network='direct-pool'", "network='other-pool'"),
    ("network='direct-pool'", "network='direct-pool' portgroup='x'"),
    ("profileid='P1'", "profileid='P2'"),
    ("profileid='P1'", "profileid='P1' instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'"),
    ("type='802.1Qbh'", "type='802.1Qbg'"),
    ("<model", "<filterref filter='vdsm-no-mac-spoofing'/><model"),
    ("<model", "<vlan><tag id='42'/></vlan><model"),
    ("<model", "<source network='direct-pool'/><model"),
    ("</virtualport>", "<parameters profileid='P1'/></virtualport>"),
])
def test_a_nic_differing_in_meaning_is_rewritten(old, new):
    xml = ATTACHED.replace(old, new, 1).encode()
    root, rewrites, _ = rewrite(xml, {B0: "P1"})
    assert [r.changed for r in rewrites] == [True]
    iface = nic(root, B0)
    assert (iface.get("type"), iface.find("source").attrib,
            [dict(p.attrib) for p in iface.iter("parameters")]) == (
        "network", {"network": "direct-pool"}, [{"profileid": "P1"}])
    assert [c.tag for c in iface] == ["mac", "source", "virtualport", "model"]


def test_existing_virtualport_vlan_and_port_are_replaced_or_dropped():
    xml = b"""<interface type="bridge">
  <mac address="00:1A:4A:16:01:B0"/>
  <source bridge="ovirtmgmt"/>
  <virtualport type="openvswitch"><parameters interfaceid="x"/></virtualport>
  <vlan><tag id="42"/></vlan>
  <port isolated="yes"/>
  <filterref filter="vdsm-no-mac-spoofing"/>
</interface>"""
    root, rewrites, _ = rewrite(xml, {B0: "P1"})
    assert rewrites[0].previous == "bridge ovirtmgmt"
    assert [c.tag for c in root] == ["mac", "source", "virtualport"]
    assert serialize_xml(root, xml).decode() == """<interface type="network">
  <mac address="00:1A:4A:16:01:B0"/>
  <source network="direct-pool"/>
  <virtualport type="802.1Qbh"><parameters profileid="P1"/></virtualport>
</interface>"""


def test_hotplugged_interface_alone_is_rewritten():
    xml = domain_xml([B0]).encode()
    iface = etree.tostring(parse_xml(xml).find("devices/interface"))
    root, rewrites, missing = rewrite(iface, {B0: "P1", B1: "P2"})
    assert root.tag == "interface" and root.get("type") == "network"
    assert missing == [B1]
    other, rewrites, _ = rewrite(iface, {B1: "P2"})
    assert rewrites == [] and canonical(other) == canonical(parse_xml(iface))


def test_interface_without_source_gets_one_after_mac():
    root, _, _ = rewrite(b'<interface type="bridge"><mac address="%s"/><model type="virtio"/>'
                         b'</interface>' % B0.encode(), {B0: "P1"})
    assert [c.tag for c in root] == ["mac", "source", "virtualport", "model"]


def test_configured_network_name_is_used():
    root, _, _ = rewrite(sample(), network="vmfex-pool-2")
    assert nic(root, B0).find("source").get("network") == "vmfex-pool-2"


def test_mapped_hostdev_nic_is_refused_before_anything_changes():
    xml = domain_xml([B0, B1]).replace(
        '<interface type="bridge">\n      <mac address="%s"/>' % B1,
        '<interface type="hostdev">\n      <mac address="%s"/>' % B1).encode()
    root = parse_xml(xml)
    before = canonical(root)
    with pytest.raises(InvalidDomainXml, match="NIC 00:1a:4a:16:01:b1 has type 'hostdev'"):
        attach_port_profiles(root, MAPPING, "direct-pool")
    assert canonical(root) == before


def test_missing_macs_are_reported_not_fatal():
    _, rewrites, missing = rewrite(sample(), {B0: "P1", "00:00:00:00:00:09": "P9"})
    assert [r.mac for r in rewrites] == [B0]
    assert missing == ["00:00:00:00:00:09"]


@pytest.mark.parametrize("data, message", [
    (b"", "not well-formed"),
    (b"<domain><devices>", "not well-formed"),
    (b"<network/>", "unexpected root element <network>"),
    (b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><domain>&x;</domain>',
     "document type declaration"),
])
def test_bad_xml_raises_our_error(data, message):
    with pytest.raises(InvalidDomainXml) as err:
        parse_xml(data)
    assert message in str(err.value)


# --- properties ------------------------------------------------------------

mac_lists = st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=8, unique=True).map(
    lambda ns: ["00:1a:4a:16:%02x:%02x" % (n >> 8, n & 0xFF) for n in ns])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mac_lists, st.data())
def test_any_domain_rewrite_is_valid_idempotent_and_local(macs, data):
    chosen = data.draw(st.lists(st.sampled_from(macs), unique=True))
    mapping = {mac: data.draw(st.sampled_from(["P1", "Profile 2", "a.b:c-d"])) for mac in chosen}
    original = domain_xml(macs, domain_type="test").encode()
    root = parse_xml(original)
    rewrites, missing = attach_port_profiles(root, mapping, "direct-pool")
    out = serialize_xml(root, original)
    assert sorted(r.mac for r in rewrites) == sorted(mapping) and missing == []
    assert libvirt_schema_errors(out.decode(), "domain") == ""
    before = parse_xml(original)
    for mac in macs:
        if mac not in mapping:
            assert canonical(nic(root, mac)) == canonical(nic(before, mac))
    again = parse_xml(out)
    attach_port_profiles(again, mapping, "direct-pool")
    assert serialize_xml(again, out) == out


@settings(max_examples=40, deadline=None)
@given(mac_lists, st.data())
def test_every_rewritten_domain_starts_on_libvirt(macs, data):
    import libvirt

    chosen = data.draw(st.lists(st.sampled_from(macs), unique=True, max_size=3))
    mapping = {mac: "P%d" % i for i, mac in enumerate(chosen)}
    root = parse_xml(domain_xml(macs, domain_type="test").encode())
    attach_port_profiles(root, mapping, "direct-pool")
    conn = libvirt.open("test:///default")
    try:
        conn.networkCreateXML("<network><name>direct-pool</name><forward mode='passthrough'>"
                              "<interface dev='eth3'/></forward></network>")
        start_domain(conn, etree.tostring(root).decode())
    finally:
        conn.close()
