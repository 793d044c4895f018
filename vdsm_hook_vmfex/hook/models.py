"""Which port profile each NIC gets, from the two oVirt models.

- VM map: the VM custom property `vmfex`, {MAC: profile} (vmfex_map).
- vNIC profile: the device custom property `vmfex` of a NIC, one bare port
  profile name (what VDSM's vmfex-dev hook read).

Pure: strings and dicts in, {MAC: (profile, model)} out, VmfexError on refusal.

What the hook can see (VDSM lib/vdsm/common/hooks.py _runHooksDir): the
environment of a device hook point is updated with the device's custom
properties first and the VM's second, so a VM map hides the device's value.
A map starts with '{' and a profile cannot contain '{': the value's shape says
which model it came from, never whether a device value is hidden under a map.
Only the domain's metadata (before_vm_start, before_vm_migrate_destination)
shows both.
"""
from vdsm_hook_vmfex.common.errors import InvalidDomainXml, InvalidMap, InvalidProfile, VmfexError
from vdsm_hook_vmfex.common.property import SPACE
from vdsm_hook_vmfex.common.rules import device_profile
from vdsm_hook_vmfex.common.vmfex_map import parse_vmfex_map

VM_MAP = "VM map"
VNIC_PROFILE = "vNIC profile"
BOTH = "VM map and vNIC profile"

# Device hook points whose XML the hook rewrites.
REWRITING_DEVICE_POINTS = ("before_device_create", "before_nic_hotplug",
                           "before_update_device")
# VDSM ignores the XML written back here (vmfex-dev left it alone too); the
# capacity check is done once, for all NICs, at before_vm_migrate_destination.
CHECK_ONLY_DEVICE_POINTS = ("before_device_migrate_destination",)
DEVICE_POINTS = REWRITING_DEVICE_POINTS + CHECK_ONLY_DEVICE_POINTS


class ConflictingProfiles(VmfexError):
    """The VM map and a NIC's vNIC profile name two different port profiles."""


class AmbiguousValue(VmfexError):
    """A value whose model the hook cannot tell from what VDSM passes it."""


def vm_map(value: str) -> dict:
    """The VM property's {MAC: profile}; InvalidMap quoting the value."""
    try:
        return parse_vmfex_map(value)
    except VmfexError as err:
        shown = value if len(value) <= 80 else value[:80] + "..."
        raise InvalidMap("custom property vmfex=%r: %s" % (shown, err)) from None


def is_map_value(value: str) -> bool:
    """Whether `value` has the shape of a VM map (a profile never holds '{')."""
    return value.lstrip(SPACE).startswith("{")


def vnic_profile(value: str, vm: str, mac: "str | None") -> str:
    """The port profile of a vNIC profile's `vmfex` value (rules.device_profile);
    raise InvalidProfile naming VM and NIC."""
    where = "VM %s: NIC %s: vNIC profile property vmfex=%r" % (vm, mac or "?", value)
    try:
        return device_profile(value)
    except InvalidProfile as err:
        raise InvalidProfile("%s: %s" % (where, err)) from None


def vnic_profiles(entries: list, vm: str) -> dict:
    """{MAC: profile} from the (MAC, value) pairs of the domain's metadata."""
    profiles = {}
    for mac, value in entries:
        profile = vnic_profile(value, vm, mac)
        if profiles.get(mac, profile) != profile:
            raise ConflictingProfiles(
                "VM %s: NIC %s: two vNIC profile entries in the domain metadata, "
                "port profiles %r and %r: expected one" % (vm, mac, profiles[mac], profile))
        profiles[mac] = profile
    return profiles


def resolve(vm_map: dict, device_profiles: dict, vm: str) -> dict:
    """{MAC: (profile, model)} of every NIC either model names.

    Both naming a NIC with the same profile is fine; with different ones the
    VM does not start on a profile nobody can say was chosen.
    """
    resolved = {mac: (profile, VM_MAP) for mac, profile in vm_map.items()}
    for mac, profile in sorted(device_profiles.items()):
        if mac not in resolved:
            resolved[mac] = (profile, VNIC_PROFILE)
        elif resolved[mac][0] == profile:
            resolved[mac] = (profile, BOTH)
        else:
            raise ConflictingProfiles(
                "VM %s: NIC %s: the VM's vmfex map says port profile %r, its vNIC "
                "profile says %r: expected one; take the NIC out of the VM map "
                "(vmfex-engine convert) or give both the same profile"
                % (vm, mac, resolved[mac][0], profile))
    return resolved


def resolve_domain(value: str, metadata_entries: list, vm: str) -> dict:
    """Resolution at before_vm_start / before_vm_migrate_destination.

    `value` is the VM property (no device properties in the environment
    there); `metadata_entries` the (MAC, vmfex value) pairs of the NICs'
    device custom properties in the domain metadata.
    """
    return resolve(vm_map(value), vnic_profiles(metadata_entries, vm), vm)


class DeviceDecision(object):
    """What to do with the one NIC of a device hook point."""

    def __init__(self, resolved: dict, note: "str | None" = None) -> None:
        self.resolved = resolved  # {MAC: (profile, model)}, empty: leave it alone
        self.note = note          # a line for vdsm.log, or None


def decide_device(hook_point: str, value: str, device_tag: str, mac: "str | None",
                  vm: str) -> DeviceDecision:
    """Resolution for the one device of a device hook point (its XML root is
    <`device_tag`>, its MAC `mac`), from the environment's `vmfex` (`value`,
    not empty) alone."""
    where = "VM %s: NIC %s" % (vm, mac or "?")
    if not value.strip(SPACE):
        raise AmbiguousValue(
            "%s: custom property vmfex=%r at %s is only whitespace: as a vNIC "
            "profile's port profile it is invalid (expected a UCS port profile name), "
            "as a VM map write {} or remove the property" % (where, value, hook_point))
    if not is_map_value(value):
        # A VM-level value would have hidden it, and a VM whose vmfex is not a
        # map never starts with this hook: it is the vNIC profile's.
        if device_tag != "interface":
            raise InvalidDomainXml(
                "VM %s: custom property vmfex=%r is set on a <%s> device at %s: "
                "expected it only on NICs (vNIC profiles)" % (vm, value, device_tag,
                                                              hook_point))
        profile = vnic_profile(value, vm, mac)
        if hook_point in CHECK_ONLY_DEVICE_POINTS:
            return DeviceDecision({})
        if mac is None:
            raise InvalidDomainXml(
                "VM %s: vNIC profile property vmfex=%r at %s: the NIC has no "
                "readable <mac address=...>, expected one" % (vm, value, hook_point))
        return DeviceDecision({mac: (profile, VNIC_PROFILE)})
    mapping = vm_map(value)
    if hook_point not in ("before_nic_hotplug", "before_update_device") or mac is None:
        # before_device_create: before_vm_start follows with the whole domain,
        # whose metadata shows both models: decide there. The migration
        # destination is checked at before_vm_migrate_destination.
        return DeviceDecision({})
    if mac in mapping:
        return DeviceDecision({mac: (mapping[mac], VM_MAP)})
    return DeviceDecision({}, (
        "%s is not in the VM's vmfex map: left as it is. At %s VDSM passes the "
        "VM map over the NIC's own custom properties, so a vmfex on its vNIC "
        "profile cannot be seen here; use one model per VM (add the MAC to the "
        "map, or move the VM to vNIC profiles with vmfex-engine convert)"
        % (where, hook_point)))
