"""Runs `vmfex-engine`: main() in the test's process, or `python3 -m
engine_tools` as a subprocess, the way an administrator runs it, where only a
process shows what is tested (signals, a closed stdout, the locale, what the
program imports)."""
import contextlib
import io
import os
import signal
import subprocess
import sys
import threading

from engine_tools.cli import main
from tests.paths import ROOT

#: Upper bound of one run in these tests: a run that hangs fails the test
#: instead of hanging the suite (not a speed assertion).
RUN_LIMIT = 60


class RunHung(Exception):
    """main() did not return within RUN_LIMIT (raised in it by SIGALRM)."""


def vmfex_engine(args, home, stdin=None, env=None, limit=RUN_LIMIT, process=False):
    """(exit code, stdout, stderr) of `vmfex-engine ARGS` with HOME at `home`,
    so no real ~/.config/ovirt.conf is read; as a subprocess with `process`
    or an `env` read when an interpreter starts (the locale)."""
    environ = {"HOME": str(home)}
    environ.update(env or {})
    if not process and not any(_read_at_startup(name) for name in environ):
        return in_process(args, environ, stdin, limit)
    full = dict(os.environ, LC_ALL="C.UTF-8")
    full.update(environ)
    done = subprocess.run([sys.executable, "-m", "engine_tools"] + list(args), cwd=ROOT,
                          input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=full, timeout=limit)
    return (done.returncode, done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"))


def _read_at_startup(name):
    # the locale and Python's own settings take effect when an interpreter starts
    return name.startswith(("LC_", "PYTHON")) or name == "LANG"


def in_process(args, environ=None, stdin=None, limit=RUN_LIMIT):
    """(exit code, stdout, stderr) of main(ARGS) in this process, with the
    environment changed by `environ`, `stdin` (bytes) as standard input and
    the checkout as working directory, as the subprocess would have."""
    out, err = io.StringIO(), io.StringIO()
    standard_input = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    with _environment(environ or {}), _working_directory(ROOT), _bounded(args, limit), \
            _standard_input(standard_input), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def _environment(changes):
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _working_directory(path):
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


@contextlib.contextmanager
def _standard_input(stream):
    saved, sys.stdin = sys.stdin, stream
    try:
        yield
    finally:
        sys.stdin = saved


@contextlib.contextmanager
def _bounded(args, limit):
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def hung(signum, frame):
        raise RunHung("vmfex-engine %s still running after %d s" % (" ".join(args), limit))

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def start_vmfex_engine(args, home):
    """A running `vmfex-engine ARGS` (Popen, text output)."""
    return subprocess.Popen([sys.executable, "-m", "engine_tools"] + list(args), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True,
                            env=dict(os.environ, HOME=str(home), LC_ALL="C.UTF-8"))


def changed_vms(out):
    """Names of the VMs a run reports as changed on stdout."""
    return {line.split(": changed,")[0] for line in out.splitlines()
            if ": changed," in line}


def engine_state(sim):
    """Every VM's properties, running and pending, to compare before/after."""
    with sim.lock:
        return {name: (dict(vm.custom_properties),
                       None if vm.next_run_properties is None
                       else dict(vm.next_run_properties))
                for name, vm in sim.vms.items()}


def unknown_vms(err):
    """Names of the VMs a run reports as maybe written."""
    return {line.split("error: VM ")[1].split(":")[0] for line in err.splitlines()
            if line.startswith("error: VM ") and "not known whether it was written" in line}


def assert_state_as_reported(before, after, out, err):
    """The engine changed exactly the VMs reported changed, give or take the
    ones reported as not known."""
    really = {name for name in before if before[name] != after.get(name)}
    reported = changed_vms(out)
    assert reported <= really <= reported | unknown_vms(err), (really, out, err)
