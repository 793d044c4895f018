"""Shared by every test process. Loads neither libvirt nor ovirtsdk4: the
host-side tests (libvirt) and the engine-side tests (ovirtsdk4 and pycurl)
run in separate pytest processes, as in production, because libvirt and
pycurl in one process crash at random (`make check` runs them apart)."""
import os

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
