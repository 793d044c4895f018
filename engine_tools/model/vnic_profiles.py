"""The vNIC-profile model (pure): which vNIC profiles carry `vmfex`, which
NIC gets which UCS port profile from which model, and what `profiles
create` has to add.

The device custom property `vmfex` of a vNIC profile holds one bare port
profile name, read by common.rules.device_profile as the hook reads it (the same rule as a profile
in a VM map otherwise). A NIC names only its vNIC profile; its network is
that profile's network (oVirt API v4).
"""
import re
from collections import namedtuple
from typing import Dict, List, Optional, Tuple

from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.property import PROPERTY_NAME
from vdsm_hook_vmfex.common.rules import device_profile

#: A VM's NIC: engine id, name, MAC (lower case), vNIC profile id or None.
Nic = namedtuple("Nic", "id name mac profile_id")
#: A vNIC profile: properties [(name, value)] in engine order; has_filter:
#: whether a network filter is set.
Profile = namedtuple("Profile", "id name network_id properties has_filter")
#: A logical network and the name of its data center.
Network = namedtuple("Network", "id name data_center")
#: What the engine holds: {id: Profile}, {id: Network}.
Networking = namedtuple("Networking", "profiles networks")
#: A vNIC profile to add: on network_id, carrying vmfex=ucs.
NewProfile = namedtuple("NewProfile", "name network_id ucs")

PREFIX = "vmfex-"
#: ovirt-engine ValidationUtils.NO_SPECIAL_CHARACTERS_I18N (vNIC profile
#: names): letters, digits, `_ . -`; a UCS profile may also hold ` ` and `:`.
_NOT_IN_NAME = re.compile(r"[^\w.-]")
NAME_MAX = 50

MAP_MODEL = "VM map"
PROFILE_MODEL = "vNIC profile"


def device_value(profile: Profile) -> Optional[str]:
    """The profile's vmfex property value, None when it has none."""
    for name, value in profile.properties:
        if name == PROPERTY_NAME:
            return value
    return None


def port_profile(profile: Profile) -> Tuple[Optional[str], Optional[str]]:
    """(UCS port profile, None) of a vNIC profile carrying vmfex, (None,
    problem) when its value is invalid, (None, None) without vmfex."""
    value = device_value(profile)
    if value is None:
        return None, None
    try:
        return device_profile(value), None
    except VmfexError as e:
        return None, "vNIC profile %r: its vmfex value %r is invalid: %s" % (
            profile.name, value, e)


def default_name(ucs: str) -> str:
    """`vmfex-<UCS profile>`, characters a vNIC profile name cannot hold as `_`."""
    return PREFIX + _NOT_IN_NAME.sub("_", ucs)


def check_name(name: str) -> Optional[str]:
    """None if the engine accepts `name` for a vNIC profile, else the problem."""
    if not name or _NOT_IN_NAME.search(name) or len(name) > NAME_MAX:
        return ("invalid vNIC profile name %r: expected 1 to %d letters, digits, "
                "'_', '.' or '-'" % (name, NAME_MAX))
    return None


def carrying(networking: Networking, network_id: str, ucs: str) -> List[Profile]:
    """The vNIC profiles on a network whose vmfex names `ucs`, by name."""
    return sorted((p for p in networking.profiles.values()
                   if p.network_id == network_id and port_profile(p)[0] == ucs),
                  key=lambda p: p.name)


def pick(candidates: List[Profile], ucs: str) -> Optional[Profile]:
    """The one profile to use among `carrying(...)`: the only one, or the one
    named as this tool names them; None when that is ambiguous."""
    if len(candidates) == 1:
        return candidates[0]
    named = [p for p in candidates if p.name == default_name(ucs)]
    return named[0] if len(named) == 1 else None


def network_label(networking: Networking, network_id: str) -> str:
    network = networking.networks.get(network_id)
    if network is None:
        return "network id %s" % network_id
    return "network %r (data center %r)" % (network.name, network.data_center)


def plan_create(ucs_profiles: List[str], network: Network, networking: Networking,
                name: Optional[str] = None
                ) -> Tuple[List[NewProfile], List[Tuple[str, Profile]], List[str]]:
    """What `profiles create` does on `network`: ([NewProfile] to add,
    [(ucs, existing Profile)] already there, [problem]). A profile that
    exists with the wanted name but without vmfex=UCS is never changed."""
    to_add, present, problems = [], [], []
    on_network = [p for p in networking.profiles.values() if p.network_id == network.id]
    names = {}
    where = network_label(networking, network.id)
    for ucs in ucs_profiles:
        found = carrying(networking, network.id, ucs)
        if found:
            present.append((ucs, pick(found, ucs) or found[0]))
            continue
        wanted = name or default_name(ucs)
        bad = check_name(wanted)
        if bad:
            problems.append("UCS port profile %r: %s" % (ucs, bad))
            continue
        clash = [p for p in on_network if p.name == wanted]
        if clash:
            value = device_value(clash[0])
            problems.append(
                "UCS port profile %r: vNIC profile %r on %s exists %s: it was not "
                "created by vmfex-engine for this port profile and is not modified; "
                "give another name with --name" % (
                    ucs, wanted, where, "without vmfex" if value is None
                    else "with vmfex=%r" % value))
            continue
        if wanted in names:
            problems.append("UCS port profiles %r and %r would both get the vNIC profile "
                            "name %r: create one of them with --name" % (
                                names[wanted], ucs, wanted))
            continue
        names[wanted] = ucs
        to_add.append(NewProfile(wanted, network.id, ucs))
    return to_add, present, problems


def nic_counts(vms) -> Dict[str, int]:
    """{vNIC profile id: NICs using it} over VmStates."""
    counts = {}
    for vm in vms:
        for nic in vm.devices:
            if nic.profile_id is not None:
                counts[nic.profile_id] = counts.get(nic.profile_id, 0) + 1
    return counts
