"""What became of each planned write, from the engine's answers and a read-back (pure).

The API has no compare-and-set: another writer can replace what we write
between our read and our write, or between our write and our read-back.
Reading everything written back after the writes detects the second case
(`changed by someone else`); concurrent runs are detected, not prevented.
assign (VM maps), convert (vNIC profiles, NICs, VM maps) and `profiles
create` (vNIC profiles) all settle their writes here.
"""
from collections import namedtuple
from typing import Callable, Dict, List, Optional

from engine_tools.model.assign_plan import Change, VmState, vmfex_value
from engine_tools.model.map_rebase import SOMEONE_ELSE
from engine_tools.model.vnic_profiles import Networking, NewProfile, device_value
from vdsm_hook_vmfex.common.property import PROPERTY_NAME

#: changed: [item] verified (or, when nothing was read back, answered ok);
#: failed: {key: reason}; not_attempted: [item] never sent.
Results = namedtuple("Results", "changed failed not_attempted")

#: One planned write: key (as in the outcomes and the reports), item (what
#: the caller planned), written (the value it sets), before (the value it
#: replaces; MISSING: the object did not exist).
Write = namedtuple("Write", "key item written before")

UNKNOWN = "not known whether it was written"


class _Missing(object):
    def __repr__(self) -> str:
        return "MISSING"


#: What a read-back finds for an object that does not exist.
MISSING = _Missing()


def settle(writes: List[Write], outcomes: Dict, now: Optional[Callable],
           readback_error: Optional[str] = None, refused: str = "not updated",
           gone: str = "not found when read back") -> Results:
    """Results of a run. outcomes: {key: engine_client.Outcome} of the writes
    sent; now(write): the value found after the writes (MISSING: gone), None
    when nothing was read back."""
    changed, failed, not_attempted = [], {}, []
    for write in writes:
        outcome = outcomes.get(write.key)
        if outcome is None:
            not_attempted.append(write.item)
        elif outcome.state == "refused":
            failed[write.key] = "%s: %s" % (refused, outcome.text)
        elif now is None:
            if outcome.state == "ok":
                changed.append(write.item)
            else:
                failed[write.key] = "%s; %s (%s)" % (
                    outcome.text, UNKNOWN, readback_error or "the engine stopped answering")
        else:
            value = now(write)
            if value == write.written:
                changed.append(write.item)
            elif value is MISSING and write.before is not MISSING:
                failed[write.key] = "%s: %s" % (gone, SOMEONE_ELSE)
            elif outcome.state == "ok" or value != write.before:
                failed[write.key] = SOMEONE_ELSE
            else:
                failed[write.key] = "%s: %s" % (refused, outcome.text)
    return Results(changed, failed, not_attempted)


def not_known(reason: str) -> bool:
    """Whether a failed write's reason says it may have been written."""
    return UNKNOWN in reason


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
    """Results of VM map writes. outcomes: {VM name: Outcome} of the sent
    updates; readback: the VMs as read after the writes (None: not read)."""
    writes = [Write(c.vm.name, c, _written_value(c), c.old_text or None) for c in changes]

    def now(write: Write):
        vm = readback.get(write.key)
        return MISSING if vm is None else vmfex_value(vm)

    return settle(writes, outcomes, None if readback is None else now, readback_error,
                  gone="VM not found when read back")


def profile_writes(items: List[NewProfile]) -> List[Write]:
    """The writes adding vNIC profiles: vmfex=UCS, no network filter."""
    return [Write(item, item, (item.ucs, False), MISSING) for item in items]


def profiles_now(networking: Networking) -> Callable:
    """now() for profile_writes: the profile of that name on that network."""
    def now(write: Write):
        item = write.item
        for profile in networking.profiles.values():
            if profile.network_id == item.network_id and profile.name == item.name:
                return device_value(profile), profile.has_filter
        return MISSING
    return now


def nic_now(readback: Dict[str, VmState]) -> Callable:
    """now() for NIC writes keyed (VM name, NIC id): the NIC's vNIC profile id."""
    def now(write: Write):
        vm = readback.get(write.key[0])
        for nic in vm.devices if vm is not None else ():
            if nic.id == write.key[1]:
                return nic.profile_id
        return MISSING
    return now
