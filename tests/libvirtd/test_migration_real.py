"""The migration check (before_vm_migrate_destination) counting free vNICs
from the live network XML a real libvirtd keeps for running domains."""
import pytest

from tests.libvirtd.fixtures import STARTS_DOMAINS
from tests.libvirtd.helpers import NETWORK, mac, small_domain, start_paused, tcg_sample, vmfex_map

pytestmark = [pytest.mark.libvirtd, STARTS_DOMAINS]

# The VM arriving: both of its VM-FEX NICs are mapped, so it needs 2 vNICs.
ARRIVING_MAP = {"00:1a:4a:16:01:b0": "Profile1", "00:1a:4a:16:01:b1": "Profile2"}


@pytest.fixture
def source_xml(host):
    """The arriving VM's domain as the source host runs it: the hook's output."""
    run = host.hook("before_vm_start", tcg_sample(), vmfex_map(ARRIVING_MAP))
    assert run.code == 0, run.stderr
    return run.xml


def migrate_check(host, xml):
    return host.hook("before_vm_migrate_destination", xml, vmfex_map(ARRIVING_MAP),
                     vm_id="arriving")


def occupy(conn, count: int, first: int = 0):
    """`count` running domains, each holding one pool device."""
    return [start_paused(conn, small_domain("user%d" % i, [mac(200 + i)]))
            for i in range(first, first + count)]


def test_enough_free_vnics_lets_the_migration_in(host, conn, source_xml):
    host.define_pool()
    occupy(conn, 2)
    run = migrate_check(host, source_xml)
    assert run.code == 0, run.stderr
    assert ("vmfex: VM arriving: network %s ready for 2 VM-FEX NIC(s), 2 vNIC(s) free\n"
            % NETWORK) == run.stderr
    assert run.xml == source_xml  # VDSM ignores it here; the hook leaves it


def test_a_pool_without_room_refuses_with_the_counts(host, conn, source_xml):
    host.define_pool()
    occupy(conn, 3)
    run = migrate_check(host, source_xml)
    assert run.code == 2
    assert ("libvirt network 'direct-pool' has 1 free VM-FEX vNIC(s) of 4, this VM "
            "needs 2" in run.stderr)


def test_the_answer_survives_a_libvirtd_restart(host, conn, libvirtd, source_xml):
    host.define_pool()
    users = occupy(conn, 3)
    assert migrate_check(host, source_xml).code == 2
    conn.close()
    libvirtd.restart()
    refused = migrate_check(host, source_xml)
    assert refused.code == 2
    assert "has 1 free VM-FEX vNIC(s) of 4" in refused.stderr

    import libvirt
    fresh = libvirt.open(libvirtd.uri)
    try:
        fresh.lookupByName(users[0].name()).destroy()  # gives its vNIC back
        allowed = migrate_check(host, source_xml)
    finally:
        fresh.close()
    assert allowed.code == 0, allowed.stderr
    assert "ready for 2 VM-FEX NIC(s), 2 vNIC(s) free" in allowed.stderr


@pytest.mark.parametrize("state, message", [
    ("missing", "libvirt network 'direct-pool' is not defined on this host"),
    ("inactive", "libvirt network 'direct-pool' is defined but not active"),
])
def test_a_missing_or_stopped_pool_refuses_the_migration(host, conn, source_xml,
                                                         state, message):
    if state == "inactive":
        host.define_pool()
        conn.networkLookupByName(NETWORK).destroy()
    run = migrate_check(host, source_xml)
    assert run.code == 2
    assert message in run.stderr
    assert "run 'vmfex-direct-pool define' on this host" in run.stderr


def test_nics_mapped_by_vnic_profiles_are_counted_too(host, conn):
    """No VM-level map: the two NICs on VM-FEX vNIC profiles need two vNICs."""
    start = host.hook("before_vm_start", tcg_sample("vdsm-domain-vnic-profiles.xml"), None)
    assert start.code == 0, start.stderr
    host.define_pool()
    occupy(conn, 2)
    allowed = host.hook("before_vm_migrate_destination", start.xml, None)
    assert allowed.code == 0, allowed.stderr
    assert "ready for 2 VM-FEX NIC(s), 2 vNIC(s) free" in allowed.stderr
    occupy(conn, 1, first=2)
    refused = host.hook("before_vm_migrate_destination", start.xml, None)
    assert refused.code == 2
    assert "has 1 free VM-FEX vNIC(s) of 4, this VM needs 2" in refused.stderr
