"""What assign, check and `ucs profiles` ask of UCS Manager (pure).

They collect the port profile names a run writes or relies on, with where
each comes from, and hand them to ucsm.check_profile_names.
"""
from typing import Dict, List, Optional

from engine_tools.model.assign_plan import Plan, VmState, current_map
from engine_tools.model.csv_rows import Problem, Row
from engine_tools.model.inventory import profile_nics
from engine_tools.model.vnic_profiles import Networking
from engine_tools.ucsm.client import PortProfile, check_profile_names, overused_profiles


def assign_problems(rows: List[Row], plan: Plan, profiles: List[PortProfile]
                    ) -> List[Problem]:
    """A Problem per use of an unknown profile in what assign would write:
    the file's rows (their line) and, with --merge, the entries kept from a
    VM's current map (the line of that VM's first row)."""
    wanted = {}  # profile -> [(line, prefix)]
    for row in rows:
        if row.profile:
            wanted.setdefault(row.profile, []).append((row.line, ""))
    first_line = {}
    for row in rows:
        first_line.setdefault(row.vm, row.line)
    from_file = {(row.vm, row.profile) for row in rows}
    for change in plan.changes:
        for mac, profile in sorted((change.new_map or {}).items()):
            if (change.vm.name, profile) not in from_file:
                wanted.setdefault(profile, []).append((
                    first_line[change.vm.name],
                    "VM %r MAC %s keeps from its current map: " % (change.vm.name, mac)))
    return [Problem(line, prefix + message) for (line, prefix), message in
            check_profile_names(wanted, (p.name for p in profiles))]


def nic_users(vms: Dict[str, VmState], networking: Optional[Networking] = None
              ) -> Dict[str, int]:
    """{port profile: number of oVirt NICs using it}, both models: each VM
    map entry, and each NIC whose vNIC profile carries vmfex and whose MAC
    is not in its VM's map (a NIC both models name counts once, under the
    map's profile: the hook refuses the NIC when the two disagree)."""
    users = {}
    for vm in vms.values():
        mapping = current_map(vm)[1] or {}
        for profile in mapping.values():
            users[profile] = users.get(profile, 0) + 1
        for nic, _, ucs, _ in profile_nics(vm, networking):
            if ucs is not None and nic.mac not in mapping:
                users[ucs] = users.get(ucs, 0) + 1
    return users


def check_lines(vms: Dict[str, VmState], profiles: List[PortProfile],
                networking: Optional[Networking] = None) -> List[str]:
    """`check --ucsm`: each mapped NIC naming an unknown profile, then each
    profile whose users (NICs of both models) exceed its maxPorts."""
    wanted = {}
    for name in sorted(vms):
        mapping = current_map(vms[name])[1] or {}
        for mac in sorted(mapping):
            wanted.setdefault(mapping[mac], []).append("VM %r MAC %s" % (name, mac))
    lines = ["%s: %s" % (where, message) for where, message in
             check_profile_names(wanted, (p.name for p in profiles))]
    return lines + overused_profiles(profiles, nic_users(vms, networking))
