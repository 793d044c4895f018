"""`vmfex-direct-pool status`: the report, in-process and as JSON."""
import json

from tests.pool.helpers import BUSY, node
from tests.sysfs_helpers import ZERO, add_pci_nic
from vdsm_hook_vmfex.pool import cli
from vdsm_hook_vmfex.pool.status import format_status, pool_status


def test_status_reports_users_and_profiles(tmp_path):
    sysfs = str(tmp_path / "sys")
    add_pci_nic(sysfs, "eth3", "0000:0b:00.1", ZERO)
    add_pci_nic(sysfs, "eth4", "0000:0b:00.2", ZERO)
    status = pool_status(node(BUSY), "direct-pool", sysfs)
    info = status.as_dict()
    assert info["ready"] and info["reason"] is None
    assert (info["defined"], info["active"], info["autostart"]) == (True, True, False)
    assert info["devices"] == ["eth3", "eth4"]
    # the test driver neither counts connections nor names a NIC's device
    assert info["domains"] == [
        {"domain": "db01", "mac": "00:1a:4a:16:02:01", "profileid": "DbProfile",
         "dev": None},
        {"domain": "web01", "mac": "00:1a:4a:16:01:57", "profileid": "WebProfile",
         "dev": None}]
    assert [w.split(":")[0] for w in info["warnings"]] == ["autostart is off"]
    assert info["capacity"] == {"total": 2, "used": 0, "free": 2}
    assert (info["missing"], info["not_vmfex"]) == ([], [])
    table = format_status(status)
    assert "db01    00:1a:4a:16:02:01  -       DbProfile\n" in table
    assert "capacity    2 vNIC(s) on this host: 0 used, 2 free\n" in table


def test_status_names_missing_members_and_members_that_are_no_vmfex_vnics(tmp_path):
    sysfs = str(tmp_path / "sys")
    add_pci_nic(sysfs, "eth4", "0000:0b:00.2", "00:25:b5:00:00:1f")  # a static vNIC
    status = pool_status(node(BUSY), "direct-pool", sysfs)
    info = status.as_dict()
    assert info["ready"]  # libvirt still hands both out: the hook's rule is its own
    assert info["capacity"] == {"total": 1, "used": 0, "free": 0}
    assert (info["missing"], info["not_vmfex"]) == (["eth3"], ["eth4"])
    assert info["members"] == [
        {"dev": "eth3", "present": False, "vmfex": False, "connections": 0, "used_by": []},
        {"dev": "eth4", "present": True, "vmfex": False, "connections": 0, "used_by": []}]
    assert info["warnings"][1:] == [
        "member(s) eth3: no such interface on this host; run 'vmfex-direct-pool define'",
        "member(s) eth4: not VM-FEX vNICs (expected driver enic on PCI and MAC "
        "00:00:00:00:00:00 while free)"]
    table = format_status(status)
    assert "capacity    1 vNIC(s) on this host: 0 used, 0 free; 1 missing; 1 not VM-FEX\n" \
        in table


def test_status_of_missing_and_inactive_networks_says_why_not_ready():
    conn = node(BUSY)
    missing = pool_status(conn, "vmfex-2")
    assert not missing.ready and "is not defined on this host" in missing.reason
    conn.networkLookupByName("direct-pool").destroy()
    inactive = pool_status(conn, "direct-pool")
    assert not inactive.ready and "defined but not active" in inactive.reason
    # domains still holding its vNICs are reported even while it is down
    assert len(inactive.users) == 2


def test_network_name_comes_from_the_settings_and_name_overrides(env, capsys):
    with open(env["conf"], "w") as conf:
        conf.write("[vmfex]\nnetwork = other-pool\nlock_file = %s\n" % env["lock"])
    assert cli.main(["status", "--json", "--uri", "test://" + BUSY]) == 0
    assert json.loads(capsys.readouterr()[0])["network"] == "other-pool"
    assert cli.main(["status", "--json", "--uri", "test://" + BUSY,
                             "--name", "direct-pool"]) == 0
    assert json.loads(capsys.readouterr()[0])["network"] == "direct-pool"


def test_status_json_for_scripts(env, capsys):
    sysfs = str(env["tmp"] / "sys")
    add_pci_nic(sysfs, "eth3", "0000:0b:00.1", ZERO)
    rc = cli.main(["status", "--json", "--uri", "test://" + BUSY, "--sysfs-root", sysfs])
    out, _err = capsys.readouterr()
    data = json.loads(out)
    assert rc == 0 and data["ready"] is True
    assert [d["profileid"] for d in data["domains"]] == ["DbProfile", "WebProfile"]
    assert (data["capacity"], data["missing"]) == ({"total": 1, "used": 0, "free": 1},
                                                  ["eth4"])
