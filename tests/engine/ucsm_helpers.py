"""Shared by the UCS Manager tests: the stand-in's profiles, options, a
runner (vmfex-engine in this process, or as it is really run) and error checks."""
import subprocess
import sys

from tests.engine.tool import in_process
from tests.engine.ucsmsim import SimProfile
from tests.paths import ROOT

UCSM_PROFILES = [
    SimProfile("Profile1", 1, [("vlan100", 100, True), ("vlan200", 200, False)]),
    SimProfile("Profile2", 64, [("vlan300", 300, False)]),
    SimProfile("db-net", 8, []),
]
#: Makes `import ucsmsdk` fail as it does where the module is not installed.
WITHOUT_UCSMSDK = "import sys; sys.modules['ucsmsdk'] = None; "


def ucsm_args(sim, tmp_path, password="secret", ca_file=None):
    """--ucsm options for `sim`; the password goes through a file."""
    path = tmp_path / ("ucsm-password-%s" % password)
    path.write_text(password + "\n")
    return ["--ucsm", sim.address, "--ucsm-username", "admin", "--ucsm-password-file",
            str(path), "--ucsm-ca-file", ca_file or sim.ca_file, "--ucsm-timeout", "5"]


def run_engine(argv, env=None, prelude=""):
    """`vmfex-engine ARGV` in this process; with an environment of its own or
    with `prelude` run first, `python3 -m engine_tools ARGV` as a process."""
    if env is None and not prelude:
        return in_process(argv)
    if prelude:
        command = [sys.executable, "-c", prelude + "import sys; from engine_tools.cli "
                   "import main; sys.exit(main())"] + argv
    else:
        command = [sys.executable, "-m", "engine_tools"] + argv
    proc = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def error_lines(err):
    return [line for line in err.splitlines() if line.startswith("vmfex-engine: error:")]


def assert_one_line_error(code, err, *words, exit_code=1):
    """Exit code 1 (or exit_code), no traceback, one error line naming `words`."""
    assert code == exit_code, err
    assert "Traceback" not in err
    lines = error_lines(err)
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], err


def assert_logged_out(sim):
    assert sim.sessions == set()
    assert sim.methods[-1] == "aaaLogout"
