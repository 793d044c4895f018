"""libvirt's test driver and libvirt's RelaxNG schema check, for the host-side
tests (never imported by the engine-side tests: libvirt and pycurl must not
share a process)."""
import subprocess
import tempfile

import libvirt
import pytest

# libvirt-python prints every error on stderr by default.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


PASSTHROUGH_NETWORK = """<network>
  <name>{name}</name>
  <forward mode="passthrough">
    <interface dev="eth3"/>
    <interface dev="eth4"/>
    <interface dev="eth5"/>
  </forward>
</network>"""


@pytest.fixture
def virt():
    """A fresh libvirt test-driver connection with an active `direct-pool`."""
    conn = libvirt.open("test:///default")
    net = conn.networkDefineXML(PASSTHROUGH_NETWORK.format(name="direct-pool"))
    net.create()
    yield conn
    conn.close()


def libvirt_schema_errors(xml: str, kind: str) -> str:
    """Run `virt-xml-validate` on `xml`; return its complaint, '' when valid."""
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as tmp:
        tmp.write(xml)
        tmp.flush()
        proc = subprocess.run(["virt-xml-validate", tmp.name, kind],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return "" if proc.returncode == 0 else proc.stdout.decode()


class CallRecorder(object):
    """Forwards to a real libvirt object, recording the methods called (also
    on the networks and domains it returns)."""

    def __init__(self, target, calls):
        self._target = target
        self._calls = calls

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self._calls.append(name)
            result = attr(*args, **kwargs)
            if isinstance(result, (libvirt.virNetwork, libvirt.virDomain)):
                return CallRecorder(result, self._calls)
            return result
        return call


def start_domain(conn, xml: str):
    """Define and start `xml` on the test driver: libvirt's parser decides."""
    dom = conn.defineXML(xml)
    dom.create()
    return dom
