"""The hook's libvirt access: network readiness in a constant number of calls."""
import re

import libvirt
import pytest

from tests.domains import host_node_xml, network_xml
from tests.hook.runner import node_uri
from tests.hung_libvirt import hung_libvirtd
from tests.virt_helpers import CallRecorder
from vdsm_hook_vmfex.common.errors import LibvirtFailure, NetworkNotReady
from vdsm_hook_vmfex.host.virt import (
    check_network_ready,
    check_network_ready_within,
    open_connection,
)


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


def test_inactive_network_is_not_ready_and_names_the_fix(virt):
    virt.networkDefineXML(network_xml("idle").replace("  <network>", "<network>"))
    # match, not `as err`: its traceback would keep the test driver's
    # connection, and so its state, alive for the next test.
    with pytest.raises(NetworkNotReady, match="^%s$" % re.escape(
            "libvirt network 'idle' is defined but not active: run "
            "'vmfex-direct-pool define' on this host")):
        check_network_ready(virt, "idle")


def test_bridge_network_is_not_a_vmfex_pool(virt):
    with pytest.raises(NetworkNotReady, match="forward mode 'nat', expected 'passthrough'"):
        check_network_ready(virt, "default")


def test_enough_free_devices(virt):
    assert check_network_ready(virt, "direct-pool", 3).free == ["eth3", "eth4", "eth5"]
    # The pool never follows vNIC changes by itself (vmfex-dev rebuilt it on
    # each hook run): the message names the command that does.
    with pytest.raises(NetworkNotReady, match="^%s$" % re.escape(
            "libvirt network 'direct-pool' has 3 free VM-FEX vNIC(s) of 3, this VM needs 4: "
            "if vNICs were added to this host's service profile, run 'vmfex-direct-pool "
            "define' on this host; else free vNICs on this host or choose another host")):
        check_network_ready(virt, "direct-pool", 4)


def test_unreachable_libvirt_is_one_clear_error(tmp_path):
    with pytest.raises(LibvirtFailure, match="cannot connect to libvirt at test:///"):
        open_connection("test://%s" % (tmp_path / "missing.xml"))


def test_a_hung_libvirtd_is_a_failure_within_the_bound():
    with hung_libvirtd() as uri:
        with pytest.raises(LibvirtFailure, match="^%s$" % re.escape(
                "libvirt did not answer within 0.5 s while connecting and reading network "
                "'direct-pool': check libvirtd on this host (systemctl status libvirtd)")):
            check_network_ready_within(0.5, "direct-pool", 1, uri)


def test_within_the_bound_the_check_answers_as_it_does_unbounded(tmp_path):
    uri = node_uri(tmp_path, host_node_xml(devices=2))
    assert check_network_ready_within(30, "direct-pool", 2, uri).free == ["eth3", "eth4"]
    with pytest.raises(NetworkNotReady, match="this VM needs 3"):
        check_network_ready_within(30, "direct-pool", 3, uri)
