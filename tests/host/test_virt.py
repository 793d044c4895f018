"""The hook's libvirt access: network readiness in a constant number of calls."""
import libvirt
import pytest

from tests.domains import host_node_xml, network_xml
from tests.hook.runner import node_uri
from tests.virt_helpers import CallRecorder
from vdsm_hook_vmfex.common.errors import LibvirtFailure, NetworkNotReady
from vdsm_hook_vmfex.host.virt import check_network_ready, open_connection


@pytest.mark.parametrize("running", [0, 1, 200])
def test_check_makes_the_same_three_calls_whatever_runs(tmp_path, running):
    conn = libvirt.open(node_uri(tmp_path, host_node_xml(running_domains=running, devices=4)))
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


def test_unreachable_libvirt_is_one_clear_error(tmp_path):
    with pytest.raises(LibvirtFailure, match="cannot connect to libvirt at test:///"):
        open_connection("test://%s" % (tmp_path / "missing.xml"))
