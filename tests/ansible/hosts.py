"""Run the shipped Ansible role and playbook with real ansible-core on
localhost (connection local), against a private libvirtd.

A plain module (no tests here): tests/ansible/test_*.py and tools/demo.py use it.
"""
import os
import re
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

from tests.paths import ROOT
from tests.sysfs_helpers import ZERO, add_pci_nic

ANSIBLE_DIR = os.path.join(ROOT, "packaging", "ansible")
PLAYBOOK = os.path.join(ANSIBLE_DIR, "vmfex-hosts.yml")
CAPACITY_PLAYBOOK = os.path.join(ANSIBLE_DIR, "vmfex-capacity.yml")
ROLE = os.path.join(ANSIBLE_DIR, "roles", "vmfex")
BIN = os.path.dirname(sys.executable)
# Another ansible-core (e.g. 2.12, as older oVirt engines run) for a
# compatibility run: VMFEX_ANSIBLE_PLAYBOOK=/path/to/ansible-playbook.
ANSIBLE_PLAYBOOK = os.environ.get("VMFEX_ANSIBLE_PLAYBOOK",
                                  os.path.join(BIN, "ansible-playbook"))

# The RPM puts vmfex-direct-pool on PATH as a launcher of the package's code;
# this one launches the checkout's code, and gives `define` and `status` a sysfs tree the
# test builds (the daemon's veths live in its own network namespace).
LAUNCHER = """#!/bin/sh
case "$1" in define|status) set -- "$@" --sysfs-root "$VMFEX_TEST_SYSFS";; esac
PYTHONPATH={root} exec {python} -m {module} "$@"
"""


POOL_MODULE = "vdsm_hook_vmfex.pool"  # what /usr/sbin/vmfex-direct-pool runs
#: `make deps` installs the checkout into the venv (editable): a host's PATH
#: has these only where the package is installed, i.e. from self.bin here.
OWN_COMMANDS = ("vmfex-direct-pool", "vmfex-engine")


def venv_bin_without_the_commands(tmp: str) -> str:
    """A directory standing for the venv's bin on PATH, less OWN_COMMANDS:
    links to the rest, and for its interpreters scripts running them (a link
    to a venv's python is not in the venv)."""
    view = os.path.join(tmp, "venv-bin")
    os.makedirs(view, exist_ok=True)
    for name in os.listdir(BIN):
        if name in OWN_COMMANDS:
            continue
        target, path = os.path.join(BIN, name), os.path.join(view, name)
        if os.path.lexists(path):
            continue
        if name.startswith("python"):
            with open(path, "w") as out:
                out.write('#!/bin/sh\nexec %s "$@"\n' % target)
            os.chmod(path, 0o755)
        else:
            os.symlink(target, path)
    return view


class Host(object):
    """One 'host' for Ansible: a temp dir with vmfex.conf, a fake sysfs, the
    launcher on PATH, and the environment pointing all of it at `uri`."""

    def __init__(self, uri: str, tmp: Optional[str] = None) -> None:
        self.tmp = tmp or tempfile.mkdtemp(prefix="vmfex-ansible-")
        self.uri = uri
        self.sysfs = os.path.join(self.tmp, "sys")
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(os.path.join(self.sysfs, "class", "net"), exist_ok=True)
        os.makedirs(self.bin, exist_ok=True)
        self.conf = os.path.join(self.tmp, "vmfex.conf")
        with open(self.conf, "w") as out:
            out.write("[vmfex]\nnetwork = direct-pool\nlock_file = %s\n"
                      % os.path.join(self.tmp, "vmfex.lock"))
        launcher = os.path.join(self.bin, "vmfex-direct-pool")
        with open(launcher, "w") as out:
            out.write(LAUNCHER.format(root=ROOT, python=sys.executable, module=POOL_MODULE))
        os.chmod(launcher, 0o755)
        ansible_cfg = os.path.join(self.tmp, "ansible.cfg")
        with open(ansible_cfg, "w") as out:
            out.write("[defaults]\n")
        self.env = dict(os.environ)
        self.env.update({
            "PATH": "%s:%s:%s" % (self.bin, venv_bin_without_the_commands(self.tmp),
                                  os.environ.get("PATH", "/usr/bin:/bin")),
            "LIBVIRT_DEFAULT_URI": uri,
            "VMFEX_CONF": self.conf,
            "VMFEX_TEST_SYSFS": self.sysfs,
            # Keep Ansible's own state (tmp dirs, facts cache) in the temp dir.
            "ANSIBLE_CONFIG": ansible_cfg,
            "PWD": self.tmp,  # ansible_playbook() runs there, as a shell would say
            "ANSIBLE_HOME": os.path.join(self.tmp, "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.tmp, "ansible-local"),
            "ANSIBLE_REMOTE_TEMP": os.path.join(self.tmp, "ansible-remote"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
        })
        self.env.pop("ANSIBLE_FORCE_COLOR", None)
        self.vnics = 0

    def add_vnics(self, names: List[str]) -> None:
        """Free VM-FEX vNICs (zero MAC, enic) that detection finds."""
        for name in names:
            add_pci_nic(self.sysfs, name, "0000:0b:00.%d" % self.vnics, ZERO, "enic")
            self.vnics += 1

    def inventory(self, host_vars: Optional[Dict[str, object]] = None,
                  hosts: Optional[List[str]] = None,
                  per_host: Optional[Dict[str, Dict[str, object]]] = None) -> str:
        """An inventory of `hosts` (default: localhost), all local, with
        `host_vars` (JSON values) on each and `per_host` {host: vars} on
        some; returns its path."""
        import json
        path = os.path.join(self.tmp, "inventory.yml")
        hostvars = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                    "vmfex_install": False}
        hostvars.update(host_vars or {})
        data = {"all": {"hosts": {name: dict(hostvars, **(per_host or {}).get(name, {}))
                                  for name in (hosts or ["localhost"])}}}
        with open(path, "w") as out:
            json.dump(data, out)  # JSON is YAML
        return path

    def ansible_playbook(self, playbook: str, inventory: str,
                         extra: Optional[List[str]] = None) -> "Run":
        argv = [ANSIBLE_PLAYBOOK, "-i", inventory, playbook] + (extra or [])
        proc = subprocess.run(argv, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True,
                              cwd=self.tmp, timeout=600)
        return Run(proc)

    def pool(self, *args: str) -> subprocess.CompletedProcess:
        """Run vmfex-direct-pool (the launcher) with `args`."""
        return subprocess.run(["vmfex-direct-pool"] + list(args), env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)


RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                   r"failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)", re.M)


class Run(object):
    """An ansible-playbook run: exit code, output and PLAY RECAP numbers."""

    def __init__(self, proc: subprocess.CompletedProcess) -> None:
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        keys = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
        self.recap = {m.group(1): dict(zip(keys, map(int, m.groups()[1:])))
                      for m in RECAP.finditer(proc.stdout)}

    def __repr__(self) -> str:
        return "Run(rc=%d)\n--- stdout\n%s\n--- stderr\n%s" % (self.rc, self.stdout, self.stderr)

