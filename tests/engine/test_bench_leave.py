"""bench/bench_leave.py at a small size: every ratio meets its floor (the
counts, not the time, which only `make bench-engine` measures)."""
from bench.bench_leave import leave_bench


def test_leave_bench_small_meets_every_floor():
    rows = leave_bench(vms=40, nics=2, profiles=5, delay=0.0, say=lambda *_: None)
    assert [name for name, _, _, ok in rows if not ok] == []
    assert len(rows) == 6
