"""Each program without each optional module it may need: one line naming
what to install and exit 1 (the hook: 2, refusing), never a traceback; and
the module table agrees with pyproject.toml's extras and the RPM spec."""
import os
import re
import subprocess
import sys

import pytest

from tests.hook.runner import VM_MAP, run_hook, sample
from tests.paths import ROOT
from vdsm_hook_vmfex.common.needs import (
    NEEDS,
    install_hint,
    missing_message,
    missing_module,
)

#: A sitecustomize that makes importing the modules named in $VMFEX_HIDE
#: fail exactly as where they are not installed (ModuleNotFoundError).
HIDER = """\
import os
import sys


class HideModules(object):
    names = set(os.environ["VMFEX_HIDE"].split(","))

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError("No module named %r" % name, name=name)
        return None


sys.meta_path.insert(0, HideModules())
"""


@pytest.fixture
def without(tmp_path):
    """run(module, argv): a launcher of packaging/ with `module` hidden."""
    hider = tmp_path / "hider"
    hider.mkdir()
    (hider / "sitecustomize.py").write_text(HIDER)
    password = tmp_path / "password"
    password.write_text("secret\n")

    def environ(module):
        return dict(os.environ, VMFEX_HIDE=module, HOME=str(tmp_path),
                    PYTHONPATH=os.pathsep.join([str(hider), ROOT]),
                    LC_ALL="C", PYTHONCOERCECLOCALE="0", PYTHONUTF8="0",
                    LIBVIRT_DEFAULT_URI="test:///default")

    def run(module, argv):
        argv = [arg.replace("PASSWORD_FILE", str(password)) for arg in argv]
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "packaging", argv[0])]
                              + argv[1:], env=environ(module), cwd=str(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=60)
        return proc

    run.environ = environ
    return run


ENGINE = ["vmfex-engine", "export", "--engine-url", "https://127.0.0.1:9/", "--username",
          "admin@internal", "--password-file", "PASSWORD_FILE"]
UCS = ["vmfex-engine", "ucs", "profiles", "--ucsm", "127.0.0.1", "--ucsm-username", "admin",
       "--ucsm-password-file", "PASSWORD_FILE", "--ucsm-insecure"]


@pytest.mark.parametrize("module, argv", [
    ("ovirtsdk4", ENGINE),
    ("yaml", ["vmfex-engine", "host-deploy", "status", "--file", "post-tasks.yml"]),
    ("ucsmsdk", UCS),
    ("lxml", ["vmfex-direct-pool", "status"]),
    ("lxml", ["vmfex-direct-pool", "--help"]),
    ("libvirt", ["vmfex-direct-pool", "status"]),
])
def test_missing_module_is_one_line_naming_what_to_install(without, module, argv):
    proc = without(module, argv)
    need = NEEDS[module]
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    line = proc.stderr.rstrip("\n")
    assert line.startswith(argv[0] + ": error: "), line
    assert "Python module %s " % module in line, line
    assert need.package in line and "'vdsm-hook-vmfex[%s]'" % need.extra in line, line


@pytest.mark.parametrize("module", ["ovirtsdk4", "yaml", "ucsmsdk"])
@pytest.mark.parametrize("argv", [["--help"], ["ucs", "profiles", "--help"],
                                  ["host-deploy", "--help"], ["--version"]])
def test_engine_help_needs_no_optional_module(without, module, argv):
    proc = without(module, ["vmfex-engine"] + argv)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith(("usage: vmfex-engine", "vmfex-engine "))


def test_hook_without_lxml_refuses_in_one_line(without, tmp_path):
    daemon = without.environ("lxml")
    run = run_hook(tmp_path, "before_vm_start", sample(), vm_custom=VM_MAP, daemon=daemon)
    run.assert_refused()
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert "module lxml is not installed" in run.stderr and "python3-lxml" in run.stderr


def test_missing_module_names_only_the_modules_of_the_table():
    assert missing_module(ModuleNotFoundError("x", name="ovirtsdk4.types")) == "ovirtsdk4"
    assert missing_module(ModuleNotFoundError("x", name="lxml")) == "lxml"
    assert missing_module(ModuleNotFoundError("x", name="lxmlx")) is None
    assert missing_module(ImportError("cannot import name 'x'")) is None
    assert missing_module(ValueError("lxml")) is None


def test_a_module_failing_on_what_it_needs_says_so():
    err = ModuleNotFoundError("No module named 'pycurl'", name="pycurl")
    message = missing_message("ovirtsdk4", err)
    assert message.startswith("the Python module ovirtsdk4 cannot be loaded "
                              "(No module named 'pycurl'): dnf install "
                              "python3-ovirt-engine-sdk4"), message


def test_ucsmsdk_hint_names_pip_where_el_lacks_the_package():
    hint = install_hint("ucsmsdk")
    assert "python3-ucsmsdk" in hint and "pip3 install ucsmsdk" in hint
    assert "'vdsm-hook-vmfex[ucsm]'" in hint


def _pyproject_extras():
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        pytest.skip("tomllib needs Python 3.11")
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as source:
        return tomllib.load(source)["project"]["optional-dependencies"]


def test_table_matches_pyproject_extras():
    extras = _pyproject_extras()
    for module, need in NEEDS.items():
        names = [re.split(r"[ <>=!~;\[]", req)[0].lower() for req in extras[need.extra]]
        assert need.pypi.lower() in names, (module, extras)
    listed = {(need.extra, need.pypi.lower()) for need in NEEDS.values()}
    assert {(extra, re.split(r"[ <>=!~;\[]", req)[0].lower())
            for extra, reqs in extras.items() for req in reqs} == listed


def test_table_matches_the_rpm_spec():
    with open(os.path.join(ROOT, "packaging", "vdsm-hook-vmfex.spec.in")) as spec:
        text = spec.read()
    wanted = set(re.findall(r"^(?:Requires|Recommends):\s+(\S+)", text, re.M))
    for module, need in NEEDS.items():
        assert need.package in wanted, (module, sorted(wanted))
