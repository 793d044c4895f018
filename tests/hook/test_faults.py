"""Bad input and faults at the hook (issue 10): one clear `vmfex:` line,
exit 2, the XML byte-identical; never a traceback for a user or environment
error. Run as VDSM runs the hook (tests.hook.runner)."""
import contextlib
import errno
import os
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.hook.runner import MAP, VM_MAP, run_hook, sample
from vdsm_hook_vmfex.hook import domxml, main

B0 = "00:1a:4a:16:01:b0"


def sources(xml: bytes) -> set:
    return {s.get("network") for s in etree.fromstring(xml).iter("source")
            if s.get("network")}


# --- 8. vmfex.conf holds plain values ---------------------------------------

@pytest.mark.parametrize("network", ["direct%pool", "%(x)s", "pool%%2"])
def test_percent_in_the_config_file_is_a_plain_character(tmp_path, network):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP,
                   conf="[vmfex]\nnetwork = %s\nlock_file = /x/y.lock\n" % network)
    assert run.code == 0, run.stderr
    run.assert_clean_output()
    assert network in sources(run.after)


# --- 9. control characters in names -----------------------------------------

@pytest.mark.parametrize("network", ["direct\x01pool", "direct\x00pool", "a\x1bb",
                                     "pool\x7f", "in\tside"])
def test_control_characters_in_the_network_name_are_one_line(tmp_path, network):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP,
                   conf="[vmfex]\nnetwork = %s\n" % network)
    run.assert_refused()
    assert run.stderr == (
        "vmfex: invalid network name in %s %r: expected a libvirt network name (not "
        "empty, no '/', no control characters, no surrounding spaces)\n"
        % (tmp_path / "vmfex.conf", network))


def test_a_lock_file_with_a_nul_byte_is_refused_by_name(tmp_path):
    run = run_hook(tmp_path, "before_vm_migrate_destination", sample(), VM_MAP,
                   conf="[vmfex]\nlock_file = /run/a\x00b\n")
    run.assert_refused()
    assert "invalid lock_file '/run/a\\x00b' in " in run.stderr


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP,
                   conf=b"[vmfex]\nnetwork = caf\xe9\n")
    run.assert_refused()
    assert run.stderr.startswith("vmfex: cannot read %s: 'utf-8' codec can't decode"
                                 % (tmp_path / "vmfex.conf"))


def test_a_config_path_that_cannot_be_read_is_one_line(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP, VMFEX_CONF=str(tmp_path))
    run.assert_refused()
    assert run.stderr == "vmfex: cannot read %s: Is a directory\n" % tmp_path


# --- 11. every line starts with vmfex: --------------------------------------

def test_a_multi_line_libxml2_error_is_one_prefixed_line(tmp_path):
    xml = sample().replace(b"<name>", b"<name>caf\xe9 ", 1)  # Latin-1 in a UTF-8 file
    assert xml != sample()
    run = run_hook(tmp_path, "before_vm_start", xml, VM_MAP)
    run.assert_refused()
    assert len(run.stderr.splitlines()) == 1
    assert run.stderr.startswith("vmfex: domain XML is not well-formed: Input is not "
                                 "proper UTF-8")
    assert "Bytes: 0xE9" in run.stderr


def test_every_line_of_a_multi_line_message_is_prefixed(capsys):
    main._say("first\nsecond\r\nthird")
    assert capsys.readouterr().err == "vmfex: first\nvmfex: second\nvmfex: third\n"


def test_an_internal_bug_says_so_then_prints_a_prefixed_traceback(tmp_path, capsys,
                                                                 monkeypatch):
    def broken(*_args):
        raise RuntimeError("a bug")
    monkeypatch.setattr(domxml, "attach_port_profiles", broken)
    path = tmp_path / "domxml"
    path.write_bytes(sample())
    (tmp_path / "empty.conf").write_text("")  # the defaults
    code = main.run("before_vm_start", {"vmfex": MAP, "_hook_domxml": str(path),
                                        "VMFEX_CONF": str(tmp_path / "empty.conf")})
    err = capsys.readouterr().err
    assert code == 2 and path.read_bytes() == sample()
    lines = err.splitlines()
    assert lines[0] == ("vmfex: internal error (a bug in the vmfex hook, please report "
                        "it), refusing to go on: RuntimeError('a bug')")
    assert lines[1] == "vmfex: Traceback (most recent call last):"
    assert all(line.startswith("vmfex: ") for line in lines)


