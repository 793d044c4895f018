"""engine.sdk_trust: with --cafile, that file is the only CA trusted, also
where libcurl has a default CA directory (Debian's libcurl-gnutls reads
/etc/ssl/certs), as ovirtsdk4 documents ca_file."""
import os
import shutil
import subprocess
import sys

import pytest

from engine_tools.engine.sdk_trust import pin_ca_file
from tests.engine.https_server import generate_tls_files
from tests.paths import ROOT

#: The machine's CA directory, and the bundle in it that is libcurl's
#: default CA file on Debian.
CA_DIR = "/etc/ssl/certs"
SYSTEM_BUNDLE = "ca-certificates.crt"
# A private mount namespace whose CA directory holds what the test wrote.
_WITH_CA_DIR = 'mount --bind "$1" %s && shift && exec "$@"' % CA_DIR


def _reason():
    if os.geteuid() != 0 or not shutil.which("unshare") or not os.path.isdir(CA_DIR):
        return "needs root, unshare and %s for a private CA directory" % CA_DIR
    return None


def export_with_system_cas(ca_dir, args, home):
    """`vmfex-engine export ARGS` in a mount namespace where the system CA
    directory is `ca_dir`."""
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", _WITH_CA_DIR, "sh",
         str(ca_dir), sys.executable, "-m", "engine_tools", "export"] + args,
        cwd=ROOT, env=dict(os.environ, HOME=str(home), LC_ALL="C.UTF-8"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.skipif(_reason() is not None, reason=str(_reason()))
def test_a_ca_the_system_trusts_is_not_trusted_next_to_the_cafile(sim, conn, tmp_path):
    assert conn[-2:] == ["--cafile", sim.ca_file]
    login = conn[:-2]
    # The system trusts the engine's CA: as its bundle, and as a file of its own.
    system = tmp_path / "system-cas"
    system.mkdir()
    for name in (SYSTEM_BUNDLE, "engine-ca.pem"):
        shutil.copy(sim.ca_file, str(system / name))
    other = tmp_path / "other"
    other.mkdir()
    other_ca = generate_tls_files(str(other))[0]

    code, out, err = export_with_system_cas(system, login, tmp_path)
    assert code == 0 and "web03," in out, err  # no --cafile: the system's CAs

    code, out, err = export_with_system_cas(system, login + ["--cafile", other_ca], tmp_path)
    assert (code, out) == (1, ""), err
    assert err.startswith("vmfex-engine: error: cannot connect to %s: " % sim.url), err
    assert err.count("\n") == 1


def test_only_handles_given_a_ca_file_drop_the_ca_directory():
    pycurl = pytest.importorskip("pycurl")
    sdk = type(sys)("fake_sdk")
    sdk.pycurl = pycurl
    pin_ca_file(sdk)
    pin_ca_file(sdk)  # once: the handles are not wrapped twice
    assert sdk.pycurl is not pycurl and sdk.pycurl.Curl.__bases__ == (pycurl.Curl,)
    assert sdk.pycurl.CAINFO == pycurl.CAINFO and sdk.pycurl.error is pycurl.error
    assert repr(sdk.pycurl.Curl()).startswith("<pycurl.Curl object at 0x")  # as the SDK words it
    dropped = []

    class Recording(sdk.pycurl.Curl):
        def unsetopt(self, option):
            dropped.append(option)

    handle = Recording()
    handle.setopt(pycurl.URL, "https://engine.example.com/")
    assert dropped == []
    handle.setopt(pycurl.CAINFO, "/etc/pki/ovirt-engine/ca.pem")
    assert dropped == [pycurl.CAPATH]


def test_an_sdk_without_pycurl_is_left_as_it_is():
    sdk = type(sys)("fake_sdk")
    pin_ca_file(sdk)
    assert not hasattr(sdk, "pycurl")
