"""CustomDeviceProperties editing (pure), checked against the engine's own
validation pattern rebuilt from DevicePropertiesUtils/CustomPropertiesUtils."""
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine_tools.model.device_properties import (
    Block,
    InvalidDeviceProperties,
    format_blocks,
    interface_properties,
    parse,
    with_vmfex,
)
from engine_tools.model.regex import VMFEX_DEVICE_REGEX
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.rules import check_profile

OURS = "vmfex=" + VMFEX_DEVICE_REGEX
SECURITY_GROUPS = (
    "SecurityGroups=^(?:(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}, *)*"
    "[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|)$")
DEFAULT = "{type=interface;prop={%s}}" % SECURITY_GROUPS
# VmDeviceGeneralType order, as the engine's validation pattern takes them.
TYPES = ["disk", "interface", "video", "graphics", "sound", "controller", "balloon",
         "channel", "redir", "redirdev", "console", "rng", "smartcard", "watchdog",
         "hostdev", "memory"]
_KV = "(([a-z_A-Z0-9])+)=(([^;])+)"
_PROPS = _KV + "(;" + _KV + ")*;?"
ENGINE_VALID = re.compile("".join(
    r"((\{type=(%s);prop=\{%s\}\}[;]?)?)" % (t, _PROPS) for t in TYPES))


def engine_accepts(value):
    return ENGINE_VALID.fullmatch(value) is not None


def test_default_gets_vmfex_next_to_security_groups():
    new = with_vmfex(DEFAULT)
    assert new == "{type=interface;prop={%s;%s}}" % (SECURITY_GROUPS, OURS)
    assert engine_accepts(new)
    assert with_vmfex(new) == new
    assert interface_properties(new) == ["SecurityGroups", "vmfex"]


def test_empty_value_and_other_types():
    assert with_vmfex("") == "{type=interface;prop={%s}}" % OURS
    value = "{type=disk;prop={d=^x$}};{type=video;prop={v=^y{2}$}}"
    new = with_vmfex(value)
    assert new == "{type=disk;prop={d=^x$}};{type=interface;prop={%s}};" \
                  "{type=video;prop={v=^y{2}$}}" % OURS
    assert engine_accepts(value) and engine_accepts(new)
    assert with_vmfex("{type=video;prop={v=1}}").startswith("{type=interface;")


def test_old_vmfex_entry_replaced_in_place_and_duplicates_dropped():
    value = "{type=interface;prop={a=1;vmfex=^.*$;b=2;vmfex=x}}"
    assert with_vmfex(value) == "{type=interface;prop={a=1;%s;b=2}}" % OURS


@pytest.mark.parametrize("value", [
    "{type=interface;prop={x}}", "garbage", "{type=interface;prop={a=1}}x",
    "{type=interface;prop={a=1}};{type=interface;prop={b=2}}", "{type=Interface;prop={a=1}}",
])
def test_values_it_cannot_edit_are_refused_with_the_value(value):
    with pytest.raises(InvalidDeviceProperties) as info:
        with_vmfex(value)
    assert value[:20] in str(info.value)


_name = st.from_regex(r"[a-zA-Z0-9_]{1,8}", fullmatch=True)
_regex = st.from_regex(r"[^;\s]{1,12}", fullmatch=True).filter(lambda r: not r.endswith("}"))
_entries = st.lists(st.builds(lambda n, r: "%s=%s" % (n, r), _name, _regex),
                    min_size=1, max_size=4, unique_by=lambda e: e.split("=")[0])
_blocks = st.lists(st.tuples(st.sampled_from(TYPES), _entries), max_size=4,
                   unique_by=lambda b: b[0]).map(
    lambda bs: [Block(t, e) for t, e in sorted(bs, key=lambda b: TYPES.index(b[0]))])


@given(_blocks)
def test_edit_keeps_every_other_block_and_entry(blocks):
    value = format_blocks(blocks)
    assert parse(value) == blocks
    new = with_vmfex(value)
    assert engine_accepts(new)
    assert with_vmfex(new) == new
    kept = [Block(b.type, [e for e in b.entries if not e.startswith("vmfex=")])
            for b in parse(new)]
    before = [Block(b.type, [e for e in b.entries if not e.startswith("vmfex=")])
              for b in blocks]
    assert [b for b in kept if b.entries] == [b for b in before if b.entries]
    assert interface_properties(new).count("vmfex") == 1


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=45))
def test_device_regex_agrees_with_the_hook_rule(value):
    try:
        check_profile(value.strip(" "))
        valid = True
    except VmfexError:
        valid = False
    assert (re.fullmatch(VMFEX_DEVICE_REGEX, value) is not None) == valid


@given(st.text(alphabet="{}=;typeinrfacopdisk_ ^$[]0-9aA.*", max_size=80))
def test_any_value_is_edited_or_refused_in_one_line(value):
    try:
        new = with_vmfex(value)
    except InvalidDeviceProperties as e:
        assert "\n" not in str(e)
        return
    assert interface_properties(new).count("vmfex") == 1
    assert with_vmfex(new) == new
