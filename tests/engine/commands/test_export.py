"""`vmfex-engine export` end to end, and its round trip through assign."""
import os
import pty
import subprocess
import sys

from tests.engine.helpers import MAC_A, MAC_B, MAC_C, MAC_D, MAPS, run
from tests.engine.ovirtsim import OvirtSimulator
from tests.engine.tool import RUN_LIMIT, vmfex_engine
from tests.paths import ROOT


def test_export_round_trip_and_check(sim, conn, csv_file, capsys, tmp_path):
    assert run(capsys, ["assign", csv_file(MAPS)] + conn)[0] == 0
    exported = tmp_path / "export.csv"
    code, _, err = run(capsys, ["export", "-o", str(exported)] + conn)
    assert code == 0 and "exported 4 rows" in err
    # web01's pending (next-run) map is what is exported
    assert exported.read_text() == (
        "vm,mac,profile\nweb01,%s,P1\nweb01,%s,P2\nweb02,%s,P3\nweb03,%s,Old\n"
        % (MAC_A, MAC_B, MAC_C, MAC_D))
    sim.reset_counters()
    code, out, _ = run(capsys, ["assign", str(exported)] + conn)
    assert code == 0 and sim.stats()["update"] == 0
    code, out, _ = run(capsys, ["check"] + conn)
    assert code == 0 and out.startswith("0 problem(s)")


def test_export_lists_vnic_profile_nics_in_a_section_assign_ignores(sim, conn, csv_file,
                                                                    capsys, tmp_path):
    p1 = sim.add_vnic_profile("vmfex-P1", "ovirtmgmt", {"vmfex": "P1"}, None)
    sim.vms["web02"].nic_profiles[0] = p1.id
    exported = tmp_path / "export.csv"
    code, _, err = run(capsys, ["export", "-o", str(exported)] + conn)
    assert code == 0 and "exported 1 rows, 1 NICs on vNIC profiles" in err
    assert exported.read_text().splitlines() == [
        "vm,mac,profile", "web03,%s,Old" % MAC_D,
        "# vNIC profile model, not read by assign (the NIC's vNIC profile carries vmfex): "
        "vm,mac,profile,vnic_profile",
        "# web02,%s,P1,vmfex-P1" % MAC_C]
    sim.reset_counters()
    code, out, _ = run(capsys, ["assign", str(exported)] + conn)
    assert code == 0 and sim.stats()["update"] == 0


def test_reading_shows_progress_on_a_terminal_only(tmp_path):
    # issue 17 item 17: a long read said nothing until its summary
    with OvirtSimulator() as sim:
        sim.add_sample_vms(250)
        (tmp_path / "pw").write_text("secret\n")
        argv = ["export", "-o", str(tmp_path / "maps.csv"), "--engine-url", sim.url,
                "--username", "admin@internal", "--password-file", str(tmp_path / "pw"),
                "--cafile", sim.ca_file]
        code, _, err = vmfex_engine(argv, tmp_path)
        assert code == 0 and "reading VMs" not in err, err
        master, slave = pty.openpty()
        try:
            done = subprocess.run([sys.executable, "-m", "engine_tools"] + argv, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=slave, timeout=RUN_LIMIT,
                                  env=dict(os.environ, HOME=str(tmp_path)))
            os.close(slave)
            shown = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer is gone
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(master)
        assert done.returncode == 0
        assert b"reading VMs [" + b"#" * 30 + b"] 250/250" in shown, shown


def test_export_json_has_the_csv_rows_as_records(sim, conn, capsys, tmp_path):
    import json

    p1 = sim.add_vnic_profile("vmfex-P1", "ovirtmgmt", {"vmfex": "P1"}, None)
    sim.vms["web02"].nic_profiles[0] = p1.id
    sim.vms["db01"].custom_properties = {"vmfex": "{'00:1a:4a': 'P'}"}
    code, out, err = run(capsys, ["export", "--json"] + conn)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert sorted(data) == ["command", "invalid", "maps", "profile_nics", "summary"]
    assert data["command"] == "export"
    assert data["summary"] == {"rows": 1, "invalid_vms": 1, "profile_nics": 1, "vms_read": 4}
    assert data["maps"] == [{"vm": "web03", "mac": MAC_D, "profile": "Old"}]
    assert [entry["vm"] for entry in data["invalid"]] == ["db01"]
    assert data["profile_nics"] == [{"vm": "web02", "nic": "nic1", "mac": MAC_C,
                                     "profile": "P1", "vnic_profile": "vmfex-P1"}]
    # -o writes the same document to the file, nothing to stdout
    path = tmp_path / "export.json"
    code, out, _ = run(capsys, ["export", "--json", "-o", str(path)] + conn)
    assert code == 0 and out == "" and json.loads(path.read_text()) == data
