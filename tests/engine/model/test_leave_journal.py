"""The `leave` journal: appended records, a cut last line, replay."""
import pytest

from engine_tools.model import leave_journal
from engine_tools.model.leave_journal import Journal, JournalError, parse, read, replay


def write(path, *records):
    journal = Journal(str(path))
    for record in records:
        journal.append(record)
    journal.close()


def rec(op, key, phase, **fields):
    return dict(fields, op=op, key=key, phase=phase)


def test_records_are_appended_across_runs(tmp_path):
    path = tmp_path / "j"
    write(path, rec("network", "n1", "intent", before=None))
    write(path, rec("network", "n1", "done", id="id-1"))
    steps = replay(read(str(path)))
    assert steps[("network", "n1")]["phase"] == "done"
    assert leave_journal.created(steps, "network") == {"n1": "id-1"}


def test_a_cut_last_line_is_a_step_never_recorded(tmp_path):
    path = tmp_path / "j"
    write(path, rec("nic", "vm/nic", "intent", before="a", after="b"))
    with open(str(path), "ab") as f:
        f.write(b'{"op": "nic", "key": "vm/nic", "pha')
    steps = replay(read(str(path)))
    assert steps[("nic", "vm/nic")]["phase"] == "intent"


def test_a_bad_line_in_the_middle_names_it():
    data = b'{"op": "nic", "key": "k", "phase": "done"}\nnot json\n' \
           b'{"op": "nic", "key": "k", "phase": "done"}\n'
    with pytest.raises(JournalError, match="journal line 2"):
        parse(data)


def test_a_file_that_is_no_journal_is_refused():
    with pytest.raises(JournalError, match="line 1"):
        parse(b'{"something": "else"}\n')


def test_the_previous_state_survives_done_and_undone():
    steps = replay([rec("nic", "k", "intent", before="old", after="new"),
                    rec("nic", "k", "done"), rec("nic", "k", "undone")])
    assert steps[("nic", "k")]["before"] == "old"
    assert steps[("nic", "k")]["phase"] == "undone"


def test_a_missing_journal_is_empty_only_when_allowed(tmp_path):
    assert read(str(tmp_path / "none"), missing_ok=True) == []
    with pytest.raises(JournalError, match="cannot read journal"):
        read(str(tmp_path / "none"))
