"""The hook run exactly as VDSM runs it: a subprocess, a temp file, env vars."""
import os
import subprocess
import sys
import threading
import time

import pytest
from lxml import etree

from tests.domains import host_node_xml, network_xml
from tests.hook.runner import VM_ID, VM_MAP, lock_path, node_uri, run_hook, sample
from tests.hung_libvirt import hung_libvirtd
from tests.paths import ROOT
from tests.virt_helpers import libvirt_schema_errors

B0, B1, OTHER = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1", "00:1a:4a:16:01:57"
LAUNCHER = "#!%s\nfrom vdsm_hook_vmfex.hook.main import launch; launch(__file__)\n" % sys.executable


def launcher(tmp_path, hook_point: str) -> str:
    """An installed-style launcher in tmp_path/hooks/HOOK_POINT/50_vmfex."""
    script = tmp_path / "hooks" / hook_point / "50_vmfex"
    script.parent.mkdir(parents=True)
    script.write_text(LAUNCHER)
    script.chmod(0o755)
    return str(script)


def profiles(root):
    return {i.find("mac").get("address").lower(): i.find("virtualport/parameters").get("profileid")
            for i in root.iter("interface") if i.find("virtualport") is not None}


def test_before_vm_start_rewrites_mapped_nics(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP)
    assert run.code == 0, run.stderr
    assert profiles(run.root) == {B0: "Profile1", B1: "Profile2"}
    assert run.stderr.splitlines() == [
        "vmfex: VM %s: NIC %s: bridge ovirtmgmt -> network direct-pool, port profile "
        "'Profile1' from the VM map" % (VM_ID, B0),
        "vmfex: VM %s: NIC %s: bridge storage -> network direct-pool, port profile "
        "'Profile2' from the VM map" % (VM_ID, B1)]
    assert run.stdout == ""
    assert libvirt_schema_errors(run.after.decode(), "domain") == ""


def test_file_is_replaced_atomically_keeping_its_mode(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP, mode=0o640)
    assert run.code == 0 and not run.unchanged
    assert run.mode == 0o640
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith(".vmfex-")]


def test_installed_launcher_takes_the_hook_point_from_its_directory(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP,
                   command=[launcher(tmp_path, "before_vm_start")])
    assert run.code == 0, run.stderr
    assert profiles(run.root) == {B0: "Profile1", B1: "Profile2"}


def test_second_run_changes_nothing(tmp_path):
    first = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP)
    second = run_hook(tmp_path, "before_vm_start", first.after, VM_MAP)
    assert second.code == 0 and second.unchanged
    assert "(already set)" in second.stderr


@pytest.mark.parametrize("vmfex", [None, "", "  ", "{}"])
def test_no_map_means_no_change(tmp_path, vmfex):
    run = run_hook(tmp_path, "before_vm_start", sample(),
                   vm_custom={} if vmfex is None else {"vmfex": vmfex})
    assert (run.code, run.unchanged, run.stderr) == (0, True, "")


def test_no_map_path_imports_neither_lxml_nor_libvirt():
    code = ("import sys; sys.path.insert(0, %r);" % ROOT +
            "from vdsm_hook_vmfex.hook.main import run;"
            "rc = run('before_vm_start', {'_hook_domxml': '/nonexistent'});"
            "print(rc, sorted(m for m in ('lxml', 'libvirt', 'typing', 'configparser',"
            " 'tempfile') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-I", "-c", code], cwd=ROOT,
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    assert out.strip() == "0 []"


@pytest.mark.parametrize("vmfex, message", [
    ("{'00:11:22:33:44:55:66': 'Profile1'}",
     "invalid MAC '00:11:22:33:44:55:66': expected 6 octets, found 7"),
    ("{'00:1a:4a:16:01:b0': 'Pro/file'}", "invalid port profile 'Pro/file'"),
    ("Profile1", "expected '{' opening a map"),
    ("{'00:1a:4a:16:01:b0': 'P1', '00:1A:4A:16:01:B0': 'P2'}", "mapped twice"),
    ("{'00:1a:4a:16:01:b0': 'P1'", "expected ',' or '}'"),
])
def test_bad_map_exits_2_and_leaves_the_file_byte_identical(tmp_path, vmfex, message):
    run = run_hook(tmp_path, "before_vm_start", sample(), {"vmfex": vmfex})
    assert run.code == 2
    assert run.unchanged
    assert run.stderr.startswith("vmfex: custom property vmfex=")
    assert message in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1


