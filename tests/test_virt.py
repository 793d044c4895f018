"""The hook's libvirt access: network readiness in a constant number of calls."""
import libvirt
import pytest

from tests.conftest import CallRecorder
from tests.domains import host_node_xml, network_xml
from vdsm_hook_vmfex.errors import LibvirtFailure, NetworkNotReady
from vdsm_hook_vmfex.virt import check_network_ready, open_connection, read_pool_state


def open_node(tmp_path, body):
    path = tmp_path / "host.xml"
    path.write_text(body)
    return libvirt.open("test://%s" % path)


@pytest.mark.parametrize("running", [0, 1, 200])
def test_check_makes_the_same_three_calls_whatever_runs(tmp_path, running):
    conn = open_node(tmp_path, host_node_xml(running_domains=running, devices=4))
    assert len(conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)) == running
    calls = []
    state = check_network_ready(CallRecorder(conn, calls), "direct-pool", 2)
    assert calls == ["networkLookupByName", "isActive", "XMLDesc"]
    assert state.devices == ["eth3", "eth4", "eth5", "eth6"]


def test_undefined_network_names_the_fix(virt):
    with pytest.raises(NetworkNotReady) as err:
        check_network_ready(virt, "vmfex-pool-2")
    assert str(err.value) == ("libvirt network 'vmfex-pool-2' is not defined on this "
                              "host: run 'vmfex-direct-pool define' on this host")


def test_inactive_network_is_not_ready(virt):
    virt.networkDefineXML(network_xml("idle").replace("  <network>", "<network>"))
    with pytest.raises(NetworkNotReady, match="'idle' is defined but not active"):
        check_network_ready(virt, "idle")


def test_bridge_network_is_not_a_vmfex_pool(virt):
    with pytest.raises(NetworkNotReady, match="forward mode 'nat', expected 'passthrough'"):
        check_network_ready(virt, "default")


def test_enough_free_devices(virt):
    assert check_network_ready(virt, "direct-pool", 3).free == ["eth3", "eth4", "eth5"]
    with pytest.raises(NetworkNotReady, match="has 3 free VM-FEX vNIC.s. of 3, this VM needs 4"):
        check_network_ready(virt, "direct-pool", 4)


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


def test_pool_state_of_a_network_without_forward():
    state = read_pool_state("<network><name>isolated</name></network>")
    assert (state.mode, state.devices, state.free) == (None, [], [])


def test_unreachable_libvirt_is_one_clear_error(tmp_path):
    with pytest.raises(LibvirtFailure, match="cannot connect to libvirt at test:///"):
        open_connection("test://%s" % (tmp_path / "missing.xml"))
