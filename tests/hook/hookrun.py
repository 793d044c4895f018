"""Run the hook in a subprocess exactly as VDSM does: the XML in a temp file
named by $_hook_domxml, custom properties and vmId in the environment."""
import os
import subprocess
import sys

from tests.paths import DATA, ROOT

VM_ID = "6b1c3f0a-7a4d-4c55-9f0e-1d2b3c4d5e6f"
MAP = "{'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:b1': 'Profile2'}"


def sample() -> bytes:
    with open(os.path.join(DATA, "vdsm-domain.xml"), "rb") as xml:
        return xml.read()


class HookRun(object):
    """Exit code, output and the XML file after one run of the hook."""

    def __init__(self, proc, path, before):
        self.code = proc.returncode
        self.stderr = proc.stderr.decode("utf-8", "backslashreplace")
        self.stdout = proc.stdout.decode("utf-8", "backslashreplace")
        with open(path, "rb") as xml:
            self.after = xml.read()
        self.unchanged = self.after == before
        self.leftovers = sorted(name for name in os.listdir(os.path.dirname(path))
                                if name.startswith(".vmfex-"))

    def assert_refused(self):
        """Exit 2, XML byte-identical, no temp file, every line prefixed, no traceback."""
        assert self.code == 2, self.stderr
        assert self.unchanged and not self.leftovers
        self.assert_clean_output()

    def assert_clean_output(self):
        assert "Traceback" not in self.stderr, self.stderr
        assert self.stdout == ""
        lines = self.stderr.splitlines()
        assert all(line.startswith("vmfex: ") for line in lines), self.stderr


def run_hook(workdir, hook_point: str, xml: bytes, vmfex=MAP, conf=None,
             xml_dir=None, **env) -> HookRun:
    """Run the hook on `xml` (written to `xml_dir`, default `workdir`) with
    `vmfex` (str or bytes; None: unset) and `conf` as vmfex.conf (str or
    bytes; None: the network default and a lock file in `workdir`)."""
    workdir = str(workdir)
    path = os.path.join(str(xml_dir or workdir), "vdsm-hook-domxml")
    with open(path, "wb") as out:
        out.write(xml)
    conf_path = os.path.join(workdir, "vmfex.conf")
    if conf is None:
        conf = "[vmfex]\nlock_file = %s\n" % os.path.join(workdir, "run", "hook-vmfex.lock")
    with open(conf_path, "wb") as out:
        out.write(conf.encode("utf-8") if isinstance(conf, str) else conf)
    environ = {b"PATH": os.environ["PATH"].encode(), b"PYTHONPATH": ROOT.encode(),
               b"vmId": VM_ID.encode(), b"_hook_domxml": path.encode(),
               b"VMFEX_CONF": conf_path.encode()}
    if vmfex is not None:
        environ[b"vmfex"] = vmfex.encode("utf-8") if isinstance(vmfex, str) else vmfex
    for key, value in env.items():
        environ[key.encode()] = value.encode("utf-8") if isinstance(value, str) else value
    proc = subprocess.run([sys.executable, "-m", "vdsm_hook_vmfex", hook_point],
                          env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=workdir, timeout=60)
    return HookRun(proc, path, xml)
