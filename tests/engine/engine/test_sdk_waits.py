"""engine_tools.engine.sdk_waits: what the SDK's waits cost and leave behind
when the engine fails under requests in flight."""
import threading
import time

from tests.engine.helpers import run_main
from tests.engine.ovirtsim import OvirtSimulator


def _waits_running():
    return [t for t in threading.enumerate() if t.name == "bounded-call"]


def _assign_to_a_dying_engine(sim, tmp_path):
    sim.add_sample_vms(30)
    rows = ["vm,nic,profile"] + ["%s,nic1,P" % name for name in sorted(sim.vms)]
    (tmp_path / "many.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "pw").write_text("secret")
    sim.die_after_updates = 10
    code, out, err = run_main(["assign", str(tmp_path / "many.csv"), "--timeout", "2",
                               "--engine-url", sim.url, "--username", "admin@internal",
                               "--password-file", str(tmp_path / "pw"),
                               "--cafile", sim.ca_file])
    assert code == 1 and "error: run stopped: " in err, err


def test_a_run_stopped_by_a_dying_engine_leaves_no_wait_running(tmp_path):
    """The SDK raises one transfer's failure and consumes the others' with
    it; the waits for those would loop until the process exits."""
    before = _waits_running()
    with OvirtSimulator() as sim:
        _assign_to_a_dying_engine(sim, tmp_path)
        # the engine is still there (dead): only the run can end its waits
        deadline = time.monotonic() + 5
        while len(_waits_running()) > len(before) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waits_running() == before


def test_waiting_for_a_dead_engine_sleeps(tmp_path):
    """The transfers lost with the engine leave curl no socket to watch;
    the run waits out its timeout for them sleeping, not spinning a core
    (the run, the simulator and the SDK share this process)."""
    with OvirtSimulator() as sim:
        cpu, wall = time.process_time(), time.monotonic()
        _assign_to_a_dying_engine(sim, tmp_path)
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert wall >= 2 and cpu < wall / 2, (cpu, wall)
