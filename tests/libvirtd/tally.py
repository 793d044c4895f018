"""The real-libvirtd tier's count, and CI's rule that it must run: a pytest
plugin (`-p tests.libvirtd.tally`, see the Makefile), so it sees the reports
of tests/ansible too (hooks in a conftest see only their own directory's)."""
import os

import pytest

# The tier: tests/libvirtd and the Ansible tests, which need a real daemon too.
TIER = ("tests/libvirtd/", "tests/ansible/")


class _Tally(object):
    selected = 0
    passed = 0
    failed = 0
    skipped = 0
    reasons = set()  # type: set


def _in_tier(nodeid: str) -> bool:
    return nodeid.replace("\\", "/").startswith(TIER)


def pytest_collection_finish(session):
    _Tally.selected = sum(1 for item in session.items if _in_tier(item.nodeid))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    # with pytest-xdist the workers collect; every worker collects them all
    _Tally.selected = sum(1 for nodeid in ids if _in_tier(nodeid))


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
