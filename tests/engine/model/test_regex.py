"""The vmfex regex registered with the engine, checked with Python's re.fullmatch.

The engine (Java) matches the whole value; the pattern keeps to constructs
with the same meaning in Java and Python, which test_portable_constructs pins.
"""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine_tools.model.regex import VMFEX_REGEX
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map, parse_vmfex_map

PATTERN = re.compile(VMFEX_REGEX)


def accepted(value):
    return PATTERN.fullmatch(value) is not None


@pytest.mark.parametrize("value", [
    # README examples and the canonical form the tool writes
    "{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:b1': 'Profile2'}",
    "{'00:1a:4a:16:01:b0': 'Profile1', '00:1A:4A:16:01:B1': 'Profile2',}",
    '{"00:1A:4A:16:01:B0": "Profile1",}',
    "{}",
    "{ }",
    "  {  '00-1A-4A-16-01-B0' :  \"web tier.1:a-b_c\"  ,  }  ",
    "{'00:1a:4a:16:01:b0':'P'}",
    "{'00:1a:4a:16:01:b0': '%s'}" % ("x" * 39),
    "{'00:1a:4a:16:01:b0': 'A', '00:1a:4a:16:01:b0': 'A'}",
])
def test_accepts_what_users_type(value):
    assert accepted(value)
    parse_vmfex_map(value)  # and the hook accepts it too


@pytest.mark.parametrize("value", [
    "",                                                   # the engine keeps no empty value
    "'00:1a:4a:16:01:b0': 'Profile1'",                    # no braces
    "{'00:1a:4a:16:01:b0': 'Profile1'",                   # unclosed
    "{'00:11:22:33:44:55:66': 'Profile1'}",               # 7 octets
    "{'00:11:22:33:44': 'Profile1'}",                     # 5 octets
    "{'00:11-22:33:44:55': 'Profile1'}",                  # mixed separators
    "{'0:11:22:33:44:55': 'Profile1'}",                   # one-digit octet
    "{'00:1a:4a:16:01:gg': 'Profile1'}",                  # not hex
    "{'00:1a:4a:16:01:b0': 'Profile1\"}",                 # quotes do not match
    "{'00:1a:4a:16:01:b0': ''}",                          # empty profile
    "{'00:1a:4a:16:01:b0': ' Profile1'}",                 # leading space
    "{'00:1a:4a:16:01:b0': 'Profile1 '}",                 # trailing space
    "{'00:1a:4a:16:01:b0': 'Pro;file'}",                  # bad character
    "{'00:1a:4a:16:01:b0': '%s'}" % ("x" * 40),           # 40 characters
    "{'00:1a:4a:16:01:b0' 'Profile1'}",                   # no colon
    "{'00:1a:4a:16:01:b0': 'P1' '00:1a:4a:16:01:b1': 'P2'}",  # no comma
    "{,}",
    "{'00:1a:4a:16:01:b0': 'P1',,}",
    "{'00:1a:4a:16:01:b0': 'P1'} x",
    "vmfex",
])
def test_rejects_obviously_wrong_values(value):
    assert not accepted(value)


def test_portable_constructs():
    # No lookaround/named groups/flags ("(?"), no possessive quantifiers,
    # no \Z or other escapes, no ';' (it separates UserDefinedVMProperties
    # entries) and no bare braces (Java: "Illegal repetition").
    assert "(?" not in VMFEX_REGEX
    assert not re.search(r"[*+?}]\+", VMFEX_REGEX)
    assert "\\" not in VMFEX_REGEX
    assert ";" not in VMFEX_REGEX
    stripped = re.sub(r"\{\d+(,\d+)?\}", "", VMFEX_REGEX)
    assert stripped.count("{") == stripped.count("[{]") and stripped.count("}") == \
        stripped.count("[}]")


MACS = st.tuples(*[st.integers(0, 255)] * 6).map(
    lambda octets: ":".join("%02x" % o for o in octets))
PROFILES = st.from_regex(r"[A-Za-z0-9_.:-]([A-Za-z0-9 _.:-]{0,37}[A-Za-z0-9_.:-])?",
                         fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(MACS, PROFILES, min_size=1, max_size=6))
def test_every_canonical_value_matches(mapping):
    assert accepted(format_vmfex_map(mapping))


TOKENS = ["{", "}", "'", '"', " ", ",", ":", "-", "00:1a:4a:16:01:b0", "00-1A-4A-16-01-B0",
          "00:1a:4a:16:01", ":b0", "P1", "a b", "x" * 30, "_.:-", ";", "\\"]


def hook_accepts(value):
    try:
        parse_vmfex_map(value)
        return True
    except VmfexError as e:
        return "mapped twice" in str(e)  # beyond a regex: the hook alone refuses it


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map("".join))
def test_regex_and_hook_agree_on_one_line_values(value):
    # Values users can type in the engine's one-line field (spaces, no tabs or
    # newlines, not empty): the regex accepts exactly what the hook accepts.
    if value.strip():
        assert accepted(value) == hook_accepts(value), value


@settings(max_examples=300, deadline=None)
@given(st.builds(lambda mapping, quote, space, comma: "{%s%s%s}" % (
    space, (", " + space).join("%s%s%s:%s%s%s%s" % (quote, mac.upper(), quote, space,
                                                    quote, profile, quote)
                               for mac, profile in sorted(mapping.items())),
    "," if comma else ""),
    st.dictionaries(MACS, PROFILES, min_size=1, max_size=4), st.sampled_from("'\""),
    st.sampled_from(["", " ", "   "]), st.booleans()))
def test_typed_variants_match(value):
    assert accepted(value) and hook_accepts(value)
