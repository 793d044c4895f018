"""Issue 18 item 4: the hook after some NICs left VM-FEX (vmfex-engine leave).

A NIC that left is on a new vNIC profile of a native network (here
`vlan200`): its VM map entry is dropped and its new profile carries no vmfex.
The hook must leave it exactly as VDSM wrote it and keep rewriting the NICs
still on VM-FEX. Findings: docs/leave-running-vms.md.
"""
import re

import pytest
from lxml import etree

from tests.hook.runner import VM_ID, run_hook, sample, vdsm_start

B0, B1, OTHER = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1", "00:1a:4a:16:01:57"
NEW_NETWORK = b"vlan200"
OLD_MAP = "{'%s': 'Profile1', '%s': 'Profile2'}" % (B0, B1)
MAP_AFTER_LEAVE = "{'%s': 'Profile1'}" % B0
# The device custom properties of B1's new vNIC profile: no vmfex.
NEW_PROFILE_CUSTOM = {"SecurityGroups": "9f1e2d3c-4b5a-4697-8877-665544332211"}
# A vmfex.conf the hook cannot read: any run that gets as far as a rewrite
# (which loads the settings) fails on it, so exit 0 proves it never got there.
UNREADABLE_CONF = "this is not an ini file\n"


def moved_nic_domain(model: str, vm_map: str = MAP_AFTER_LEAVE) -> bytes:
    """A VDSM domain whose NIC B1 left VM-FEX for NEW_NETWORK, as the engine
    writes it at the next start; B0 is still on VM-FEX. `model`: "map"
    (vdsm-domain.xml, the VM map in the metadata is `vm_map`) or "vnic"
    (vdsm-domain-vnic-profiles.xml, B1's device custom without vmfex)."""
    if model == "map":
        xml = sample().replace(OLD_MAP.encode(), vm_map.encode())
    else:
        xml = sample("vdsm-domain-vnic-profiles.xml").replace(
            b"\n          <ovirt-vm:vmfex> Storage Profile </ovirt-vm:vmfex>", b"")
    moved = xml.replace(b'"storage"', b'"' + NEW_NETWORK + b'"').replace(
        b">storage<", b">" + NEW_NETWORK + b"<")
    assert moved.count(NEW_NETWORK) == 2  # B1's <source bridge> and its metadata network
    return moved


def nic_bytes(xml: bytes, mac: str) -> bytes:
    """The bytes of the <interface> element with `mac`, exactly as in `xml`."""
    pattern = (rb'<interface (?:(?!</interface>).)*?<mac address="%s"/>.*?</interface>'
               % re.escape(mac.encode()))
    found = re.findall(pattern, xml, re.S | re.I)
    assert len(found) == 1, found
    return found[0]


def moved_nic(xml: bytes = None) -> bytes:
    """B1 alone as VDSM hands it to device hook points after the move."""
    return nic_bytes(xml or moved_nic_domain("vnic"), B1)


def on_pool(xml: bytes) -> dict:
    """{MAC: port profile} of the NICs the hook put on the pool."""
    root = etree.fromstring(xml)
    return {i.find("mac").get("address").lower(): i.find("virtualport/parameters").get("profileid")
            for i in root.iter("interface") if i.find("virtualport") is not None}


def rewrite_line(mac: str, previous: str, profile: str, model: str) -> str:
    return ("vmfex: VM %s: NIC %s: %s -> network direct-pool, port profile %r from the %s"
            % (VM_ID, mac, previous, profile, model))


# --- VMs with moved and unmoved NICs: the next start -----------------------

def test_vm_map_the_moved_nic_stays_byte_for_byte_the_other_is_rewritten(tmp_path):
    domain = moved_nic_domain("map")
    run = run_hook(tmp_path, "before_vm_start", domain, vm_custom={"vmfex": MAP_AFTER_LEAVE})
    assert run.code == 0, run.stderr
    assert on_pool(run.after) == {B0: "Profile1"}
    assert nic_bytes(run.after, B1) == nic_bytes(domain, B1)
    assert nic_bytes(run.after, OTHER) == nic_bytes(domain, OTHER)
    assert run.stderr.splitlines() == [rewrite_line(B0, "bridge ovirtmgmt", "Profile1", "VM map")]


def test_vnic_profiles_the_moved_nic_stays_byte_for_byte_the_other_is_rewritten(tmp_path):
    domain = moved_nic_domain("vnic")
    run = run_hook(tmp_path, "before_vm_start", domain, vm_custom={"sap_agent": "true"})
    assert run.code == 0, run.stderr
    assert on_pool(run.after) == {B0: "DbProfile"}
    assert nic_bytes(run.after, B1) == nic_bytes(domain, B1)
    assert run.stderr.splitlines() == [
        rewrite_line(B0, "bridge ovirtmgmt", "DbProfile", "vNIC profile")]


