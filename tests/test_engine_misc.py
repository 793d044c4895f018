"""vmfex-engine odds and ends: progress bar, --version, module entry, URL and config handling."""
import io
import os
import subprocess
import sys

import pytest

from engine_tools import engine_client
from engine_tools.cli import main
from engine_tools.progress import Progress
from vdsm_hook_vmfex.version import __version__

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal_and_for_long_runs():
    quiet = io.StringIO()
    bar = Progress(100, "updating VMs", quiet)
    for _ in range(100):
        bar.step()
    bar.close()
    assert quiet.getvalue() == ""
    short = Terminal()
    bar = Progress(5, "updating VMs", short)
    bar.step()
    assert short.getvalue() == ""
    tty, out = Terminal(), io.StringIO()
    bar = Progress(20, "updating VMs", tty)
    for n in range(20):
        bar.step()
        bar.print_line(out, "vm%d: changed\n" % n)
    bar.close()
    assert tty.getvalue().endswith("updating VMs [%s] 20/20\n" % ("#" * 30))
    assert "\r\033[K" in tty.getvalue()
    assert out.getvalue().count("changed\n") == 20


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


@pytest.mark.parametrize("given, expected", [
    ("https://engine.example.com", "https://engine.example.com/ovirt-engine/api"),
    ("https://engine.example.com/", "https://engine.example.com/ovirt-engine/api"),
    ("https://e.example.com/ovirt-engine/api/", "https://e.example.com/ovirt-engine/api"),
])
def test_api_url(given, expected):
    assert engine_client.api_url(given) == expected


def test_api_url_refuses_a_bare_host():
    with pytest.raises(engine_client.EngineError, match="engine.example.com"):
        engine_client.api_url("engine.example.com")


def test_config_secure_false_means_insecure(tmp_path, monkeypatch):
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "ovirt.conf").write_text(
        "[lab]\nengine_url = https://e.example.com\nusername = u@internal\n"
        "password = p%w\nsecure = false\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    options = engine_client.build_options(None, None, None, None, False, "lab")
    assert options == engine_client.Options("https://e.example.com/ovirt-engine/api",
                                            "u@internal", "p%w", None, True)
    # command-line options win over the section
    options = engine_client.build_options(None, "other@internal", None, "/ca.pem", False, "lab")
    assert options.username == "other@internal" and options.ca_file == "/ca.pem"


def test_password_file_first_line_only(tmp_path):
    path = tmp_path / "pw"
    path.write_text("s3cret\nignored\n")
    options = engine_client.build_options("https://e", "u", str(path), None, False, None)
    assert options.password == "s3cret"


def test_name_searches_are_bounded():
    names = ["vm%04d" % n for n in range(120)] + ["x" * 255] * 1
    searches = engine_client.name_searches(names)
    assert all(len(s) <= engine_client.SEARCH_CHARS + 300 for s in searches)
    assert sorted(n for s in searches for n in engine_client.search_names(s)) == sorted(names)
    assert all(len(engine_client.search_names(s)) <= engine_client.NAMES_PER_SEARCH
               for s in searches)
