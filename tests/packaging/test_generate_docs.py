"""packaging/generate_docs.py: the man pages name every command and option
of the parsers, and the bash completions complete them in a real bash.

The parsers are read in subprocesses: vmfex-engine's loads ovirtsdk4 (and
pycurl), which must not share this host-side test process with libvirt.
"""
import gzip
import json
import os
import re
import subprocess
import sys

import pytest

from tests.paths import ROOT

PROGRAMS = ("vmfex-engine", "vmfex-direct-pool")
GENERATOR = os.path.join(ROOT, "packaging", "generate_docs.py")

#: Prints {"command path": {"options": [...], "valued": [...], "commands":
#: [...], "choices": [...]}} of a parser, walking argparse's own actions.
WALK = """\
import argparse, json, sys
sys.path.insert(0, "packaging")
from generate_docs import load_parser
found = {}
def walk(parser, path):
    entry = found.setdefault(" ".join(path), {"options": [], "valued": [],
                                              "commands": [], "choices": []})
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                entry["commands"].append(name)
                walk(sub, path + [name])
        elif action.option_strings and action.help != argparse.SUPPRESS:
            entry["options"] += action.option_strings
            if action.nargs != 0:
                entry["valued"] += action.option_strings
        elif action.choices and not action.option_strings:
            entry["choices"] += [str(c) for c in action.choices]
walk(load_parser(sys.argv[1]), [])
print(json.dumps(found))
"""


def _environ():
    return dict(os.environ, PYTHONPATH=ROOT, LC_ALL="C.UTF-8")


@pytest.fixture(scope="module")
def parsers():
    found = {}
    for program in PROGRAMS:
        proc = subprocess.run([sys.executable, "-c", WALK, program], cwd=ROOT, env=_environ(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        found[program] = json.loads(proc.stdout)
    return found


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    proc = subprocess.run([sys.executable, GENERATOR, str(out)], cwd=ROOT, env=_environ(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    return out


def page_text(path):
    """The man page's words: roff's escaped hyphens unescaped, font changes
    and italic corrections left out."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as page:
        return re.sub(r"\\f[BIRP]|\\[,/]", "", page.read()).replace("\\-", "-")


def assert_page_lists(text, program, commands):
    assert text.startswith(".TH "), text[:200]
    for path, node in commands.items():
        assert ("%s %s" % (program, path)).strip() in text, path
        # argparse-manpage leaves out -h/--help: every command has them.
        for option in set(node["options"]) - {"-h", "--help"}:
            assert re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(option), text), (path, option)
        for word in node["commands"] + node["choices"]:
            assert re.search(r"\b%s\b" % re.escape(word), text), (path, word)


@pytest.mark.parametrize("program", PROGRAMS)
def test_page_lists_every_command_and_option(docs, parsers, program):
    commands = parsers[program]
    # The parsers really have commands below commands (guards the walk).
    assert len(commands) > 3 and commands[""]["commands"]
    assert_page_lists(page_text(str(docs / (program + ".1"))), program, commands)


def complete(script, line, cwd):
    """COMPREPLY of the completion function for `line` (the cursor at its
    end), in a real bash that sourced `script`."""
    program = line.split()[0]
    code = ('source "$1"; read -ra COMP_WORDS <<< "$2"; [[ $2 == *" " ]] && COMP_WORDS+=("");'
            ' COMP_LINE=$2; COMP_POINT=${#2}; COMP_CWORD=$((${#COMP_WORDS[@]} - 1));'
            ' %s; printf "%%s\\n" "${COMPREPLY[@]}"' % ("_" + program.replace("-", "_")))
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", code, "bash", str(script),
                           line], cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=30)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return sorted(word for word in proc.stdout.splitlines() if word)


@pytest.mark.parametrize("program", PROGRAMS)
def test_completion_completes_every_command_and_option(docs, parsers, program, tmp_path):
    script = docs / "completions" / program
    with open(str(script)) as source:
        assert "complete -o filenames -F _%s %s" % (program.replace("-", "_"), program) \
            in source.read()
    for path, node in parsers[program].items():
        line = " ".join([program] + path.split() + [""])
        words = node["commands"] + node["choices"]
        if words:
            assert complete(script, line, tmp_path) == sorted(set(words)), line
        long_options = [o for o in node["options"] if o.startswith("--")]
        assert complete(script, line + "--", tmp_path) == sorted(set(long_options)), line


def test_completion_of_a_prefix_options_values_and_files(docs, tmp_path):
    script = docs / "completions" / "vmfex-engine"
    (tmp_path / "maps.csv").write_text("vm,mac,profile\n")
    assert complete(script, "vmfex-engine pro", tmp_path) == ["profiles"]
    assert complete(script, "vmfex-engine profiles cr", tmp_path) == ["create"]
    assert complete(script, "vmfex-engine host-deploy ", tmp_path) == [
        "disable", "enable", "status"]
    # After an option taking a value: files; the value is not a command.
    assert complete(script, "vmfex-engine assign --password-file ma", tmp_path) == ["maps.csv"]
    assert complete(script, "vmfex-engine assign --password-file profiles ma",
                    tmp_path) == ["maps.csv"]
    assert complete(script, "vmfex-engine assign --dry-run ma", tmp_path) == ["maps.csv"]
    pool = docs / "completions" / "vmfex-direct-pool"
    assert complete(pool, "vmfex-direct-pool de", tmp_path) == ["define"]


def test_system_argparse_manpage_lists_them_too(parsers, tmp_path):
    """The RPM build runs the generator with the system's python3 and its
    argparse-manpage (Debian's 1.x here, EPEL's on EL), without ovirtsdk4."""
    python = "/usr/bin/python3"
    proc = subprocess.run([python, GENERATOR, str(tmp_path)], cwd=ROOT, env=_environ(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for program in PROGRAMS:
        assert_page_lists(page_text(str(tmp_path / (program + ".1"))), program,
                          parsers[program])
