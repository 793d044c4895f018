"""The host-wide lock the hook and vmfex-direct-pool share."""
import os

import pytest

from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.host.lock import LockBusy, hold_lock


def test_lock_creates_its_directory_and_excludes_a_second_holder(tmp_path):
    path = str(tmp_path / "run" / "vdsm" / "hook-vmfex.lock")
    waits = []
    with hold_lock(path):
        assert os.path.exists(path)
        with pytest.raises(LockBusy, match="still held by another vmfex-direct-pool"):
            with hold_lock(path, timeout=0.2, on_wait=waits.append):
                pass
    assert len(waits) == 1 and path in waits[0]
    with hold_lock(path, timeout=0):
        pass  # released


def test_lock_in_an_unwritable_place_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(VmfexError, match="cannot open lock file .*set lock_file"):
        with hold_lock(str(blocker / "sub" / "x.lock")):
            pass
