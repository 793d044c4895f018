"""Issue 17 item 2: SIGINT or SIGTERM while convert, assign or `profiles
create` writes: no new write, the ones in flight answered, the summary a
failed run gives, exit 1, and a re-run finishes the job. The signal is sent
to the real program (a subprocess) while the simulator holds a write."""
import signal
import time

import pytest

from tests.engine.helpers import sample_maps
from tests.engine.tool import start_vmfex_engine, vmfex_engine


def summary_numbers(out):
    lines = [line for line in out.splitlines() if line.startswith("summary:")]
    assert len(lines) == 1, out
    return [int(word) for word in lines[0].split() if word.isdigit()]


def signal_on_first(sim, kind, number, runs):
    """sim.hook: the first `kind` write sends `number` to the program in
    runs[0] and is answered a little later (so it is in flight then)."""
    sent = []

    def hook(stage, seen_kind, vm):
        if stage == "before" and seen_kind == kind:
            if not sent:
                sent.append(True)
                runs[0].send_signal(number)
            time.sleep(0.1)

    sim.hook = hook
    return sent


def finish(run):
    out, err = run.communicate(timeout=60)
    return run.returncode, out, err


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_convert_signalled_mid_write_ends_with_the_summary(sim, conn, tmp_path, number):
    names = sample_maps(sim, 24)
    argv = ["convert", "--create-profiles"] + names + conn
    runs = []
    sent = signal_on_first(sim, "nic_update", number, runs)
    runs.append(start_vmfex_engine(argv, tmp_path))
    code, out, err = finish(runs[0])
    assert sent and code == 1 and "Traceback" not in err, err
    name = "SIGTERM" if number == signal.SIGTERM else "SIGINT (Ctrl-C)"
    assert "error: run stopped: interrupted by %s" % name in err
    added, nics, maps, failed, not_attempted, skipped = summary_numbers(out)
    assert added == 1 and 0 < nics < 24 and maps == 0 and failed == 0
    assert added + nics + not_attempted == 1 + 24 + 24
    moved = {n for n in names if sim.vms[n].nic_profiles[0] != sim.default_profile.id}
    reported = {line.split(":")[0] for line in out.splitlines() if " now on vNIC " in line}
    assert moved == reported    # every write sent was answered before it stopped
    sim.hook = None
    code, out, err = vmfex_engine(argv, tmp_path)
    assert code == 0, err
    assert summary_numbers(out)[:5] == [0, 24 - len(moved), 24, 0, 0]


def test_assign_sigint_mid_write_ends_with_the_summary(sim, conn, tmp_path, csv_file):
    names = sample_maps(sim, 24)
    path = csv_file("vm,nic,profile\n" + "".join("%s,nic1,Q\n" % n for n in names))
    runs = []
    sent = signal_on_first(sim, "update", signal.SIGINT, runs)
    runs.append(start_vmfex_engine(["assign", path] + conn, tmp_path))
    code, out, err = finish(runs[0])
    assert sent and code == 1 and "Traceback" not in err, err
    assert "error: run stopped: interrupted by SIGINT (Ctrl-C)" in err
    changed, unchanged, failed, not_attempted, _ = summary_numbers(out)
    assert 0 < changed < 24 and changed + failed + not_attempted == 24
    assert "not attempted (first: " in err
    sim.hook = None
    code, out, err = vmfex_engine(["assign", path] + conn, tmp_path)
    assert code == 0 and summary_numbers(out)[:2] == [24 - changed, changed], err


def test_profiles_create_sigterm_mid_write_ends_with_the_summary(sim, conn, tmp_path):
    argv = ["profiles", "create", "--network", "ovirtmgmt"] + \
        ["P%d" % n for n in range(20)] + conn
    runs = []
    sent = signal_on_first(sim, "profile_add", signal.SIGTERM, runs)
    runs.append(start_vmfex_engine(argv, tmp_path))
    code, out, err = finish(runs[0])
    assert sent and code == 1 and "Traceback" not in err, err
    assert "error: run stopped: interrupted by SIGTERM" in err
    added, present, failed, not_attempted = summary_numbers(out)
    assert 0 < added < 20 and failed == 0 and added + not_attempted == 20
    sim.hook = None
    code, out, err = vmfex_engine(argv, tmp_path)
    assert code == 0 and summary_numbers(out) == [20 - added, added, 0, 0], err


def test_sigterm_while_reading_is_one_line_and_nothing_written(sim, conn, tmp_path):
    runs = []

    def hook(stage, kind, vm):
        if stage == "before" and kind == "list":
            runs[0].send_signal(signal.SIGTERM)
            time.sleep(0.5)

    sim.hook = hook
    runs.append(start_vmfex_engine(["convert", "--create-profiles"] + conn, tmp_path))
    code, out, err = finish(runs[0])
    assert code == 1 and err.strip() == "vmfex-engine: interrupted by SIGTERM", err
    assert sim.stats()["profile_add"] == 0
