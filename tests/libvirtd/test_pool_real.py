"""`vmfex-direct-pool` on a real libvirtd: its network driver decides."""
import json

import pytest
from lxml import etree

from tests.libvirtd.helpers import NETWORK, mac, small_domain, start_paused

pytestmark = pytest.mark.libvirtd


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
    assert change.returncode == 1
    assert "user1" in change.stderr and "--force" in change.stderr
    remove = host.pool("remove")
    assert remove.returncode == 1
    assert "user1" in remove.stderr and "--force" in remove.stderr
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
