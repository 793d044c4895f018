"""vmfex-engine when the engine misbehaves (issue 10): bounded waits, no lost
update reported as success, unreadable answers, an engine dying mid-run."""
import threading
import time

from tests.engine.helpers import MAC_A, MAC_B, MAC_C, MAPS
from tests.engine.tool import (
    assert_state_as_reported,
    engine_state,
    start_vmfex_engine,
    vmfex_engine,
)


def one_line(err):
    return err.count("\n") == 1 and "Traceback" not in err


def test_engine_that_never_answers_is_given_up_on(sim, conn, tmp_path):
    sim.never_answer = True
    code, _, err = vmfex_engine(["export", "--timeout", "2"] + conn, tmp_path)
    assert code == 1 and one_line(err), err
    assert "no answer from %s" % sim.url in err and "within 2 s" in err


def test_slow_engine_past_the_timeout_and_the_config_key(sim, tmp_path):
    def slow_api_root(stage, kind, vm):
        if stage == "before" and kind == "other":
            time.sleep(2)

    sim.hook = slow_api_root
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "ovirt.conf").write_text(
        "[lab]\nengine_url = %s\nusername = admin@internal\npassword = secret\n"
        "cafile = %s\ntimeout = 1\n" % (sim.url, sim.ca_file))
    code, _, err = vmfex_engine(["check", "--config", "lab"], tmp_path)
    assert code == 1 and one_line(err), err
    assert "no answer from %s" % sim.url in err and "within 1 s" in err
    # the command line wins over the config key
    code, _, err = vmfex_engine(["check", "--config", "lab", "--timeout", "10"], tmp_path)
    assert code == 0, err


def test_bad_timeouts_are_usage_or_config_errors(sim, conn, tmp_path):
    code, _, err = vmfex_engine(["check", "--timeout", "0"] + conn, tmp_path)
    assert code == 2 and "--timeout" in err and "Traceback" not in err
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "ovirt.conf").write_text(
        "[lab]\nengine_url = %s\nusername = u\npassword = p\ntimeout = soon\n" % sim.url)
    code, _, err = vmfex_engine(["check", "--config", "lab"], tmp_path)
    assert code == 1 and one_line(err) and "timeout = 'soon'" in err


def test_concurrent_merges_on_one_vm_are_detected(sim, tmp_path, conn):
    """A reads, B reads, A writes, B writes, A reads back: A lost its MAC and
    must say so; B's map is what the engine holds and B says changed."""
    sim.add_vm("race01", status="down", nics=[("nic1", MAC_A), ("nic2", MAC_B)])
    a_csv, b_csv = tmp_path / "a.csv", tmp_path / "b.csv"
    a_csv.write_text("vm,nic,profile\nrace01,nic1,PA\n")
    b_csv.write_text("vm,nic,profile\nrace01,nic2,PB\n")
    b_update, a_applied, b_applied = threading.Event(), threading.Event(), threading.Event()
    updates = []
    runs = {}

    def hook(stage, kind, vm):
        if kind == "update" and stage == "before":
            updates.append(vm)
            if len(updates) == 1:   # A's write waits until B has read and written
                runs["b"] = start_vmfex_engine(["assign", "--merge", str(b_csv)] + conn,
                                               tmp_path)
                assert b_update.wait(60)
            else:                   # B's write lands after A's
                b_update.set()
                assert a_applied.wait(60)
        elif kind == "update" and stage == "after":
            (b_applied if a_applied.is_set() else a_applied).set()
        elif stage == "before" and a_applied.is_set():
            assert b_applied.wait(60)   # A reads back only after B wrote

    sim.hook = hook
    code, out, err = vmfex_engine(["assign", "--merge", str(a_csv)] + conn, tmp_path)
    b_out, b_err = runs["b"].communicate(timeout=60)
    assert code == 1, (out, err)
    assert "error: VM race01: changed by someone else during this run" in err
    assert "summary: 0 changed, 0 unchanged, 1 failed, 0 not attempted" in out
    assert runs["b"].returncode == 0, b_err
    assert "race01: changed" in b_out
    assert sim.vms["race01"].custom_properties == {"vmfex": "{'%s': 'PB'}" % MAC_B}
    # each run wrote the VM exactly once
    assert updates == ["race01", "race01"]


