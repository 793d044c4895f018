"""`vmfex-direct-pool`: the core on shared libvirt test-driver connections, the
command line in-process and through subprocess for exit codes."""
import json
import os
import subprocess
import sys
import time

import libvirt
import pytest

from tests.conftest import DATA, ROOT, CallRecorder, libvirt_schema_errors
from tests.test_sysfs import ZERO, add_pci_nic, vmfex_host
from vdsm_hook_vmfex import direct_pool
from vdsm_hook_vmfex.direct_pool import (
    NoDevices,
    Refused,
    apply_plan,
    define_steps,
    plan_define,
    plan_remove,
    pool_status,
)
from vdsm_hook_vmfex.errors import LibvirtFailure, VmfexError
from vdsm_hook_vmfex.lock import LockBusy, hold_lock
from vdsm_hook_vmfex.netxml import (
    InvalidDevice,
    NicOnNetwork,
    build_network_xml,
    check_ifname,
    nics_on_network,
)
from vdsm_hook_vmfex.virt import PoolState, read_network

BUSY = os.path.join(DATA, "host-busy.xml")
OTHER = os.path.join(DATA, "host-other-devices.xml")


def node(path):
    """A test-driver connection of its own: a node file's state lives in it."""
    return libvirt.open("test://" + path)


@pytest.fixture
def fresh():
    """test:///default, closed afterwards: its state is shared by every open
    connection in the process and dropped with the last one."""
    conn = libvirt.open("test:///default")
    assert read_network(conn, "direct-pool") is None
    yield conn
    conn.close()


def define(conn, devices, name="direct-pool", force=False):
    plan = plan_define(conn, name, devices)
    apply_plan(conn, plan, force, "change")
    return plan


# --- network XML -------------------------------------------------------------

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


@pytest.mark.parametrize("name", ["eth3", "enp11s0f1", "a" * 15, "vnic.100", "x-y_z"])
def test_good_interface_names(name):
    assert check_ifname(name) == name


@pytest.mark.parametrize("name", ["", "a" * 16, "eth/3", "eth 3", "eth3\n", "eth0:1",
                                  ".", ".."])
def test_bad_interface_names_are_refused_by_name(name):
    with pytest.raises(InvalidDevice) as err:
        check_ifname(name)
    assert str(err.value).startswith("invalid device %r: expected a Linux interface name"
                                     % name)


LIVE_DOMAIN = """<domain type='kvm' id='3'>
  <name>web02</name>
  <devices>
    <interface type='direct'>
      <mac address='00:1a:4a:16:01:60'/>
      <source network='direct-pool' portid='4d3c' dev='eth3' mode='passthrough'/>
      <virtualport type='802.1Qbh'><parameters profileid='Web'/></virtualport>
    </interface>
    <interface type='network'>
      <mac address='00:1a:4a:16:01:61'/>
      <source network='direct-pool'/>
    </interface>
    <interface type='bridge'>
      <mac address='00:1a:4a:16:01:62'/>
      <source bridge='ovirtmgmt'/>
    </interface>
    <interface type='network'>
      <mac address='00:1a:4a:16:01:63'/>
      <source network='direct-pool-2'/>
    </interface>
  </devices>
</domain>"""


def test_nics_on_network_reads_live_xml_whatever_the_actual_type():
    # A running domain's live XML shows the actual type 'direct' for a NIC
    # defined as type='network' on a passthrough network.
    assert nics_on_network(LIVE_DOMAIN, "direct-pool") == [
        NicOnNetwork("web02", "00:1a:4a:16:01:60", "Web"),
        NicOnNetwork("web02", "00:1a:4a:16:01:61", None)]
    assert nics_on_network(LIVE_DOMAIN, "other") == []


# --- pure decisions ------------------------------------------------------------

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


# --- define on libvirt's test driver ------------------------------------------

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


def test_a_device_another_network_hands_out_is_warned_about():
    plan = plan_define(node(BUSY), "direct-pool", ["eth5", "eth9"])
    assert plan.shared == {"eth5": ["other-pool"]}
    assert direct_pool.shared_warnings(plan) == [
        "eth5 is also a device of libvirt network(s) 'other-pool': a VM there and a VM "
        "on 'direct-pool' could be given the same vNIC"]


