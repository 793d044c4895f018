"""A planned VM map write, redone over what the VM holds right before it is
written (pure).

The API has no compare-and-set, so every command that writes VM maps
(assign, convert, and every later one) re-reads the VMs it is about to
write and passes each planned Change through `rebase`: what another run
changed in between is kept when it touches other entries, and the write is
skipped, reported as changed by someone else, when it touches the same ones.
"""
from typing import Dict, List, Optional, Tuple

from engine_tools.model.assign_plan import (
    Change,
    VmState,
    current_map,
    is_running,
    with_vmfex_value,
)
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map

SOMEONE_ELSE = "changed by someone else during this run"


def own_entries(change: Change) -> List[str]:
    """The MACs whose entry the change adds, alters or removes."""
    old, new = change.old_map or {}, change.new_map or {}
    return sorted(mac for mac in set(old) | set(new) if old.get(mac) != new.get(mac))


def _clashes(change: Change, now_map: Dict[str, str]) -> List[str]:
    old, new = change.old_map or {}, change.new_map or {}
    return [mac for mac in own_entries(change)
            if now_map.get(mac) not in (old.get(mac), new.get(mac))]


def rebase(change: Change, now: Optional[VmState], whole_map: bool
           ) -> Tuple[Optional[Change], Optional[str]]:
    """(the change to send, None) or (None, why it is skipped).

    now: the VM as read right before the write (None: gone). whole_map: the
    change replaces the whole map (plain assign), so any change another run
    made to the map is a conflict; otherwise only a change to the same MACs
    is, and the others' entries are kept. Other custom properties changed
    meanwhile are always kept.
    """
    if now is None:
        return None, "VM not found right before writing: %s; not written" % SOMEONE_ELSE
    if list(now.properties) == list(change.vm.properties):
        return change, None
    now_text, now_map, problem = current_map(now)
    start_text = change.old_text or None
    if problem is not None or change.old_map is None or whole_map:
        if now_text != start_text:
            return None, "its map is %s: %s; not written, re-run to replace it" % (
                _shown(now_text), SOMEONE_ELSE)
        merged = change.new_map
    else:
        clashes = _clashes(change, now_map)
        if clashes:
            return None, "MAC %s: %s; not written (its map is now %s)" % (
                ", ".join(clashes), SOMEONE_ELSE, _shown(now_text))
        merged = dict(now_map)
        for mac in own_entries(change):
            if mac in change.new_map:
                merged[mac] = change.new_map[mac]
            else:
                merged.pop(mac, None)
    text = format_vmfex_map(merged) if merged else ""
    return change._replace(vm=now, old_text=now_text or "", old_map=now_map,
                           new_map=merged, properties=with_vmfex_value(now.properties, text),
                           next_run=is_running(now)), None


def _shown(text: Optional[str]) -> str:
    return "(none)" if not text else text
