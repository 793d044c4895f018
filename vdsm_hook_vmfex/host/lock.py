"""The host-wide lock serializing changes to the VM-FEX network.

An flock(2) on the settings' lock_file (/run/vdsm/hook-vmfex.lock by
default). flock works on a read-only descriptor, so a lock file root created
can still be taken by the hook running as user vdsm.
No `typing` import: the hook may take this lock on a VM start.
"""
import errno
import fcntl
import os
import time
from contextlib import contextmanager

from vdsm_hook_vmfex.common.errors import VmfexError

POLL_SECONDS = 0.05


class LockBusy(VmfexError):
    """Another process held the lock for longer than we were willing to wait."""


def _open_lock_file(path: str) -> int:
    directory = os.path.dirname(path)
    try:
        # /run/vdsm exists only where VDSM is installed; elsewhere (or before
        # VDSM's tmpfiles ran) create it rather than fail.
        os.makedirs(directory, mode=0o755, exist_ok=True)
        return os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise VmfexError("cannot open lock file %s: %s (set lock_file in "
                         "/etc/vdsm/vmfex.conf to a writable place)"
                         % (path, err.strerror)) from None


@contextmanager
def hold_lock(path: str, timeout: float = 60.0, on_wait: "callable" = None):
    """Hold an exclusive flock on `path`, waiting up to `timeout` seconds.

    `on_wait(message)` is called once if the lock is busy at first.
    """
    fd = _open_lock_file(path)
    try:
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise VmfexError("cannot lock %s: %s" % (path, err.strerror)) from None
            if time.monotonic() >= deadline:
                raise LockBusy("lock %s is still held by another vmfex-direct-pool or "
                               "the vmfex hook after %g s: try again later"
                               % (path, timeout))
            if not waited and on_wait is not None:
                on_wait("waiting for lock %s (held by another vmfex-direct-pool or "
                        "the vmfex hook)" % path)
            waited = True
            time.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
