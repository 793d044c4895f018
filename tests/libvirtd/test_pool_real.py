"""`vmfex-direct-pool` on a real libvirtd: its network driver decides."""
import json

import pytest
from lxml import etree

from tests.libvirtd.fixtures import STARTS_DOMAINS
from tests.libvirtd.helpers import NETWORK, mac, small_domain, start_paused
from tests.sysfs_helpers import ZERO, add_pci_nic

pytestmark = [pytest.mark.libvirtd, STARTS_DOMAINS]


def forward_devices(net, flags: int = 0):
    root = etree.fromstring(net.XMLDesc(flags).encode())
    return {i.get("dev"): int(i.get("connections", "0"))
            for i in root.findall("forward/interface")}


def test_define_makes_an_active_autostarted_pool_then_is_unchanged(host, conn, libvirtd):
    devices = libvirtd.vnic_names[:3]
    args = ["define"] + [arg for dev in devices for arg in ("--dev", dev)]
    first = host.pool(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ("%s: defined, started, autostart set (passthrough over %s)\n"
                            % (NETWORK, " ".join(devices)))
    assert "warning" not in first.stderr  # the veths are found in the namespace's sysfs
    net = conn.networkLookupByName(NETWORK)
    assert (net.isActive(), net.isPersistent(), net.autostart()) == (1, 1, 1)
    assert forward_devices(net) == {dev: 0 for dev in devices}

    again = host.pool(*args)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ("%s: unchanged (passthrough over %s)\n"
                            % (NETWORK, " ".join(devices)))


def test_define_repairs_an_inactive_network(host, conn):
    host.define_pool()
    conn.networkLookupByName(NETWORK).destroy()
    proc = host.pool("define", "--dev", "vmfex0", "--dev", "vmfex1", "--dev", "vmfex2",
                     "--dev", "vmfex3")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("%s: started (" % NETWORK)
    assert conn.networkLookupByName(NETWORK).isActive() == 1


def test_define_repairs_autostart(host, conn):
    host.define_pool()
    conn.networkLookupByName(NETWORK).setAutostart(0)
    status = host.pool("status")
    assert "autostart is off" in status.stdout
    proc = host.pool("define", "--dev", "vmfex0", "--dev", "vmfex1", "--dev", "vmfex2",
                     "--dev", "vmfex3")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("%s: autostart set (" % NETWORK)
    assert conn.networkLookupByName(NETWORK).autostart() == 1


def test_status_reads_the_devices_running_domains_hold(host, conn, libvirtd):
    host.define_pool()
    start_paused(conn, small_domain("user1", [mac(1)]))
    text = host.pool("status")
    assert text.returncode == 0, text.stderr
    assert "(in use: vmfex0)" in text.stdout
    assert "user1" in text.stdout and mac(1) in text.stdout

    proc = host.pool("status", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["ready"] is True
    assert (info["active"], info["persistent"], info["autostart"]) == (True, True, True)
    assert info["devices"] == libvirtd.vnic_names
    assert info["devices_in_use"] == ["vmfex0"]
    assert [(d["domain"], d["mac"]) for d in info["domains"]] == [("user1", mac(1))]


def test_status_of_a_missing_network_is_not_ready(host):
    proc = host.pool("status", "--json")
    assert proc.returncode == 1
    info = json.loads(proc.stdout)
    assert (info["defined"], info["ready"]) == (False, False)
    assert "not ready: libvirt network 'direct-pool' is not defined" in proc.stderr


def test_changing_or_removing_a_pool_a_running_domain_uses_is_refused(host, conn):
    host.define_pool()
    start_paused(conn, small_domain("user1", [mac(1)]))
    before = conn.networkLookupByName(NETWORK).XMLDesc(0)

    change = host.pool("define", "--dev", "vmfex2")
    assert change.returncode == 2  # a refusal
    assert "user1" in change.stderr and "--force" in change.stderr
    remove = host.pool("remove")
    assert remove.returncode == 2
    assert "user1" in remove.stderr and "--force" in remove.stderr
    dry = host.pool("remove", "--dry-run", "--json")
    assert (dry.returncode, dry.stderr.count("\n")) == (2, 1)
    assert "would stop" not in dry.stderr  # only the refusal (issue 17 defect 15)
    assert json.loads(dry.stdout)["action"] == "refused"
    net = conn.networkLookupByName(NETWORK)
    assert net.isActive() == 1
    assert net.XMLDesc(0) == before  # still counting user1's device


def test_remove_stops_and_undefines_then_has_nothing_to_do(host, conn):
    host.define_pool()
    proc = host.pool("remove")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "%s: stopped, undefined\n" % NETWORK
    assert [net.name() for net in conn.listAllNetworks()] == []
    again = host.pool("remove")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "%s: not defined, nothing to remove\n" % NETWORK


def fake_sysfs(root: str) -> str:
    """vmfex0..vmfex2 as enic dynamic vNICs (vmfex0 and vmfex1 carry the MACs
    of the VMs that hold them, vmfex2 is free: all zeros), vmfex3 a NIC with
    a driver other than enic and a MAC of its own, and no vmfex9."""
    add_pci_nic(root, "vmfex0", "0000:0b:00.1", mac(1))
    add_pci_nic(root, "vmfex1", "0000:0b:00.2", mac(2))
    add_pci_nic(root, "vmfex2", "0000:0b:00.3", ZERO)
    add_pci_nic(root, "vmfex3", "0000:06:00.0", "00:25:b5:00:00:0f", driver="igb")
    return root


def test_a_dev_the_host_does_not_have_is_refused_unless_forced(host, conn, libvirtd):
    typo = host.pool("define", "--dev", "vmfex0", "--dev", "vmfxe1")
    assert (typo.returncode, typo.stdout) == (2, "")
    assert typo.stderr.startswith("vmfex-direct-pool: error: refusing to define network "
                                  "'direct-pool' over vmfxe1: no such interface")
    assert conn.listAllNetworks() == []
    forced = host.pool("define", "--dev", "vmfex0", "--dev", "vmfxe1", "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["action"] == "defined"
    assert forward_devices(conn.networkLookupByName(NETWORK)) == {"vmfex0": 0, "vmfxe1": 0}


def test_status_counts_capacity_and_names_who_uses_each_member(host, conn, libvirtd,
                                                               tmp_path):
    sysfs = fake_sysfs(str(tmp_path / "sys"))
    host.define_pool(libvirtd.vnic_names)  # vmfex0..vmfex3
    # vmfex9 exists nowhere: only --force lets it in; libvirt hands out the
    # first free members in order, so the two VMs get vmfex0 and vmfex1.
    forced = host.pool("define", "--force", *[a for dev in libvirtd.vnic_names + ["vmfex9"]
                                              for a in ("--dev", dev)])
    assert forced.returncode == 0, forced.stderr
    start_paused(conn, small_domain("user1", [mac(1)]))
    start_paused(conn, small_domain("user2", [mac(2)]))

    proc = host.pool("status", "--json", "--sysfs-root", sysfs)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["capacity"] == {"total": 4, "used": 2, "free": 1}
    assert (info["missing"], info["not_vmfex"]) == (["vmfex9"], ["vmfex3"])
    assert info["members"] == [
        {"dev": "vmfex0", "present": True, "vmfex": True, "connections": 1,
         "used_by": [{"domain": "user1", "mac": mac(1)}]},
        {"dev": "vmfex1", "present": True, "vmfex": True, "connections": 1,
         "used_by": [{"domain": "user2", "mac": mac(2)}]},
        {"dev": "vmfex2", "present": True, "vmfex": True, "connections": 0, "used_by": []},
        {"dev": "vmfex3", "present": True, "vmfex": False, "connections": 0, "used_by": []},
        {"dev": "vmfex9", "present": False, "vmfex": False, "connections": 0,
         "used_by": []}]
    assert [(d["domain"], d["dev"]) for d in info["domains"]] == [
        ("user1", "vmfex0"), ("user2", "vmfex1")]
    assert info["ready"] is True and info["devices_in_use"] == ["vmfex0", "vmfex1"]

    text = host.pool("status", "--sysfs-root", sysfs)
    assert text.returncode == 0, text.stderr
    assert ("capacity    4 vNIC(s) on this host: 2 used, 1 free; 1 missing; 1 not VM-FEX\n"
            in text.stdout)
    assert "user2   %s  vmfex1  -\n" % mac(2) in text.stdout