def test_mapped_hostdev_nic_stops_the_start(tmp_path):
    xml = sample().replace(b'<interface type="bridge">\n      <mac address="00:1A',
                           b'<interface type="hostdev">\n      <mac address="00:1A')
    run = run_hook(tmp_path, "before_vm_start", xml, VM_MAP)
    assert run.code == 2 and run.unchanged
    assert "NIC 00:1a:4a:16:01:b1 has type 'hostdev'" in run.stderr


def test_malformed_xml_exits_2_untouched(tmp_path):
    run = run_hook(tmp_path, "before_vm_start",
                   b"<domain><devices><interface type='bridge'/></devices>", VM_MAP)
    assert run.code == 2 and run.unchanged
    assert "domain XML is not well-formed" in run.stderr


def test_missing_hook_file_variable_exits_2(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP, domxml_env=False)
    assert run.code == 2 and "$_hook_domxml is not set" in run.stderr


def test_unknown_hook_point_exits_2(tmp_path):
    run = run_hook(tmp_path, "after_vm_start", sample(), VM_MAP)
    assert run.code == 2 and "unknown hook point 'after_vm_start'" in run.stderr


def test_mac_missing_from_the_vm_is_a_warning(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), {
        "vmfex": "{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:ff': 'Spare'}"})
    assert run.code == 0
    assert ("vmfex: VM %s: warning: MAC 00:1a:4a:16:01:ff (profile 'Spare') is not a NIC "
            "of this VM; nothing to do for it now" % VM_ID) in run.stderr.splitlines()


def test_nic_hotplug_rewrites_the_single_interface(tmp_path):
    iface = etree.fromstring(sample()).find("devices/interface")
    run = run_hook(tmp_path, "before_nic_hotplug", etree.tostring(iface), VM_MAP)
    assert run.code == 0, run.stderr
    assert run.root.tag == "interface" and run.root.get("type") == "network"
    assert profiles(run.root) == {B0: "Profile1"}
    assert "warning" not in run.stderr  # the VM's other NICs are not this NIC


def test_nic_hotplug_of_an_unmapped_nic_is_left_alone(tmp_path):
    ifaces = etree.fromstring(sample()).findall("devices/interface")
    run = run_hook(tmp_path, "before_nic_hotplug", etree.tostring(ifaces[2]), VM_MAP)
    assert (run.code, run.unchanged) == (0, True)
    assert run.stderr.startswith("vmfex: VM %s: NIC %s is not in the VM's vmfex map: left "
                                 "as it is." % (VM_ID, OTHER))
    assert "vmfex-engine convert" in run.stderr and len(run.stderr.splitlines()) == 1


def test_network_name_comes_from_the_config_file(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP,
                   conf="[vmfex]\nnetwork = vmfex-pool-2\n")
    assert run.code == 0
    assert {s.get("network") for s in run.root.iter("source")} >= {"vmfex-pool-2"}


@pytest.mark.parametrize("conf, message", [
    ("[vmfex]\nnetwork = a/b\n", "invalid network name in"),
    ("network = x\n", "is not a valid INI file"),
])
def test_bad_config_exits_2_untouched(tmp_path, conf, message):
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP, conf=conf)
    assert run.code == 2 and run.unchanged and message in run.stderr


def test_a_typo_in_the_config_file_is_named_and_the_start_goes_on(tmp_path):
    # Refusing would fail every VM-FEX start on the host for an optional
    # setting; saying nothing would hide it: a warning in vdsm.log each run.
    conf = "[vmfex]\nlock_file = %s\nnetwrok = vmfex-pool-2\n" % lock_path(tmp_path)
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP, conf=conf)
    assert run.code == 0, run.stderr
    run.assert_clean_output()
    lines = run.stderr.splitlines()
    assert lines[0] == (
        "vmfex: warning: unknown setting 'netwrok' in [vmfex] of %s (did you mean "
        "'network'?): expected one of network, lock_file, libvirt_timeout; ignored"
        % (tmp_path / "vmfex.conf"))
    assert profiles(run.root) == {B0: "Profile1", B1: "Profile2"}
    assert {s.get("network") for s in run.root.iter("source")} >= {"direct-pool"}


