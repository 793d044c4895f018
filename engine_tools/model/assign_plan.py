"""Planning: CSV rows + the VMs' current state -> the updates to send (pure)."""
from collections import namedtuple
from typing import Dict, List, Optional, Tuple

from engine_tools.model.csv_rows import Problem, Row
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.property import PROPERTY_NAME
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map, parse_vmfex_map

#: What the tool knows of one VM. properties: [(name, value)] in engine order,
#: the configuration the VM gets at its next start; nics: [(name, mac)];
#: devices: the same NICs as vnic_profiles.Nic (id and vNIC profile too);
#: cluster_id: the VM's cluster (None when unknown); plugged: ids of the
#: NICs plugged.
VmState = namedtuple("VmState", "id name status properties nics devices cluster_id plugged")
VmState.__new__.__defaults__ = ((), None, None)

#: One VM to update. old_text: the current vmfex value ("" if none);
#: properties: the whole new custom property list to send.
Change = namedtuple("Change", "vm old_text old_map new_map properties next_run")

Plan = namedtuple("Plan", "changes unchanged problems")

# The engine keeps a running VM's configuration until its next start; these
# states have none, so an update applies at once (as the API's next_run does).
NOT_RUNNING = frozenset(("down", "image_locked"))


def is_running(vm: VmState) -> bool:
    return vm.status not in NOT_RUNNING


def vmfex_value(vm: VmState) -> Optional[str]:
    """The VM's vmfex custom property value, None when it has none."""
    for name, value in vm.properties:
        if name == PROPERTY_NAME:
            return value
    return None


def with_vmfex_value(properties: List[Tuple[str, str]], value: str) -> List[Tuple[str, str]]:
    """The property list with vmfex set to `value` ("" removes it), others untouched."""
    result = [(name, val) for name, val in properties if name != PROPERTY_NAME]
    if value:
        for index, (name, _) in enumerate(properties):
            if name == PROPERTY_NAME:
                result.insert(index, (PROPERTY_NAME, value))
                break
        else:
            result.append((PROPERTY_NAME, value))
    return result


def _resolve(row: Row, vm: VmState, old_map: Dict[str, str]) -> Tuple[str, str]:
    """The MAC a row names on its VM, or (None, problem message)."""
    macs = [mac for _, mac in vm.nics]
    if row.kind == "nic":
        for name, mac in vm.nics:
            if name == row.key:
                return mac, None
        return None, "VM %r has no NIC named %r (its NICs: %s)" % (
            vm.name, row.key, ", ".join(name for name, _ in vm.nics) or "none")
    if row.key in macs:
        return row.key, None
    if not row.profile and row.key in old_map:
        return row.key, None  # removing a stale mapping is allowed
    return None, "MAC %s is not on VM %r (its NICs: %s)" % (
        row.key, vm.name, ", ".join("%s %s" % nic for nic in vm.nics) or "none")


def plan_assign(rows: List[Row], vms: Dict[str, VmState], merge: bool) -> Plan:
    """What `assign` does: for every VM named, its new map and property list.

    Without merge a VM's map becomes exactly its rows; with merge the rows
    are merged into the current map and an empty profile removes the MAC.
    """
    problems = []
    by_vm = {}  # name -> {mac: (line, profile)}
    currents = {}  # name -> current_map(vm), parsed once per VM
    for row in rows:
        vm = vms.get(row.vm)
        if vm is None:
            problems.append(Problem(row.line, "VM %r not found in the engine" % row.vm))
            continue
        if row.vm not in currents:
            currents[row.vm] = current_map(vm)
        mac, problem = _resolve(row, vm, currents[row.vm][1] or {})
        if problem:
            problems.append(Problem(row.line, problem))
            continue
        seen = by_vm.setdefault(row.vm, {})
        if mac in seen and seen[mac][1] != row.profile:
            problems.append(Problem(row.line, "VM %r MAC %s: profile %r conflicts with "
                                    "%r on line %d" % (row.vm, mac, row.profile,
                                                       seen[mac][1], seen[mac][0])))
            continue
        seen[mac] = (row.line, row.profile)
    changes, unchanged = [], []
    for name in sorted(by_vm):
        vm = vms[name]
        old_text, old_map, old_problem = currents[name]
        if merge and old_problem:
            first_line = min(line for line, _ in by_vm[name].values())
            problems.append(Problem(first_line, "VM %r: its current vmfex value cannot "
                                    "be merged into (%s): assign without --merge to "
                                    "replace it" % (name, old_problem)))
            continue
        new_map = dict(old_map or {}) if merge else {}
        for mac, (_, profile) in by_vm[name].items():
            if profile:
                new_map[mac] = profile
            else:
                new_map.pop(mac, None)
        if old_map is not None and new_map == old_map:
            unchanged.append(vm)
            continue
        new_text = format_vmfex_map(new_map) if new_map else ""
        changes.append(Change(vm, old_text or "", old_map, new_map,
                              with_vmfex_value(vm.properties, new_text), is_running(vm)))
    problems.sort(key=lambda problem: problem.line)
    return Plan(changes, unchanged, problems)


def current_map(vm: VmState):
    """(value, map or None, problem or None) of the VM's current vmfex value."""
    text = vmfex_value(vm)
    if text is None:
        return None, {}, None
    try:
        return text, parse_vmfex_map(text), None
    except VmfexError as e:
        return text, None, str(e)
