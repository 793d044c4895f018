"""The hook run exactly as VDSM runs it: a subprocess, a temp file, env vars."""
import os
import subprocess
import sys
import threading
import time

import pytest
from lxml import etree

from tests.domains import host_node_xml, network_xml
from tests.paths import DATA, ROOT
from tests.virt_helpers import libvirt_schema_errors

B0, B1, OTHER = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1", "00:1a:4a:16:01:57"
MAP = "{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:b1': 'Profile2'}"
VM_ID = "6b1c3f0a-7a4d-4c55-9f0e-1d2b3c4d5e6f"
LAUNCHER = "#!%s\nfrom vdsm_hook_vmfex.hook.main import launch; launch(__file__)\n" % sys.executable


class HookRun(object):
    def __init__(self, proc, path, before):
        self.code = proc.returncode
        self.stderr = proc.stderr.decode()
        self.stdout = proc.stdout.decode()
        with open(path, "rb") as xml:
            self.after = xml.read()
        self.unchanged = self.after == before

    @property
    def root(self):
        return etree.fromstring(self.after)


def lock_path(tmp_path):
    return tmp_path / "run" / "hook-vmfex.lock"


@pytest.fixture
def hook(tmp_path):
    """run(hook_point, xml_bytes, **env) -> HookRun, the way VDSM calls hooks."""
    def run(hook_point, xml, vmfex=MAP, conf=None, launcher=False, **env):
        path = tmp_path / "vdsm-hook-domxml"
        path.write_bytes(xml)
        os.chmod(str(path), 0o640)
        environ = {"PATH": os.environ["PATH"], "PYTHONPATH": ROOT, "vmId": VM_ID,
                   "_hook_domxml": str(path), "VMFEX_CONF": str(tmp_path / "vmfex.conf")}
        (tmp_path / "vmfex.conf").write_text("[vmfex]\nlock_file = %s\n" % lock_path(tmp_path))
        if vmfex is not None:
            environ["vmfex"] = vmfex
        if conf is not None:
            (tmp_path / "vmfex.conf").write_text(conf)
        environ.update(env)
        if launcher:
            script = tmp_path / "hooks" / hook_point / "50_vmfex"
            script.parent.mkdir(parents=True)
            script.write_text(LAUNCHER)
            script.chmod(0o755)
            argv = [str(script)]
        else:
            argv = [sys.executable, "-m", "vdsm_hook_vmfex", hook_point]
        proc = subprocess.run(argv, env=environ, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, cwd=str(tmp_path), timeout=60)
        result = HookRun(proc, path, xml)
        result.dir_entries = sorted(p.name for p in tmp_path.iterdir())
        result.mode = os.stat(str(path)).st_mode & 0o777
        return result
    return run


def sample() -> bytes:
    with open(os.path.join(DATA, "vdsm-domain.xml"), "rb") as xml:
        return xml.read()


def profiles(root):
    return {i.find("mac").get("address").lower(): i.find("virtualport/parameters").get("profileid")
            for i in root.iter("interface") if i.find("virtualport") is not None}


def test_before_vm_start_rewrites_mapped_nics(hook):
    run = hook("before_vm_start", sample())
    assert run.code == 0, run.stderr
    assert profiles(run.root) == {B0: "Profile1", B1: "Profile2"}
    assert run.stderr.splitlines() == [
        "vmfex: VM %s: NIC %s: bridge ovirtmgmt -> network direct-pool, port profile "
        "'Profile1' from the VM map" % (VM_ID, B0),
        "vmfex: VM %s: NIC %s: bridge storage -> network direct-pool, port profile "
        "'Profile2' from the VM map" % (VM_ID, B1)]
    assert run.stdout == ""
    assert libvirt_schema_errors(run.after.decode(), "domain") == ""


def test_file_is_replaced_atomically_keeping_its_mode(hook):
    run = hook("before_vm_start", sample())
    assert run.code == 0
    assert run.mode == 0o640
    assert not [name for name in run.dir_entries if name.startswith(".vmfex-")]


def test_installed_launcher_takes_the_hook_point_from_its_directory(hook):
    run = hook("before_vm_start", sample(), launcher=True)
    assert run.code == 0, run.stderr
    assert profiles(run.root) == {B0: "Profile1", B1: "Profile2"}


def test_second_run_changes_nothing(hook, tmp_path):
    first = hook("before_vm_start", sample())
    second = hook("before_vm_start", first.after)
    assert second.code == 0 and second.unchanged
    assert "(already set)" in second.stderr


@pytest.mark.parametrize("vmfex", [None, "", "  ", "{}"])
def test_no_map_means_no_change(hook, vmfex):
    run = hook("before_vm_start", sample(), vmfex=vmfex)
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
def test_bad_map_exits_2_and_leaves_the_file_byte_identical(hook, vmfex, message):
    run = hook("before_vm_start", sample(), vmfex=vmfex)
    assert run.code == 2
    assert run.unchanged
    assert run.stderr.startswith("vmfex: custom property vmfex=")
    assert message in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1


def test_mapped_hostdev_nic_stops_the_start(hook):
    xml = sample().replace(b'<interface type="bridge">\n      <mac address="00:1A',
                           b'<interface type="hostdev">\n      <mac address="00:1A')
    run = hook("before_vm_start", xml)
    assert run.code == 2 and run.unchanged
    assert "NIC 00:1a:4a:16:01:b1 has type 'hostdev'" in run.stderr


