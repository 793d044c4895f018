"""`vmfex-direct-pool define` on the command line: devices, dry runs, the lock."""
import json
import os
import subprocess
import sys
import time

from tests.paths import ROOT
from tests.pool.helpers import BUSY, OTHER
from tests.sysfs_helpers import ZERO, add_pci_nic, vmfex_host
from tests.virt_helpers import libvirt_schema_errors
from vdsm_hook_vmfex.host.lock import hold_lock
from vdsm_hook_vmfex.host.virt import read_network
from vdsm_hook_vmfex.pool import cli


def test_define_detects_devices_and_reports_them(env, capsys):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    rc = cli.main(["define", "--uri", "test:///default", "--sysfs-root", sysfs])
    out, err = capsys.readouterr()
    assert rc == 0
    assert out == "direct-pool: defined, started, autostart set (passthrough over eth3 eth10)\n"
    assert ("found 2 VM-FEX vNIC(s) in %s/class/net: eth3 (PCI 0000:0b:00.1, driver enic), "
            "eth10 (PCI 0000:0b:00.4, driver enic)" % sysfs) in err
    assert os.path.exists(env["lock"])


def test_define_without_any_device_fails_and_defines_nothing(env, capsys):
    sysfs = str(env["tmp"] / "sys")
    add_pci_nic(sysfs, "eth0", "0000:06:00.0", "00:25:b5:00:00:0f")
    rc = cli.main(["define", "--uri", "test:///default", "--sysfs-root", sysfs])
    out, err = capsys.readouterr()
    assert (rc, out) == (1, "")
    assert err.startswith("vmfex-direct-pool: error: no VM-FEX vNIC found in %s/class/net"
                          % sysfs)


def test_dry_run_prints_valid_xml_and_the_plan(env, capsys):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    add_pci_nic(sysfs, "eth20", "0000:0c:00.1", ZERO)
    rc = cli.main(["define", "--dry-run", "--uri", "test://" + OTHER,
                           "--sysfs-root", sysfs, "--dev", "eth3", "--dev", "eth20"])
    out, err = capsys.readouterr()
    assert rc == 0
    assert '<interface dev="eth20"/>' in out and "<uuid>5f3c1a2e" in out
    assert libvirt_schema_errors(out, "network") == ""
    assert ("dry run: would stop (destroy) the running network, define the network from "
            "the XML, start the network, set autostart on network 'direct-pool'") in err
    assert not os.path.exists(env["lock"])  # a dry run takes no lock


def test_dry_run_under_running_domains_says_only_that_it_would_refuse(env, capsys):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    rc = cli.main(["define", "--dry-run", "--uri", "test://" + BUSY,
                   "--sysfs-root", sysfs, "--dev", "eth10"])
    out, err = capsys.readouterr()
    assert (rc, out) == (2, "")  # a refusal, like the real run's
    assert err.count("\n") == 1
    assert err.startswith("vmfex-direct-pool: dry run: would refuse: refusing to change "
                          "the devices of network 'direct-pool': 2 running domain(s)")


def test_define_waits_for_the_lock_held_by_another_run(env):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    with hold_lock(env["lock"]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "vdsm_hook_vmfex.pool", "define",
             "--uri", "test:///default", "--sysfs-root", sysfs],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
            env=dict(os.environ, PYTHONPATH=ROOT, VMFEX_CONF=env["conf"]), cwd=ROOT)
        time.sleep(1.0)
        assert proc.poll() is None  # still waiting
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "waiting for lock %s" % env["lock"] in err
    assert out.startswith("direct-pool: defined, started, autostart set")


def test_a_dev_the_host_does_not_have_is_refused_unless_forced(env, fresh, capsys):
    # issue 17 defect 12: a typo (eht3) would define the pool over nothing
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    args = ["define", "--uri", "test:///default", "--sysfs-root", sysfs,
            "--dev", "eth3", "--dev", "eht3"]
    for extra in ([], ["--dry-run"]):
        assert cli.main(args + extra) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1
        assert ("refusing to define network 'direct-pool' over eht3: no such interface on "
                "this host (none in %s/class/net); expected the name of a VM-FEX vNIC"
                % sysfs) in err
    assert read_network(fresh, "direct-pool") is None
    assert cli.main(args + ["--force", "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert (doc["action"], doc["devices"], doc["refused"]) == (
        "defined", ["eth3", "eht3"], None)
    assert doc["warnings"] == ["eht3: no such interface in %s/class/net on this host; "
                               "defined anyway (--force)" % sysfs]
    assert "warning: eht3: no such interface" in err
    assert read_network(fresh, "direct-pool").config.devices == ["eth3", "eht3"]


def test_define_json_says_what_was_done_and_what_would_be(env, fresh, capsys):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    base = ["define", "--json", "--uri", "test:///default", "--sysfs-root", sysfs]

    def run(*extra):
        rc = cli.main(base + list(extra))
        out, _err = capsys.readouterr()
        return rc, json.loads(out)

    rc, doc = run("--dry-run")
    assert rc == 0 and read_network(fresh, "direct-pool") is None
    assert {k: doc[k] for k in ("command", "network", "dry_run", "changed", "action",
                                "steps", "devices", "refused", "users")} == {
        "command": "define", "network": "direct-pool", "dry_run": True, "changed": True,
        "action": "defined", "steps": ["define", "start", "autostart"],
        "devices": ["eth3", "eth10"], "refused": None, "users": []}
    assert '<interface dev="eth10"/>' in doc["xml"]
    rc, doc = run()
    assert (rc, doc["dry_run"], doc["changed"], doc["action"]) == (0, False, True, "defined")
    rc, doc = run()
    assert (rc, doc["changed"], doc["action"], doc["steps"]) == (0, False, "unchanged", [])
    fresh.networkLookupByName("direct-pool").setAutostart(0)
    rc, doc = run()
    assert (doc["changed"], doc["action"], doc["steps"]) == (True, "repaired", ["autostart"])
    rc, doc = run("--dev", "eth3")
    assert (doc["action"], doc["steps"], doc["devices"]) == (
        "redefined", ["destroy", "define", "start"], ["eth3"])


def test_define_json_under_running_domains_carries_the_refusal(env, capsys):
    sysfs = vmfex_host(str(env["tmp"] / "sys"))
    rc = cli.main(["define", "--json", "--uri", "test://" + BUSY, "--sysfs-root", sysfs,
                   "--dev", "eth10"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert rc == 2 and err.count("\n") == 1 and "error: refusing to change" in err
    assert (doc["changed"], doc["action"], doc["dry_run"]) == (False, "refused", False)
    assert doc["refused"].startswith("refusing to change the devices of network "
                                     "'direct-pool': 2 running domain(s)")
    assert [nic["domain"] for nic in doc["users"]] == ["db01", "web01"]
