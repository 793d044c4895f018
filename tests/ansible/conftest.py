"""The Ansible tests run in the real-libvirtd tier (marker libvirtd), on its
daemon (tests/libvirtd/fixtures.py): each vmfex-direct-pool run is a new
process, so only a real daemon keeps the network between runs, which
idempotence needs."""
import pytest

from tests.ansible.hosts import Host
from tests.libvirtd import fixtures

# The tier's fixtures, shared with the other directory (one daemon).
libvirtd = fixtures.libvirtd
conn = fixtures.conn


@pytest.fixture
def host(libvirtd, conn, tmp_path):
    """A host for Ansible (localhost) whose libvirt is the private daemon; no
    vNICs in its sysfs until the test adds them."""
    return Host(libvirtd.uri, str(tmp_path))
