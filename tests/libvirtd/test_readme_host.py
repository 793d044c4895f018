"""Every `vmfex-direct-pool` command of README.md, in README order, on a real
libvirtd: the host's VM-FEX vNICs are the daemon's veths, shown to `define`
as zero-MAC enic PCI NICs of a sysfs tree (the wrapper on PATH adds
`--sysfs-root` to `define`, the one thing a test host cannot have at /sys)."""
import os
import subprocess
import sys

import pytest

from tests.libvirtd.fixtures import STARTS_DOMAINS
from tests.paths import ROOT
from tests.readme.extract import commands
from tests.sysfs_helpers import ZERO, add_pci_nic

pytestmark = [pytest.mark.libvirtd, STARTS_DOMAINS]

WRAPPER = """#!/bin/sh
if [ "$1" = define ]; then set -- "$@" --sysfs-root "%s"; fi
PYTHONPATH=%s exec %s -m vdsm_hook_vmfex.pool "$@"
"""


def host_commands():
    return [c for c in commands() if c.argv[0] == "vmfex-direct-pool"]


def test_every_host_command_of_the_readme_works_in_order(host, libvirtd, conn, tmp_path):
    sysfs, bin_dir = tmp_path / "sys", tmp_path / "bin"
    bin_dir.mkdir()
    for index, name in enumerate(libvirtd.vnic_names):
        add_pci_nic(str(sysfs), name, "0000:0b:00.%d" % (index + 1), ZERO, "enic")
    wrapper = bin_dir / "vmfex-direct-pool"
    wrapper.write_text(WRAPPER % (sysfs, ROOT, sys.executable))
    os.chmod(str(wrapper), 0o755)
    env = host.env(PATH="%s:%s" % (bin_dir, os.environ.get("PATH", "/usr/bin:/bin")),
                   LC_ALL="C.UTF-8")
    shown = host_commands()
    assert [c.argv[1] for c in shown][:2] == ["define", "status"]
    for command in shown:
        done = subprocess.run(["bash", "-c", command.text], env=env, cwd=str(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 0, "README line %d: %s\nexit %d\n%s%s" % (
            command.line, command.text, done.returncode, done.stdout, done.stderr)
    # What the README says define does: the pool over the host's vNICs, active, autostarted.
    net = conn.networkLookupByName("direct-pool")
    assert (net.isActive(), net.isPersistent(), net.autostart()) == (1, 1, 1)
    assert all(("dev='%s'" % name) in net.XMLDesc(0) for name in libvirtd.vnic_names)
