"""The RPMs as `make rpm` builds them, and as a host or the engine installs them.

One `make rpm` per session, into a temp dir; the packages are then read with
`rpm -qp`, linted with rpmlint, and unpacked into scratch roots where the
installed launchers run with the machine's /usr/bin/python3.
"""
import glob
import gzip
import os
import re
import shutil
import subprocess

import pytest
from lxml import etree

from tests.domains import host_node_xml
from tests.hook.runner import VM_ID, VM_MAP, lock_path, run_hook, sample
from tests.paths import ROOT
from vdsm_hook_vmfex.common.version import __version__
from vdsm_hook_vmfex.host.config import (
    DEFAULT_LIBVIRT_TIMEOUT,
    DEFAULT_LOCK_PATH,
    DEFAULT_NETWORK,
)

NAME = "vdsm-hook-vmfex"
SYSTEM_PYTHON = "/usr/bin/python3"
HOOKS = "/usr/libexec/vdsm/hooks"
HOOK_POINTS = ("before_vm_start", "before_vm_migrate_destination", "before_device_create",
               "before_nic_hotplug", "before_update_device", "before_device_migrate_destination")
SPEC_TEMPLATE = os.path.join(ROOT, "packaging", NAME + ".spec.in")


def run(argv, **kwargs):
    kwargs.setdefault("timeout", 120)
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kwargs)


def query(rpm_path, *args):
    proc = run(["rpm", "-qp"] + list(args) + [rpm_path])
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


class Build(object):
    """What `make rpm DIST_DIR=... RPM_TOPDIR=...` left behind."""

    def __init__(self, dist, topdir):
        self.dist = dist
        self.spec = os.path.join(topdir, NAME + ".spec")
        self.files = sorted(os.listdir(dist))

    def path(self, pattern):
        found = glob.glob(os.path.join(self.dist, pattern))
        assert len(found) == 1, (pattern, self.files)
        return found[0]

    @property
    def host(self):
        return self.path(NAME + "-[0-9]*.noarch.rpm")

    @property
    def common(self):
        return self.path(NAME + "-common-*.noarch.rpm")

    @property
    def engine(self):
        return self.path(NAME + "-engine-*.noarch.rpm")

    @property
    def srpm(self):
        return self.path(NAME + "-*.src.rpm")

    @property
    def binaries(self):
        return [self.host, self.common, self.engine]


