"""Both models at every hook point, run as VDSM runs them (tests.hook.runner)."""
import pytest
from lxml import etree

from tests.domains import host_node_xml
from tests.hook.runner import VM_ID, node_uri, run_hook, sample, vdsm_start
from tests.virt_helpers import libvirt_schema_errors

B0, B1, OTHER = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1", "00:1a:4a:16:01:57"


def vnic_domain() -> bytes:
    """db01: NICs b0 and b1 carry vmfex on their vNIC profiles (metadata), no VM map."""
    return sample("vdsm-domain-vnic-profiles.xml")


def nic_xml(mac: str = B0) -> bytes:
    root = etree.fromstring(vnic_domain())
    for iface in root.iter("interface"):
        if iface.find("mac").get("address").lower() == mac:
            return etree.tostring(iface)
    raise AssertionError(mac)


def profiles(xml: bytes) -> dict:
    root = etree.fromstring(xml)
    return {i.find("mac").get("address").lower(): (i.find("source").get("network"),
                                                   i.find("virtualport/parameters").get("profileid"))
            for i in root.iter("interface") if i.find("virtualport") is not None}


# --- vNIC profile model ----------------------------------------------------

@pytest.mark.parametrize("point", ["before_device_create", "before_nic_hotplug",
                                   "before_update_device"])
def test_device_points_put_the_nic_on_its_vnic_profiles_port_profile(tmp_path, point):
    run = run_hook(tmp_path, point, nic_xml(B1), device_custom={
        "vmfex": " Storage Profile ", "SecurityGroups": "9f1e2d3c"})
    assert run.code == 0, run.stderr
    assert profiles(run.after) == {B1: ("direct-pool", "Storage Profile")}
    assert run.stderr.splitlines() == [
        "vmfex: VM %s: NIC %s: bridge storage -> network direct-pool, port profile "
        "'Storage Profile' from the vNIC profile" % (VM_ID, B1)]
    assert etree.fromstring(run.after).find("filterref") is None
    again = run_hook(tmp_path, point, run.after, device_custom={"vmfex": "Storage Profile"})
    assert again.code == 0 and again.unchanged and "(already set)" in again.stderr


@pytest.mark.parametrize("value, message", [
    ("   ", "custom property vmfex='   ' at before_device_create is only whitespace"),
    ("Pro/file", "vNIC profile property vmfex='Pro/file': invalid port profile 'Pro/file'"),
    ("x" * 40, "40 characters, at most 39 allowed"),
])
def test_bad_vnic_profile_value_exits_2_byte_identical(tmp_path, value, message):
    run = run_hook(tmp_path, "before_device_create", nic_xml(),
                   device_custom={"vmfex": value})
    assert run.code == 2 and run.unchanged
    assert run.stderr.startswith("vmfex: VM %s: NIC %s: " % (VM_ID, B0))
    assert message in run.stderr and len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize("point", ["before_device_create", "before_nic_hotplug",
                                   "before_update_device", "before_device_migrate_destination"])
def test_a_no_break_space_before_a_vnic_profile_value_is_refused(tmp_path, point):
    """Only the map parser's spaces (" \\t\\r\\n") pad a value (issue 10, 12)."""
    run = run_hook(tmp_path, point, nic_xml(B1), device_custom={"vmfex": "\u00a0Storage Profile"})
    assert run.code == 2 and run.unchanged
    assert run.stderr == (
        "vmfex: VM %s: NIC %s: vNIC profile property vmfex='\\xa0Storage Profile': invalid "
        "port profile '\\xa0Storage Profile': '\\xa0' not allowed, expected letters, digits, "
        "space and _ . : -\n" % (VM_ID, B1))


