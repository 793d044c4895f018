"""Property tests of vmfex-engine (issue 10): whatever the arguments, files and
engine answers, no traceback, an exit code of 0/1/2, and the engine changed
exactly as the output says."""
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.helpers import MAC_A, MAC_B, MAC_C
from tests.engine.helpers import run_main as run
from tests.engine.ovirtsim import OvirtSimulator
from tests.engine.tool import assert_state_as_reported, engine_state

SECRET = "Hunter2Secret"
OPTIONS = ["assign", "export", "check", "register", "--merge", "--dry-run", "--engine-url",
           "--username", "--password-file", "-c", "--cafile", "--ca-file", "--insecure",
           "--config", "--timeout", "--password", "--pass", "-o", "--cver", "-", "--",
           "--help", "--version", "--engine-config", "--json", "profiles", "list"]
VALUES = ["https://[::1", "https://127.0.0.1:1", "x", "", "0", "5", "-1", "lab",
          "/nonexistent", "/dev/null", SECRET, "--password=" + SECRET, "\udcff", "\x00"]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES), st.text()),
                max_size=8))
def test_arbitrary_arguments(tmp_path_factory, monkeypatch, argv):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run(argv)
    assert code in (0, 1, 2), (argv, err)
    assert "Traceback" not in err, (argv, err)
    if "--password" in argv or "--password=" + SECRET in argv:
        assert SECRET not in out + err


FILES = st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                  st.sampled_from([b"vm,mac,profile\nweb01,%s,P1\n" % MAC_A.encode(),
                                   b"vm,nic,profile\r\nweb02,nic1,P\xc3\xa9\r",
                                   b"\xef\xbb\xbfvm,mac,profile\n\x00\n",
                                   b"[lab]\npassword = %s\n" % SECRET.encode()]))


@pytest.fixture(scope="module")
def module_sim():
    with OvirtSimulator() as sim:
        sim.add_vm("web01", status="up", nics=[("nic1", MAC_A), ("nic2", MAC_B)])
        sim.add_vm("web02", status="down", nics=[("nic1", MAC_C)])
        yield sim


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(csv=FILES, password=FILES, conf=FILES, ca=st.one_of(st.none(), FILES),
       merge=st.booleans())
def test_arbitrary_files_dry_run(module_sim, tmp_path_factory, monkeypatch, csv, password,
                                 conf, ca, merge):
    sim = module_sim
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    (home / ".config").mkdir()
    (home / ".config" / "ovirt.conf").write_bytes(conf)
    (home / "maps.csv").write_bytes(csv)
    (home / "pw").write_bytes(password)
    ca_file = sim.ca_file
    if ca is not None:
        (home / "ca.pem").write_bytes(ca)
        ca_file = str(home / "ca.pem")
    before = engine_state(sim)
    argv = ["assign", str(home / "maps.csv"), "--dry-run", "--timeout", "5",
            "--engine-url", sim.url, "--username", "admin@internal",
            "--password-file", str(home / "pw"), "--cafile", ca_file] + (
                ["--merge"] if merge else [])
    code, out, err = run(argv)
    assert code in (0, 1, 2) and "Traceback" not in err, err
    assert engine_state(sim) == before
    code, out, err = run(["check", "--config", "lab", "--timeout", "5"])
    assert code in (0, 1, 2) and "Traceback" not in err, err
    assert SECRET not in err


FAULTS = st.sampled_from(["none", "garbage-list", "garbage-update", "garbage-get",
                          "html-update", "refuse", "die", "never", "slow-update"])


@settings(max_examples=14, deadline=None, suppress_health_check=list(HealthCheck))
@given(fault=FAULTS, die_after=st.integers(0, 5), merge=st.booleans(),
       refused=st.sets(st.integers(1, 12), max_size=4))
def test_engine_faults_leave_the_engine_as_reported(tmp_path_factory, fault, die_after,
                                                     merge, refused):
    home = tmp_path_factory.mktemp("home")
    with OvirtSimulator() as sim:
        sim.add_sample_vms(12)
        rows = ["vm,nic,profile"] + ["%s,nic1,P%d" % (name, i)
                                     for i, name in enumerate(sorted(sim.vms))]
        (home / "maps.csv").write_text("\n".join(rows) + "\n")
        (home / "pw").write_text("secret")
        if fault == "garbage-list":
            sim.answers["list"] = (200, "application/xml", b"<vms><vm>")
        elif fault == "garbage-update":
            sim.answers["update"] = (200, "application/xml", b"")
        elif fault == "garbage-get":
            sim.answers["get_vm"] = (200, "application/xml", b"\x00")
        elif fault == "html-update":
            sim.answers["update"] = (502, "text/html", b"<html>Proxy Error</html>")
        elif fault == "refuse":
            for number in refused:
                sim.fail_updates["vm%05d" % number] = (500, "Operation Failed", "[boom]")
        elif fault == "die":
            sim.die_after_updates = die_after
        elif fault == "never":
            sim.never_answer = True
        elif fault == "slow-update":
            sim.hook = slow_update
        before = engine_state(sim)
        argv = ["assign", str(home / "maps.csv"), "--timeout", "1", "--engine-url", sim.url,
                "--username", "admin@internal", "--password-file", str(home / "pw"),
                "--cafile", sim.ca_file] + (["--merge"] if merge else [])
        code, out, err = run(argv)
        after = engine_state(sim)
    assert code in (0, 1, 2) and "Traceback" not in err, err
    assert_state_as_reported(before, after, out, err)
    if code == 0:
        assert after != before and "0 failed, 0 not attempted" in out
    if "summary:" not in out:   # nothing was written
        assert after == before, err


def slow_update(stage, kind, vm):
    if stage == "before" and kind == "update" and vm in ("vm00002", "vm00007"):
        import time
        time.sleep(1.5)
