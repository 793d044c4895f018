"""`vmfex-direct-pool`'s command line as a whole: usage errors, exit codes
through a process, help, and a round trip on one shared connection."""
import json

import pytest

from tests.pool.helpers import BUSY, run_cli
from tests.sysfs_helpers import vmfex_host
from vdsm_hook_vmfex.host.virt import read_network
from vdsm_hook_vmfex.pool import cli


@pytest.mark.parametrize("args, message", [
    (["define", "--dev", "eth/3"], "--dev: invalid device 'eth/3': expected a Linux "
                                   "interface name"),
    (["define", "--dev", "eth3", "--dev", "eth3"], "--dev eth3 is given twice"),
    (["status", "--name", "a/b"], "invalid --name 'a/b': expected a libvirt network name"),
])
def test_bad_values_are_usage_errors(env, capsys, args, message):
    assert cli.main(args + ["--uri", "test:///default"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("vmfex-direct-pool: error: " + message)


def test_a_bad_settings_file_is_one_line_exit_1(env, capsys):
    with open(env["conf"], "w") as conf:
        conf.write("[vmfex]\nnetwork = a/b\n")
    assert cli.main(["status", "--uri", "test:///default"]) == 1
    err = capsys.readouterr()[1]
    assert err.startswith("vmfex-direct-pool: error: invalid network name in %s"
                          % env["conf"])


def test_cli_exit_codes_and_messages_through_a_process(env):
    environ = {"VMFEX_CONF": env["conf"]}
    rc, out, err = run_cli(["status", "--uri", "test://" + BUSY], environ)
    assert rc == 0 and "web01" in out and "WebProfile" in out
    rc, out, err = run_cli(["status", "--uri", "test:///default"], environ)
    assert rc == 1 and "ready       no: libvirt network 'direct-pool' is not defined" in out
    assert err == ("vmfex-direct-pool: not ready: libvirt network 'direct-pool' is not "
                   "defined on this host: run 'vmfex-direct-pool define' on this host\n")
    rc, out, err = run_cli(["define", "--uri", "test://" + BUSY, "--dev", "eth9",
                            "--force"], environ)
    assert rc == 0, err  # --force: eth9 is no interface on this machine
    rc, out, err = run_cli(["define", "--uri", "test://" + BUSY, "--dev", "lo"], environ)
    assert rc == 2 and out == "" and err.count("\n") == 1  # a refusal
    assert err.startswith("vmfex-direct-pool: error: refusing to change the devices of "
                          "network 'direct-pool': 2 running")
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
    from vdsm_hook_vmfex.common.version import __version__
    assert (rc, out) == (0, "vmfex-direct-pool %s\n" % __version__)
    rc, _out, err = run_cli([])
    assert rc == 2 and "usage:" in err
    rc, _out, err = run_cli(["status", "--bogus"])
    assert rc == 2 and "unrecognized arguments: --bogus" in err


def test_cli_round_trip_on_the_shared_default_connection(env, fresh, capsys):
    # test:///default keeps one state for all connections open in the process:
    # `fresh` holds it, so each main() call sees the previous one's changes.
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    uri = ["--uri", "test:///default"]
    assert cli.main(["define", "--dry-run", "--sysfs-root", sysfs] + uri) == 0
    assert read_network(fresh, "direct-pool") is None  # a dry run changes nothing
    assert cli.main(["define", "--sysfs-root", sysfs] + uri) == 0
    assert cli.main(["define", "--sysfs-root", sysfs] + uri) == 0
    out = capsys.readouterr()[0].splitlines()
    assert out[-1] == "direct-pool: unchanged (passthrough over eth3 eth10)"
    assert cli.main(["status"] + uri) == 0
    assert "ready       yes\n" in capsys.readouterr()[0]
    assert cli.main(["remove", "--dry-run"] + uri) == 0
    assert "dry run: would stop (destroy) the running network, undefine the network" \
        in capsys.readouterr()[1]
    assert read_network(fresh, "direct-pool").active
    assert cli.main(["remove"] + uri) == 0
    assert capsys.readouterr()[0] == "direct-pool: stopped, undefined\n"
    assert read_network(fresh, "direct-pool") is None
    assert cli.main(["remove"] + uri) == 0
    assert capsys.readouterr()[0] == "direct-pool: not defined, nothing to remove\n"


def test_json_documents_survive_an_ascii_stdout(env):
    # Python 3.6 (EL8) keeps the C locale's ASCII stdout: JSON escapes the
    # non-ASCII network name (from vmfex.conf, UTF-8) instead of failing.
    with open(env["conf"], "w", encoding="utf-8") as conf:
        conf.write("[vmfex]\nnetwork = pool-\u00e9t\u00e9\nlock_file = %s\n" % env["lock"])
    environ = {"VMFEX_CONF": env["conf"], "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0",
               "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    for args in (["define", "--dev", "eth3", "--force", "--dry-run"], ["remove", "--dry-run"],
                 ["status"]):
        rc, out, err = run_cli(args + ["--json", "--uri", "test:///default"], environ)
        assert "Traceback" not in err, err
        assert rc in (0, 1) and json.loads(out)["network"] == "pool-\u00e9t\u00e9"
        assert out.isascii()
