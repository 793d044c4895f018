"""Runs `vmfex-engine` as a subprocess, the way an administrator runs it."""
import os
import subprocess
import sys

from tests.paths import ROOT

#: Upper bound of one run in these tests: a run that hangs fails the test
#: instead of hanging the suite (not a speed assertion).
RUN_LIMIT = 60


def vmfex_engine(args, home, stdin=None, env=None, limit=RUN_LIMIT):
    """(exit code, stdout, stderr) of `python3 -m engine_tools ARGS`, with
    HOME at `home` so no real ~/.config/ovirt.conf is read."""
    environ = dict(os.environ, HOME=str(home), LC_ALL="C.UTF-8")
    environ.update(env or {})
    done = subprocess.run([sys.executable, "-m", "engine_tools"] + list(args), cwd=ROOT,
                          input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=environ, timeout=limit)
    return (done.returncode, done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"))


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
