"""The Ansible tests run in the real-libvirtd tier (marker libvirtd): each
vmfex-direct-pool run is a new process, so only a real daemon keeps the
network between runs, which idempotence needs."""
import os

import pytest

from tests.ansible.hosts import Host, clean
from tests.libvirtd.daemon import PrivateLibvirtd, skip_reason
from tests.paths import ROOT

VNICS = 3
CACHE_DIR = os.path.join(ROOT, "build", "libvirtd-cache")


@pytest.fixture(scope="session")
def libvirtd():
    """A private libvirtd with VNICS veths (vmfex0..) for this directory's tests."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    with PrivateLibvirtd(vnics=VNICS, cache_dir=CACHE_DIR) as daemon:
        yield daemon


@pytest.fixture
def conn(libvirtd):
    """A connection to the daemon; every domain and network is gone afterwards."""
    import libvirt
    connection = libvirt.open(libvirtd.uri)
    try:
        yield connection
    finally:
        connection.close()
        clean(libvirtd.uri)


@pytest.fixture
def host(libvirtd, conn, tmp_path):
    """A host for Ansible (localhost) whose libvirt is the private daemon; no
    vNICs in its sysfs until the test adds them."""
    return Host(libvirtd.uri, str(tmp_path))