@pytest.fixture(scope="session")
def build(tmp_path_factory):
    base = tmp_path_factory.mktemp("rpm")
    dist, topdir = str(base / "dist"), str(base / "rpmbuild")
    proc = run(["make", "-s", "rpm", "DIST_DIR=" + dist, "RPM_TOPDIR=" + topdir], cwd=ROOT,
               timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return Build(dist, topdir)


def unpack(rpm_paths, root):
    """Install as `rpm --nodeps` would, minus the database: cpio into `root`."""
    os.makedirs(root)
    for rpm_path in rpm_paths:
        cpio = subprocess.Popen(["rpm2cpio", rpm_path], stdout=subprocess.PIPE)
        unpacked = run(["cpio", "-idm", "--quiet"], stdin=cpio.stdout, cwd=root)
        cpio.stdout.close()
        assert cpio.wait() == 0 and unpacked.returncode == 0, unpacked.stderr
    return root


def sitelib(root):
    """The site-packages directory the package put vdsm_hook_vmfex or engine_tools in."""
    found = glob.glob(os.path.join(root, "usr/lib*/python3*/site-packages"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="session")
def host_root(build, tmp_path_factory):
    """A host's view: vdsm-hook-vmfex and -common unpacked, nothing else."""
    return unpack([build.host, build.common], str(tmp_path_factory.mktemp("host") / "root"))


def installed_env(root, **extra):
    """Environment that sees only the unpacked packages, not this checkout."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": sitelib(root),
           "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def file_table(rpm_path):
    """{path: (permissions, file flags)} of a package, as `rpm -qp` reports it."""
    table = {}
    for line in query(rpm_path, "--qf", "[%{FILEMODES:perms} %{FILEFLAGS:fflags}|%{FILENAMES}\n]"
                      ).splitlines():
        left, path = line.split("|", 1)
        perms, _, flags = left.partition(" ")
        table[path] = (perms, flags.strip())
    return table


def python_modules(table, package_dir):
    return {os.path.relpath(p, package_dir) for p in table
            if p.endswith(".py") and "/site-packages/%s/" % os.path.basename(package_dir) in p}


def tree_modules(package):
    top = os.path.join(ROOT, package)
    return {os.path.relpath(os.path.join(d, f), top)
            for d, _, files in os.walk(top) if "__pycache__" not in d
            for f in files if f.endswith(".py")}


def compiled_modules(table):
    """The modules of `table` that have a .pyc beside them in __pycache__."""
    found = set()
    for path in table:
        if path.endswith(".pyc") and "/__pycache__/" in path:
            directory, name = path.split("/__pycache__/")
            found.add("%s/%s.py" % (directory, name.split(".")[0]))
    return found


def package_dir(table, package):
    dirs = {p for p in table if p.endswith("/site-packages/" + package)}
    assert len(dirs) == 1, sorted(table)
    return dirs.pop()


# --- make dist / srpm / rpm -----------------------------------------------

def test_make_rpm_leaves_tarball_srpm_and_three_noarch_rpms(build):
    release = r"-%s-1(\.[a-z0-9_]+)?" % re.escape(__version__)
    expected = [NAME + release + r"\.noarch\.rpm", NAME + release + r"\.src\.rpm",
                NAME + "-%s.tar.gz" % re.escape(__version__),
                NAME + "-common" + release + r"\.noarch\.rpm",
                NAME + "-engine" + release + r"\.noarch\.rpm"]
    assert len(build.files) == len(expected), build.files
    for pattern in expected:
        assert [f for f in build.files if re.fullmatch(pattern, f)], (pattern, build.files)


def test_packages_carry_the_version_of_version_py_and_are_noarch(build):
    rows = sorted(query(p, "--qf", "%{NAME} %{VERSION} %{ARCH}\n").strip()
                  for p in build.binaries)
    assert rows == ["%s %s noarch" % (name, __version__)
                    for name in (NAME, NAME + "-common", NAME + "-engine")]
    assert query(build.srpm, "--qf", "%{NAME} %{VERSION}") == "%s %s" % (NAME, __version__)


def test_every_package_has_summary_description_license_url_and_changelog(build):
    for rpm_path in build.binaries + [build.srpm]:
        summary, license_, url = query(rpm_path, "--qf", "%{SUMMARY}|%{LICENSE}|%{URL}"
                                       ).split("|")
        assert 20 < len(summary) < 80, rpm_path
        assert len(query(rpm_path, "--qf", "%{DESCRIPTION}").split()) > 20, rpm_path
        assert license_ == "GPL-2.0-or-later" and url.startswith("https://"), rpm_path
        assert "- %s-1" % __version__ in query(rpm_path, "--changelog").splitlines()[0]


def test_tarball_holds_the_tree_and_the_spec_with_the_version_filled_in(build):
    top = "%s-%s/" % (NAME, __version__)
    names = run(["tar", "-tzf", build.path("*.tar.gz")]).stdout.split()
    assert all(n.startswith(top) for n in names)
    for member in ("LICENSE", "README.md", NAME + ".spec", "packaging/50_vmfex",
                   "vdsm_hook_vmfex/common/version.py", "engine_tools/__init__.py"):
        assert top + member in names
    assert not [n for n in names if "__pycache__" in n or "/.venv/" in n or "/.git/" in n]
    with open(build.spec) as spec:
        text = spec.read()
    assert "@VERSION@" not in text
    assert "%%global version_from_tree %s\n" % __version__ in text


def test_make_tarball_refuses_a_version_rpm_cannot_carry(tmp_path):
    (tmp_path / "packaging").mkdir()
    (tmp_path / "vdsm_hook_vmfex" / "common").mkdir(parents=True)
    for name in ("make-tarball.sh", NAME + ".spec.in"):
        shutil.copy2(os.path.join(ROOT, "packaging", name), str(tmp_path / "packaging"))
    (tmp_path / "vdsm_hook_vmfex" / "common" / "version.py").write_text(
        '__version__ = "2.0-beta"\n')
    proc = run([str(tmp_path / "packaging" / "make-tarball.sh"), str(tmp_path / "out")])
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == (
        "make-tarball.sh: vdsm_hook_vmfex/common/version.py: __version__ '2.0-beta' is not "
        "usable as an RPM version: expected e.g. \"1.2.0\" (digits, letters, '.', '+', '~', '_')")
    assert not (tmp_path / "out").exists()


def test_make_tarball_outside_git_skips_caches(tmp_path):
    tree = tmp_path / "tree"
    (tree / "packaging").mkdir(parents=True)
    (tree / "vdsm_hook_vmfex" / "common" / "__pycache__").mkdir(parents=True)
    for name in ("make-tarball.sh", NAME + ".spec.in"):
        shutil.copy2(os.path.join(ROOT, "packaging", name), str(tree / "packaging"))
    (tree / "vdsm_hook_vmfex" / "common" / "version.py").write_text("__version__ = '3.1.4'\n")
    (tree / "vdsm_hook_vmfex" / "common" / "__pycache__" / "version.cpython-311.pyc"
     ).write_bytes(b"x")
    proc = run([str(tree / "packaging" / "make-tarball.sh"), str(tmp_path / "out")])
    assert proc.returncode == 0, proc.stderr
    tarball = str(tmp_path / "out" / (NAME + "-3.1.4.tar.gz"))
    assert proc.stdout.strip() == tarball
    assert sorted(run(["tar", "-tzf", tarball]).stdout.split()) == [
        NAME + "-3.1.4/", NAME + "-3.1.4/packaging/", NAME + "-3.1.4/packaging/make-tarball.sh",
        NAME + "-3.1.4/packaging/%s.spec.in" % NAME, NAME + "-3.1.4/%s.spec" % NAME,
        NAME + "-3.1.4/vdsm_hook_vmfex/", NAME + "-3.1.4/vdsm_hook_vmfex/common/",
        NAME + "-3.1.4/vdsm_hook_vmfex/common/version.py"]


# --- what each package holds and needs ------------------------------------

def test_host_package_files_and_modes(build):
    table = file_table(build.host)
    for point in HOOK_POINTS:
        assert table["%s/%s/50_vmfex" % (HOOKS, point)][0] == "-rwxr-xr-x"
    assert sorted(p.split("/")[-2] for p in table if p.startswith(HOOKS + "/")) == sorted(
        HOOK_POINTS)
    assert table["/etc/vdsm/vmfex.conf"] == ("-rw-r--r--", "cn")  # %config(noreplace)
    assert [flags for path, (_, flags) in table.items() if path.endswith("/README.md")] == ["d"]
    assert [flags for path, (_, flags) in table.items() if path.endswith("/LICENSE")] == ["l"]
    assert table["/usr/sbin/vmfex-direct-pool"][0] == "-rwxr-xr-x"
    assert not [p for p in table if p.startswith("/usr/bin/")]
    # Byte-compiled: a .pyc for every module.
    modules = {p for p in table if p.endswith(".py")}
    assert modules and compiled_modules(table) == modules


def test_shared_modules_in_common_the_rest_in_the_host_package(build):
    host, common = file_table(build.host), file_table(build.common)
    top = package_dir(common, "vdsm_hook_vmfex")
    tree = tree_modules("vdsm_hook_vmfex")
    # -common: the package's __init__ and the whole common/ subpackage.
    shared = {"__init__.py"} | {m for m in tree if m.startswith("common/")}
    assert python_modules(common, top) == shared
    assert python_modules(host, top) == tree - shared
    assert {m.split("/")[0] for m in tree - shared} == {"__main__.py", "host", "hook", "pool"}
    assert top not in host  # -common owns the directory
    assert compiled_modules(common) == {p for p in common if p.endswith(".py")}
    # They share directories only, no file.
    assert {host[p][0][0] for p in set(host) & set(common)} <= {"d"}


def test_engine_package_holds_engine_tools_and_not_the_host_side(build):
    table = file_table(build.engine)
    engine_dir = package_dir(table, "engine_tools")
    assert python_modules(table, engine_dir) == tree_modules("engine_tools")
    assert not [p for p in table if "vdsm_hook_vmfex" in p or p.startswith("/usr/libexec/")]
    assert table["/usr/bin/vmfex-engine"][0] == "-rwxr-xr-x"


def test_engine_package_ships_the_ansible_role_host_deploy_names(build):
    from engine_tools.commands.host_deploy import DEFAULT_ROLE
    table = file_table(build.engine)
    shipped = {p: perms for p, (perms, _) in table.items()
               if p.startswith("/usr/share/%s/ansible/" % NAME) and not perms.startswith("d")}
    tree_dir = os.path.join(ROOT, "packaging", "ansible")
    tree = {os.path.relpath(os.path.join(d, f), tree_dir)
            for d, _, files in os.walk(tree_dir) for f in files}
    assert {os.path.relpath(p, "/usr/share/%s/ansible" % NAME) for p in shipped} == tree
    assert set(shipped.values()) == {"-rw-r--r--"}
    assert DEFAULT_ROLE + "/tasks/main.yml" in shipped
    assert "python3-pyyaml" in query(build.engine, "--requires").split("\n")


def test_the_hook_handles_exactly_the_hook_points_the_package_installs():
    from vdsm_hook_vmfex.hook.main import HOOK_POINTS as handled
    assert sorted(handled) == sorted(HOOK_POINTS)


def test_requires_obsoletes_and_provides(build):
    version_release = query(build.host, "--qf", "%{VERSION}-%{RELEASE}")
    host = set(query(build.host, "--requires").split("\n"))
    assert {"vdsm >= 4.40.70", "python3-lxml", "python3-libvirt",
            "%s-common = %s" % (NAME, version_release)} <= host
    # Replaces vmfex-dev (built with VDSM's version, last 4.50.7): `dnf install`
    # swaps it; the Provides is not below the bound (no self-obsoletion).
    # VDSM before 4.40.70 requires vmfex-dev = its version: the Conflicts
    # makes dnf's refusal name vdsm rather than the obsoleted vmfex-dev.
    assert query(build.host, "--conflicts").splitlines() == ["vdsm < 4.40.70"]
    assert query(build.host, "--obsoletes").splitlines() == [NAME + "-dev < 4.51"]
    assert NAME + "-dev = 4.51" in query(build.host, "--provides").splitlines()
    engine = set(query(build.engine, "--requires").split("\n"))
    assert {"python3-ovirt-engine-sdk4", "%s-common = %s" % (NAME, version_release)} <= engine
    common = set(query(build.common, "--requires").split("\n"))
    assert "python3" in common
    for requires in (engine, common):  # the engine machine needs no VDSM, libvirt or lxml
        assert not {"vdsm", "vdsm >= 4.40.70", "python3-libvirt", "python3-lxml",
                    NAME} & requires
    # ucsmsdk is a weak dependency of the engine tool only (UCS Manager checks)
    assert query(build.engine, "--recommends").split() == ["python3-ucsmsdk"]
    assert "python3-ucsmsdk" not in engine
    for rpm_path in (build.host, build.common):
        assert query(rpm_path, "--recommends").strip() == ""
    for rpm_path in (build.common, build.engine):
        assert query(rpm_path, "--conflicts").strip() == ""
        assert query(rpm_path, "--obsoletes").strip() == ""


def test_no_scriptlet_can_fail_an_install(build):
    for rpm_path in build.binaries:
        assert query(rpm_path, "--scripts").strip() == "", rpm_path
        assert query(rpm_path, "--triggers").strip() == "", rpm_path


def test_rpmlint_finds_no_error_and_only_the_warnings_kept_on_purpose(build):
    with open(SPEC_TEMPLATE) as spec:
        kept = dict(re.findall(r"^#\s+rpmlint-keep: ([a-z0-9-]+): (\S.*)$", spec.read(), re.M))
    proc = run(["rpmlint", "-r", os.path.join(ROOT, "packaging", "rpmlintrc")]
               + build.binaries + [build.srpm, build.spec])
    report = proc.stdout
    assert re.search(r"\b0 errors\b", report), report
    problems = re.findall(r"^\S+: ([EW]): (\S+)", report, re.M)
    assert problems, report  # rpmlint ran and reported the kept warnings
    assert not [check for kind, check in problems if kind == "E"], report
    assert {check for _, check in problems} <= set(kept), report


# --- installed as a host would install them --------------------------------

def test_launchers_are_one_line_python3_scripts(host_root):
    for point in HOOK_POINTS:
        with open(os.path.join(host_root, HOOKS.lstrip("/"), point, "50_vmfex")) as launcher:
            lines = launcher.read().splitlines()
        assert lines == ["#!/usr/bin/python3",
                         "from vdsm_hook_vmfex.hook.main import launch; launch(__file__)"]


def test_installed_code_is_what_the_launchers_import(host_root, tmp_path):
    proc = run([SYSTEM_PYTHON, "-c", "import vdsm_hook_vmfex.hook.main as h; print(h.__file__)"],
               env=installed_env(host_root), cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(host_root + "/usr/lib"), proc.stdout


def run_installed_hook(host_root, tmp_path, point, xml, vm_custom=VM_MAP, device_custom=None,
                       **daemon_env):
    """The installed launcher of `point`, run as VDSM runs it, on the shipped
    vmfex.conf with the lock moved out of the machine's /run."""
    launcher = os.path.join(host_root, HOOKS.lstrip("/"), point, "50_vmfex")
    with open(os.path.join(host_root, "etc/vdsm/vmfex.conf")) as shipped:
        conf = shipped.read() + "\nlock_file = %s\n" % lock_path(tmp_path)
    return run_hook(tmp_path, point, xml, vm_custom, device_custom, conf=conf,
                    command=[launcher], daemon=installed_env(host_root), **daemon_env)


def vmfex_nics(root):
    return {i.find("mac").get("address").lower(): (i.get("type"), i.find("source").get("network"),
                                           i.find("virtualport").get("type"),
                                           i.find("virtualport/parameters").get("profileid"))
            for i in root.iter("interface") if i.find("virtualport") is not None}


def test_installed_hook_rewrites_the_domain_at_vm_start(host_root, tmp_path):
    xml = sample()
    run = run_installed_hook(host_root, tmp_path, "before_vm_start", xml)
    assert run.code == 0, run.stderr
    assert vmfex_nics(run.root) == {
        "00:1a:4a:16:01:b0": ("network", "direct-pool", "802.1Qbh", "Profile1"),
        "00:1a:4a:16:01:b1": ("network", "direct-pool", "802.1Qbh", "Profile2")}
    assert run.stderr.splitlines() == [
        "vmfex: VM %s: NIC 00:1a:4a:16:01:b0: bridge ovirtmgmt -> network direct-pool, "
        "port profile 'Profile1' from the VM map" % VM_ID,
        "vmfex: VM %s: NIC 00:1a:4a:16:01:b1: bridge storage -> network direct-pool, "
        "port profile 'Profile2' from the VM map" % VM_ID]


@pytest.mark.parametrize("point", ["before_device_create", "before_nic_hotplug",
                                   "before_update_device"])
def test_installed_hook_rewrites_a_nic_from_its_vnic_profile(host_root, tmp_path, point):
    nic = etree.tostring(etree.fromstring(sample()).find("devices/interface"))
    run = run_installed_hook(host_root, tmp_path, point, nic, {}, {"vmfex": " DbProfile "})
    assert run.code == 0, run.stderr
    assert vmfex_nics(run.root) == {
        "00:1a:4a:16:01:b0": ("network", "direct-pool", "802.1Qbh", "DbProfile")}
    assert run.stderr.strip().endswith("port profile 'DbProfile' from the vNIC profile")


def test_installed_hook_leaves_the_migration_destination_device_alone(host_root, tmp_path):
    nic = etree.tostring(etree.fromstring(sample()).find("devices/interface"))
    run = run_installed_hook(host_root, tmp_path, "before_device_migrate_destination",
                             nic, {}, {"vmfex": "DbProfile"})
    assert (run.code, run.stderr, run.after) == (0, "", nic)


def test_installed_hook_rewrites_a_hotplugged_nic(host_root, tmp_path):
    nic = etree.tostring(etree.fromstring(sample()).find("devices/interface"))
    run = run_installed_hook(host_root, tmp_path, "before_nic_hotplug", nic)
    assert run.code == 0, run.stderr
    assert vmfex_nics(run.root) == {
        "00:1a:4a:16:01:b0": ("network", "direct-pool", "802.1Qbh", "Profile1")}


@pytest.mark.parametrize("devices, code", [(2, 0), (1, 2)])
def test_installed_hook_checks_the_migration_destination_with_libvirt(
        host_root, tmp_path, devices, code):
    node = tmp_path / "node.xml"
    node.write_text(host_node_xml(devices=devices))
    xml = sample()
    run = run_installed_hook(host_root, tmp_path, "before_vm_migrate_destination", xml,
                             LIBVIRT_DEFAULT_URI="test://" + str(node))
    assert run.code == code, run.stderr
    assert run.after == xml
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1


def test_installed_config_file_shows_the_defaults_commented(host_root, tmp_path):
    conf = os.path.join(host_root, "etc/vdsm/vmfex.conf")
    with open(conf) as conf_file:
        lines = [line.strip() for line in conf_file]
    assert "# network = %s" % DEFAULT_NETWORK in lines
    assert "# lock_file = %s" % DEFAULT_LOCK_PATH in lines
    assert "# libvirt_timeout = %g" % DEFAULT_LIBVIRT_TIMEOUT in lines
    assert [line for line in lines if line and not line.startswith("#")] == ["[vmfex]"]
    code = ("from vdsm_hook_vmfex.host.config import load_settings; "
            "s = load_settings({'VMFEX_CONF': %r}); print(s.network, s.lock_path, s.source)"
            % conf)
    proc = run([SYSTEM_PYTHON, "-c", code], env=installed_env(host_root), cwd=str(tmp_path))
    assert proc.stdout.split() == [DEFAULT_NETWORK, DEFAULT_LOCK_PATH, conf], proc.stderr


@pytest.mark.parametrize("args, expected", [
    (["--help"], "usage: vmfex-direct-pool"),
    (["--version"], __version__),
])
def test_installed_direct_pool_command(host_root, tmp_path, args, expected):
    command = os.path.join(host_root, "usr/sbin/vmfex-direct-pool")
    proc = run([command] + args, env=installed_env(host_root), cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout
    assert "Traceback" not in proc.stderr


def installed_engine_env(root):
    # ovirtsdk4 (python3-ovirt-engine-sdk4 on the engine) comes from the venv
    # here; the venv holds neither vdsm_hook_vmfex nor engine_tools.
    sdk = os.path.dirname(os.path.dirname(__import__("ovirtsdk4").__file__))
    env = installed_env(root)
    env["PYTHONPATH"] += os.pathsep + sdk
    return env


@pytest.mark.parametrize("args, expected", [
    (["--help"], "usage: vmfex-engine"),
    (["--version"], __version__),
])
def test_installed_engine_command_without_the_host_package(build, tmp_path, args, expected):
    root = unpack([build.engine, build.common], str(tmp_path / "root"))
    proc = run([os.path.join(root, "usr/bin/vmfex-engine")] + args,
               env=installed_engine_env(root), cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout


def test_installed_engine_command_enables_the_shipped_role(build, tmp_path):
    root = unpack([build.engine, build.common], str(tmp_path / "root"))
    role = os.path.join(root, "usr/share/%s/ansible/roles/vmfex" % NAME)
    post_tasks = str(tmp_path / "ovirt-host-deploy-post-tasks.yml")
    command = [os.path.join(root, "usr/bin/vmfex-engine"), "host-deploy"]
    options = ["--file", post_tasks, "--role", role]
    env = installed_engine_env(root)
    enable = run(command + ["enable"] + options, env=env, cwd=str(tmp_path))
    assert enable.returncode == 0, enable.stderr
    status = run(command + ["status"] + options, env=env, cwd=str(tmp_path))
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("enabled: ") and status.stderr == ""  # the role is there


@pytest.mark.parametrize("package, command, commands", [
    ("host", "vmfex-direct-pool", "define remove status"),
    ("engine", "vmfex-engine",
     "assign capacity check convert export host-deploy leave profiles register ucs"),
])
def test_each_command_has_its_man_page_and_bash_completion(build, tmp_path, package, command,
                                                           commands):
    table = file_table(getattr(build, package))
    page = "/usr/share/man/man1/%s.1.gz" % command
    completion = "/usr/share/bash-completion/completions/" + command
    assert table[page][0] == "-rw-r--r--" and table[completion][0] == "-rw-r--r--"
    others = [p for p in table if "/man/" in p or "/bash-completion/" in p]
    assert sorted(others) == sorted([page, completion])
    root = unpack([getattr(build, package)], str(tmp_path / "root"))
    with gzip.open(root + page, "rt", encoding="utf-8") as text:
        assert text.read().startswith(".TH ")
    proc = run(["bash", "--norc", "-c", 'source "$1"; COMP_WORDS=(%s ""); COMP_CWORD=1; '
                '_%s; echo "${COMPREPLY[@]}"' % (command, command.replace("-", "_")),
                "bash", root + completion])
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout.split() == commands.split()
