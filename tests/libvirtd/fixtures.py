"""The private libvirtd of the real-libvirtd tier and a connection to it, for
tests/libvirtd and tests/ansible alike (each conftest re-exports these
fixtures): one daemon per pytest process, every domain and network gone
after each test. A plain module, no tests here."""
import os

import pytest

from tests.libvirtd.daemon import PrivateLibvirtd, skip_reason
from tests.paths import ROOT

# Veths vmfex0..vmfex3: tests/libvirtd pools all four; tests/ansible gives
# vmfex0..vmfex2 to its fake sysfs, so only those reach its networks.
VNICS = 4
# libvirt re-probes by itself when qemu or libvirt changed; keeping the probe
# result saves ~8 s per run. Inside the clone, never on the machine.
CACHE_DIR = os.path.join(ROOT, "build", "libvirtd-cache")


#: Every test that starts a domain on a pool is in this pytest-xdist group,
#: run by one worker (make test-libvirtd: --dist loadgroup). A domain on the
#: pool gets a macvtap, whose device node is /dev/tap<ifindex> in the one
#: /dev all namespaces share; each daemon's network namespace counts ifindex
#: from 1, so two workers' macvtaps take the same node, and a qemu then holds
#: the other worker's device ("Link has been severed" once that one is gone).
STARTS_DOMAINS = pytest.mark.xdist_group("starts-domains")


class _Shared(object):
    """The process's daemon. pytest makes one session fixture per conftest
    that imports `libvirtd`; they share this daemon, stopped by the last."""
    daemon = None  # type: PrivateLibvirtd
    users = 0


@pytest.fixture(scope="session")
def libvirtd():
    """The process's private libvirtd with VNICS veths (vmfex0..)."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    if _Shared.daemon is None:
        daemon = PrivateLibvirtd(vnics=VNICS, cache_dir=CACHE_DIR)
        _Shared.daemon = daemon.__enter__()
    _Shared.users += 1
    try:
        yield _Shared.daemon
    finally:
        _Shared.users -= 1
        if not _Shared.users:
            daemon, _Shared.daemon = _Shared.daemon, None
            daemon.close()


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


def clean(uri: str) -> None:
    """Stop and undefine every domain and network on the daemon at `uri`."""
    import libvirt
    conn = libvirt.open(uri)
    try:
        for dom in conn.listAllDomains():
            if dom.isActive():
                dom.destroy()
            if dom.isPersistent():
                dom.undefine()
        for net in conn.listAllNetworks():
            if net.isActive():
                net.destroy()
            if net.isPersistent():
                net.undefine()
    finally:
        conn.close()
