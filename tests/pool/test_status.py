"""`vmfex-direct-pool status`: the report, in-process and as JSON."""
import json

from tests.pool.helpers import BUSY, node
from vdsm_hook_vmfex.pool import cli
from vdsm_hook_vmfex.pool.status import format_status, pool_status


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
    table = format_status(status)
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


def test_network_name_comes_from_the_settings_and_name_overrides(env, capsys):
    with open(env["conf"], "w") as conf:
        conf.write("[vmfex]\nnetwork = other-pool\nlock_file = %s\n" % env["lock"])
    assert cli.main(["status", "--json", "--uri", "test://" + BUSY]) == 0
    assert json.loads(capsys.readouterr()[0])["network"] == "other-pool"
    assert cli.main(["status", "--json", "--uri", "test://" + BUSY,
                             "--name", "direct-pool"]) == 0
    assert json.loads(capsys.readouterr()[0])["network"] == "direct-pool"


def test_status_json_for_scripts(env, capsys):
    rc = cli.main(["status", "--json", "--uri", "test://" + BUSY])
    out, _err = capsys.readouterr()
    data = json.loads(out)
    assert rc == 0 and data["ready"] is True
    assert [d["profileid"] for d in data["domains"]] == ["DbProfile", "WebProfile"]