# --- 12. only the parser's own spaces are "empty" ---------------------------

@pytest.mark.parametrize("vmfex", ["\u00a0", "\x0b", "\u3000", " \u00a0 ", "\x0c",
                                   "\x1c", "\u2028", "\x85"])
def test_a_value_of_unicode_whitespace_goes_to_the_parser(tmp_path, vmfex):
    run = run_hook(tmp_path, "before_vm_start", sample(), {"vmfex": vmfex})
    run.assert_refused()
    assert run.stderr.startswith("vmfex: custom property vmfex=%r: invalid map"
                                 % vmfex)
    assert len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize("vmfex", ["", " ", " \t\r\n ", "\n{}\n"])
def test_the_parsers_own_spaces_are_empty(tmp_path, vmfex):
    run = run_hook(tmp_path, "before_vm_start", sample(), {"vmfex": vmfex})
    assert (run.code, run.unchanged, run.stderr) == (0, True, "")


# --- 13. NUL bytes ----------------------------------------------------------

@pytest.mark.parametrize("xml", [sample() + b"\0", sample() + b"\0<extra/>",
                                 sample().rstrip() + b"\0\n",
                                 sample().replace(b"</devices>", b"\0</devices>")])
def test_a_nul_byte_anywhere_is_refused(tmp_path, xml):
    run = run_hook(tmp_path, "before_vm_start", xml, VM_MAP)
    run.assert_refused()
    assert run.stderr == ("vmfex: domain XML holds a NUL byte at byte %d of %d: "
                          "expected UTF-8 XML text\n" % (xml.index(b"\0") + 1, len(xml)))


def test_a_dtd_with_an_internal_entity_is_refused_at_every_point(tmp_path):
    # The entity would be kept unexpanded and the DOCTYPE dropped: the file
    # written back would not be well-formed.
    declaration, rest = sample().split(b"\n", 1)
    assert declaration.startswith(b"<?xml")
    domain = (declaration + b'\n<!DOCTYPE domain [<!ENTITY m "x">]>\n'
              + rest.replace(b"<name>", b"<name>&m;", 1))
    iface = b'<!DOCTYPE interface [<!ENTITY m "x">]>\n' + etree.tostring(
        etree.fromstring(sample()).find("devices/interface"))
    for point, xml in [("before_vm_start", domain), ("before_vm_migrate_destination", domain),
                       ("before_nic_hotplug", iface), ("before_device_create", iface)]:
        run = run_hook(tmp_path, point, xml, VM_MAP)
        run.assert_refused()
        assert run.stderr == ("vmfex: domain XML has a document type declaration "
                              "(<!DOCTYPE ...>): expected XML without a DTD, as VDSM "
                              "sends it\n"), point


def test_a_nul_byte_is_refused_at_hotplug_and_migration_too(tmp_path):
    iface = etree.tostring(etree.fromstring(sample()).find("devices/interface"))
    run_hook(tmp_path, "before_nic_hotplug", iface + b"\0", VM_MAP).assert_refused()
    run_hook(tmp_path, "before_vm_migrate_destination", sample() + b"\0", VM_MAP,
             LIBVIRT_DEFAULT_URI="test:///default").assert_refused()


# --- 14. a full disk names the file -----------------------------------------

@contextlib.contextmanager
def small_tmpfs(directory, size="64k"):
    """A private tmpfs of `size` at `directory`, unmounted afterwards."""
    os.makedirs(str(directory))
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size,
                           "tmpfs", str(directory)], stderr=subprocess.PIPE)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (root needed): %s" % proc.stderr.decode())
    try:
        yield str(directory)
    finally:
        subprocess.run(["umount", str(directory)], check=True)


def fill(directory):
    """Write to `directory` until the file system is full."""
    with open(os.path.join(directory, "filler"), "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError as err:
            assert err.errno == errno.ENOSPC
        while True:  # the last partial block
            try:
                filler.write(b"\0")
            except OSError:
                break


def test_a_full_disk_names_the_file_and_leaves_it_unchanged(tmp_path):
    with small_tmpfs(tmp_path / "full") as full:
        path = os.path.join(full, "vdsm-hook-domxml")
        with open(path, "wb") as xml:
            xml.write(sample())
        fill(full)
        run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP, xml_dir=full)
        run.assert_refused()
        assert run.stderr == (
            "vmfex: cannot write {0} (through the temporary file {1}/.vmfex-{2}-"
            "vdsm-hook-domxml.tmp): No space left on device; {0} is unchanged\n"
            .format(path, full, run.stderr.split(".vmfex-")[1].split("-")[0]))


