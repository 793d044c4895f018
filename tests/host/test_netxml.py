"""The passthrough network's XML: built with lxml, valid for libvirt; read back."""
from tests.virt_helpers import libvirt_schema_errors
from vdsm_hook_vmfex.host.netxml import build_network_xml, read_pool_state


def test_network_xml_is_the_documented_shape_and_valid():
    xml = build_network_xml("direct-pool", ["eth3", "eth4"])
    assert xml == ('<network>\n  <name>direct-pool</name>\n  <forward mode="passthrough">\n'
                   '    <interface dev="eth3"/>\n    <interface dev="eth4"/>\n'
                   '  </forward>\n</network>\n')
    assert libvirt_schema_errors(xml, "network") == ""


def test_network_xml_escapes_names_and_keeps_the_uuid():
    xml = build_network_xml("pool<&>'\"", ["eth3"], "5f3c1a2e-0b7d-4a8e-9c61-3e2f4d5a6b70")
    assert "<name>pool&lt;&amp;&gt;'\"</name>" in xml
    assert "<uuid>5f3c1a2e-0b7d-4a8e-9c61-3e2f4d5a6b70</uuid>" in xml
    assert libvirt_schema_errors(xml, "network") == ""


LIVE_XML = """<network connections='2'>
  <name>direct-pool</name>
  <forward mode='passthrough'>
    <interface dev='eth3' connections='1'/>
    <interface dev='eth4'/>
    <interface dev='eth5' connections='1'/>
    <interface dev='eth6'/>
  </forward>
</network>"""


def test_pool_state_counts_devices_in_use_from_live_xml():
    # The real network driver marks each passthrough device a NIC holds with
    # connections='N' in the live XML (the test driver does not track it).
    state = read_pool_state(LIVE_XML)
    assert state.mode == "passthrough"
    assert state.busy == ["eth3", "eth5"]
    assert state.free == ["eth4", "eth6"]
    assert state.connections == {"eth3": 1, "eth5": 1}


def test_pool_state_of_a_network_without_forward():
    state = read_pool_state("<network><name>isolated</name></network>")
    assert (state.mode, state.devices, state.free) == (None, [], [])
