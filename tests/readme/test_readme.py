"""The README tells the truth: links resolve, every command it shows is run
by a test or names something that exists."""
import glob
import os
import re

import pytest

from tests.paths import ROOT
from tests.readme.extract import commands, links

#: Programs whose README commands other tests run, and which test does.
RUN_BY = {
    "vmfex-engine": "tests/engine/test_readme_engine.py",
    "vmfex-direct-pool": "tests/libvirtd/test_readme_host.py",
}


def _makefile_targets():
    with open(os.path.join(ROOT, "Makefile")) as makefile:
        return set(re.findall(r"^([a-z][\w-]*):", makefile.read(), re.M))


def _rpm_names():
    with open(os.path.join(ROOT, "packaging", "vdsm-hook-vmfex.spec.in")) as spec:
        text = spec.read()
    return {"vdsm-hook-vmfex"} | {"vdsm-hook-vmfex-" + sub for sub in
                                  re.findall(r"^%package\s+(\S+)", text, re.M)}


def test_the_readme_shows_commands():
    programs = {c.argv[0] for c in commands()}
    assert {"make", "dnf", "vmfex-engine", "vmfex-direct-pool"} <= programs


@pytest.mark.parametrize("command", commands(), ids=lambda c: "line%d" % c.line)
def test_every_command_is_run_or_names_what_exists(command):
    program, args = command.argv[0], command.argv[1:]
    if program == "make":
        assert set(args) <= _makefile_targets(), command
    elif program == "dnf":
        assert args[0] == "install" and set(args[1:]) <= _rpm_names(), command
    else:
        assert program in RUN_BY, "no test runs %r (README line %d)" % (
            command.text, command.line)
        assert os.path.exists(os.path.join(ROOT, RUN_BY[program]))


@pytest.mark.parametrize("doc", ["README.md"] + sorted(
    os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md"))))
def test_links_resolve(doc):
    base = os.path.dirname(os.path.join(ROOT, doc))
    missing = [t for t in links(os.path.join(ROOT, doc))
               if not os.path.exists(os.path.join(base, t))]
    assert missing == []
