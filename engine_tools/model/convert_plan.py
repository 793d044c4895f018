"""Planning `convert` (pure): VM maps -> vNIC profiles.

For each VM with a map, each mapped NIC moves to the vNIC profile carrying
its UCS port profile on the NIC's own network (the network of its current
vNIC profile); the MAC leaves the map, the map property goes when empty,
every other custom property stays. Every problem is found before anything
is written; a NIC already on a profile carrying the same port profile only
leaves the map, so a re-run plans nothing.
"""
from collections import namedtuple
from typing import Dict, List, Optional

from engine_tools.model.assign_plan import (
    Change,
    VmState,
    current_map,
    is_running,
    with_vmfex_value,
)
from engine_tools.model.vnic_profiles import (
    MAP_MODEL,
    PROFILE_MODEL,
    Networking,
    NewProfile,
    carrying,
    default_name,
    network_label,
    pick,
    port_profile,
)
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map

#: One NIC to switch: target is a profile id, or the NewProfile to add first.
NicChange = namedtuple("NicChange", "vm nic ucs target")
#: Everything convert would do. skipped: [(VM name, reason)].
ConvertPlan = namedtuple(
    "ConvertPlan", "nic_changes vm_changes new_profiles missing unchanged skipped problems")

# AbstractVmInterfaceCommand.vmStatusLegal: the engine edits NICs only here.
NIC_EDIT_STATUSES = frozenset(("up", "down", "image_locked"))


def _nic_label(vm: VmState, nic) -> str:
    return "VM %r NIC %s (MAC %s)" % (vm.name, nic.name, nic.mac)


def plan_convert(vms: Dict[str, VmState], networking: Networking,
                 names: Optional[List[str]] = None, include_running: bool = False,
                 create_profiles: bool = False) -> ConvertPlan:
    """What `convert` does for the VMs `names` (None: every VM)."""
    problems, skipped, unchanged = [], [], []
    nic_changes, vm_changes = [], []
    missing = {}  # (network id, ucs) -> [NIC labels]
    if names is not None:
        for name in sorted(set(names) - set(vms)):
            problems.append("VM %r not found in the engine" % name)
    wanted = sorted(vms) if names is None else sorted(set(names) & set(vms))
    for name in wanted:
        vm = vms[name]
        text, mapping, problem = current_map(vm)
        if not mapping and not problem:
            if names is not None:
                unchanged.append(name)
            continue
        if problem:
            problems.append("VM %r: its %s is invalid, nothing of it is converted: %s"
                            % (name, MAP_MODEL, problem))
            continue
        if is_running(vm) and not include_running:
            skipped.append((name, "%s: not changed unless --include-running" % vm.status))
            continue
        if vm.status not in NIC_EDIT_STATUSES:
            skipped.append((name, "%s: the engine changes NICs only of VMs that are up, "
                                  "down or image locked; re-run later" % vm.status))
            continue
        left = dict(mapping)
        vm_problems = []
        for mac in sorted(mapping):
            ucs = mapping[mac]
            step = _plan_nic(vm, mac, ucs, networking, missing)
            if isinstance(step, str):
                vm_problems.append(step)
            elif step is not None:
                nic_changes.append(step)
                del left[mac]
            else:
                del left[mac]  # already on a profile carrying ucs
        problems.extend(vm_problems)
        if vm_problems:
            continue
        new_text = format_vmfex_map(left) if left else ""
        vm_changes.append(Change(vm, text, mapping, left,
                                 with_vmfex_value(vm.properties, new_text), is_running(vm)))
    new_profiles = []
    for (network_id, ucs) in sorted(missing):
        new = NewProfile(default_name(ucs), network_id, ucs)
        clash = [p for p in networking.profiles.values()
                 if p.network_id == network_id and p.name == new.name]
        if clash:
            problems.append(
                "vNIC profile %r on %s exists without vmfex=%r, so it cannot be used "
                "for %s and is not modified: create one with 'vmfex-engine profiles "
                "create --network ... --name NAME %s'" % (
                    new.name, network_label(networking, network_id), ucs,
                    ", ".join(missing[(network_id, ucs)]), ucs))
        new_profiles.append(new)
    if not create_profiles and missing:
        for (network_id, ucs) in sorted(missing):
            problems.append(
                "no vNIC profile carries UCS port profile %r on %s (needed by %s): "
                "give --create-profiles, or run 'vmfex-engine profiles create'" % (
                    ucs, network_label(networking, network_id),
                    ", ".join(missing[(network_id, ucs)])))
    by_key = {(p.network_id, p.ucs): p for p in new_profiles}
    nic_changes = [c._replace(target=by_key[c.target]) if isinstance(c.target, tuple)
                   and not isinstance(c.target, NewProfile) else c for c in nic_changes]
    return ConvertPlan(nic_changes, vm_changes, new_profiles if create_profiles else [],
                       sorted(missing), unchanged, skipped, problems)


def _plan_nic(vm: VmState, mac: str, ucs: str, networking: Networking, missing: dict):
    """A NicChange, None (nothing to do on the NIC) or a problem message."""
    source = "%s says %r" % (MAP_MODEL, ucs)
    nics = [nic for nic in vm.devices if nic.mac == mac]
    if not nics:
        return ("VM %r MAC %s: %s, but the MAC is on no NIC of the VM: remove it from "
                "the map first (assign --merge with an empty profile)" % (
                    vm.name, mac, source))
    nic = nics[0]
    if nic.profile_id is None:
        return ("%s: %s, but the NIC has no vNIC profile, so its network is unknown: "
                "give it a vNIC profile first" % (_nic_label(vm, nic), source))
    current = networking.profiles.get(nic.profile_id)
    if current is None:
        return ("%s: %s, but its vNIC profile id %s is not among the engine's vNIC "
                "profiles" % (_nic_label(vm, nic), source, nic.profile_id))
    have, bad = port_profile(current)
    if bad:
        return "%s: %s; %s" % (_nic_label(vm, nic), source, bad)
    if have is not None:
        if have == ucs:
            return None
        return ("%s: conflicting port profiles: %s, its %s %r says %r; the hook refuses "
                "such a NIC: change the map (assign) or the NIC's vNIC profile first" % (
                    _nic_label(vm, nic), source, PROFILE_MODEL, current.name, have))
    candidates = carrying(networking, current.network_id, ucs)
    if candidates:
        target = pick(candidates, ucs)
        if target is None:
            return ("%s: %s, and several vNIC profiles on %s carry it (%s): keep one" % (
                _nic_label(vm, nic), source, network_label(networking, current.network_id),
                ", ".join(repr(p.name) for p in candidates)))
        return NicChange(vm, nic, ucs, target.id)
    key = (current.network_id, ucs)
    missing.setdefault(key, []).append("VM %r NIC %s (MAC %s)" % (vm.name, nic.name, nic.mac))
    return NicChange(vm, nic, ucs, key)
