"""`make deps` leaves vmfex-engine and vmfex-direct-pool in .venv/bin, an
editable install of the checkout (docs/install.md).

A .venv shared by several checkouts runs the code of the one that ran
`make deps` last: these tests run its commands only where it is this one.
"""
import os
import subprocess

import pytest

from tests.paths import ROOT
from vdsm_hook_vmfex.common.version import __version__

VENV_BIN = os.path.join(ROOT, ".venv", "bin")


def _installed_tree():
    """The checkout the venv's editable install points at, or None."""
    python = os.path.join(VENV_BIN, "python")
    if not os.path.exists(os.path.join(VENV_BIN, "vmfex-engine")):
        return None
    # From / so that no checkout is on sys.path but the installed one.
    proc = subprocess.run([python, "-c", "import engine_tools, vdsm_hook_vmfex, os; "
                           "print(os.path.dirname(os.path.dirname(engine_tools.__file__)));"
                           "print(os.path.dirname(os.path.dirname(vdsm_hook_vmfex.__file__)))"],
                          cwd="/", env=dict(os.environ, PYTHONPATH=""),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)
    trees = set(proc.stdout.split())
    return trees.pop() if proc.returncode == 0 and len(trees) == 1 else None


@pytest.mark.parametrize("command", ["vmfex-engine", "vmfex-direct-pool"])
def test_venv_commands_run_this_checkout(command, tmp_path):
    tree = _installed_tree()
    if tree is None or os.path.realpath(tree) != os.path.realpath(ROOT):
        # CI's fresh clone ran `make deps` itself: there it must be this one.
        give_up = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
        give_up(".venv holds the editable install of another checkout (%s): "
                "`make deps` here makes it this one" % tree)
    proc = subprocess.run([os.path.join(VENV_BIN, command), "--version"], cwd=str(tmp_path),
                          env=dict(os.environ, PYTHONPATH=""), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "%s %s\n" % (command, __version__)
