"""Holds the private libvirtd's namespaces open and is libvirtd's parent.

    nsholder.py READY_FILE PID_FILE -- LIBVIRTD_ARGV...

Run by daemon.py inside the new namespaces, after the mounts and links are
made. It is the child subreaper for everything below it, so qemu processes
libvirtd daemonizes are reparented here, not to PID 1: libvirt's destroy
waits until the qemu PID is gone, and a PID 1 that reaps orphans only now and
then (as here) adds ~1.5 s to every destroy. SIGUSR1 starts libvirtd and
writes its PID to PID_FILE; daemon.py stops libvirtd by that PID. SIGTERM
(also sent when the test process dies: PDEATHSIG) ends the holder after it
stopped its children (libvirtd, qemu) and removed the temp dir holding
READY_FILE, so even a killed test run leaves nothing behind.
"""
import ctypes
import os
import shutil
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
SIGNALS = {signal.SIGCHLD, signal.SIGUSR1, signal.SIGTERM}


def _prctl(option: int, value: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _spawn(argv, pid_file: str) -> None:
    pid = os.fork()
    if pid == 0:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    tmp = pid_file + ".tmp"
    with open(tmp, "w") as out:
        out.write("%d\n" % pid)
    os.replace(tmp, pid_file)


def _reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _children() -> "list":
    me = str(os.getpid())
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % entry) as stat:
                # pid (comm) state ppid ...: comm may hold spaces, split after ')'
                ppid = stat.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if ppid == me:
            pids.append(int(entry))
    return pids


def _shutdown(workdir: str) -> None:
    """SIGTERM the children, SIGKILL what is left after 10 s, reap, clean up."""
    deadline = time.monotonic() + 10
    sig = signal.SIGTERM
    while True:
        _reap()
        pids = _children()
        if not pids:
            break
        if time.monotonic() > deadline:
            sig = signal.SIGKILL
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    shutil.rmtree(workdir, ignore_errors=True)


def main(args) -> int:
    ready_file, pid_file, sep = args[:3]
    argv = args[3:]
    if sep != "--" or not argv:
        sys.stderr.write("usage: nsholder.py READY_FILE PID_FILE -- LIBVIRTD_ARGV...\n")
        return 2
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    with open(ready_file, "w"):
        pass
    while True:
        info = signal.sigwaitinfo(SIGNALS)
        if info.si_signo == signal.SIGTERM:
            _shutdown(os.path.dirname(os.path.abspath(ready_file)))
            return 0
        if info.si_signo == signal.SIGUSR1:
            _spawn(argv, pid_file)
        _reap()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
