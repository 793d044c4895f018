"""The command-line frame both tools share: subcommands, exit codes, no abbreviations."""
import argparse
import os
import subprocess
import sys
import types

import pytest

from tests.paths import ROOT
from vdsm_hook_vmfex.common import cli
from vdsm_hook_vmfex.common.errors import VmfexError


def command(name, action):
    """A subcommand module as the tools write them."""
    def add_parser(subparsers):
        parser = cli.add_command(subparsers, name, help="do " + name)
        parser.add_argument("--password-file")
        parser.set_defaults(run=action)
    return types.SimpleNamespace(add_parser=add_parser)


def fail(error):
    def run(_args):
        raise error
    return run


def parser(*commands):
    return cli.build_parser("tool", "A tool.", "examples: tool ok", "9.9", list(commands))


def test_each_module_registers_its_subcommand_and_its_function_runs(capsys):
    seen = []
    p = parser(command("ok", lambda args: seen.append(args.password_file) or 0))
    assert cli.run_command("tool", p, ["ok", "--password-file", "f"]) == cli.EXIT_OK
    assert seen == ["f"]


@pytest.mark.parametrize("error, code", [
    (cli.UsageError("bad --name 'x'"), cli.EXIT_USAGE),
    (VmfexError("cannot do it"), cli.EXIT_FAILED),
    (KeyboardInterrupt(), cli.EXIT_FAILED),
])
def test_errors_become_one_line_and_an_exit_code(capsys, error, code):
    p = parser(command("go", fail(error)))
    assert cli.run_command("tool", p, ["go"]) == code
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("tool: ")


def test_no_abbreviated_options_so_no_secret_is_taken_for_another_option(capsys):
    p = parser(command("go", lambda args: 0))
    with pytest.raises(SystemExit) as exit_info:
        cli.run_command("tool", p, ["go", "--password", "SECRET"])
    assert exit_info.value.code == cli.EXIT_USAGE
    assert "unrecognized arguments: --password" in capsys.readouterr().err


