"""A private `libvirtd` for tests: its own network and mount namespaces, veth
pairs standing in for VM-FEX vNICs, config and state in one temp dir.

    with PrivateLibvirtd(vnics=4) as daemon:
        subprocess.run([...], env=dict(os.environ, **daemon.env))

Only libvirtd (under nsholder.py, which holds the namespaces and reaps) runs
inside the namespaces; everything that must see the veths (macvtap creation,
qemu) is started by libvirtd itself, so tests and the commands they run stay
outside and talk to it over its private socket. Nothing is left behind: on
exit libvirtd is stopped by PID, then its qemu processes, then the holder,
whose end takes the namespaces and veths with it; if the test process is
killed, the holder (PDEATHSIG) does the same and removes the temp dir.

Inside the mount namespace a fresh sysfs shows the namespace's links, and temp
dirs are bound over /etc/libvirt, /run, /var/lib, /var/cache and /var/log: the
qemu driver reads /etc/libvirt/qemu.conf and keeps its state under fixed
paths when it runs as root, so this is how it gets a private qemu.conf and
leaves nothing on the machine.
"""
import ctypes
import glob
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

LIBVIRTD = "/usr/sbin/libvirtd"
QEMU = "/usr/bin/qemu-system-x86_64"
# The qemu driver refuses to load without this user, even with user = "root".
QEMU_USER = "libvirt-qemu"
CAP_NET_ADMIN = 12
CAP_SYS_ADMIN = 21
START_TIMEOUT = 60.0  # the first qemu capabilities probe takes ~10 s
STOP_TIMEOUT = 15.0
_PR_SET_PDEATHSIG = 1

# user/group root and no security driver: as user libvirt-qemu with /dev/kvm at
# 0600 every define re-probed capabilities (~56 s instead of ~0.02 s).
# No cgroups: they live in the machine's real /sys/fs/cgroup (hidden by the
# private sysfs anyway) and a killed run would leave directories there.
QEMU_CONF = """user = "root"
group = "root"
security_driver = "none"
stdio_handler = "file"
cgroup_controllers = [ ]
"""

LIBVIRTD_CONF = """unix_sock_dir = "{sock_dir}"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:{log}"
"""

# Private directories bound over the daemon's fixed paths (name -> target).
BIND_MOUNTS = (("etc", "/etc/libvirt"), ("run", "/run"), ("lib", "/var/lib"),
               ("cache", "/var/cache"), ("log", "/var/log"))


def _effective_caps() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def skip_reason() -> Optional[str]:
    """Why a private libvirtd cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "not root: a private libvirtd needs root"
    caps = _effective_caps()
    for bit, name in ((CAP_NET_ADMIN, "CAP_NET_ADMIN"), (CAP_SYS_ADMIN, "CAP_SYS_ADMIN")):
        if not caps & (1 << bit):
            return "no %s: cannot create network and mount namespaces" % name
    for path, package in ((LIBVIRTD, "libvirt-daemon"), (QEMU, "qemu-system-x86")):
        if not os.access(path, os.X_OK):
            return "%s missing: run 'make deps' (package %s)" % (path, package)
    if not glob.glob("/usr/lib*/*/libvirt/connection-driver/libvirt_driver_qemu.so"):
        return "libvirt's qemu driver missing: run 'make deps' (libvirt-daemon-driver-qemu)"
    for tool in ("unshare", "ip", "mount"):
        if shutil.which(tool) is None:
            return "%s missing from PATH" % tool
    try:
        pwd.getpwnam(QEMU_USER)
    except KeyError:
        return "user %s missing: run 'make deps'" % QEMU_USER
    probe = subprocess.run(["unshare", "--net", "--mount", "true"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if probe.returncode != 0:
        return "unshare --net --mount failed: %s" % probe.stderr.decode().strip()
    return None


def _die_with_parent() -> None:
    # The holder (and through it libvirtd) gets SIGTERM if the test process
    # dies without cleaning up.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill_and_wait(pid: int) -> None:
    """SIGTERM `pid`, wait (bounded) until it is gone, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.02)


