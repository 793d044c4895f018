"""CustomDeviceProperties values (pure).

The engine's format (ovirt-engine DevicePropertiesUtils, CustomPropertiesUtils):
one block per device type, `{type=TYPE;prop={NAME=REGEX;NAME=REGEX}}`,
blocks separated by `;`. A regex is anything but `;` (it may hold braces,
e.g. SecurityGroups' `{8}`). The engine validates the whole value with one
pattern that takes the device types in the order of its VmDeviceGeneralType
enum (disk, interface, video, ...), each at most once; so an `interface`
block goes after a `disk` block and before every other one.

Setting the key replaces the whole value (and `engine-config -m` is refused
for it), so the tool edits one entry and writes every other block and
entry back exactly as it read them.
"""
import re
from collections import namedtuple
from typing import List

from engine_tools.model.regex import VMFEX_DEVICE_REGEX
from engine_tools.model.user_properties import with_entry
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.property import PROPERTY_NAME

DEVICE_TYPE = "interface"

#: One device type's block: its type and its `NAME=REGEX` entries, verbatim.
Block = namedtuple("Block", "type entries")

_START = re.compile(r"\{type=([a-z]+);prop=\{")
_NAME = re.compile(r"[a-zA-Z0-9_]+\Z")


class InvalidDeviceProperties(VmfexError):
    """A CustomDeviceProperties value this tool cannot edit safely."""


def parse(value: str) -> List[Block]:
    """The blocks of a value, in order; raise InvalidDeviceProperties when it
    is not `{type=T;prop={N=R;...}}` blocks (the engine would not load it)."""
    blocks = []
    pos = 0
    text = value.strip()
    while pos < len(text):
        start = _START.match(text, pos)
        end = _block_end(text, start.end()) if start else -1
        if end < 0:
            raise InvalidDeviceProperties(
                "cannot read CustomDeviceProperties %r at character %d: expected "
                "{type=TYPE;prop={NAME=REGEX;...}} blocks separated by ';'"
                % (_short(value), pos + 1))
        kind = start.group(1)
        entries = [entry for entry in text[start.end():end].split(";") if entry]
        for entry in entries:
            if "=" not in entry or not _NAME.match(entry_name(entry)):
                raise InvalidDeviceProperties(
                    "cannot read CustomDeviceProperties %r: property %r of type %s has "
                    "no NAME=REGEX form" % (_short(value), _short(entry), kind))
        if not entries or any(block.type == kind for block in blocks):
            raise InvalidDeviceProperties(
                "cannot read CustomDeviceProperties %r: device type %s %s"
                % (_short(value), kind, "appears twice" if entries else "has no property"))
        blocks.append(Block(kind, entries))
        pos = end + 2
        if text.startswith(";", pos):
            pos += 1
    return blocks


def _block_end(text: str, pos: int) -> int:
    """Where the `}}` closing the block whose properties start at `pos` is:
    the first `}}` followed by the end or by `;{type=` (a regex may itself
    end in `}`), before any `;{type=` of a next block; -1 if none."""
    limit = text.find(";{type=", pos)
    while True:
        end = text.find("}}", pos)
        if end < 0 or (limit >= 0 and end > limit):
            return -1
        rest = text[end + 2:]
        if rest in ("", ";") or rest.startswith(";{type="):
            return end
        pos = end + 1


def format_blocks(blocks: List[Block]) -> str:
    """The value of `blocks` (the inverse of parse for what parse accepts)."""
    return ";".join("{type=%s;prop={%s}}" % (block.type, ";".join(block.entries))
                    for block in blocks)


def entry_name(entry: str) -> str:
    return entry.split("=", 1)[0]


def with_vmfex(value: str, regex: str = VMFEX_DEVICE_REGEX) -> str:
    """`value` with `vmfex=regex` in the interface block, every other block and
    property kept; the value itself when it already holds exactly that."""
    ours = "%s=%s" % (PROPERTY_NAME, regex)
    blocks = parse(value)
    for index, block in enumerate(blocks):
        if block.type != DEVICE_TYPE:
            continue
        # parse() admits no blank around a name, so the user-property rule
        # for placing the entry applies verbatim to these entries.
        entries = with_entry(block.entries, ours)
        if entries == block.entries:
            return value
        blocks[index] = Block(DEVICE_TYPE, entries)
        return format_blocks(blocks)
    # No interface block yet: after a disk block, before any other type.
    at = 1 if blocks and blocks[0].type == "disk" else 0
    blocks.insert(at, Block(DEVICE_TYPE, [ours]))
    return format_blocks(blocks)


def interface_properties(value: str) -> List[str]:
    """Names of the interface properties a value registers."""
    for block in parse(value):
        if block.type == DEVICE_TYPE:
            return [entry_name(entry) for entry in block.entries]
    return []


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
