"""Carrying out plans on libvirt's test driver: refusals, --force, recovery."""
import pytest

from tests.pool.helpers import BUSY, OTHER, define, node
from tests.virt_helpers import libvirt_schema_errors
from vdsm_hook_vmfex.common.errors import LibvirtFailure
from vdsm_hook_vmfex.host.netxml import build_network_xml
from vdsm_hook_vmfex.host.virt import read_network
from vdsm_hook_vmfex.pool.apply import apply_plan
from vdsm_hook_vmfex.pool.plan import Refused, plan_define, plan_remove


def test_other_devices_are_replaced_keeping_the_uuid():
    conn = node(OTHER)
    uuid = conn.networkLookupByName("direct-pool").UUIDString()
    plan = define(conn, ["eth3", "eth4"])
    assert plan.steps == ["destroy", "define", "start", "autostart"]
    assert plan.users == []
    assert libvirt_schema_errors(plan.xml, "network") == ""
    info = read_network(conn, "direct-pool")
    assert (info.uuid, info.active, info.autostart) == (uuid, True, True)
    assert info.live.devices == ["eth3", "eth4"]


def test_changing_devices_under_running_domains_is_refused_and_changes_nothing():
    conn = node(BUSY)
    with pytest.raises(Refused) as err:
        define(conn, ["eth7"])
    message = str(err.value)
    assert message.startswith("refusing to change the devices of network 'direct-pool': "
                              "2 running domain(s) have NICs on it: "
                              "db01 (00:1a:4a:16:02:01 profile DbProfile), "
                              "web01 (00:1a:4a:16:01:57 profile WebProfile); ")
    assert "or use --force" in message and "until each VM restarts" in message
    info = read_network(conn, "direct-pool")
    assert (info.active, info.autostart, info.live.devices) == (True, False, ["eth3", "eth4"])


def test_force_replaces_devices_under_running_domains():
    conn = node(BUSY)
    plan = define(conn, ["eth7"], force=True)
    assert [nic.domain for nic in plan.users] == ["db01", "web01"]
    assert read_network(conn, "direct-pool").live.devices == ["eth7"]


@pytest.mark.parametrize("action", ["change", "remove"])
def test_a_network_that_is_not_a_passthrough_pool_is_left_alone(fresh, action):
    plan = (plan_define(fresh, "default", ["eth3"]) if action == "change"
            else plan_remove(fresh, "default"))
    with pytest.raises(Refused) as err:
        apply_plan(fresh, plan)
    verb = "replace" if action == "change" else "remove"
    assert str(err.value) == (
        "refusing to %s network 'default': its forward mode is 'nat', not 'passthrough', "
        "so it is not a VM-FEX pool; choose another name (--name, or network in "
        "vmfex.conf), or use --force to %s it anyway" % (verb, verb))
    assert read_network(fresh, "default").config.mode == "nat"


def test_a_failed_step_says_what_was_already_done():
    conn = node(OTHER)
    plan = plan_define(conn, "direct-pool", ["eth3"])
    # A definition libvirt refuses after the network was stopped.
    plan.xml = build_network_xml("direct-pool", ["eth3"], "00000000-0000-4000-8000-000000000001")
    with pytest.raises(LibvirtFailure) as err:
        apply_plan(conn, plan)
    assert str(err.value).startswith("cannot define libvirt network 'direct-pool': ")
    assert str(err.value).endswith("; already done: stopped; started the network again "
                                   "with its current definition")
    info = read_network(conn, "direct-pool")
    assert info.active and info.live.devices == ["eth7", "eth8"]


def test_a_failed_first_step_changed_nothing():
    conn = node(BUSY)
    plan = plan_define(conn, "direct-pool", ["eth3", "eth4"])
    net = conn.networkLookupByName("direct-pool")
    net.destroy()
    net.undefine()  # gone under our feet
    with pytest.raises(LibvirtFailure) as err:
        apply_plan(conn, plan)
    assert str(err.value).startswith("cannot set autostart on libvirt network 'direct-pool'")
    assert str(err.value).endswith("; nothing was changed")


def test_remove_is_refused_while_domains_use_it_then_forced():
    conn = node(BUSY)
    plan = plan_remove(conn, "direct-pool")
    assert plan.steps == ["destroy", "undefine"]
    with pytest.raises(Refused, match="refusing to remove network 'direct-pool': 2 running"):
        apply_plan(conn, plan)
    assert read_network(conn, "direct-pool").active
    apply_plan(conn, plan, force=True)
    assert read_network(conn, "direct-pool") is None
    assert plan_remove(conn, "direct-pool").steps == []


def test_remove_of_an_unused_inactive_network_only_undefines():
    conn = node(OTHER)
    conn.networkLookupByName("direct-pool").destroy()
    plan = plan_remove(conn, "direct-pool")
    assert (plan.steps, plan.users) == (["undefine"], [])
    apply_plan(conn, plan)
    assert read_network(conn, "direct-pool") is None