class DaemonError(Exception):
    """The private libvirtd did not come up."""


class PrivateLibvirtd(object):
    """A private libvirtd with `vnics` veth pairs (`vnic_names`) in its own
    network namespace; a context manager that removes everything on exit."""

    def __init__(self, vnics: int = 4, prefix: str = "vmfex",
                 cache_dir: Optional[str] = None) -> None:
        """`cache_dir`, when given, is bound over /var/cache and outlives the
        daemon: libvirt keeps its qemu capabilities there (probing takes ~8 s)
        and re-probes by itself when qemu or libvirt changed."""
        self.vnic_names = ["%s%d" % (prefix, i) for i in range(vnics)]
        self.cache_dir = cache_dir
        self.tmp = ""
        self.holder = None  # type: Optional[subprocess.Popen]
        self._pid = None  # type: Optional[int]
        self._netns = None  # (st_dev, st_ino) of the daemon's network namespace

    # --- what tests use ---------------------------------------------------
    @property
    def socket(self) -> str:
        return os.path.join(self.tmp, "sock", "libvirt-sock")

    @property
    def uri(self) -> str:
        return "qemu:///system?socket=" + self.socket

    @property
    def env(self) -> Dict[str, str]:
        """Environment entries that point libvirt clients at this daemon."""
        return {"LIBVIRT_DEFAULT_URI": self.uri}

    @property
    def log_path(self) -> str:
        return os.path.join(self.tmp, "libvirtd.log")

    @property
    def pid(self) -> int:
        """libvirtd's PID."""
        assert self._pid is not None
        return self._pid

    @property
    def sysfs_root(self) -> str:
        """The namespace's sysfs, which shows its veths, seen from outside."""
        assert self.holder is not None
        return "/proc/%d/root/sys" % self.holder.pid

    def qemu_log(self, domain: str) -> str:
        """The qemu log of `domain` (empty when none was written)."""
        path = os.path.join(self.tmp, "log", "libvirt", "qemu", domain + ".log")
        try:
            with open(path) as log:
                return log.read()
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        """The end of the daemon's log and stderr, for failure messages."""
        text = ""
        for name in ("libvirtd.log", "stderr.log"):
            try:
                with open(os.path.join(self.tmp, name)) as log:
                    text += "".join(log.readlines()[-lines:])
            except OSError:
                pass
        return text

    # --- life cycle -------------------------------------------------------
    def __enter__(self) -> "PrivateLibvirtd":
        self.tmp = tempfile.mkdtemp(prefix="vmfex-libvirtd-")
        try:
            self._write_config()
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _path(self, name: str) -> str:
        return os.path.join(self.tmp, name)

    def _write_config(self) -> None:
        for name, _target in BIND_MOUNTS:
            os.makedirs(self._path(name))
        os.makedirs(self._path("sock"))
        if self.cache_dir:
            os.makedirs(self.cache_dir, exist_ok=True)
        with open(self._path("etc/qemu.conf"), "w") as out:
            out.write(QEMU_CONF)
        with open(self._path("etc/libvirtd.conf"), "w") as out:
            out.write(LIBVIRTD_CONF.format(sock_dir=self._path("sock"), log=self.log_path))

    def _holder_script(self) -> str:
        """The shell run in the new namespaces: mounts and links, then the
        holder (nsholder.py), which starts libvirtd when asked."""
        q = shlex.quote
        lines = ["set -e", "mount -t sysfs sysfs /sys"]
        for name, target in BIND_MOUNTS:
            source = self._path(name)
            if name == "cache" and self.cache_dir:
                source = self.cache_dir
            lines.append("mount --bind %s %s" % (q(source), target))
        lines.append("ip link set lo up")
        for dev in self.vnic_names:
            lines.append("ip link add %s type veth peer name %sp" % (dev, dev))
            lines.append("ip link set %s up && ip link set %sp up" % (dev, dev))
        argv = [sys.executable, "-I", os.path.join(os.path.dirname(__file__), "nsholder.py"),
                self._path("namespace-ready"), self._path("libvirtd.child-pid"), "--",
                LIBVIRTD, "--config", self._path("etc/libvirtd.conf"),
                "--pid-file", self._path("libvirtd.pid")]
        lines.append("exec " + " ".join(q(arg) for arg in argv))
        return "\n".join(lines)

    def _wait_for(self, ready, what: str) -> None:
        """Poll `ready()` until true; bounded, and failing as soon as the
        holder or libvirtd is gone."""
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if self.holder is None or self.holder.poll() is not None:
                raise DaemonError("%s: the namespace holder exited:\n%s"
                                  % (what, self.log_tail()))
            if self._pid is not None and not _alive(self._pid):
                raise DaemonError("%s: libvirtd exited:\n%s" % (what, self.log_tail()))
            if time.monotonic() > deadline:
                raise DaemonError("%s: not after %.0f s:\n%s"
                                  % (what, START_TIMEOUT, self.log_tail()))
            time.sleep(0.05)

    def _start_holder(self) -> None:
        with open(self._path("stderr.log"), "ab") as err:
            # unshare without --fork execs: the Popen pid is the shell's, then
            # the holder's.
            self.holder = subprocess.Popen(
                ["unshare", "--net", "--mount", "--propagation", "private",
                 "/bin/sh", "-c", self._holder_script()],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                preexec_fn=_die_with_parent)
        ready = self._path("namespace-ready")
        self._wait_for(lambda: os.path.exists(ready), "namespace setup")
        st = os.stat("/proc/%d/ns/net" % self.holder.pid)
        self._netns = (st.st_dev, st.st_ino)

    def start(self) -> None:
        """Start libvirtd in the namespaces (also after stop()); wait, bounded,
        until it answers."""
        if self.holder is None:
            self._start_holder()
        pid_file = self._path("libvirtd.child-pid")
        if os.path.exists(pid_file):
            os.unlink(pid_file)
        self.holder.send_signal(signal.SIGUSR1)
        self._wait_for(lambda: os.path.exists(pid_file), "libvirtd fork")
        with open(pid_file) as text:
            self._pid = int(text.read())
        self._wait_for(lambda: os.path.exists(self.socket), "libvirtd socket")
        self._wait_for(self._answers, "libvirtd connection")

    def _answers(self) -> bool:
        # The socket appears before the drivers are initialised (and goes
        # away when that fails): ready means a connection answers.
        import libvirt
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError:
            return False
        try:
            conn.getCapabilities()
            return True
        except libvirt.libvirtError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop libvirtd by its PID (SIGTERM, bounded wait, then SIGKILL). The
        namespaces, links and running qemu processes stay."""
        if self._pid is None:
            return
        _kill_and_wait(self._pid)
        self._pid = None
        if os.path.exists(self.socket):
            os.unlink(self.socket)

    def restart(self) -> None:
        """Stop and start libvirtd, keeping its state, links and running domains."""
        self.stop()
        self.start()

    def namespace_pids(self) -> List[int]:
        """PIDs of the processes in the daemon's network namespace: the holder,
        libvirtd and its qemu processes; nothing else lives there."""
        if self._netns is None:
            return []
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                st = os.stat("/proc/%s/ns/net" % entry)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == self._netns:
                pids.append(int(entry))
        return sorted(pids)

    def close(self) -> None:
        """Stop libvirtd, kill the qemu processes it left (by PID), end the
        holder and remove the temp dir; the namespaces and veths die with the
        holder, the last process in them."""
        try:
            self.stop()
            holder = self.holder.pid if self.holder is not None else None
            deadline = time.monotonic() + STOP_TIMEOUT
            while time.monotonic() < deadline:
                left = [pid for pid in self.namespace_pids() if pid != holder]
                if not left:
                    break
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.05)
        finally:
            if self.holder is not None:
                self.holder.terminate()
                try:
                    self.holder.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.holder.kill()
                    self.holder.wait(STOP_TIMEOUT)
                self.holder = None
            if self.tmp:
                shutil.rmtree(self.tmp, ignore_errors=True)
