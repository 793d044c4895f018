"""Bad input and faults at `vmfex-direct-pool` (issue 10): one clear line,
exit 1 (failure) or 2 (usage), never a traceback for a user or environment
error. Run as a process, the way administrators run it."""
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.paths import ROOT
from tests.pool.helpers import run_cli
from tests.sysfs_helpers import ZERO, add_pci_nic, vmfex_host

PREFIX = "vmfex-direct-pool: "


def conf_env(tmp_path, text):
    """A settings file holding `text`; without a lock_file it is used only
    where no lock is taken (dry runs, status)."""
    conf = tmp_path / "vmfex.conf"
    conf.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return {"VMFEX_CONF": str(conf), "LIBVIRT_DEFAULT_URI": "test:///default"}


def one_error_line(err):
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.startswith(PREFIX + "error: "), err


# --- 8. vmfex.conf holds plain values ---------------------------------------

@pytest.mark.parametrize("network", ["direct%pool", "%(x)s"])
def test_percent_in_the_config_file_is_a_plain_character(tmp_path, network):
    environ = conf_env(tmp_path, "[vmfex]\nnetwork = %s\nlock_file = %s/l\n"
                       % (network, tmp_path))
    rc, out, err = run_cli(["define", "--dev", "eth3", "--dry-run", "--force"], environ)
    assert rc == 0, err
    assert "<name>%s</name>" % network in out and "Traceback" not in err
    rc, out, err = run_cli(["status"], environ)
    assert rc == 1 and "Traceback" not in err
    assert err == (PREFIX + "not ready: libvirt network %r is not defined on this host: "
                   "run 'vmfex-direct-pool define' on this host\n" % network)


# --- 9. control characters: in arguments a usage error, in the file a failure

@pytest.mark.parametrize("args, message", [
    (["define", "--dev", "eth\x01", "--dry-run"], "--dev: invalid device 'eth\\x01'"),
    (["define", "--dev", "eth3", "--name", "a\x01b", "--dry-run"],
     "invalid --name 'a\\x01b': expected a libvirt network name"),
    (["status", "--name", "pool\x1b"], "invalid --name 'pool\\x1b'"),
    (["remove", "--name", "a\tb", "--dry-run"], "invalid --name 'a\\tb'"),
    (["status", "--uri", "test:///default\udcff"],  # the byte 0xff in argv
     "invalid --uri 'test:///default\\udcff': expected a libvirt URI"),
    (["status", "--uri", "test:///default\x01"], "invalid --uri 'test:///default\\x01'"),
])
def test_control_characters_in_arguments_are_usage_errors(tmp_path, args, message):
    rc, out, err = run_cli(args, conf_env(tmp_path, ""))
    assert (rc, out) == (2, "")
    one_error_line(err)
    assert err.startswith(PREFIX + "error: " + message)


@pytest.mark.parametrize("network", ["direct\x01pool", "direct\x00pool"])
def test_control_characters_in_the_config_file_are_one_line(tmp_path, network):
    rc, out, err = run_cli(["define", "--dev", "eth3", "--dry-run"],
                           conf_env(tmp_path, "[vmfex]\nnetwork = %s\n" % network))
    assert (rc, out) == (1, "")
    one_error_line(err)
    assert "invalid network name in %s %r" % (tmp_path / "vmfex.conf", network) in err


# --- 10. sysfs files that are not what the kernel writes --------------------

@pytest.mark.parametrize("address", [b"\xff\xfe\x00\x00", b"00:00:00:00:00:\xe9\n", b""])
def test_an_address_file_that_is_not_text_is_no_zero_mac(tmp_path, address):
    sysfs = vmfex_host(str(tmp_path / "sys"))
    add_pci_nic(sysfs, "eth7", "0000:0b:00.7", ZERO)
    with open(os.path.join(sysfs, "class", "net", "eth7", "address"), "wb") as out:
        out.write(address)
    rc, out, err = run_cli(["define", "--sysfs-root", sysfs, "--dry-run"],
                           conf_env(tmp_path, ""))
    assert rc == 0 and "Traceback" not in err
    assert "found 2 VM-FEX vNIC(s)" in err and "eth7" not in out