def test_vmfex_conf_naming_no_file_is_named_and_the_start_goes_on(tmp_path):
    missing = str(tmp_path / "no-such.conf")
    run = run_hook(tmp_path, "before_vm_start", sample(), VM_MAP, VMFEX_CONF=missing)
    assert run.code == 0, run.stderr
    assert run.stderr.splitlines()[0] == (
        "vmfex: warning: VMFEX_CONF=%s names no file: expected an existing settings "
        "file, or VMFEX_CONF unset for /etc/vdsm/vmfex.conf; using the defaults" % missing)


def test_without_mapped_nics_the_config_file_is_not_read(tmp_path):
    run = run_hook(tmp_path, "before_vm_start", sample(), {"vmfex": "{}"},
                   conf="[vmfex]\nnetwrok = x\n")
    assert (run.code, run.stderr, run.unchanged) == (0, "", True)


# --- migration destination: the host must be able to serve the VM ----------

def test_migration_destination_with_ready_network_passes(tmp_path):
    uri = node_uri(tmp_path, host_node_xml(running_domains=3, devices=4))
    run = run_hook(tmp_path, "before_vm_migrate_destination", sample(), VM_MAP,
                   LIBVIRT_DEFAULT_URI=uri)
    assert run.code == 0, run.stderr
    assert run.unchanged
    assert "network direct-pool ready for 2 VM-FEX NIC(s)" in run.stderr


def test_migration_destination_without_network_is_refused(tmp_path):
    uri = node_uri(tmp_path, host_node_xml(networks=[network_xml("other")]))
    run = run_hook(tmp_path, "before_vm_migrate_destination", sample(), VM_MAP,
                   LIBVIRT_DEFAULT_URI=uri)
    assert run.code == 2 and run.unchanged
    assert run.stderr.strip() == (
        "vmfex: libvirt network 'direct-pool' is not defined on this host: "
        "run 'vmfex-direct-pool define' on this host")


def test_migration_destination_with_a_hung_libvirtd_is_refused_in_bound(tmp_path):
    conf = "[vmfex]\nlock_file = %s\nlibvirt_timeout = 1\n" % lock_path(tmp_path)
    with hung_libvirtd() as uri:
        run = run_hook(tmp_path, "before_vm_migrate_destination", sample(), VM_MAP,
                       conf=conf, LIBVIRT_DEFAULT_URI=uri)
    run.assert_refused()
    assert run.stderr == (
        "vmfex: libvirt did not answer within 1 s while connecting and reading network "
        "'direct-pool': check libvirtd on this host (systemctl status libvirtd)\n")


def test_migration_destination_with_a_non_passthrough_network_is_refused(tmp_path):
    uri = node_uri(tmp_path, host_node_xml(networks=[network_xml(mode="bridge")]))
    run = run_hook(tmp_path, "before_vm_migrate_destination", sample(), VM_MAP,
                   LIBVIRT_DEFAULT_URI=uri)
    assert run.code == 2
    assert "has forward mode 'bridge', expected 'passthrough'" in run.stderr


def test_migration_destination_without_mapped_nics_skips_libvirt(tmp_path):
    run = run_hook(tmp_path, "before_vm_migrate_destination", sample(),
                   {"vmfex": "{'00:1a:4a:16:01:ff': 'Spare'}"},
                   LIBVIRT_DEFAULT_URI="test:///nonexistent/host.xml")
    assert (run.code, run.stderr) == (0, "")


def test_migration_check_waits_for_a_running_define(tmp_path):
    """`vmfex-direct-pool define` holds the lock while it redefines the network."""
    from vdsm_hook_vmfex.host.lock import hold_lock

    uri = node_uri(tmp_path, host_node_xml(devices=2))
    release = threading.Event()

    def hold():
        with hold_lock(str(lock_path(tmp_path))):
            held.set()
            release.wait(10)

    held = threading.Event()
    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    timer = threading.Timer(0.5, release.set)
    timer.start()
    start = time.monotonic()
    run = run_hook(tmp_path, "before_vm_migrate_destination", sample(), VM_MAP,
                   LIBVIRT_DEFAULT_URI=uri)
    waited = time.monotonic() - start
    holder.join()
    assert run.code == 0, run.stderr
    assert "waiting for lock" in run.stderr
    assert waited >= 0.45  # it cannot have finished before the lock was released
