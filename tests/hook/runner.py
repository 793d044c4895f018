"""Run the hook in a subprocess the way VDSM's hooks._runHooksDir does.

The XML goes to a temp file named by $_hook_domxml (mode 0600, as
tempfile.mkstemp makes it); the environment is the daemon's, updated first
with the device's custom properties, then with the VM's (so a VM `vmfex`
hides a device `vmfex`), then vmId and $_hook_domxml. The one way tests/hook
and tests/packaging run the hook.
"""
import os
import subprocess
import sys

from lxml import etree

from tests.paths import DATA, ROOT

VM_ID = "6b1c3f0a-7a4d-4c55-9f0e-1d2b3c4d5e6f"
MAP = "{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:b1': 'Profile2'}"
VM_MAP = {"vmfex": MAP}  # the VM custom properties of a VM with the map above
HOOK_COMMAND = [sys.executable, "-m", "vdsm_hook_vmfex"]
XML_NAME = "vdsm-hook-domxml"
MD = "{http://ovirt.org/vm/1.0}"


def sample(name: str = "vdsm-domain.xml") -> bytes:
    """A VDSM domain XML of tests/data; the default: a VM with the MACs of
    MAP and a third NIC."""
    with open(os.path.join(DATA, name), "rb") as xml:
        return xml.read()


def lock_path(workdir) -> str:
    """The lock file the default vmfex.conf of run_hook points to."""
    return os.path.join(str(workdir), "run", "hook-vmfex.lock")


def node_uri(workdir, body: str) -> str:
    """The URI of a libvirt test-driver node file holding `body`, written in
    `workdir`: the host a hook run (LIBVIRT_DEFAULT_URI) or a test connects to."""
    path = os.path.join(str(workdir), "host.xml")
    with open(path, "w") as node:
        node.write(body)
    return "test://%s" % path


def _b(value) -> bytes:
    # Values may be bytes (whatever VDSM or an administrator hands over);
    # str keys and values are encoded as the OS encodes an environment.
    return os.fsencode(value)


def vdsm_environ(daemon: dict, device_custom: dict, vm_custom: dict,
                 xml_path: "str | None", vm_id) -> dict:
    """The environment VDSM gives a hook: daemon, then device properties,
    then VM properties, then vmId and $_hook_domxml (None: left out)."""
    environ = {}
    for layer in (daemon, device_custom, vm_custom):
        environ.update((_b(key), _b(value)) for key, value in layer.items())
    if vm_id is not None:
        environ[b"vmId"] = _b(vm_id)
    if xml_path is not None:
        environ[b"_hook_domxml"] = _b(xml_path)
    return environ


class HookRun(object):
    """Exit code, output and the XML file after one run of the hook."""

    def __init__(self, proc: subprocess.CompletedProcess, path: str, before: bytes) -> None:
        self.code = proc.returncode
        self.stderr = proc.stderr.decode("utf-8", "backslashreplace")
        self.stdout = proc.stdout.decode("utf-8", "backslashreplace")
        self.before = before
        with open(path, "rb") as xml:
            self.after = xml.read()
        self.unchanged = self.after == before
        self.mode = os.stat(path).st_mode & 0o777
        self.leftovers = sorted(name for name in os.listdir(os.path.dirname(path))
                                if name.startswith(".vmfex-"))

    @property
    def root(self):
        return etree.fromstring(self.after)

    def assert_refused(self) -> None:
        """Exit 2, XML byte-identical, no temp file, every line prefixed, no traceback."""
        assert self.code == 2, self.stderr
        assert self.unchanged and not self.leftovers
        self.assert_clean_output()

    def assert_clean_output(self) -> None:
        assert "Traceback" not in self.stderr, self.stderr
        assert self.stdout == ""
        lines = self.stderr.splitlines()
        assert all(line.startswith("vmfex: ") for line in lines), self.stderr


