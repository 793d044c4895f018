"""`vmfex-direct-pool define` on the command line: devices, dry runs, the lock."""
import os
import subprocess
import sys
import time

from tests.paths import ROOT
from tests.pool.helpers import BUSY, OTHER
from tests.sysfs_helpers import ZERO, add_pci_nic, vmfex_host
from tests.virt_helpers import libvirt_schema_errors
from vdsm_hook_vmfex.host.lock import hold_lock
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


def test_dry_run_under_running_domains_says_it_would_refuse(env, capsys):
    rc = cli.main(["define", "--dry-run", "--uri", "test://" + BUSY,
                           "--dev", "eth9"])
    out, err = capsys.readouterr()
    assert rc == 1 and "<network>" in out
    assert "dry run: would refuse: refusing to change the devices of network" in err


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
