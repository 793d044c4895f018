"""The real-libvirtd tier: one private libvirtd per session (daemon.py),
state cleaned between tests; a summary line with the tier's count, and on CI
(CI=true) a skipped tier fails the run."""
import os

import pytest

from tests.libvirtd.daemon import PrivateLibvirtd, skip_reason
from tests.libvirtd.helpers import Host, clean
from tests.paths import ROOT

VNICS = 4
# libvirt re-probes by itself when qemu or libvirt changed; keeping the probe
# result saves ~8 s per run. Inside the clone, never on the machine.
CACHE_DIR = os.path.join(ROOT, "build", "libvirtd-cache")
TIER = os.path.join("tests", "libvirtd")


@pytest.fixture(scope="session")
def libvirtd():
    """The session's private libvirtd with VNICS veths (vmfex0..)."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    with PrivateLibvirtd(vnics=VNICS, cache_dir=CACHE_DIR) as daemon:
        yield daemon


@pytest.fixture
def conn(libvirtd):
    """A connection to the daemon; every domain and network is gone afterwards."""
    import libvirt
    connection = libvirt.open(libvirtd.uri)
    try:
        yield connection
    finally:
        try:
            connection.close()
        except libvirt.libvirtError:
            pass  # a test restarted the daemon under it
        clean(libvirtd.uri)


@pytest.fixture
def host(libvirtd, conn, tmp_path):
    """The hook and vmfex-direct-pool pointed at the daemon (see Host)."""
    return Host(libvirtd, str(tmp_path))


# --- the tier's count, and CI's rule that it must run ----------------------

class _Tally(object):
    selected = 0
    passed = 0
    failed = 0
    skipped = 0
    reasons = set()  # type: set


def _in_tier(nodeid: str) -> bool:
    return nodeid.replace("\\", "/").startswith(TIER.replace(os.sep, "/") + "/")


def pytest_collection_finish(session):
    _Tally.selected = sum(1 for item in session.items if _in_tier(item.nodeid))


def pytest_runtest_logreport(report):
    if not _in_tier(report.nodeid):
        return
    if report.skipped:
        _Tally.skipped += 1
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        _Tally.reasons.add(reason.replace("Skipped: ", ""))
    elif report.failed:
        _Tally.failed += 1
    elif report.when == "call":
        _Tally.passed += 1


def _must_run() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_sessionfinish(session):
    if _Tally.selected and _Tally.skipped and _must_run():
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if not _Tally.selected:
        return
    ran = _Tally.passed + _Tally.failed
    line = ("real-libvirtd tier: %d of %d tests ran (%d passed, %d failed, %d skipped)"
            % (ran, _Tally.selected, _Tally.passed, _Tally.failed, _Tally.skipped))
    terminalreporter.write_line(line)
    if _Tally.skipped:
        terminalreporter.write_line("real-libvirtd tier skipped: %s"
                                    % "; ".join(sorted(_Tally.reasons)))
        if _must_run():
            terminalreporter.write_line("CI=true: the real-libvirtd tier must run "
                                        "on CI; failing")
