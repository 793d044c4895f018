"""Fixtures of the shared host-room tests: libvirt's test driver."""
from tests.virt_helpers import virt  # noqa: F401 - a fixture
