"""Fixtures of the pool tests: libvirt's test driver."""
import libvirt
import pytest

from tests.virt_helpers import virt  # noqa: F401 - a fixture
from vdsm_hook_vmfex.host.virt import read_network


@pytest.fixture
def fresh():
    """test:///default, closed afterwards: its state is shared by every open
    connection in the process and dropped with the last one."""
    conn = libvirt.open("test:///default")
    assert read_network(conn, "direct-pool") is None
    yield conn
    conn.close()


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Settings with the lock in a directory that does not exist yet."""
    conf = tmp_path / "vmfex.conf"
    lock = tmp_path / "run" / "vdsm" / "hook-vmfex.lock"
    conf.write_text("[vmfex]\nnetwork = direct-pool\nlock_file = %s\n" % lock)
    monkeypatch.setenv("VMFEX_CONF", str(conf))
    monkeypatch.delenv("LIBVIRT_DEFAULT_URI", raising=False)
    return {"conf": str(conf), "lock": str(lock), "tmp": tmp_path}
