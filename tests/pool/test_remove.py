"""`vmfex-direct-pool remove` on the command line."""
import json

from tests.pool.helpers import BUSY
from vdsm_hook_vmfex.pool import cli
from vdsm_hook_vmfex.pool.plan import CONSEQUENCE


def test_remove_dry_run_under_running_domains_prints_only_the_refusal(env, capsys):
    # issue 17 defect 15: not what it would do, then that it would refuse
    assert cli.main(["remove", "--dry-run", "--uri", "test://" + BUSY]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("vmfex-direct-pool: dry run: would refuse: refusing to remove "
                          "network 'direct-pool': 2 running domain(s) have NICs on it: "
                          "db01 (00:1a:4a:16:02:01 profile DbProfile), web01")
    assert cli.main(["remove", "--dry-run", "--force", "--uri",
                     "test://" + BUSY]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "vmfex-direct-pool: warning: running domains use network 'direct-pool': " +
        CONSEQUENCE["remove"],
        "vmfex-direct-pool: dry run: would stop (destroy) the running network, undefine "
        "the network on network 'direct-pool'"]


def test_remove_json_says_what_was_done_and_what_would_be(env, capsys):
    uri = ["--uri", "test://" + BUSY, "--json"]
    assert cli.main(["remove", "--dry-run", "--force"] + uri) == 0
    doc = json.loads(capsys.readouterr()[0])
    assert {k: doc[k] for k in ("command", "dry_run", "force", "changed", "action",
                                "steps", "devices", "xml", "refused")} == {
        "command": "remove", "dry_run": True, "force": True, "changed": True,
        "action": "removed", "steps": ["destroy", "undefine"], "devices": ["eth3", "eth4"],
        "xml": None, "refused": None}
    assert doc["warnings"] == ["running domains use network 'direct-pool': " +
                               CONSEQUENCE["remove"]]
    assert cli.main(["remove", "--name", "vmfex-2"] + uri) == 0
    doc = json.loads(capsys.readouterr()[0])
    assert (doc["network"], doc["changed"], doc["action"], doc["steps"]) == (
        "vmfex-2", False, "unchanged", [])
    assert cli.main(["remove"] + uri) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert (doc["action"], doc["changed"]) == ("refused", False)
    assert err == "vmfex-direct-pool: error: %s\n" % doc["refused"]