def test_vnic_profiles_vdsm_start_sequence_never_touches_the_moved_nic(tmp_path):
    """As VDSM starts it: before_device_create runs for B1 too (its new
    profile has custom properties) and leaves it alone, before_vm_start after."""
    results = vdsm_start(tmp_path, moved_nic_domain("vnic"), vm_custom={"sap_agent": "true"})
    assert [r.code for r in results] == [0, 0, 0, 0], [r.stderr for r in results]
    b0_create, b1_create, other_create, start = results
    assert on_pool(b0_create.after) == {B0: "DbProfile"}
    assert (b1_create.unchanged, b1_create.stderr) == (True, "")
    assert (other_create.unchanged, other_create.stderr) == (True, "")
    assert start.unchanged
    assert start.stderr.splitlines() == [
        rewrite_line(B0, "network direct-pool", "DbProfile", "vNIC profile") + " (already set)"]
    assert on_pool(start.after) == {B0: "DbProfile"}
    assert b"vlan200" in nic_bytes(start.after, B1)  # unchanged at both points


@pytest.mark.parametrize("model, vm_custom", [
    ("vnic", {}),
    ("map", {"vmfex": "{}"}),
    ("map", {}),  # the property removed with its last entry
])
def test_a_vm_whose_nics_all_left_never_reaches_the_rewrite(tmp_path, model, vm_custom):
    domain = moved_nic_domain(model, vm_map="{}")
    if model == "vnic":
        domain = domain.replace(b"\n          <ovirt-vm:vmfex>DbProfile</ovirt-vm:vmfex>", b"")
    run = run_hook(tmp_path, "before_vm_start", domain, vm_custom=vm_custom,
                   conf=UNREADABLE_CONF)
    assert (run.code, run.stderr, run.unchanged) == (0, "", True)


def test_the_unreadable_conf_does_stop_a_run_that_rewrites(tmp_path):
    """The control of the tests above and below: the same conf fails a rewrite."""
    run = run_hook(tmp_path, "before_vm_start", moved_nic_domain("map"),
                   vm_custom={"vmfex": MAP_AFTER_LEAVE}, conf=UNREADABLE_CONF)
    assert run.code == 2 and run.unchanged
    for point in ("before_update_device", "before_nic_hotplug"):
        run = run_hook(tmp_path, point, moved_nic(), vm_custom={"vmfex": OLD_MAP},
                       conf=UNREADABLE_CONF)
        assert run.code == 2 and run.unchanged


# --- the moved NIC at device hook points (a running VM) ---------------------

@pytest.mark.parametrize("point", ["before_update_device", "before_nic_hotplug",
                                   "before_device_create"])
def test_the_moved_nics_new_profile_leaves_it_alone_at_device_points(tmp_path, point):
    """vNIC-profile model: VDSM passes the new profile's custom properties
    (no vmfex) and a VM without vmfex: the file is untouched, exit 0."""
    run = run_hook(tmp_path, point, moved_nic(), device_custom=NEW_PROFILE_CUSTOM,
                   vm_custom={"sap_agent": "true"}, conf=UNREADABLE_CONF)
    assert (run.code, run.stderr, run.unchanged) == (0, "", True)


@pytest.mark.parametrize("point", ["before_update_device", "before_nic_hotplug"])
def test_a_map_without_the_moved_nic_leaves_it_alone_at_device_points(tmp_path, point):
    run = run_hook(tmp_path, point, moved_nic(), device_custom=NEW_PROFILE_CUSTOM,
                   vm_custom={"vmfex": MAP_AFTER_LEAVE}, conf=UNREADABLE_CONF)
    assert (run.code, run.unchanged) == (0, True)
    assert run.stderr.startswith("vmfex: VM %s: NIC %s is not in the VM's vmfex map: "
                                 "left as it is." % (VM_ID, B1))


# --- the window: the NIC moved, the VM map still names it -------------------

def test_a_start_in_the_window_puts_the_moved_nic_back_on_vmfex(tmp_path):
    """The map is the administrator's word for the start: a NIC it names goes
    to its port profile whatever network the engine chose. The VM keeps its
    VM-FEX link until a start after the map entry is gone, so leave apply
    must drop the entry right after the NIC's move (never before it)."""
    domain = moved_nic_domain("map", vm_map=OLD_MAP)
    run = run_hook(tmp_path, "before_vm_start", domain, vm_custom={"vmfex": OLD_MAP})
    assert run.code == 0, run.stderr
    assert on_pool(run.after) == {B0: "Profile1", B1: "Profile2"}
    assert rewrite_line(B1, "bridge vlan200", "Profile2", "VM map") in run.stderr.splitlines()


@pytest.mark.parametrize("point", ["before_update_device", "before_nic_hotplug"])
def test_a_running_vm_sees_its_start_map_and_the_nic_goes_back_on_vmfex(tmp_path, point):
    """VDSM gives device points the VM custom properties of the VM's start
    (vm.py: self._custom from the domain metadata; the engine holds a running
    VM's custom property change for its next run), so a running VM-map VM's
    update or replug of B1 is pulled back onto VM-FEX even after the engine
    dropped the entry. tests/libvirtd/test_leave_running_real.py shows what
    libvirt does with it."""
    run = run_hook(tmp_path, point, moved_nic(moved_nic_domain("map")),
                   vm_custom={"vmfex": OLD_MAP})
    assert run.code == 0, run.stderr
    assert on_pool(run.after) == {B1: "Profile2"}
    assert run.stderr.splitlines() == [
        rewrite_line(B1, "bridge vlan200", "Profile2", "VM map")]
