"""The `vmfex` map parser and the MAC/profile rules."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vdsm_hook_vmfex.common.errors import InvalidMac, InvalidMap, InvalidProfile, VmfexError
from vdsm_hook_vmfex.common.rules import check_profile, normalize_mac
from vdsm_hook_vmfex.common.vmfex_map import MAX_MAP_LENGTH, format_vmfex_map, parse_vmfex_map

B0, B1 = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1"


@pytest.mark.parametrize("text", [
    "{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:b1': 'Profile2'}",
    '{"00:1a:4a:16:01:b0": "Profile1", "00:1a:4a:16:01:b1": "Profile2"}',
    "{'00:1A:4A:16:01:B0':'Profile1','00-1a-4a-16-01-b1':\"Profile2\",}",
    "\n {\n  '00:1a:4a:16:01:b0' :\t'Profile1' ,\n  '00:1a:4a:16:01:b1': 'Profile2',\n }\n",
    "{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:b1': 'Profile2', "
    "'00:1a:4a:16:01:B0': 'Profile1'}",
])
def test_accepts_the_forms_administrators_type(text):
    assert parse_vmfex_map(text) == {B0: "Profile1", B1: "Profile2"}


def test_accepts_json_written_by_json_dumps():
    mapping = {B0: "Profile 1", B1: "a.b:c-d_e"}
    assert parse_vmfex_map(json.dumps(mapping)) == mapping


@pytest.mark.parametrize("text", ["", "   ", "\n", "{}", " { } ", "{\n}"])
def test_empty_values_mean_nothing_to_do(text):
    assert parse_vmfex_map(text) == {}


@pytest.mark.parametrize("text, expected", [
    ("{'00:11:22:33:44:55:66': 'P'}",
     "invalid MAC '00:11:22:33:44:55:66': expected 6 octets, found 7"),
    ("{'00:11:22:33:44': 'P'}", "invalid MAC '00:11:22:33:44': expected 6 octets, found 5"),
    ("{'00:11:22:33:44:5g': 'P'}", "octet '5g' is not two hex digits"),
    ("{'0:11:22:33:44:55': 'P'}", "octet '0' is not two hex digits"),
    ("{'00:11-22:33:44:55': 'P'}", "expected 6 hex octets separated by ':' or '-'"),
    ("{'001122334455': 'P'}", "invalid MAC '001122334455'"),
    ("{'00:11:22:33:44:55': ''}", "invalid port profile '': expected 1 to 39 characters"),
    ("{'00:11:22:33:44:55': 'P/1'}", "invalid port profile 'P/1': '/' not allowed"),
    ("{'00:11:22:33:44:55': ' P1'}", "leading or trailing space"),
    ("{'00:11:22:33:44:55': '%s'}" % ("p" * 40), "40 characters, at most 39"),
    ("{'00:11:22:33:44:55': 'P1', '00-11-22-33-44-55': 'P2'}",
     "MAC 00:11:22:33:44:55 is mapped twice, to 'P1' and to 'P2'"),
    ("Profile1", "expected '{' opening a map"),
    ("'00:11:22:33:44:55': 'P1'", "expected '{' opening a map"),
    ("{'00:11:22:33:44:55' 'P1'}", "expected ':' after the MAC '00:11:22:33:44:55'"),
    ("{'00:11:22:33:44:55': P1}", "expected a quoted port profile"),
    ("{'00:11:22:33:44:55': 1}", "expected a quoted port profile"),
    ("{00:11:22:33:44:55: 'P1'}", "expected a quoted MAC address or '}'"),
    ("{'00:11:22:33:44:55': 'P1'", "expected ',' or '}' after the profile 'P1'"),
    ("{'00:11:22:33:44:55': 'P1' '00:11:22:33:44:56': 'P2'}", "expected ',' or '}'"),
    ("{'00:11:22:33:44:55': 'P1'}}", "expected nothing after the closing '}'"),
    ("{'00:11:22:33:44:55': 'P1'} # comment", "expected nothing after the closing '}'"),
    ("{'00:11:22:33:44:55': 'P1\"}", "a closing '"),
    ("{'00:11:22:33:44:55': 'P\\'1'}", "escapes and newlines are not allowed"),
    ("{'00:11:22:33:44:55': {'a': 'b'}}", "expected a quoted port profile"),
    ("{,}", "expected a quoted MAC address or '}'"),
    ("[('00:11:22:33:44:55', 'P1')]", "expected '{' opening a map"),
    ("__import__('os').system('reboot')", "expected '{' opening a map"),
])
def test_bad_values_name_the_offending_text(text, expected):
    with pytest.raises(VmfexError) as err:
        parse_vmfex_map(text)
    assert expected in str(err.value)


def test_error_types_say_what_was_wrong():
    with pytest.raises(InvalidMac):
        parse_vmfex_map("{'00:11:22:33:44:55:66': 'P'}")
    with pytest.raises(InvalidProfile):
        parse_vmfex_map("{'00:11:22:33:44:55': 'P!'}")
    with pytest.raises(InvalidMap):
        parse_vmfex_map("{'00:11:22:33:44:55' = 'P'}")


def test_oversized_and_deeply_nested_values_fail_fast():
    with pytest.raises(InvalidMap, match="at most %d" % MAX_MAP_LENGTH):
        parse_vmfex_map("{" + " " * MAX_MAP_LENGTH + "}")
    # No recursion into nested braces: the second '{' is already refused.
    with pytest.raises(InvalidMap, match="at character 2, found '{"):
        parse_vmfex_map("{" * (MAX_MAP_LENGTH - 1))


def test_format_is_canonical_and_sorted():
    assert (format_vmfex_map({B1: "Profile2", B0: "Profile1"})
            == "{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:b1': 'Profile2'}")
    assert format_vmfex_map({}) == "{}"


# --- properties ------------------------------------------------------------

octets = st.lists(st.integers(0, 255), min_size=6, max_size=6)
macs = octets.map(lambda o: ":".join("%02x" % b for b in o))
profiles = st.from_regex(r"[A-Za-z0-9_.:-]([A-Za-z0-9 _.:-]{0,37}[A-Za-z0-9_.:-])?",
                         fullmatch=True)
maps = st.dictionaries(macs, profiles, max_size=12)


@given(maps)
def test_format_then_parse_round_trips(mapping):
    assert parse_vmfex_map(format_vmfex_map(mapping)) == mapping


@given(maps, st.data())
def test_any_spelling_of_a_map_parses_to_the_same_map(mapping, data):
    """Quote style, case, separator, spacing and a trailing comma don't matter."""
    def space():
        return data.draw(st.sampled_from(["", " ", "\n", "\t ", "  \n  "]))

    parts = []
    for mac, profile in mapping.items():
        quote_mac = data.draw(st.sampled_from("'\""))
        quote_profile = data.draw(st.sampled_from("'\""))
        spelled = mac.replace(":", data.draw(st.sampled_from(":-")))
        if data.draw(st.booleans()):
            spelled = spelled.upper()
        parts.append("%s%s%s%s%s:%s%s%s%s" % (
            space(), quote_mac, spelled, quote_mac, space(), space(),
            quote_profile, profile, quote_profile))
    body = ",".join(parts) + ("," + space() if parts and data.draw(st.booleans()) else "")
    text = space() + "{" + body + space() + "}" + space()
    assert parse_vmfex_map(text) == mapping


@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_map_or_our_error(text):
    try:
        result = parse_vmfex_map(text)
    except VmfexError as err:
        assert str(err)
    else:
        assert all(normalize_mac(mac) == mac for mac in result)
        assert all(check_profile(p) == p for p in result.values())


@given(maps, st.integers(0, 500), st.sampled_from("{}:,'\" x"))
def test_corrupted_maps_give_a_map_or_our_error(mapping, where, junk):
    text = format_vmfex_map(mapping)
    where = min(where, len(text))
    try:
        parse_vmfex_map(text[:where] + junk + text[where:])
    except VmfexError:
        pass
