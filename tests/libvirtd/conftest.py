"""The real-libvirtd tier: one private libvirtd per session (daemon.py),
state cleaned between tests. Its count and CI's rule: tally.py."""
import os

import pytest

from tests.libvirtd.daemon import PrivateLibvirtd, skip_reason
from tests.libvirtd.helpers import Host, clean
from tests.paths import ROOT

VNICS = 4
# libvirt re-probes by itself when qemu or libvirt changed; keeping the probe
# result saves ~8 s per run. Inside the clone, never on the machine.
CACHE_DIR = os.path.join(ROOT, "build", "libvirtd-cache")


@pytest.fixture(scope="session")
def libvirtd():
    """The session's private libvirtd with VNICS veths (vmfex0..)."""
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
        try:
            connection.close()
        except libvirt.libvirtError:
            pass  # a test restarted the daemon under it
        clean(libvirtd.uri)


@pytest.fixture
def host(libvirtd, conn, tmp_path):
    """The hook and vmfex-direct-pool pointed at the daemon (see Host)."""
    return Host(libvirtd, str(tmp_path))