# --- properties: whatever VDSM or an administrator hands the hook -----------

HOOK_POINTS = list(main.HOOK_POINTS)
no_nul = st.binary(max_size=40).map(lambda b: b.replace(b"\0", b""))
map_values = st.one_of(
    st.just(MAP.encode()), no_nul,
    st.text(max_size=30).map(lambda t: t.replace("\0", "").encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(["{", "}", "'", '"', ":", ",", " ", "\u00a0", "\x0b", B0,
                              "Profile1", "00-1A-4A-16-01-B0", "\n", "\\"]),
             max_size=12).map(lambda parts: "".join(parts).encode()))
# Every lock file stays in the test's directory: LOCKDIR is replaced by it, a
# generated lock_file value is relative (refused), and no line break in a
# generated value can start another setting.
one_line = st.text(max_size=12).map(lambda t: t.replace("\n", "").replace("\r", ""))
conf_values = st.one_of(
    st.none(),
    no_nul.map(lambda b: b + b"\n[vmfex]\nlock_file = LOCKDIR/vmfex.lock\n"),
    st.tuples(st.sampled_from(["network", "lock_file", "other", "[vmfex]"]),
              one_line).map(
        lambda kv: ("[vmfex]\n%s = %s%s\nlock_file = LOCKDIR/vmfex.lock\n"
                    % (kv[0], "run/" if kv[0] == "lock_file" else "", kv[1])
                    ).encode("utf-8", "surrogatepass")))


@st.composite
def hook_xml(draw):
    xml = sample()
    cut = draw(st.integers(0, len(xml)))
    action = draw(st.sampled_from(["keep", "truncate", "insert", "replace"]))
    junk = draw(st.binary(min_size=1, max_size=4))
    if action == "truncate":
        return xml[:cut]
    if action == "insert":
        return xml[:cut] + junk + xml[cut:]
    if action == "replace":
        return xml[:cut] + junk + xml[cut + len(junk):]
    return xml


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(point=st.sampled_from(HOOK_POINTS), xml=hook_xml(), vmfex=map_values,
       conf=conf_values, vm_id=no_nul)
def test_no_input_makes_a_traceback_or_changes_a_refused_file(tmp_path_factory, point,
                                                               xml, vmfex, conf, vm_id):
    workdir = tmp_path_factory.mktemp("hook")
    conf = (conf or b"[vmfex]\nlock_file = LOCKDIR/vmfex.lock\n").replace(
        b"LOCKDIR", str(workdir).encode())
    run = run_hook(workdir, point, xml, {"vmfex": vmfex}, conf=conf, vm_id=vm_id,
                   LIBVIRT_DEFAULT_URI="test:///default")
    assert run.code in (0, 2)
    run.assert_clean_output()
    assert not run.leftovers
    if run.code != 0 or point.endswith("migrate_destination"):
        assert run.unchanged
    elif not run.unchanged:
        etree.fromstring(run.after)  # what the hook writes is XML



# --- Python 3.6 under LANG=C: every output of the hook survives -------------

ASCII_LOCALE = {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}


def test_non_ascii_names_are_escaped_not_a_traceback_under_an_ascii_locale(tmp_path):
    conf = "[vmfex]\nnetwork = caf\u00e9-pool\nlock_file = %s\nnetwrok = \u00e9\n" % (
        tmp_path / "lock")
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP, conf=conf.encode(),
                   **ASCII_LOCALE)
    assert run.code == 0, run.stderr
    run.assert_clean_output()
    assert "in [vmfex] of" in run.stderr  # the warning about 'netwrok'
    assert "-> network caf\\xe9-pool, port profile 'Profile1'" in run.stderr
    run = run_hook(tmp_path, "before_vm_start", sample(),
                   {"vmfex": "{'00:1a:4a:16:01:b0': 'Caf\u00e9 \u30a6'}"}, **ASCII_LOCALE)
    run.assert_refused()
    # The environment is decoded as ASCII there: the bytes show as escapes.
    assert "invalid port profile 'Caf\\udcc3\\udca9 \\udce3\\udc82\\udca6'" in run.stderr
    assert len(run.stderr.splitlines()) == 1