@pytest.mark.parametrize("action", ["change", "remove"])
def test_a_network_that_is_not_a_passthrough_pool_is_left_alone(fresh, action):
    plan = (plan_define(fresh, "default", ["eth3"]) if action == "change"
            else plan_remove(fresh, "default"))
    with pytest.raises(Refused) as err:
        apply_plan(fresh, plan, action=action)
    verb = "replace" if action == "change" else "remove"
    assert str(err.value) == (
        "refusing to %s network 'default': its forward mode is 'nat', not 'passthrough', "
        "so it is not a VM-FEX pool; choose another name (--name, or network in "
        "vmfex.conf), or use --force to %s it anyway" % (verb, verb))
    assert read_network(fresh, "default").config.mode == "nat"


def test_same_devices_under_running_domains_only_sets_autostart():
    conn = node(BUSY)
    plan = define(conn, ["eth4", "eth3"])
    assert (plan.steps, plan.users) == (["autostart"], [])


def test_no_devices_is_an_error_before_anything_changes(fresh):
    conn = fresh
    with pytest.raises(NoDevices, match="no VM-FEX vNIC to put in network 'direct-pool'"):
        plan_define(conn, "direct-pool", [])
    assert read_network(conn, "direct-pool") is None


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


# --- status and remove --------------------------------------------------------

def test_status_reports_users_and_profiles():
    status = pool_status(node(BUSY), "direct-pool")
    info = status.as_dict()
    assert info["ready"] and info["reason"] is None
    assert (info["defined"], info["active"], info["autostart"]) == (True, True, False)
    assert info["devices"] == ["eth3", "eth4"]
    assert info["domains"] == [
        {"domain": "db01", "mac": "00:1a:4a:16:02:01", "profileid": "DbProfile"},
        {"domain": "web01", "mac": "00:1a:4a:16:01:57", "profileid": "WebProfile"}]
    assert [w.split(":")[0] for w in info["warnings"]] == ["autostart is off"]
    table = direct_pool.format_status(status)
    assert "db01    00:1a:4a:16:02:01  DbProfile\n" in table


def test_status_of_missing_and_inactive_networks_says_why_not_ready():
    conn = node(BUSY)
    missing = pool_status(conn, "vmfex-2")
    assert not missing.ready and "is not defined on this host" in missing.reason
    conn.networkLookupByName("direct-pool").destroy()
    inactive = pool_status(conn, "direct-pool")
    assert not inactive.ready and "defined but not active" in inactive.reason
    # domains still holding its vNICs are reported even while it is down
    assert len(inactive.users) == 2


def test_remove_is_refused_while_domains_use_it_then_forced():
    conn = node(BUSY)
    plan = plan_remove(conn, "direct-pool")
    assert plan.steps == ["destroy", "undefine"]
    with pytest.raises(Refused, match="refusing to remove network 'direct-pool': 2 running"):
        apply_plan(conn, plan, action="remove")
    assert read_network(conn, "direct-pool").active
    apply_plan(conn, plan, force=True, action="remove")
    assert read_network(conn, "direct-pool") is None
    assert plan_remove(conn, "direct-pool").steps == []


def test_remove_of_an_unused_inactive_network_only_undefines():
    conn = node(OTHER)
    conn.networkLookupByName("direct-pool").destroy()
    plan = plan_remove(conn, "direct-pool")
    assert (plan.steps, plan.users) == (["undefine"], [])
    apply_plan(conn, plan, action="remove")
    assert read_network(conn, "direct-pool") is None


# --- lock -----------------------------------------------------------------------

def test_lock_creates_its_directory_and_excludes_a_second_holder(tmp_path):
    path = str(tmp_path / "run" / "vdsm" / "hook-vmfex.lock")
    waits = []
    with hold_lock(path):
        assert os.path.exists(path)
        with pytest.raises(LockBusy, match="still held by another vmfex-direct-pool"):
            with hold_lock(path, timeout=0.2, on_wait=waits.append):
                pass
    assert len(waits) == 1 and path in waits[0]
    with hold_lock(path, timeout=0):
        pass  # released


def test_lock_in_an_unwritable_place_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(VmfexError, match="cannot open lock file .*set lock_file"):
        with hold_lock(str(blocker / "sub" / "x.lock")):
            pass


# --- command line ------------------------------------------------------------

@pytest.fixture
def env(tmp_path, monkeypatch):
    """Settings with the lock in a directory that does not exist yet."""
    conf = tmp_path / "vmfex.conf"
    lock = tmp_path / "run" / "vdsm" / "hook-vmfex.lock"
    conf.write_text("[vmfex]\nnetwork = direct-pool\nlock_file = %s\n" % lock)
    monkeypatch.setenv("VMFEX_CONF", str(conf))
    monkeypatch.delenv("LIBVIRT_DEFAULT_URI", raising=False)
    return {"conf": str(conf), "lock": str(lock), "tmp": tmp_path}


