"""The fleet capacity file's parser."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine_tools.model.fleet import FleetError, FleetHost, parse_fleet


def document(*hosts, **top):
    data = {"format": "vmfex-fleet-capacity", "version": 1, "hosts": list(hosts)}
    data.update(top)
    return json.dumps(data)


ENTRY = {"host": "h1.example.com", "cluster": "prod", "network": "direct-pool",
         "ready": True, "total": 9, "used": 3, "free": 6,
         "users": [{"domain": "vm1", "mac": "00:1a:4a:16:01:b0"}], "missing": [],
         "not_vmfex": [], "error": None}


def test_a_written_file_parses():
    hosts, problems = parse_fleet(document(ENTRY), "f.json")
    assert hosts == [FleetHost("h1.example.com", "prod", True, 9, 3, 6, None)]
    assert problems == []


def test_a_host_that_failed_has_no_counts_one_not_ready_keeps_them():
    failed = dict(ENTRY, ready=False, total=None, used=None, free=None,
                  error="network direct-pool\nnot found")
    not_ready = dict(ENTRY, host="h2", ready=False)
    broken = dict(ENTRY, host="h3", free=-1)
    hosts, _ = parse_fleet(document(failed, not_ready, broken), "f.json")
    assert [(h.host, h.ready, h.free, h.error) for h in hosts] == [
        ("h1.example.com", False, None, "network direct-pool not found"),
        ("h2", False, 6, None),
        ("h3", True, None, "f.json: hosts[2]: expected whole numbers >= 0 for free")]


def test_entries_without_a_host_are_named():
    hosts, problems = parse_fleet(document(ENTRY, "x", dict(ENTRY, host="")), "f.json")
    assert len(hosts) == 1
    assert problems == ["f.json: hosts[1]: expected an object, got str",
                        "f.json: hosts[2]: expected \"host\" to be a host name, got ''"]


@pytest.mark.parametrize("text, words", [
    ("{", "is not JSON"),
    ("[]", "expected a JSON object"),
    (document(format="vmfex-fleet"), "format 'vmfex-fleet' is not 'vmfex-fleet-capacity'"),
    (document(version=2), "version 2 of vmfex-fleet-capacity is not supported"),
    (document(version=True), "version True"),
    (json.dumps({"format": "vmfex-fleet-capacity", "version": 1}), "\"hosts\" to be a list"),
])
def test_another_format_or_version_is_refused_in_one_line(text, words):
    with pytest.raises(FleetError) as error:
        parse_fleet(text, "f.json")
    assert words in str(error.value) and "\n" not in str(error.value)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


@given(st.lists(JSON, max_size=4), st.dictionaries(
    st.sampled_from(["host", "ready", "total", "used", "free", "error", "cluster"]), JSON))
def test_any_json_entries_give_hosts_or_problems_never_an_exception(entries, entry):
    hosts, problems = parse_fleet(document(*(entries + [entry])), "f.json")
    assert len(hosts) + len(problems) == len(entries) + 1