def test_non_xml_answer_to_the_search_is_one_line(sim, conn, csv_file, tmp_path):
    sim.answers["list"] = (200, "text/html", b"<html><body>Gateway says hi</body></html>")
    code, _, err = vmfex_engine(["assign", csv_file(MAPS)] + conn, tmp_path)
    assert code == 1 and one_line(err), err
    assert "not the engine's XML" in err and "text/html" in err
    sim.answers["list"] = (200, "application/xml", b"<vms><vm id='1'><name>cut")
    code, _, err = vmfex_engine(["export"] + conn, tmp_path)
    assert code == 1 and one_line(err) and "not the engine's XML" in err, err
    assert sim.stats()["update"] == 0


def test_non_xml_answer_to_an_update_still_ends_with_the_summary(sim, conn, csv_file,
                                                                 tmp_path):
    # The engine applied the update, a proxy mangled the answer: the read-back
    # shows it was written.
    sim.answers["update"] = (200, "application/xml", b"")
    code, out, err = vmfex_engine(["assign", csv_file(MAPS)] + conn, tmp_path)
    assert "Traceback" not in err
    assert code == 0, err
    assert "summary: 2 changed, 0 unchanged, 0 failed, 0 not attempted" in out
    # a proxy page instead of the engine's fault: not written, and said so
    sim.answers["update"] = (200, "text/html", b"<html>Bad gateway</html>")
    sim.fail_updates["web03"] = (502, "Bad Gateway", "")
    text = "vm,nic,profile\nweb03,nic1,New\n"
    code, out, err = vmfex_engine(["assign", csv_file(text, "b.csv")] + conn, tmp_path)
    assert code == 1 and "Traceback" not in err
    assert "error: VM web03: not updated" in err
    assert "summary: 0 changed, 0 unchanged, 1 failed, 0 not attempted" in out


def test_engine_dying_mid_run_ends_with_the_summary(tmp_path):
    from tests.engine.ovirtsim import OvirtSimulator
    with OvirtSimulator() as sim:
        sim.add_sample_vms(30)
        rows = ["vm,nic,profile"] + ["%s,nic1,P" % name for name in sorted(sim.vms)]
        path = tmp_path / "many.csv"
        path.write_text("\n".join(rows) + "\n")
        (tmp_path / "pw").write_text("secret")
        conn = ["--engine-url", sim.url, "--username", "admin@internal",
                "--password-file", str(tmp_path / "pw"), "--cafile", sim.ca_file]
        before = engine_state(sim)
        sim.die_after_updates = 10
        # libcurl may report the lost transfers through another one's wait:
        # the tool then waits out one --timeout for them
        code, out, err = vmfex_engine(["assign", str(path), "--timeout", "3"] + conn,
                                      tmp_path)
        after = engine_state(sim)
    assert code == 1 and "Traceback" not in err
    summary = [line for line in out.splitlines() if line.startswith("summary:")]
    assert len(summary) == 1, out
    changed, _, failed, not_attempted = [int(summary[0].split()[i]) for i in (1, 3, 5, 7)]
    # updates run 8 at a time: which 10 the engine applied before dying varies
    assert 0 < changed <= 10 and changed + failed + not_attempted == 30
    assert not_attempted > 0 and "error: run stopped: " in err
    assert_state_as_reported(before, after, out, err)


def test_vm_changed_elsewhere_between_write_and_read_back(sim, conn, csv_file, tmp_path):
    def hook(stage, kind, vm):
        if stage == "after" and kind == "update" and vm == "web02":
            sim.vms["web02"].custom_properties = {"vmfex": "{'%s': 'Theirs'}" % MAC_C}

    sim.hook = hook
    code, out, err = vmfex_engine(["assign", csv_file(MAPS)] + conn, tmp_path)
    assert code == 1
    assert "error: VM web02: changed by someone else during this run" in err
    assert "web01: changed" in out and "web02: changed" not in out
    assert "summary: 1 changed, 0 unchanged, 1 failed, 0 not attempted" in out
