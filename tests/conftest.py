"""Shared by every test process. Loads neither libvirt nor ovirtsdk4: the
host-side tests (libvirt) and the engine-side tests (ovirtsdk4 and pycurl)
run in separate pytest processes, as in production, because libvirt and
pycurl in one process crash at random (`make check` runs them apart)."""
import os
import shlex
import sys

import pytest

ENGINE_SIDE = "engine"


def _side(item) -> str:
    parts = os.path.relpath(str(item.fspath), os.path.dirname(__file__)).split(os.sep)
    return ENGINE_SIDE if parts[0] == ENGINE_SIDE else "host"


def pytest_collection_modifyitems(session, config, items):
    sides = {_side(item) for item in items}
    if len(sides) > 1:
        raise pytest.UsageError(
            "tests/engine must run in a pytest process of its own (libvirt and pycurl "
            "in one process crash): run `make check`, or `pytest tests/engine` and "
            "`pytest tests/common tests/host tests/hook tests/pool tests/packaging` separately")


@pytest.fixture(scope="session", autouse=True)
def python3_is_this_interpreter(tmp_path_factory):
    """`python3` on PATH runs this interpreter, for the `#!/usr/bin/env
    python3` scripts the tests start (the stand-ins for engine-config and
    systemctl): a `python3` found first on PATH may be a pyenv shim, which
    starts a dozen shells before the interpreter each time."""
    bin_dir = tmp_path_factory.mktemp("python3-bin")
    wrapper = bin_dir / "python3"
    wrapper.write_text('#!/bin/sh\nexec %s "$@"\n' % shlex.quote(sys.executable))
    wrapper.chmod(0o755)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
        yield
