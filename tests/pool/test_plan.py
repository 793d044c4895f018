"""Planning define and remove: the pure decisions, and plans read from libvirt's
test driver."""
import pytest

from tests.pool.helpers import BUSY, define, node
from tests.virt_helpers import CallRecorder, libvirt_schema_errors
from vdsm_hook_vmfex.host.netxml import PoolState
from vdsm_hook_vmfex.host.virt import read_network
from vdsm_hook_vmfex.pool.apply import apply_plan
from vdsm_hook_vmfex.pool.plan import NoDevices, define_steps, plan_define, shared_warnings
from vdsm_hook_vmfex.pool.status import pool_status


class Info(object):
    def __init__(self, persistent=True, active=True, autostart=True,
                 config=("eth3", "eth4"), live=("eth3", "eth4"), mode="passthrough"):
        self.persistent, self.active, self.autostart = persistent, active, autostart
        self.config = PoolState(mode, list(config), [])
        self.live = PoolState(mode, list(live), []) if active else None
        self.uuid = "5f3c1a2e-0b7d-4a8e-9c61-3e2f4d5a6b70"


@pytest.mark.parametrize("info, steps", [
    (None, ["define", "start", "autostart"]),
    (Info(), []),
    (Info(config=("eth4", "eth3"), live=("eth4", "eth3")), []),
    (Info(active=False), ["start"]),
    (Info(active=False, autostart=False), ["start", "autostart"]),
    (Info(persistent=False, autostart=False), ["define", "autostart"]),
    (Info(config=("eth9",), live=("eth9",)), ["destroy", "define", "start"]),
    (Info(active=False, config=("eth9",)), ["define", "start"]),
    (Info(mode="bridge"), ["destroy", "define", "start"]),
    # defined anew while running: the running network is right, restore the definition
    (Info(config=("eth9",)), ["define"]),
    # defined right but running with old devices: restart
    (Info(live=("eth9",)), ["destroy", "start"]),
])
def test_define_steps(info, steps):
    assert define_steps(info, ["eth3", "eth4"]) == steps


def test_define_on_a_fresh_host_then_unchanged(fresh):
    conn = fresh
    plan = define(conn, ["eth3", "eth4"])
    assert plan.steps == ["define", "start", "autostart"]
    net = conn.networkLookupByName("direct-pool")
    assert (net.isActive(), net.autostart(), net.isPersistent()) == (1, 1, 1)
    assert libvirt_schema_errors(net.XMLDesc(0), "network") == ""
    assert pool_status(conn, "direct-pool").ready

    calls = []
    again = plan_define(CallRecorder(conn, calls), "direct-pool", ["eth4", "eth3"])
    assert again.steps == []
    # no domain or network listing unless (re)defining
    assert "listAllDomains" not in calls and "listAllNetworks" not in calls


def test_inactive_network_is_started_without_listing_domains():
    conn = node(BUSY)
    conn.networkLookupByName("direct-pool").destroy()
    calls = []
    plan = plan_define(CallRecorder(conn, calls), "direct-pool", ["eth3", "eth4"])
    assert plan.steps == ["start", "autostart"]
    assert "listAllDomains" not in calls
    apply_plan(conn, plan)
    assert read_network(conn, "direct-pool").active


def test_a_device_another_network_hands_out_is_warned_about():
    plan = plan_define(node(BUSY), "direct-pool", ["eth5", "eth9"])
    assert plan.shared == {"eth5": ["other-pool"]}
    assert shared_warnings(plan) == [
        "eth5 is also a device of libvirt network(s) 'other-pool': a VM there and a VM "
        "on 'direct-pool' could be given the same vNIC"]


def test_same_devices_under_running_domains_only_sets_autostart():
    conn = node(BUSY)
    plan = define(conn, ["eth4", "eth3"])
    assert (plan.steps, plan.users) == (["autostart"], [])


def test_no_devices_is_an_error_before_anything_changes(fresh):
    conn = fresh
    with pytest.raises(NoDevices, match="no VM-FEX vNIC to put in network 'direct-pool'"):
        plan_define(conn, "direct-pool", [])
    assert read_network(conn, "direct-pool") is None
