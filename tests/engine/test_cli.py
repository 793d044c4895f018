"""`vmfex-engine`'s command line as a whole: usage, --version, module entry."""
import subprocess
import sys

import pytest

from engine_tools.cli import main
from tests.paths import ROOT
from vdsm_hook_vmfex.common.version import __version__


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["assign"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "vmfex-engine " + __version__


def test_runs_as_a_module_and_help_teaches():
    done = subprocess.run([sys.executable, "-m", "engine_tools", "assign", "--help"],
                          cwd=ROOT, stdout=subprocess.PIPE, universal_newlines=True)
    assert done.returncode == 0
    assert "vm,mac,profile" in done.stdout and "--password-file" in done.stdout


def test_options_before_the_command_say_they_go_after_it(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", "production", "check"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith("vmfex-engine: error: options go after the command: "
                        "vmfex-engine check --config ...\n")
    assert "production" not in err
