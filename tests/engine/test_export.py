"""`vmfex-engine export` end to end, and its round trip through assign."""
from tests.engine.helpers import MAC_A, MAC_B, MAC_C, MAC_D, MAPS, run


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
