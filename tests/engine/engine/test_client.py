"""engine_client without an engine: URLs and searches."""
import pytest

from engine_tools.engine import client as engine_client


@pytest.mark.parametrize("given, expected", [
    ("https://engine.example.com", "https://engine.example.com/ovirt-engine/api"),
    ("https://engine.example.com/", "https://engine.example.com/ovirt-engine/api"),
    ("https://e.example.com/ovirt-engine/api/", "https://e.example.com/ovirt-engine/api"),
])
def test_api_url(given, expected):
    assert engine_client.api_url(given) == expected


def test_api_url_refuses_a_bare_host():
    with pytest.raises(engine_client.EngineError, match="engine.example.com"):
        engine_client.api_url("engine.example.com")


def test_name_searches_are_bounded():
    names = ["vm%04d" % n for n in range(120)] + ["x" * 255] * 1
    searches = engine_client.name_searches(names)
    assert all(len(s) <= engine_client.SEARCH_CHARS + 300 for s, _ in searches)
    assert sorted(n for _, batch in searches for n in batch) == sorted(names)
    assert all(len(batch) <= engine_client.NAMES_PER_SEARCH for _, batch in searches)
    # each query asks for exactly the names listed with it
    for search, batch in searches:
        assert search.split(" or ") == [
            "name=%s" % n if n.replace("_", "").isalnum() else 'name="%s"' % n
            for n in batch]
