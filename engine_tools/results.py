"""What became of each planned update, from the engine's answers and a read-back (pure).

The API has no compare-and-set: another writer can replace a VM's
properties between our read and our write, or between our write and our
read-back. Reading every changed VM back after the writes detects the
second case (`changed by someone else`); concurrent runs are detected, not
prevented.
"""
from collections import namedtuple
from typing import Dict, List, Optional

from engine_tools.plan import Change, VmState, vmfex_value
from vdsm_hook_vmfex.common.property import PROPERTY_NAME

#: changed: [Change] verified (or, when the read-back failed, answered ok);
#: failed: {VM name: reason}; not_attempted: [Change] never sent.
Results = namedtuple("Results", "changed failed not_attempted")

SOMEONE_ELSE = "changed by someone else during this run"


def _written_value(change: Change) -> Optional[str]:
    for name, value in change.properties:
        if name == PROPERTY_NAME:
            return value
    return None


def to_verify(changes: List[Change], outcomes: Dict) -> List[str]:
    """Names of the VMs whose update may have been written (read them back)."""
    return sorted(c.vm.name for c in changes
                  if c.vm.name in outcomes and outcomes[c.vm.name].state != "refused")


def classify(changes: List[Change], outcomes: Dict, readback: Optional[Dict[str, VmState]],
             readback_error: Optional[str] = None) -> Results:
    """Results of a run. outcomes: {name: engine_client.Outcome} of the sent
    updates; readback: the VMs as read after the writes (None: not read)."""
    changed, failed, not_attempted = [], {}, []
    for change in changes:
        name = change.vm.name
        outcome = outcomes.get(name)
        if outcome is None:
            not_attempted.append(change)
        elif outcome.state == "refused":
            failed[name] = "not updated: %s" % outcome.text
        elif readback is None:
            if outcome.state == "ok":
                changed.append(change)
            else:
                failed[name] = "%s; not known whether it was written (%s)" % (
                    outcome.text, readback_error or "the engine stopped answering")
        elif name not in readback:
            failed[name] = "VM not found when read back: %s" % SOMEONE_ELSE
        else:
            now = vmfex_value(readback[name])
            if now == _written_value(change):
                changed.append(change)
            elif outcome.state == "ok" or now != (change.old_text or None):
                failed[name] = SOMEONE_ELSE
            else:
                failed[name] = "not updated: %s" % outcome.text
    return Results(changed, failed, not_attempted)
