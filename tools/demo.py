"""`make demo`: run the hook as VDSM would on a sample domain and show the diff."""
import difflib
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "tests", "data", "vdsm-domain.xml")
SAMPLE_MAP = "{'00:1a:4a:16:01:b0': 'Profile1', '00:1A:4A:16:01:B1': 'Profile2',}"


def run_hook(hook_point: str, xml_path: str, vmfex: str) -> int:
    """Run the hook the way VDSM does: subprocess, temp file, environment."""
    env = dict(os.environ, vmfex=vmfex, _hook_domxml=xml_path,
               vmId="6b1c3f0a-7a4d-4c55-9f0e-1d2b3c4d5e6f", PYTHONPATH=ROOT)
    return subprocess.call([sys.executable, "-m", "vdsm_hook_vmfex", hook_point], env=env)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = os.path.join(tmp, "domxml")
        shutil.copy(SAMPLE, xml_path)
        print("== VM custom property: vmfex=%s" % SAMPLE_MAP)
        print("== before_vm_start on %s (3 NICs, 2 mapped); hook stderr:"
              % os.path.relpath(SAMPLE, ROOT), flush=True)
        code = run_hook("before_vm_start", xml_path, SAMPLE_MAP)
        print("== exit code %d; the domain XML VDSM reads back, as a diff:" % code)
        with open(SAMPLE) as before, open(xml_path) as after:
            sys.stdout.writelines(difflib.unified_diff(
                before.readlines(), after.readlines(), "before", "after"))
        return code


if __name__ == "__main__":
    sys.exit(main())
