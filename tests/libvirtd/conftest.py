"""The real-libvirtd tier: one private libvirtd per process (fixtures.py,
shared with tests/ansible), state cleaned between tests. Its count and CI's
rule: tally.py."""
import pytest

from tests.libvirtd import fixtures
from tests.libvirtd.helpers import Host

# The tier's fixtures, shared with the other directory (one daemon).
libvirtd = fixtures.libvirtd
conn = fixtures.conn


@pytest.fixture
def host(libvirtd, conn, tmp_path):
    """The hook and vmfex-direct-pool pointed at the daemon (see Host)."""
    return Host(libvirtd, str(tmp_path))