def run_cli(args, env_vars=None):
    environ = dict(os.environ, PYTHONPATH=ROOT, **(env_vars or {}))
    proc = subprocess.run([sys.executable, "-m", "vdsm_hook_vmfex.direct_pool"] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ,
                          cwd=ROOT, universal_newlines=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def test_define_detects_devices_and_reports_them(env, capsys):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    rc = direct_pool.main(["define", "--uri", "test:///default", "--sysfs-root", sysfs])
    out, err = capsys.readouterr()
    assert rc == 0
    assert out == "direct-pool: defined, started, autostart set (passthrough over eth3 eth10)\n"
    assert ("found 2 VM-FEX vNIC(s) in %s/class/net: eth3 (PCI 0000:0b:00.1, driver enic), "
            "eth10 (PCI 0000:0b:00.4, driver enic)" % sysfs) in err
    assert os.path.exists(env["lock"])


def test_define_without_any_device_fails_and_defines_nothing(env, capsys):
    sysfs = str(env["tmp"] / "sys")
    add_pci_nic(sysfs, "eth0", "0000:06:00.0", "00:25:b5:00:00:0f")
    rc = direct_pool.main(["define", "--uri", "test:///default", "--sysfs-root", sysfs])
    out, err = capsys.readouterr()
    assert (rc, out) == (1, "")
    assert err.startswith("vmfex-direct-pool: error: no VM-FEX vNIC found in %s/class/net"
                          % sysfs)


def test_dry_run_prints_valid_xml_and_the_plan(env, capsys):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    add_pci_nic(sysfs, "eth20", "0000:0c:00.1", ZERO)
    rc = direct_pool.main(["define", "--dry-run", "--uri", "test://" + OTHER,
                           "--sysfs-root", sysfs, "--dev", "eth3", "--dev", "eth20"])
    out, err = capsys.readouterr()
    assert rc == 0
    assert '<interface dev="eth20"/>' in out and "<uuid>5f3c1a2e" in out
    assert libvirt_schema_errors(out, "network") == ""
    assert ("dry run: would stop (destroy) the running network, define the network from "
            "the XML, start the network, set autostart on network 'direct-pool'") in err
    assert not os.path.exists(env["lock"])  # a dry run takes no lock


def test_dry_run_under_running_domains_says_it_would_refuse(env, capsys):
    rc = direct_pool.main(["define", "--dry-run", "--uri", "test://" + BUSY,
                           "--dev", "eth9"])
    out, err = capsys.readouterr()
    assert rc == 1 and "<network>" in out
    assert "dry run: would refuse: refusing to change the devices of network" in err


@pytest.mark.parametrize("args, message", [
    (["define", "--dev", "eth/3"], "--dev: invalid device 'eth/3': expected a Linux "
                                   "interface name"),
    (["define", "--dev", "eth3", "--dev", "eth3"], "--dev eth3 is given twice"),
    (["status", "--name", "a/b"], "invalid --name 'a/b': expected a libvirt network name"),
])
def test_bad_values_are_usage_errors(env, capsys, args, message):
    assert direct_pool.main(args + ["--uri", "test:///default"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("vmfex-direct-pool: error: " + message)


def test_network_name_comes_from_the_settings_and_name_overrides(env, capsys):
    with open(env["conf"], "w") as conf:
        conf.write("[vmfex]\nnetwork = other-pool\nlock_file = %s\n" % env["lock"])
    assert direct_pool.main(["status", "--json", "--uri", "test://" + BUSY]) == 0
    assert json.loads(capsys.readouterr()[0])["network"] == "other-pool"
    assert direct_pool.main(["status", "--json", "--uri", "test://" + BUSY,
                             "--name", "direct-pool"]) == 0
    assert json.loads(capsys.readouterr()[0])["network"] == "direct-pool"


def test_a_bad_settings_file_is_one_line_exit_1(env, capsys):
    with open(env["conf"], "w") as conf:
        conf.write("[vmfex]\nnetwork = a/b\n")
    assert direct_pool.main(["status", "--uri", "test:///default"]) == 1
    err = capsys.readouterr()[1]
    assert err.startswith("vmfex-direct-pool: error: invalid network name in %s"
                          % env["conf"])


def test_status_json_for_scripts(env, capsys):
    rc = direct_pool.main(["status", "--json", "--uri", "test://" + BUSY])
    out, _err = capsys.readouterr()
    data = json.loads(out)
    assert rc == 0 and data["ready"] is True
    assert [d["profileid"] for d in data["domains"]] == ["DbProfile", "WebProfile"]


def test_cli_exit_codes_and_messages_through_a_process(env):
    environ = {"VMFEX_CONF": env["conf"]}
    rc, out, err = run_cli(["status", "--uri", "test://" + BUSY], environ)
    assert rc == 0 and "web01" in out and "WebProfile" in out
    rc, out, err = run_cli(["status", "--uri", "test:///default"], environ)
    assert rc == 1 and "ready       no: libvirt network 'direct-pool' is not defined" in out
    assert err == ("vmfex-direct-pool: not ready: libvirt network 'direct-pool' is not "
                   "defined on this host: run 'vmfex-direct-pool define' on this host\n")
    rc, out, err = run_cli(["define", "--uri", "test://" + BUSY, "--dev", "eth9"], environ)
    assert rc == 1 and out == "" and "Traceback" not in err
    assert "error: refusing to change the devices of network 'direct-pool': 2 running" in err
    rc, out, err = run_cli(["remove", "--uri", "test://" + BUSY, "--force"], environ)
    assert (rc, out) == (0, "direct-pool: stopped, undefined\n")
    assert "warning: running domains used network 'direct-pool'" in err
    rc, out, err = run_cli(["status", "--uri", "test://" + str(env["tmp"] / "none.xml")],
                           environ)
    assert rc == 1 and "Traceback" not in err and err.count("\n") == 1
    assert err.startswith("vmfex-direct-pool: error: cannot connect to libvirt at test://")


def test_help_teaches_and_usage_errors_exit_2(env):
    rc, out, _err = run_cli(["--help"])
    assert rc == 0 and "examples:" in out and "define --dev eth3 --dev eth4" in out
    rc, out, _err = run_cli(["define", "--help"])
    assert rc == 0 and "--sysfs-root DIR" in out and "--force" in out
    rc, out, _err = run_cli(["--version"])
    from vdsm_hook_vmfex.version import __version__
    assert (rc, out) == (0, "vmfex-direct-pool %s\n" % __version__)
    rc, _out, err = run_cli([])
    assert rc == 2 and "usage:" in err
    rc, _out, err = run_cli(["status", "--bogus"])
    assert rc == 2 and "unrecognized arguments: --bogus" in err


def test_define_waits_for_the_lock_held_by_another_run(env):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    with hold_lock(env["lock"]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "vdsm_hook_vmfex.direct_pool", "define",
             "--uri", "test:///default", "--sysfs-root", sysfs],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
            env=dict(os.environ, PYTHONPATH=ROOT, VMFEX_CONF=env["conf"]), cwd=ROOT)
        time.sleep(1.0)
        assert proc.poll() is None  # still waiting
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "waiting for lock %s" % env["lock"] in err
    assert out.startswith("direct-pool: defined, started, autostart set")


def test_cli_round_trip_on_the_shared_default_connection(env, fresh, capsys):
    # test:///default keeps one state for all connections open in the process:
    # `fresh` holds it, so each main() call sees the previous one's changes.
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    uri = ["--uri", "test:///default"]
    assert direct_pool.main(["define", "--dry-run", "--sysfs-root", sysfs] + uri) == 0
    assert read_network(fresh, "direct-pool") is None  # a dry run changes nothing
    assert direct_pool.main(["define", "--sysfs-root", sysfs] + uri) == 0
    assert direct_pool.main(["define", "--sysfs-root", sysfs] + uri) == 0
    out = capsys.readouterr()[0].splitlines()
    assert out[-1] == "direct-pool: unchanged (passthrough over eth3 eth10)"
    assert direct_pool.main(["status"] + uri) == 0
    assert "ready       yes\n" in capsys.readouterr()[0]
    assert direct_pool.main(["remove", "--dry-run"] + uri) == 0
    assert "dry run: would stop (destroy) the running network, undefine the network" \
        in capsys.readouterr()[1]
    assert read_network(fresh, "direct-pool").active
    assert direct_pool.main(["remove"] + uri) == 0
    assert capsys.readouterr()[0] == "direct-pool: stopped, undefined\n"
    assert read_network(fresh, "direct-pool") is None
    assert direct_pool.main(["remove"] + uri) == 0
    assert capsys.readouterr()[0] == "direct-pool: not defined, nothing to remove\n"


def test_remove_dry_run_under_running_domains_would_refuse(env, capsys):
    assert direct_pool.main(["remove", "--dry-run", "--uri", "test://" + BUSY]) == 1
    assert "dry run: would refuse: refusing to remove network 'direct-pool'" \
        in capsys.readouterr()[1]
    assert direct_pool.main(["remove", "--dry-run", "--force", "--uri",
                             "test://" + BUSY]) == 0
