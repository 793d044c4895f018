"""UserDefinedVMProperties values: `name=regex;name=regex;...` (pure).

Setting the key replaces the whole value, so the tool edits one entry and
writes every other entry back exactly as it read it.
"""
from typing import List

from engine_tools.model.regex import VMFEX_REGEX
from vdsm_hook_vmfex.common.property import PROPERTY_NAME


def split_entries(value: str) -> List[str]:
    """The `name=regex` entries of a value, in order; empty entries dropped."""
    return [entry for entry in value.split(";") if entry.strip()]


def entry_name(entry: str) -> str:
    """The property name of one `name=regex` entry."""
    return entry.split("=", 1)[0].strip()


def with_vmfex(value: str, regex: str = VMFEX_REGEX) -> str:
    """`value` with the vmfex entry replaced (or appended) and others kept."""
    return ";".join(with_entry(split_entries(value), "%s=%s" % (PROPERTY_NAME, regex)))


def with_entry(entries: List[str], ours: str) -> List[str]:
    """`entries` with the first vmfex entry replaced by `ours` (appended when
    there is none), every other entry kept in place."""
    result = []
    placed = False
    for entry in entries:
        if entry_name(entry) != PROPERTY_NAME:
            result.append(entry)
        elif not placed:
            result.append(ours)
            placed = True
        # a second vmfex entry would make the engine's value ambiguous: drop it
    if not placed:
        result.append(ours)
    return result