def test_a_command_is_required_and_version_is_printed(capsys):
    p = parser(command("go", lambda args: 0))
    with pytest.raises(SystemExit) as exit_info:
        p.parse_args([])
    assert exit_info.value.code == cli.EXIT_USAGE
    with pytest.raises(SystemExit) as exit_info:
        p.parse_args(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out == "tool 9.9\n"
    assert isinstance(p, argparse.ArgumentParser) and p.allow_abbrev is False


def test_an_os_error_is_one_line_naming_the_file(capsys):
    p = parser(command("go", fail(FileNotFoundError(2, "No such file or directory", "/x/y"))))
    assert cli.run_command("tool", p, ["go"]) == cli.EXIT_FAILED
    assert capsys.readouterr().err == "tool: error: /x/y: No such file or directory\n"


def test_an_internal_bug_says_so_then_shows_the_traceback(capsys):
    p = parser(command("go", fail(ZeroDivisionError("division by zero"))))
    assert cli.run_command("tool", p, ["go"]) == cli.EXIT_FAILED
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == ("tool: internal error (a bug in tool, please report it with the "
                        "traceback below):")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ZeroDivisionError: division by zero"


def test_options_before_the_command_say_they_go_after_it(capsys):
    p = parser(command("go", lambda args: 0))
    with pytest.raises(SystemExit) as exit_info:
        cli.run_command("tool", p, ["--password-file", "SECRET", "go"])
    assert exit_info.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "tool: error: options go after the command: tool go --password-file ..." in err
    with pytest.raises(SystemExit):
        cli.run_command("tool", p, ["--password-file=SECRET"])
    err += capsys.readouterr().err
    assert "tool COMMAND --password-file ... (COMMAND: go)" in err
    assert "SECRET" not in err


# Both programs share this frame; run them the way users do.
TOOLS = {
    "vmfex-direct-pool": [sys.executable, "-m", "vdsm_hook_vmfex.pool"],
    "vmfex-engine": [sys.executable, "-m", "engine_tools"],
}


def shell(argv, redirect):
    """(exit code, stderr) of argv run by sh with `redirect` applied."""
    done = subprocess.run(["sh", "-c", 'exec "$@" %s' % redirect, "sh"] + argv,
                          cwd=ROOT, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=60)
    return done.returncode, done.stderr


@pytest.mark.parametrize("prog", sorted(TOOLS))
def test_closed_stdout_is_one_line_before_anything_is_done(prog):
    code, err = shell(TOOLS[prog] + ["--version"], ">&-")
    assert code == cli.EXIT_USAGE, err
    assert err == ("%s: error: stdout is closed: the results could not be shown; "
                   "redirect it instead (>/dev/null to discard them); nothing done\n"
                   % prog)


@pytest.mark.parametrize("prog", sorted(TOOLS))
def test_a_reader_gone_away_leaves_no_exception_note(prog):
    run = subprocess.Popen(TOOLS[prog] + ["--help"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
    run.stdout.close()  # `| head -0`: gone before the program writes
    err = run.communicate(timeout=60)[1]
    assert "Exception ignored" not in err and "Traceback" not in err, err


def noun(name, *verbs):
    """A NOUN VERB subcommand module, its verbs added through add_verbs."""
    def add_parser(subparsers):
        parser = cli.add_command(subparsers, name, help="about " + name)
        found = cli.add_verbs(parser, "verb")
        for verb in verbs:
            cli.add_command(found, verb, help=verb).set_defaults(
                run=lambda args: 0 if args.verb == "list" else 1)
    return types.SimpleNamespace(add_parser=add_parser)


def test_noun_verb_runs_the_verb_and_a_missing_verb_is_a_usage_error(capsys):
    p = parser(noun("profiles", "list", "create"))
    assert cli.run_command("tool", p, ["profiles", "list"]) == 0
    assert cli.run_command("tool", p, ["profiles", "create"]) == 1
    with pytest.raises(SystemExit) as stopped:
        cli.run_command("tool", p, ["profiles"])
    assert stopped.value.code == cli.EXIT_USAGE and "VERB" in capsys.readouterr().err


# --- Python 3.6 under LANG=C: an ASCII stdout --------------------------------

# What EL8's Python 3.6 does under LANG=C, emulated on a newer Python.
ASCII_LOCALE = {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}

TOOL = """
import sys
from vdsm_hook_vmfex.common import cli
def add_parser(subparsers):
    cli.add_command(subparsers, "show").set_defaults(
        run=lambda args: sys.stdout.write("network caf\\u00e9-pool, profile \\u30a6\\n") and 0)
sys.exit(cli.run_command("tool", cli.build_parser("tool", "", "", "1", [sys.modules[__name__]]),
                         ["show"]))
"""


def run_under_ascii_locale(argv, **env):
    environ = dict(os.environ, PYTHONPATH=ROOT, **ASCII_LOCALE)
    environ.update(env)
    return subprocess.run(argv, env=environ, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def test_the_stdout_of_both_tools_escapes_what_an_ascii_locale_cannot_hold():
    proc = run_under_ascii_locale([sys.executable, "-c", TOOL])
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, b"network caf\\xe9-pool, profile \\u30a6\n", b"")


def test_vmfex_direct_pool_names_a_non_ascii_network_under_an_ascii_locale(tmp_path):
    conf = tmp_path / "vmfex.conf"
    conf.write_text("[vmfex]\nnetwork = caf\u00e9-pool\n", encoding="utf-8")
    for args, code in ([["status"], 1], [["status", "--json"], 1],
                       # --force: eth3 is no interface here (else refused, exit 2)
                       [["define", "--dev", "eth3", "--force", "--dry-run"], 0]):
        proc = run_under_ascii_locale(
            [sys.executable, "-m", "vdsm_hook_vmfex.pool"] + args,
            VMFEX_CONF=str(conf), LIBVIRT_DEFAULT_URI="test:///default")
        assert proc.returncode == code, proc.stderr
        assert b"Traceback" not in proc.stderr, proc.stderr
        assert b"caf\\xe9-pool" in proc.stdout or b"caf\\u00e9-pool" in proc.stdout, args


def test_a_utf8_stdout_is_left_as_it_is(capsys):
    p = parser(command("show", lambda args: print("caf\u00e9") or 0))
    assert cli.run_command("tool", p, ["show"]) == cli.EXIT_OK
    assert capsys.readouterr().out == "caf\u00e9\n"