def test_malformed_xml_exits_2_untouched(hook):
    run = hook("before_vm_start", b"<domain><devices><interface type='bridge'/></devices>")
    assert run.code == 2 and run.unchanged
    assert "domain XML is not well-formed" in run.stderr


def test_missing_hook_file_variable_exits_2(hook):
    run = hook("before_vm_start", sample(), _hook_domxml="")
    assert run.code == 2 and "$_hook_domxml is not set" in run.stderr


def test_unknown_hook_point_exits_2(hook):
    run = hook("after_vm_start", sample())
    assert run.code == 2 and "unknown hook point 'after_vm_start'" in run.stderr


def test_mac_missing_from_the_vm_is_a_warning(hook):
    run = hook("before_vm_start", sample(),
               vmfex="{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:ff': 'Spare'}")
    assert run.code == 0
    assert ("vmfex: VM %s: warning: MAC 00:1a:4a:16:01:ff (profile 'Spare') is not a NIC "
            "of this VM; nothing to do for it now" % VM_ID) in run.stderr.splitlines()


def test_nic_hotplug_rewrites_the_single_interface(hook):
    iface = etree.fromstring(sample()).find("devices/interface")
    run = hook("before_nic_hotplug", etree.tostring(iface))
    assert run.code == 0, run.stderr
    assert run.root.tag == "interface" and run.root.get("type") == "network"
    assert profiles(run.root) == {B0: "Profile1"}
    assert "warning" not in run.stderr  # the VM's other NICs are not this NIC


def test_nic_hotplug_of_an_unmapped_nic_is_left_alone(hook):
    ifaces = etree.fromstring(sample()).findall("devices/interface")
    run = hook("before_nic_hotplug", etree.tostring(ifaces[2]))
    assert (run.code, run.unchanged) == (0, True)
    assert run.stderr.startswith("vmfex: VM %s: NIC %s is not in the VM's vmfex map: left "
                                 "as it is." % (VM_ID, OTHER))
    assert "vmfex-engine convert" in run.stderr and len(run.stderr.splitlines()) == 1


def test_network_name_comes_from_the_config_file(hook):
    run = hook("before_vm_start", sample(), conf="[vmfex]\nnetwork = vmfex-pool-2\n")
    assert run.code == 0
    assert {s.get("network") for s in run.root.iter("source")} >= {"vmfex-pool-2"}


@pytest.mark.parametrize("conf, message", [
    ("[vmfex]\nnetwork = a/b\n", "invalid network name in"),
    ("network = x\n", "is not a valid INI file"),
])
def test_bad_config_exits_2_untouched(hook, conf, message):
    run = hook("before_vm_start", sample(), conf=conf)
    assert run.code == 2 and run.unchanged and message in run.stderr


# --- migration destination: the host must be able to serve the VM ----------

def node_file(tmp_path, body):
    path = tmp_path / "host.xml"
    path.write_text(body)
    return "test://%s" % path


def test_migration_destination_with_ready_network_passes(hook, tmp_path):
    uri = node_file(tmp_path, host_node_xml(running_domains=3, devices=4))
    run = hook("before_vm_migrate_destination", sample(), LIBVIRT_DEFAULT_URI=uri)
    assert run.code == 0, run.stderr
    assert run.unchanged
    assert "network direct-pool ready for 2 VM-FEX NIC(s)" in run.stderr


def test_migration_destination_without_network_is_refused(hook, tmp_path):
    uri = node_file(tmp_path, host_node_xml(networks=[network_xml("other")]))
    run = hook("before_vm_migrate_destination", sample(), LIBVIRT_DEFAULT_URI=uri)
    assert run.code == 2 and run.unchanged
    assert run.stderr.strip() == (
        "vmfex: libvirt network 'direct-pool' is not defined on this host: "
        "run 'vmfex-direct-pool define' on this host")


def test_migration_destination_with_a_non_passthrough_network_is_refused(hook, tmp_path):
    uri = node_file(tmp_path, host_node_xml(networks=[network_xml(mode="bridge")]))
    run = hook("before_vm_migrate_destination", sample(), LIBVIRT_DEFAULT_URI=uri)
    assert run.code == 2
    assert "has forward mode 'bridge', expected 'passthrough'" in run.stderr


def test_migration_destination_without_mapped_nics_skips_libvirt(hook):
    run = hook("before_vm_migrate_destination", sample(),
               vmfex="{'00:1a:4a:16:01:ff': 'Spare'}",
               LIBVIRT_DEFAULT_URI="test:///nonexistent/host.xml")
    assert (run.code, run.stderr) == (0, "")


def test_migration_check_waits_for_a_running_define(hook, tmp_path):
    """`vmfex-direct-pool define` holds the lock while it redefines the network."""
    from vdsm_hook_vmfex.hook.lock import hold_lock

    uri = node_file(tmp_path, host_node_xml(devices=2))
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
    run = hook("before_vm_migrate_destination", sample(), LIBVIRT_DEFAULT_URI=uri)
    waited = time.monotonic() - start
    holder.join()
    assert run.code == 0, run.stderr
    assert "waiting for lock" in run.stderr
    assert waited >= 0.45  # it cannot have finished before the lock was released