def test_an_interface_name_libvirt_cannot_hold_is_not_detected(tmp_path):
    sysfs = vmfex_host(str(tmp_path / "sys"))
    add_pci_nic(sysfs, "eth\x01", "0000:0b:00.8", ZERO)
    rc, out, err = run_cli(["define", "--sysfs-root", sysfs, "--dry-run"],
                           conf_env(tmp_path, ""))
    assert rc == 0 and "Traceback" not in err
    assert "<interface dev=\"eth3\"/>" in out and "eth\x01" not in out


# --- properties: arbitrary arguments, settings files, sysfs ------------------

def run_bytes(args, environ):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env = {k.encode(): v.encode() for k, v in env.items()}
    env.update(environ)
    proc = subprocess.run([sys.executable, "-m", "vdsm_hook_vmfex.pool"] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          cwd=ROOT, timeout=60)
    return (proc.returncode, proc.stdout.decode("utf-8", "backslashreplace"),
            proc.stderr.decode("utf-8", "backslashreplace"))


no_nul = st.binary(max_size=20).map(lambda b: b.replace(b"\0", b""))
values = st.one_of(no_nul, st.sampled_from([b"eth3", b"eth10", b"direct-pool", b"a/b",
                                            b"eth\x01", b"\xff", b"-", b"--", b"",
                                            b"direct%pool", b"%(x)s", b"p\x1b"]))
options = st.lists(st.one_of(
    st.sampled_from([b"--dev", b"--name", b"--dry-run", b"--force", b"--json",
                     b"--sysfs-root", b"--bogus", b"-h"]), values), max_size=6)
# Every lock file stays in the test's directory (LOCKDIR), whatever the rest says.
confs = st.one_of(
    st.just(b"[vmfex]\nlock_file = LOCKDIR/l\n"),
    no_nul.map(lambda b: b + b"\n[vmfex]\nlock_file = LOCKDIR/l\n"),
    st.tuples(st.sampled_from([b"network", b"other"]), values).map(
        lambda kv: b"[vmfex]\n%s = %s\nlock_file = LOCKDIR/l\n" % kv))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from([b"define", b"status", b"remove", b"bogus"]),
       args=options, conf=confs,
       libvirt_uri=st.sampled_from([b"test:///default", b"test:///nonexistent.xml"]),
       uri=st.one_of(st.none(), no_nul.map(lambda b: b"test:///" + b)))
def test_no_arguments_or_settings_make_a_traceback(tmp_path_factory, command, args, conf,
                                                   libvirt_uri, uri):
    tmp = tmp_path_factory.mktemp("pool")
    conf_path = tmp / "vmfex.conf"
    conf_path.write_bytes(conf.replace(b"LOCKDIR", str(tmp).encode()))
    # Only libvirt's test driver is reached (no --uri but test:///...), and no
    # sysfs but the test's is read.
    tail = [b"--sysfs-root", str(tmp / "sys").encode()] if command == b"define" else []
    tail += [b"--uri", uri] if uri is not None else []  # only the test driver
    rc, out, err = run_bytes([command] + args + tail,
                             {b"VMFEX_CONF": str(conf_path).encode(),
                              b"LIBVIRT_DEFAULT_URI": libvirt_uri})
    assert rc in (0, 1, 2)
    assert "Traceback" not in err, err
    if rc == 1:
        assert err.splitlines()[-1].startswith(PREFIX), err


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(address=st.binary(max_size=24), ifname=values)
def test_no_sysfs_content_makes_a_traceback(tmp_path_factory, address, ifname):
    tmp = tmp_path_factory.mktemp("pool")
    sysfs = vmfex_host(str(tmp / "sys"))
    name = os.fsdecode(ifname.replace(b"/", b"_")) or "x"
    if name not in (".", "..") and not os.path.exists(os.path.join(sysfs, "class", "net",
                                                                  name)):
        add_pci_nic(sysfs, name, "0000:0b:00.9", ZERO)
        with open(os.path.join(sysfs, "class", "net", name, "address"), "wb") as out:
            out.write(address)
    (tmp / "empty.conf").write_text("")  # the defaults
    rc, out, err = run_bytes([b"define", b"--dry-run", b"--sysfs-root", sysfs.encode()],
                             {b"VMFEX_CONF": str(tmp / "empty.conf").encode(),
                              b"LIBVIRT_DEFAULT_URI": b"test:///default"})
    assert rc == 0 and "Traceback" not in err, err
    assert "found " in err and "eth3" in out
