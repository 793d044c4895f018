"""Shared by the vmfex-direct-pool tests: test-driver node files and runners."""
import os
import subprocess
import sys

import libvirt

from tests.paths import DATA, ROOT
from vdsm_hook_vmfex.pool.apply import apply_plan
from vdsm_hook_vmfex.pool.plan import plan_define

BUSY = os.path.join(DATA, "host-busy.xml")
OTHER = os.path.join(DATA, "host-other-devices.xml")


def node(path):
    """A test-driver connection of its own: a node file's state lives in it."""
    return libvirt.open("test://" + path)


def define(conn, devices, name="direct-pool", force=False):
    plan = plan_define(conn, name, devices)
    apply_plan(conn, plan, force)
    return plan


def run_cli(args, env_vars=None):
    environ = dict(os.environ, PYTHONPATH=ROOT, **(env_vars or {}))
    proc = subprocess.run([sys.executable, "-m", "vdsm_hook_vmfex.pool"] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ,
                          cwd=ROOT, universal_newlines=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr
