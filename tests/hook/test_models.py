"""The pure resolution of both models, and the whole hook on generated domains."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.domains import domain_xml
from tests.hook.runner import run_hook
from vdsm_hook_vmfex.common.errors import InvalidProfile, VmfexError
from vdsm_hook_vmfex.common.property import SPACE
from vdsm_hook_vmfex.hook import models

MACS = ["00:1a:4a:00:00:%02x" % i for i in range(6)]
PROFILE = st.text(alphabet="ABCab01_.:-", min_size=1, max_size=12)
PROFILE_MAPS = st.dictionaries(st.sampled_from(MACS), PROFILE, max_size=6)
# What an environment variable can carry: no NUL, no lone surrogate.
ENV_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")


@given(PROFILE_MAPS, PROFILE_MAPS)
def test_resolve_names_every_nic_either_model_names_or_refuses_a_conflict(vm_map, device):
    conflicts = sorted(mac for mac in set(vm_map) & set(device) if vm_map[mac] != device[mac])
    try:
        resolved = models.resolve(vm_map, device, "vm1")
    except models.ConflictingProfiles as err:
        assert conflicts
        mac = conflicts[0]
        assert "NIC %s" % mac in str(err)
        assert repr(vm_map[mac]) in str(err) and repr(device[mac]) in str(err)
        return
    assert not conflicts
    assert set(resolved) == set(vm_map) | set(device)
    for mac, (profile, model) in resolved.items():
        expected = models.BOTH if mac in vm_map and mac in device else (
            models.VM_MAP if mac in vm_map else models.VNIC_PROFILE)
        assert model == expected
        assert profile == vm_map.get(mac, device.get(mac))


@given(PROFILE, st.text(alphabet=SPACE, max_size=3), st.text(alphabet=SPACE, max_size=3))
def test_spaces_around_a_vnic_profile_value_are_not_part_of_it(profile, before, after):
    profile = profile.strip() or "P"
    assert models.vnic_profile(before + profile + after, "vm1", MACS[0]) == profile


# Whitespace that str.strip() would take but the map parser does not (issue 10, 12).
OTHER_SPACE = ["\u00a0", "\u3000", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2009"]


@pytest.mark.parametrize("point", models.DEVICE_POINTS)
@given(profile=PROFILE, space=st.sampled_from(OTHER_SPACE), where=st.sampled_from(["<", ">"]))
def test_other_whitespace_around_a_vnic_profile_value_is_refused(point, profile, space, where):
    value = space + profile if where == "<" else profile + space
    for refuse in (lambda: models.vnic_profile(value, "vm1", MACS[0]),
                   lambda: models.decide_device(point, value, "interface", MACS[0], "vm1")):
        with pytest.raises(InvalidProfile) as err:
            refuse()
        assert str(err.value).startswith("VM vm1: NIC %s: vNIC profile property vmfex=%r: "
                                         "invalid port profile %r" % (MACS[0], value, value))


@pytest.mark.parametrize("point", models.DEVICE_POINTS)
@given(value=st.text(max_size=50), mac=st.one_of(st.none(), st.sampled_from(MACS)))
def test_any_device_value_is_decided_or_refused_with_our_error(point, value, mac):
    if not value:
        return
    try:
        decision = models.decide_device(point, value, "interface", mac, "vm1")
    except VmfexError as err:
        assert "vmfex" in str(err) and "VM vm1" in str(err) or "custom property" in str(err)
        return
    assert set(decision.resolved) <= {mac}
    for _, model in decision.resolved.values():
        assert model == (models.VM_MAP if models.is_map_value(value) else models.VNIC_PROFILE)


@pytest.mark.parametrize("value, expected", [
    ("{}", {}), ("  {'%s': 'A'}" % MACS[0], {}),   # deferred to before_vm_start
    ("A", {MACS[0]: ("A", models.VNIC_PROFILE)}),
])
def test_device_create_defers_maps_and_takes_bare_profiles(value, expected):
    assert models.decide_device("before_device_create", value, "interface", MACS[0],
                                "vm1").resolved == expected


# --- the whole hook, run as VDSM runs it, on generated domains with metadata

def nic_profiles(data):
    return {i.find("mac").get("address"): i.find("virtualport/parameters").get("profileid")
            for i in etree.fromstring(data).iter("interface")
            if i.find("virtualport") is not None}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nics=st.lists(st.sampled_from(MACS), min_size=1, max_size=6, unique=True),
       vm_map=PROFILE_MAPS, device=PROFILE_MAPS,
       spaces=st.sampled_from(["", " ", "  "]))
def test_vm_start_with_both_models_rewrites_or_fails_byte_identical(
        tmp_path, nics, vm_map, device, spaces):
    device = {mac: p for mac, p in device.items() if mac in nics}
    data = domain_xml(nics, device_custom={
        mac: {"vmfex": spaces + p + spaces, "SecurityGroups": "x"} for mac, p in device.items()
    }).encode()
    value = "{%s}" % ", ".join("'%s': '%s'" % kv for kv in sorted(vm_map.items()))
    run = run_hook(tmp_path, "before_vm_start", data, {"vmfex": value})
    code, after, err = run.code, run.after, run.stderr
    conflict = any(vm_map[m] != device[m] for m in set(vm_map) & set(device))
    if conflict:
        assert code == 2 and after == data
        assert "Traceback" not in err and len(err.splitlines()) == 1
        return
    assert code == 0, err
    expected = {mac: vm_map.get(mac, device.get(mac)) for mac in nics
                if mac in vm_map or mac in device}
    assert nic_profiles(after) == expected
    again = run_hook(tmp_path, "before_vm_start", after, {"vmfex": value})
    assert again.code == 0 and again.after == after


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.none(), st.text(alphabet=ENV_CHARS, max_size=40)),
       md_value=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
       point=st.sampled_from(["before_vm_start", "before_device_create",
                              "before_nic_hotplug", "before_update_device"]))
def test_no_traceback_and_untouched_file_on_any_refusal(tmp_path, value, md_value, point):
    data = domain_xml([MACS[0]], device_custom={MACS[0]: {"vmfex": md_value}}).encode()
    if point != "before_vm_start":
        data = etree.tostring(etree.fromstring(data).find("devices/interface"))
    # VDSM puts the NIC's own custom properties into a device hook's
    # environment first, then the VM's (a VM vmfex hides the NIC's).
    device = {"vmfex": md_value} if point != "before_vm_start" else {}
    run = run_hook(tmp_path, point, data, {} if value is None else {"vmfex": value}, device)
    code, after, err = run.code, run.after, run.stderr
    assert code in (0, 2)
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert after == data and len(err.splitlines()) == 1
    assert not run.leftovers
