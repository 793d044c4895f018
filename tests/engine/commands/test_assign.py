"""`vmfex-engine assign` end to end: real ovirtsdk4 over HTTPS to the simulator."""
import io
import sys

from engine_tools.engine import client as engine_client
from tests.engine.helpers import EXISTING, MAC_A, MAC_B, MAC_C, MAC_D, MAPS, WRITE_KEYS, run
from tests.engine.ovirtsim import OvirtSimulator


def test_assign_keeps_other_properties_and_uses_next_run(sim, conn, csv_file, capsys):
    code, out, err = run(capsys, ["assign", csv_file(MAPS)] + conn)
    assert code == 0, err
    web01, web02 = sim.vms["web01"], sim.vms["web02"]
    # running VM: the change waits for its next start, sap_agent travels along
    assert web01.custom_properties == {"sap_agent": "true"}
    assert web01.next_run_properties == {
        "sap_agent": "true", "vmfex": "{'%s': 'P1', '%s': 'P2'}" % (MAC_A, MAC_B)}
    assert web02.custom_properties == {"vmfex": "{'%s': 'P3'}" % MAC_C}
    assert "web01: changed, applies at next start" in out
    assert ("summary: 2 changed, 0 unchanged, 0 failed, 0 not attempted, "
            "1 apply at next start") in out
    # only what the file names: one name search, NICs inline; the same search
    # right before the two updates (issue 17 item 1); then the read-back: the
    # same search and web01's pending configuration
    stats = sim.stats()
    assert (stats["list"], stats["nics"], stats["get_vm"], stats["update"]) == (3, 0, 1, 2)
    search = sim.requests[0][2]["search"]
    assert "db01" not in search and "web03" not in search
    # VMs the file does not name are never touched
    assert sim.vms["db01"].next_run_properties is None
    assert sim.vms["db01"].custom_properties == {"other": "y"}
    assert sim.vms["web03"].custom_properties == {"vmfex": EXISTING, "x": "1"}


def test_rerun_makes_no_update(sim, conn, csv_file, capsys):
    path = csv_file(MAPS)
    assert run(capsys, ["assign", path] + conn)[0] == 0
    sim.reset_counters()
    code, out, _ = run(capsys, ["assign", path] + conn)
    assert code == 0
    assert sim.stats()["update"] == 0
    assert ("summary: 0 changed, 2 unchanged, 0 failed, 0 not attempted, "
            "0 apply at next start") in out


def test_nic_name_rows_resolve_through_the_api(sim, conn, csv_file, capsys):
    code, _, err = run(capsys, ["assign", csv_file("vm,nic,profile\nweb03,nic1,New\n")] + conn)
    assert code == 0, err
    assert sim.vms["web03"].custom_properties == {"vmfex": "{'%s': 'New'}" % MAC_D, "x": "1"}


def test_validation_errors_are_all_listed_and_nothing_is_written(sim, conn, csv_file, capsys):
    text = ("vm,nic,profile\n"
            "web01,nic1,P1\n"
            "ghost,nic1,P1\n"           # 3 unknown VM
            "web01,nic7,P1\n"           # 4 no such NIC
            "web02,nic1,bad/profile\n"  # 5 bad profile
            "web01,nic1,P9\n"           # 6 conflicts with 2
            "web02\n")                  # 7 missing field
    code, out, err = run(capsys, ["assign", csv_file(text)] + conn)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    numbers = [int(line.split("maps.csv:")[1].split(":")[0]) for line in lines]
    assert numbers == [3, 4, 5, 6, 7]
    assert "nothing written" in err and "Traceback" not in err
    assert sim.stats()["update"] == 0


def test_mac_not_on_the_vm(sim, conn, csv_file, capsys):
    code, _, err = run(capsys, ["assign", csv_file("vm,mac,profile\nweb02,%s,P\n" % MAC_A)]
                       + conn)
    assert code == 1 and "maps.csv:2: MAC %s is not on VM 'web02'" % MAC_A in err
    assert sim.stats()["update"] == 0


def test_partial_failure_reports_the_engine_fault(sim, conn, csv_file, capsys):
    sim.fail_updates["web02"] = (409, "Operation Failed",
                                 "[Cannot edit VM. Related operation is currently in progress.]")
    code, out, err = run(capsys, ["assign", csv_file(MAPS)] + conn)
    assert code == 1
    assert "VM web02: not updated" in err and "Related operation is currently" in err
    assert "409" in err
    assert sim.vms["web01"].next_run_properties is not None
    assert ("summary: 1 changed, 0 unchanged, 1 failed, 0 not attempted, "
            "1 apply at next start") in out


def test_dry_run_writes_nothing(sim, conn, csv_file, capsys):
    code, out, _ = run(capsys, ["assign", csv_file(MAPS), "--dry-run"] + conn)
    assert code == 0
    assert "old: (none)" in out and "new: {'%s': 'P3'}" % MAC_C in out
    assert sim.stats()["update"] == 0


def test_merge_and_removal(sim, conn, csv_file, capsys):
    text = "vm,mac,profile\nweb03,%s,\nweb02,%s,P3\n" % (MAC_D, MAC_C)
    assert run(capsys, ["assign", csv_file(text), "--merge"] + conn)[0] == 0
    assert sim.vms["web03"].custom_properties == {"x": "1"}
    assert sim.vms["web02"].custom_properties == {"vmfex": "{'%s': 'P3'}" % MAC_C}