def test_vm_start_refuses_a_no_break_space_around_a_vnic_profile_in_the_metadata(tmp_path):
    domain = vnic_domain().replace(b">DbProfile<", b">DbProfile\xc2\xa0<")
    assert domain != vnic_domain()
    run = run_hook(tmp_path, "before_vm_start", domain)
    assert run.code == 2 and run.unchanged
    assert run.stderr.startswith("vmfex: VM %s: NIC %s: vNIC profile property "
                                 "vmfex='DbProfile\\xa0': invalid port profile" % (VM_ID, B0))
    assert len(run.stderr.splitlines()) == 1


def test_vm_start_reads_vnic_profiles_from_the_metadata_without_a_vm_map(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", vnic_domain())
    assert run.code == 0, run.stderr
    assert profiles(run.after) == {B0: ("direct-pool", "DbProfile"),
                                   B1: ("direct-pool", "Storage Profile")}
    assert "from the vNIC profile" in run.stderr and "warning" not in run.stderr
    assert libvirt_schema_errors(run.after.decode(), "domain") == ""
    # Everything else, the metadata with its prefixes included, is kept.
    before, after = etree.fromstring(vnic_domain()), etree.fromstring(run.after)
    assert etree.tostring(after.find("metadata")) == etree.tostring(before.find("metadata"))
    again = run_hook(tmp_path, "before_vm_start", run.after)
    assert again.code == 0 and again.unchanged


def test_vdsm_start_sequence_with_vnic_profiles(tmp_path):
    results = vdsm_start(tmp_path, vnic_domain(), vm_custom={"sap_agent": "true"})
    # All three NICs have custom properties; the third only SecurityGroups.
    assert [r.code for r in results] == [0, 0, 0, 0], [r.stderr for r in results]
    assert results[2].unchanged and results[2].stderr == ""
    final = results[-1]
    # before_device_create did the work; the re-indented NICs mean the same.
    assert final.unchanged, final.stderr
    assert [line.endswith("(already set)") for line in final.stderr.splitlines()] == [
        True, True], final.stderr
    assert profiles(final.after) == {B0: ("direct-pool", "DbProfile"),
                                     B1: ("direct-pool", "Storage Profile")}
    assert libvirt_schema_errors(final.after.decode(), "domain") == ""


def test_vdsm_start_sequence_with_both_models(tmp_path):
    vm_map = "{'%s': 'DbProfile', '%s': 'MgmtProfile'}" % (B0, OTHER)
    results = vdsm_start(tmp_path, vnic_domain(), vm_custom={"vmfex": vm_map})
    assert [r.code for r in results] == [0, 0, 0, 0], [r.stderr for r in results]
    # At before_device_create the VM map hides the device values: left to
    # before_vm_start, which sees both in the metadata.
    assert all(r.unchanged and r.stderr == "" for r in results[:3])
    final = results[-1]
    assert profiles(final.after) == {B0: ("direct-pool", "DbProfile"),
                                     B1: ("direct-pool", "Storage Profile"),
                                     OTHER: ("direct-pool", "MgmtProfile")}
    lines = final.stderr.splitlines()
    assert any(line.endswith("'DbProfile' from the VM map and vNIC profile") for line in lines)
    assert any(line.endswith("'Storage Profile' from the vNIC profile") for line in lines)
    assert any(line.endswith("'MgmtProfile' from the VM map") for line in lines)


def test_conflicting_models_stop_the_start_naming_nic_and_both_profiles(tmp_path):
    results = vdsm_start(tmp_path, vnic_domain(),
                         vm_custom={"vmfex": "{'%s': 'WebProfile'}" % B0})
    final = results[-1]
    assert final.code == 2 and final.unchanged
    assert final.stderr.strip() == (
        "vmfex: VM %s: NIC %s: the VM's vmfex map says port profile 'WebProfile', its vNIC "
        "profile says 'DbProfile': expected one; take the NIC out of the VM map "
        "(vmfex-engine convert) or give both the same profile" % (VM_ID, B0))


# --- device hook points with a VM map in the environment --------------------

def test_hotplug_and_update_use_the_map_when_it_names_the_nic(tmp_path):
    for point in ("before_nic_hotplug", "before_update_device"):
        run = run_hook(tmp_path, point, nic_xml(B0), device_custom={"vmfex": "Hidden"},
                       vm_custom={"vmfex": "{'%s': 'WebProfile'}" % B0})
        assert run.code == 0, run.stderr
        assert profiles(run.after) == {B0: ("direct-pool", "WebProfile")}
        assert run.stderr.strip().endswith("'WebProfile' from the VM map")


def test_hotplug_of_a_nic_the_map_does_not_name_says_why_it_is_left_alone(tmp_path):
    run = run_hook(tmp_path, "before_nic_hotplug", nic_xml(B1),
                   vm_custom={"vmfex": "{'%s': 'WebProfile'}" % B0})
    assert (run.code, run.unchanged) == (0, True)
    assert "NIC %s is not in the VM's vmfex map: left as it is" % B1 in run.stderr
    assert "use one model per VM" in run.stderr


def test_bad_vm_map_at_a_device_point_exits_2(tmp_path):
    run = run_hook(tmp_path, "before_nic_hotplug", nic_xml(),
                   vm_custom={"vmfex": "{'00:1a:4a:16:01:b0': 'P1'"})
    assert run.code == 2 and run.unchanged
    assert run.stderr.startswith("vmfex: custom property vmfex=")


def test_device_create_of_another_device_kind(tmp_path):
    balloon = b'<memballoon model="virtio"><stats period="5"/></memballoon>'
    by_map = run_hook(tmp_path, "before_device_create", balloon,
                      device_custom={"foo": "1"}, vm_custom={"vmfex": "{}"})
    assert (by_map.code, by_map.unchanged, by_map.stderr) == (0, True, "")
    by_device = run_hook(tmp_path, "before_device_create", balloon,
                         device_custom={"vmfex": "DbProfile"})
    assert by_device.code == 2 and by_device.unchanged
    assert "is set on a <memballoon> device" in by_device.stderr


# --- migration -----------------------------------------------------------

@pytest.mark.parametrize("device_custom, vm_custom", [
    ({"vmfex": "DbProfile"}, {}),
    ({"vmfex": "DbProfile"}, {"vmfex": "{'%s': 'WebProfile'}" % B0}),
])
def test_device_migrate_destination_leaves_xml_and_libvirt_alone(tmp_path, device_custom,
                                                                  vm_custom):
    run = run_hook(tmp_path, "before_device_migrate_destination", nic_xml(),
                   device_custom=device_custom, vm_custom=vm_custom)
    assert (run.code, run.unchanged, run.stderr) == (0, True, "")


def test_device_migrate_destination_still_refuses_a_bad_value(tmp_path):
    run = run_hook(tmp_path, "before_device_migrate_destination", nic_xml(),
                   device_custom={"vmfex": "Pro{file"})
    assert run.code == 2 and "invalid port profile 'Pro{file'" in run.stderr


@pytest.mark.parametrize("devices, vm_map, code, needed", [
    (2, None, 0, 2),                                   # vNIC profiles only
    (1, None, 2, 2),
    (3, "{'%s': 'MgmtProfile'}" % OTHER, 0, 3),         # both models count
    (2, "{'%s': 'MgmtProfile'}" % OTHER, 2, 3),
])
def test_vm_migrate_destination_counts_nics_of_both_models(tmp_path, devices, vm_map, code,
                                                           needed):
    run = run_hook(tmp_path, "before_vm_migrate_destination", vnic_domain(),
                   vm_custom={"vmfex": vm_map} if vm_map else {},
                   LIBVIRT_DEFAULT_URI=node_uri(tmp_path, host_node_xml(devices=devices)))
    assert run.code == code, run.stderr
    assert run.unchanged
    if code == 0:
        assert "ready for %d VM-FEX NIC(s)" % needed in run.stderr
    else:
        assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1
