"""Run the hook at a hook point the way VDSM's hooks._runHooksDir does.

The environment is the daemon's, updated first with the device's custom
properties, then with the VM's (so a VM `vmfex` hides a device `vmfex`), plus
vmId and $_hook_domxml naming a temp file VDSM reads back afterwards.
"""
import os
import subprocess
import sys

from tests.paths import ROOT

VM_ID = "0c7d2e9b-3f41-4a8e-b5d6-2a9e8f7c6b5a"


class Result(object):
    def __init__(self, proc: subprocess.CompletedProcess, before: bytes, after: bytes) -> None:
        self.code = proc.returncode
        self.stderr = proc.stderr.decode()
        self.stdout = proc.stdout.decode()
        self.before = before
        self.after = after
        self.unchanged = before == after


def vdsm_environ(daemon: dict, device_custom: dict, vm_custom: dict, xml_path: str) -> dict:
    """The environment VDSM gives a hook: daemon, then device, then VM properties."""
    environ = dict(daemon)
    environ.update(device_custom)
    environ.update(vm_custom)
    environ["vmId"] = VM_ID
    environ["_hook_domxml"] = xml_path
    return environ


def run_hook_point(tmp_path, hook_point: str, xml: bytes, device_custom: dict = None,
                   vm_custom: dict = None, **daemon_env) -> Result:
    """Run `python3 -m vdsm_hook_vmfex HOOK_POINT` on `xml` as VDSM would."""
    path = tmp_path / ("domxml-%s" % hook_point)
    path.write_bytes(xml)
    conf = tmp_path / "vmfex.conf"
    if not conf.exists():
        conf.write_text("[vmfex]\nlock_file = %s\n" % (tmp_path / "hook-vmfex.lock"))
    daemon = {"PATH": os.environ["PATH"], "PYTHONPATH": ROOT, "VMFEX_CONF": str(conf),
              "LIBVIRT_DEFAULT_URI": "test:///nonexistent/host.xml"}
    daemon.update(daemon_env)
    environ = vdsm_environ(daemon, device_custom or {}, vm_custom or {}, str(path))
    proc = subprocess.run([sys.executable, "-m", "vdsm_hook_vmfex", hook_point], env=environ,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path),
                          timeout=60)
    return Result(proc, xml, path.read_bytes())