def test_stdin(sim, conn, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MAPS.encode())))
    assert run(capsys, ["assign", "-"] + conn)[0] == 0
    assert sim.stats()["update"] == 2


def test_many_vms_bounded_concurrency_and_few_requests(capsys, tmp_path):
    with OvirtSimulator(delay=0.005, page_cap=100) as sim:
        sim.add_sample_vms(300)
        rows = ["vm,nic,profile"] + ["%s,nic1,P%d" % (name, i % 3)
                                     for i, name in enumerate(sorted(sim.vms))]
        path = tmp_path / "many.csv"
        path.write_text("\n".join(rows) + "\n")
        (tmp_path / "pw").write_text("secret")
        conn = ["--engine-url", sim.url, "--username", "admin@internal",
                "--password-file", str(tmp_path / "pw"), "--cafile", sim.ca_file]
        sim.reset_counters()
        code, out, _ = run(capsys, ["assign", str(path)] + conn)
        assert code == 0
        stats = sim.stats()
        assert stats["update"] == 300
        requests = sum(stats[k] for k in ("list", "get_vm", "nics", "update", "other"))
        # the read-back reads each running VM's pending configuration once;
        # right before the writes their VMs are read again: the same name
        # searches and the API root (to choose searches over pages)
        running = sum(1 for vm in sim.vms.values() if vm.running)
        rereads = 300 // engine_client.NAMES_PER_SEARCH + 1
        assert requests <= 300 * 1.05 + running + rereads
        assert 1 < sim.peak_in_flight <= engine_client.WINDOW
        sim.reset_counters()
        assert run(capsys, ["assign", str(path)] + conn)[0] == 0
        assert sim.stats()["update"] == 0


def test_missing_column_stops_before_contacting_the_engine(sim, conn, csv_file, capsys):
    code, _, err = run(capsys, ["assign", csv_file("vm,profile\nweb01,P1\n")] + conn)
    assert code == 1
    assert "maps.csv:1: header 'vm,profile': missing column mac or nic" in err
    assert sim.stats() == dict(sim.stats(), list=0, update=0, sso=0)


def test_bad_mac_and_unknown_vm_are_reported_together(sim, conn, csv_file, capsys):
    text = "vm,mac,profile\nweb01,00:1a:4a:16:01:b0:ff,P1\nghost,%s,P1\n" % MAC_A
    code, _, err = run(capsys, ["assign", csv_file(text)] + conn)
    assert code == 1
    assert "maps.csv:2: invalid MAC '00:1a:4a:16:01:b0:ff'" in err
    assert "maps.csv:3: VM 'ghost' not found in the engine" in err
    assert sim.stats()["update"] == 0


def _document(out):
    import json

    data = json.loads(out)
    # the same keys in every document of a write command, whatever happened
    assert sorted(data) == WRITE_KEYS
    assert data["command"] == "assign"
    return data


def test_json_per_vm_outcomes_with_the_engine_fault(sim, conn, csv_file, capsys):
    sim.fail_updates["web02"] = (409, "Operation Failed",
                                 "[Cannot edit VM. Related operation is currently in progress.]")
    maps = MAPS + "web03,%s,Old\n" % MAC_D   # web03 already holds this map
    code, out, err = run(capsys, ["assign", csv_file(maps), "--json"] + conn)
    data = _document(out)
    assert code == 1 and "VM web02: not updated" in err
    assert data["dry_run"] is False and data["stopped"] is None
    assert data["summary"] == {"changed": 1, "unchanged": 1, "failed": 1,
                               "not_attempted": 0, "not_known": 0}
    by_vm = {entry["vm"]: entry for entry in data["items"]}
    assert by_vm["web01"] == {"vm": "web01", "next_run": True, "outcome": "changed",
                              "reason": None}
    assert by_vm["web03"]["outcome"] == "unchanged"
    assert by_vm["web02"]["outcome"] == "failed" and "409" in by_vm["web02"]["reason"]


def test_json_dry_run_and_refusal(sim, conn, csv_file, capsys):
    code, out, _ = run(capsys, ["assign", csv_file(MAPS), "--dry-run", "--json"] + conn)
    data = _document(out)
    assert code == 0 and data["dry_run"] is True and sim.stats()["update"] == 0
    assert sorted((e["vm"], e["outcome"]) for e in data["items"]) == [
        ("web01", "changed"), ("web02", "changed")]
    code, out, err = run(capsys, ["assign", csv_file("vm,mac,profile\nnope,%s,P\n" % MAC_A),
                                  "--json"] + conn)
    data = _document(out)
    assert code == 1 and "nothing written" in err
    assert data["items"] == [] and len(data["problems"]) == 1 and "nope" in data["problems"][0]


def test_json_items_say_not_known_and_not_attempted():
    from engine_tools.commands.assign import items
    from engine_tools.commands.results import classify
    from engine_tools.model.assign_plan import Change, VmState

    def change(name):
        return Change(VmState("id-" + name, name, "down", [], [], []), "", {}, {"m": "P"},
                      [("vmfex", "{'m': 'P'}")], False)

    sent, unsent = change("a"), change("b")
    results = classify([sent, unsent], {"a": engine_client.Outcome("unknown", "sent, no answer")},
                       None, "the engine stopped answering")
    assert [(e["vm"], e["outcome"]) for e in items(results, [sent, unsent])] == [
        ("a", "not_known"), ("b", "not_attempted")]
