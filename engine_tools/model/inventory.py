"""`export` and `check`: read-only views of both models the engine holds (pure):
VM maps (VM property vmfex) and vNIC profiles (device property vmfex)."""
from typing import Dict, List, Optional, Tuple

from engine_tools.model.assign_plan import VmState, current_map
from engine_tools.model.vnic_profiles import MAP_MODEL, PROFILE_MODEL, Networking, port_profile

CSV_HEADER = "vm,mac,profile"
PROFILE_SECTION = ("# vNIC profile model, not read by assign (the NIC's vNIC profile "
                   "carries vmfex): vm,mac,profile,vnic_profile")


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',"\n') or text != text.strip():
        return '"%s"' % text.replace('"', '""')
    return text


def profile_nics(vm: VmState, networking: Optional[Networking]):
    """[(NIC, vNIC profile, UCS port profile or None, problem or None)] of the
    VM's NICs whose vNIC profile carries vmfex."""
    found = []
    for nic in vm.devices if networking is not None else ():
        profile = networking.profiles.get(nic.profile_id)
        if profile is None:
            continue
        ucs, problem = port_profile(profile)
        if ucs is not None or problem is not None:
            found.append((nic, profile, ucs, problem))
    return found


def export_lines(vms: Dict[str, VmState], networking: Optional[Networking] = None
                 ) -> Tuple[List[str], int]:
    """(CSV lines without newlines, VMs skipped) for every VM with a vmfex map,
    sorted; then, as `#` lines assign ignores, every NIC whose vNIC profile
    carries vmfex.

    A VM whose value the hook would reject is skipped as a `#` comment line,
    so assigning the exported file leaves it alone (and `check` reports it).
    """
    lines = [CSV_HEADER]
    skipped = 0
    for name in sorted(vms):
        text, mapping, problem = current_map(vms[name])
        if text is None:
            continue
        if problem:
            lines.append("# %s: not exported, its vmfex value is invalid: %s"
                         % (name, " ".join(problem.split())))
            skipped += 1
            continue
        for mac in sorted(mapping):
            lines.append(",".join(_csv_field(field) for field in (name, mac, mapping[mac])))
    section = []
    for name in sorted(vms):
        for nic, profile, ucs, _ in profile_nics(vms[name], networking):
            section.append("# " + ",".join(_csv_field(field) for field in (
                name, nic.mac, ucs if ucs is not None else "(invalid)", profile.name)))
    if section:
        lines.append(PROFILE_SECTION)
        lines.extend(section)
    return lines, skipped


def check_problems(vms: Dict[str, VmState], networking: Optional[Networking] = None
                   ) -> List[str]:
    """One line per problem: invalid values (of either model), MACs not on their
    VM, MACs on two VMs, NICs whose two models name different port profiles."""
    problems = []
    invalid_profiles = set()
    for name in sorted(vms):
        vm = vms[name]
        _, mapping, _ = current_map(vm)
        for nic, profile, ucs, problem in profile_nics(vm, networking):
            if problem:
                if profile.id not in invalid_profiles:
                    invalid_profiles.add(profile.id)
                    problems.append("%s; the hook refuses the NICs using it" % problem)
                continue
            mapped = (mapping or {}).get(nic.mac)
            if mapped is not None and mapped != ucs:
                problems.append(
                    "VM %r NIC %s (MAC %s): conflicting port profiles: %s says %r, its "
                    "%s %r says %r; the hook refuses to start the VM" % (
                        name, nic.name, nic.mac, MAP_MODEL, mapped, PROFILE_MODEL,
                        profile.name, ucs))
    owners = {}  # mac -> [vm names]
    for name in sorted(vms):
        vm = vms[name]
        text, mapping, problem = current_map(vm)
        if text is None:
            continue
        if problem:
            problems.append("VM %r: the hook would refuse to start it: %s" % (name, problem))
            continue
        nic_macs = {mac for _, mac in vm.nics}
        for mac in sorted(mapping):
            owners.setdefault(mac, []).append(name)
            if mac not in nic_macs:
                problems.append("VM %r: MAC %s (profile %r) is not on any of its NICs"
                                % (name, mac, mapping[mac]))
    for mac in sorted(owners):
        if len(owners[mac]) > 1:
            problems.append("MAC %s is mapped on %d VMs: %s"
                            % (mac, len(owners[mac]), ", ".join(owners[mac])))
    return problems


def export_records(vms: Dict[str, VmState], networking: Optional[Networking] = None
                   ) -> Dict[str, list]:
    """What export writes, as records: {"maps": [{vm, mac, profile}],
    "invalid": [{vm, reason}] (VMs left out), "profile_nics": [{vm, nic, mac,
    profile (None: invalid), vnic_profile}]}, each sorted like the CSV."""
    maps, invalid, nics = [], [], []
    for name in sorted(vms):
        text, mapping, problem = current_map(vms[name])
        if text is None:
            continue
        if problem:
            invalid.append({"vm": name, "reason": " ".join(problem.split())})
            continue
        maps.extend({"vm": name, "mac": mac, "profile": mapping[mac]}
                    for mac in sorted(mapping))
    for name in sorted(vms):
        for nic, profile, ucs, _ in profile_nics(vms[name], networking):
            nics.append({"vm": name, "nic": nic.name, "mac": nic.mac, "profile": ucs,
                         "vnic_profile": profile.name})
    return {"maps": maps, "invalid": invalid, "profile_nics": nics}
