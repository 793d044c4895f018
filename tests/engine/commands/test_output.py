"""commands/output.py: the one table style and the --json document shape."""
import io
import json

import pytest

from engine_tools.commands import output


def test_table_pads_every_column_but_the_last_and_upper_cases_the_header():
    lines = output.table_lines(["name", "max ports", "vlans"],
                               [["Profile1", "1", "a(1) b(2)"], ["db-net-long", "64", "-"]])
    assert lines == ["NAME         MAX PORTS  VLANS",
                     "Profile1     1          a(1) b(2)",
                     "db-net-long  64         -"]


def test_document_counts_every_outcome_and_keeps_extra_keys():
    out = io.StringIO()
    items = [output.item(output.CHANGED, None, vm="a"),
             output.item(output.NOT_KNOWN, "sent, no answer", vm="b")]
    output.write_document(out, "assign", items, stopped="why")
    data = json.loads(out.getvalue())
    assert list(data) == ["command", "dry_run", "summary", "items", "problems", "stopped",
                          "readback_error"]
    assert data["summary"] == {"changed": 1, "unchanged": 0, "failed": 0,
                               "not_attempted": 0, "not_known": 1}
    assert data["items"][1] == {"vm": "b", "outcome": "not_known", "reason": "sent, no answer"}


def test_json_is_ascii_whatever_the_names():
    out = io.StringIO()
    output.write_json(out, {"vm": "caf\u00e9 \udcff"})
    assert all(ord(ch) < 128 for ch in out.getvalue())
    assert json.loads(out.getvalue()) == {"vm": "caf\u00e9 \udcff"}


def test_an_unknown_outcome_is_a_bug():
    with pytest.raises(AssertionError):
        output.item("done")