def run_hook(workdir, hook_point: str, xml: bytes, vm_custom: "dict | None" = None,
             device_custom: "dict | None" = None, conf=None, xml_dir=None,
             command: "list | None" = None, daemon: "dict | None" = None,
             vm_id=VM_ID, domxml_env: bool = True, mode: int = 0o600,
             **daemon_env) -> HookRun:
    """Run the hook at `hook_point` on `xml`, as VDSM would.

    `vm_custom`/`device_custom`: custom properties (str or bytes values);
    `conf`: vmfex.conf (str or bytes; None: the default network and a lock
    file under `workdir`); `xml_dir`: where the XML file goes (default
    `workdir`); `command`: argv (default `python3 -m vdsm_hook_vmfex
    HOOK_POINT`, an installed launcher takes the point from its directory);
    `daemon`: the daemon's environment before `daemon_env` (default: PATH,
    this checkout on PYTHONPATH, LIBVIRT_DEFAULT_URI of a host that does not
    exist); `vm_id`/`domxml_env`: None/False leave vmId/$_hook_domxml out.
    """
    workdir = str(workdir)
    path = os.path.join(str(xml_dir or workdir), XML_NAME)
    with open(path, "wb") as out:
        out.write(xml)
    os.chmod(path, mode)
    conf_path = os.path.join(workdir, "vmfex.conf")
    if conf is None:
        conf = "[vmfex]\nlock_file = %s\n" % lock_path(workdir)
    with open(conf_path, "wb") as out:
        out.write(_b(conf))
    environ = dict(daemon if daemon is not None else {
        "PATH": os.environ["PATH"], "PYTHONPATH": ROOT,
        # Never the machine's libvirtd: tests that need libvirt name a node file.
        "LIBVIRT_DEFAULT_URI": "test:///nonexistent/host.xml"})
    environ["VMFEX_CONF"] = conf_path
    environ.update(daemon_env)
    environ = vdsm_environ(environ, device_custom or {}, vm_custom or {},
                           path if domxml_env else None, vm_id)
    argv = command or HOOK_COMMAND + [hook_point]
    proc = subprocess.run(argv, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=workdir, timeout=60)
    return HookRun(proc, path, xml)


def vdsm_start(tmp_path, domain: bytes, vm_custom: dict) -> list:
    """VDSM's VM start: domxml_preprocess.replace_device_xml_with_hooks_xml runs
    before_device_create for each device with custom properties in the metadata
    and appends its output at the end of <devices>; then before_vm_start runs on
    the whole domain. Returns the HookRuns, the last one holding the final XML."""
    root = etree.fromstring(domain)
    devices = root.find("devices")
    customs = {d.get("mac_address").lower(): {c.tag[len(MD):]: c.text or ""
                                              for c in d.find(MD + "custom")}
               for d in root.iter(MD + "device") if d.find(MD + "custom") is not None}
    results, replaced = [], []
    for iface in devices.findall("interface"):
        mac = iface.find("mac").get("address").lower()
        if mac not in customs:
            continue
        result = run_hook(tmp_path, "before_device_create", etree.tostring(iface),
                          device_custom=customs[mac], vm_custom=vm_custom)
        results.append(result)
        if result.code != 0:
            return results
        replaced.append((iface, etree.fromstring(result.after)))
    for old, new in replaced:
        devices.remove(old)
        devices.append(new)
    results.append(run_hook(tmp_path, "before_vm_start", vdsm_reserialise(root),
                            vm_custom=vm_custom))
    return results


def vdsm_reserialise(root) -> bytes:
    """The domain as VDSM hands it on after before_device_create: re-indented
    as a whole (vdsm.common.xmlutils pretty-prints), so the hook's devices come
    back with other whitespace than the hook wrote."""
    root = etree.fromstring(etree.tostring(root), etree.XMLParser(remove_blank_text=True))
    etree.indent(root, space="    ")
    return etree.tostring(root)
