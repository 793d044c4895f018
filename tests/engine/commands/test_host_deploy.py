"""`vmfex-engine host-deploy`: the engine's post-tasks file, edited on samples
an administrator could have; main() in this process, and as a process
where that is what is tested (another user, a full stdout, a read-only
mount, the C locale)."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_tools.deploy import post_tasks
from tests.engine.post_tasks_sample import POST_TASKS_SAMPLE
from tests.engine.tool import in_process
from tests.paths import ROOT
from vdsm_hook_vmfex.common.errors import VmfexError

ROLE = "/usr/share/vdsm-hook-vmfex/ansible/roles/vmfex"
BLOCK = post_tasks.include_block(ROLE)

# The engine's sample file, then an administrator's own tasks, comments and
# odd spacing.
ADMIN_FILE = POST_TASKS_SAMPLE + """
# site: chrony   (kept exactly, trailing spaces too)   \n\
- name:   Point chrony at the site servers
  ansible.builtin.lineinfile:
    path: /etc/chrony.conf
    line: "server ntp1.example.com iburst"
  tags: [site]
"""


# vmfex-engine as another user, wherever the checkout and its .venv lie: a
# checkout under a 0700 home or `mktemp -d` is out of that user's reach. The
# code is imported as root (every engine_tools module, so no lazy import
# comes later), then the process becomes the user and runs the command.
AS_USER = """
import importlib, os, pkgutil, sys
import engine_tools
for found in pkgutil.walk_packages(engine_tools.__path__, "engine_tools."):
    if not found.name.endswith(".__main__"):
        importlib.import_module(found.name)
from engine_tools.cli import main
os.setgroups([])
os.setgid(int(sys.argv[2]))
os.setuid(int(sys.argv[1]))
sys.exit(main(sys.argv[3:]))
"""


def host_deploy(*args: str, as_user: "tuple | None" = None) -> subprocess.CompletedProcess:
    """`vmfex-engine host-deploy ARGS` in this process; as another user, a process."""
    if not as_user:
        code, out, err = in_process(["host-deploy"] + list(args))
        return subprocess.CompletedProcess(args, code, out, err)
    argv = [sys.executable, "-c", AS_USER, str(as_user[0]), str(as_user[1]),
            "host-deploy"] + list(args)
    return subprocess.run(argv, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)


def write(path, data: bytes, mode: int = 0o640) -> str:
    with open(str(path), "wb") as out:
        out.write(data)
    os.chmod(str(path), mode)
    return str(path)


def read(path) -> bytes:
    with open(str(path), "rb") as src:
        return src.read()


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    """The single stderr line of a failure (no traceback)."""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("vmfex-engine: error: "), proc.stderr
    return lines[0]


@pytest.mark.parametrize("original", [
    ADMIN_FILE.encode(),
    ADMIN_FILE.replace("\n", "\r\n").encode(),           # written on Windows
    ADMIN_FILE.rstrip("\n").encode() + b"\n\n\n",         # blank lines at the end
    b"# only a comment, no tasks yet\n",
    b"---\n",
    b"",
    b"  - name: indented list\n    ansible.builtin.debug: {}\n",
    "- name: caf\u00e9 \u2603\n  ansible.builtin.debug: {}\n".encode(),
], ids=["example+admin", "crlf", "blank-tail", "comment-only", "doc-start", "empty",
        "indented", "utf8"])
def test_enable_appends_one_block_and_disable_restores_the_bytes(tmp_path, original):
    path = write(tmp_path / "post.yml", original)
    proc = host_deploy("enable", "--file", path, "--role", ROLE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ("%s: added the include of %s; hosts the engine deploys or "
                           "reinstalls from now on get VM-FEX\n" % (path, ROLE))
    new = read(path)
    assert new.startswith(original)  # every byte of the administrator's file kept
    tasks = yaml.safe_load(new)
    assert tasks[-1] == {"name": post_tasks.TASK_NAME,
                         "ansible.builtin.include_role": {"name": ROLE}}
    assert tasks[:-1] == (yaml.safe_load(original) or [])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640

    again = host_deploy("enable", "--file", path, "--role", ROLE)
    assert again.returncode == 0, again.stderr
    assert "unchanged, already includes the vmfex tasks" in again.stdout
    assert read(path) == new

    status = host_deploy("status", "--file", path, "--role", ROLE)
    assert status.returncode == 0
    assert status.stdout.startswith("enabled: %s includes %s at line " % (path, ROLE))

    off = host_deploy("disable", "--file", path, "--role", ROLE)
    assert off.returncode == 0, off.stderr
    assert read(path) == original
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert host_deploy("status", "--file", path).returncode == 1
    assert host_deploy("disable", "--file", path).stdout.endswith(
        "unchanged, does not include the vmfex tasks: nothing to disable\n")
    assert os.listdir(str(tmp_path)) == ["post.yml"]  # no temp file left


def test_the_block_is_marked_and_uses_only_ansible_builtin(tmp_path):
    path = write(tmp_path / "post.yml", ADMIN_FILE.encode())
    host_deploy("enable", "--file", path)
    added = read(path)[len(ADMIN_FILE):].decode()
    assert added == (
        "# BEGIN vdsm-hook-vmfex: added by 'vmfex-engine host-deploy enable'; remove with "
        "'vmfex-engine host-deploy disable'\n"
        "- name: Set up VM-FEX on the host (vdsm-hook-vmfex)\n"
        "  ansible.builtin.include_role:\n"
        "    name: \"/usr/share/vdsm-hook-vmfex/ansible/roles/vmfex\"\n"
        "# END vdsm-hook-vmfex\n")


@pytest.mark.parametrize("end, eol", [("", "\n"), ("", "\r\n"),
                                      ("\r", "\n")])  # a stray '\r' last: the block gets '\n'
def test_file_without_final_newline_is_byte_identical_after_enable_and_disable(tmp_path,
                                                                               end, eol):
    original = ("- name: x%s  ansible.builtin.debug: {}%s" % (eol, end)).encode()
    path = write(tmp_path / "post.yml", original)
    assert host_deploy("enable", "--file", path).returncode == 0
    block = BLOCK.replace("\n", eol).encode()
    assert read(path) == original + eol.encode() + block[:-len(eol)]
    assert host_deploy("status", "--file", path).returncode == 0
    assert host_deploy("disable", "--file", path).returncode == 0
    assert read(path) == original


def test_missing_file_is_created_readable_by_the_engine(tmp_path):
    path = str(tmp_path / "ovirt-host-deploy-post-tasks.yml")
    assert host_deploy("status", "--file", path).stdout.startswith(
        "disabled: %s does not exist" % path)
    proc = host_deploy("enable", "--file", path)
    assert proc.returncode == 0, proc.stderr
    assert read(path) == (post_tasks.NEW_FILE_HEADER + BLOCK).encode()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert host_deploy("disable", "--file", path).returncode == 0
    assert read(path) == post_tasks.NEW_FILE_HEADER.encode()
    assert yaml.safe_load(read(path)) is None  # the engine includes an empty list


def test_dry_run_shows_the_diff_and_writes_nothing(tmp_path):
    path = write(tmp_path / "post.yml", ADMIN_FILE.encode())
    proc = host_deploy("enable", "--dry-run", "--file", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("--- %s\n+++ %s\n@@ " % (path, path))
    assert "+  ansible.builtin.include_role:\n" in proc.stdout
    assert proc.stderr == ("vmfex-engine: dry run: would write %s (added the include of "
                           "%s); nothing written\n" % (path, ROLE))
    assert read(path) == ADMIN_FILE.encode()
    missing = str(tmp_path / "missing.yml")
    assert host_deploy("enable", "--dry-run", "--file", missing).stdout.startswith(
        "--- /dev/null\n")
    assert not os.path.exists(missing)


DUPLICATE = ADMIN_FILE + BLOCK + "- name: by hand\n  include_role:\n    name: " + ROLE + "\n"


@pytest.mark.parametrize("content, expected", [
    ("- name: a\n  debug: [\n", "not valid YAML (line 3, column 1: expected the node content"),
    ("name: a\ndebug: {}\n", "its top level is a mapping, not a list of tasks"),
    ("- hosts: all\n  tasks: []\n", "item 1 is a play (it has 'hosts'"),
    ("- just a string\n", "item 1 is a str, not a task"),
    ("- a: 1\n---\n- b: 2\n", "but found another document"),
    ("- when: 2024-13-45\n", "a value YAML cannot read (month must be in 1..12)"),
    ("- !!python/object/apply:os.system [true]\n", "could not determine a constructor"),
    ("[]\n", "its tasks are a flow-style list"),
    ("- name: a\n  debug: {}\n...\n# after the end\n", "appending the include would change"),
    (DUPLICATE, "it includes the vmfex tasks 2 times (lines 21, 25): expected at most once"),
    (ADMIN_FILE + BLOCK + BLOCK, "it includes the vmfex tasks 2 times"),
    (ADMIN_FILE + BLOCK.replace(post_tasks.END, "# the end"), "has no '# END vdsm-hook-vmfex'"),
], ids=["yaml", "mapping", "playbook", "string", "two-docs", "bad-date", "python-tag",
        "flow", "doc-end", "included-twice", "two-blocks", "unterminated"])
def test_refuses_files_it_cannot_edit_safely_and_writes_nothing(tmp_path, content, expected):
    path = write(tmp_path / "post.yml", content.encode())
    # A valid list without the include: disable has nothing to do (exit 0).
    only_enable = expected.startswith(("its tasks are a flow", "appending"))
    for action in ("enable",) if only_enable else ("enable", "disable"):
        proc = host_deploy(action, "--file", path)
        assert proc.returncode == 1, proc.stderr
        line = one_error_line(proc)
        assert line.startswith("vmfex-engine: error: refusing to change %s: " % path)
        assert expected in line
        assert line.endswith("; nothing written")
        assert read(path) == content.encode()
        assert os.listdir(str(tmp_path)) == ["post.yml"]


def test_include_written_by_hand_is_left_alone(tmp_path):
    content = ADMIN_FILE + "- ansible.builtin.include_role:\n    name: " + ROLE + "\n"
    path = write(tmp_path / "post.yml", content.encode())
    proc = host_deploy("enable", "--file", path)
    assert proc.returncode == 0
    assert "already includes the vmfex tasks at line 19" in proc.stdout
    off = host_deploy("disable", "--file", path)
    assert off.returncode == 1
    assert "outside a block marked '# BEGIN vdsm-hook-vmfex'" in one_error_line(off)
    assert host_deploy("status", "--file", path).returncode == 0
    assert read(path) == content.encode()


def test_not_utf8_and_directory_and_missing_directory(tmp_path):
    path = write(tmp_path / "post.yml", b"- name: caf\xe9\n")
    proc = host_deploy("enable", "--file", path)
    assert proc.returncode == 1
    assert "byte 12 is not UTF-8" in one_error_line(proc)
    assert read(path) == b"- name: caf\xe9\n"
    proc = host_deploy("enable", "--file", str(tmp_path))
    assert "cannot read %s: Is a directory" % tmp_path in one_error_line(proc)
    proc = host_deploy("enable", "--file", str(tmp_path / "no" / "post.yml"))
    assert proc.returncode == 1
    assert "directory %s does not exist" % (tmp_path / "no") in one_error_line(proc)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user")
def test_unwritable_directory_is_one_line_and_nothing_changes():
    # root writes anywhere: run the command as 'nobody' on a root-owned dir.
    directory = tempfile.mkdtemp(prefix="vmfex-host-deploy-")
    try:
        os.chmod(directory, 0o755)
        path = write(os.path.join(directory, "post.yml"), ADMIN_FILE.encode(), 0o644)
        proc = host_deploy("enable", "--file", path, as_user=(65534, 65534))
        assert proc.returncode == 1, proc.stderr
        assert one_error_line(proc) == (
            "vmfex-engine: error: cannot write %s: Permission denied in directory %s "
            "(run it as root on the engine machine)" % (path, directory))
        assert read(path) == ADMIN_FILE.encode()
        assert os.listdir(directory) == ["post.yml"]
    finally:
        shutil.rmtree(directory)


def test_a_symlinked_file_keeps_its_link_and_its_target_is_edited(tmp_path):
    (tmp_path / "managed").mkdir()
    target = write(tmp_path / "managed" / "post.yml", ADMIN_FILE.encode(), 0o644)
    link = tmp_path / "post.yml"
    link.symlink_to(os.path.join("managed", "post.yml"))
    proc = host_deploy("enable", "--file", str(link))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("%s (the target of the link %s): added the include"
                                  % (target, link))
    assert os.readlink(str(link)) == os.path.join("managed", "post.yml")
    assert read(target).startswith(ADMIN_FILE.encode()) and len(read(target)) > len(
        ADMIN_FILE.encode())
    assert host_deploy("status", "--file", str(link)).returncode == 0
    assert host_deploy("disable", "--file", str(link)).returncode == 0
    assert read(target) == ADMIN_FILE.encode() and link.is_symlink()
    assert sorted(os.listdir(str(tmp_path / "managed"))) == ["post.yml"]


def test_stdout_on_a_full_device_says_the_file_was_changed(tmp_path):
    path = write(tmp_path / "post.yml", ADMIN_FILE.encode())
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "engine_tools", "host-deploy", "enable",
                               "--file", path], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == ("vmfex-engine: error: %s WAS changed, but the result could not "
                           "be shown on stdout: No space left on device\n" % path)
    assert len(read(path)) > len(ADMIN_FILE.encode())


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare to mount a read-only file system")
def test_a_read_only_file_system_is_named_as_root(tmp_path):
    # a private mount namespace: a read-only tmpfs over a directory of ours
    mount = tmp_path / "ro"
    mount.mkdir()
    script = ("mount -t tmpfs -o ro none \"$1\" && shift && exec \"$@\"")
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(mount), sys.executable, "-m",
         "engine_tools", "host-deploy", "enable", "--file", str(mount / "post.yml")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, timeout=60)
    if "mount:" in done.stderr:
        pytest.skip("cannot mount here: %s" % done.stderr.strip())
    assert done.returncode == 1
    assert done.stderr == ("vmfex-engine: error: cannot write %s: the file system mounted "
                           "at %s is read-only (remount it read-write, or give --file on a "
                           "writable one)\n" % (mount / "post.yml", mount))


def test_help_has_examples_and_bad_usage_exits_2():
    proc = host_deploy("--help")
    assert proc.returncode == 0
    assert "vmfex-engine host-deploy enable --dry-run" in proc.stdout
    assert host_deploy("frobnicate").returncode == 2
    assert host_deploy().returncode == 2


# --- any file content: a clear refusal, or an edit that keeps every byte ----

YAML_BITS = st.sampled_from([
    "- name: a\n", "  debug: {}\n", "  ansible.builtin.include_role:\n",
    "    name: %s\n" % ROLE, "- block:\n", "    - include_tasks: x.yml\n", "# comment\n",
    BLOCK, post_tasks.BEGIN + "\n", post_tasks.END + "\n", "---\n", "...\n", "[]\n",
    "- &a {b: *a}\n", "key: value\n", "\t\n", "- \"\\u00e9\"\n", "- [1, 2\n", "\r\n", "",
])
CONTENTS = st.one_of(st.text(max_size=300), st.lists(YAML_BITS, max_size=12).map("".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONTENTS)
def test_any_content_is_refused_clearly_or_edited_keeping_every_byte(text):
    try:
        new, _message = post_tasks.enable(text, ROLE)
    except VmfexError as err:
        assert "\n" not in str(err)
        return
    if new is None:
        return  # already enabled
    assert new.startswith(text)
    assert len(post_tasks.parse(new, ROLE).includes) == 1
    restored, _message = post_tasks.disable(new, ROLE)
    assert restored == text
    assert post_tasks.parse(restored, ROLE).includes == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=200), CONTENTS.map(lambda t: t.encode("utf-8"))),
       st.sampled_from(["enable", "disable", "status"]))
def test_command_never_tracebacks_and_refusal_leaves_the_file(tmp_path, data, action):
    path = write(tmp_path / "post.yml", data)
    proc = host_deploy(action, "--file", path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    if proc.returncode == 1 and action != "status":
        assert len(proc.stderr.splitlines()) == 1
        assert read(path) == data
    assert sorted(os.listdir(str(tmp_path))) == ["post.yml"]


def test_json_status_and_enable_in_the_c_locale(tmp_path):
    import json

    # A non-ASCII file name in the C locale of EL8's Python 3.6 (no coercion):
    # the document stays ASCII and nothing else reaches stdout.
    path = os.path.join(str(tmp_path), "post-tasks-\u00e9.yml").encode("utf-8")
    env = dict(os.environ, PYTHONPATH=ROOT, LC_ALL="C", PYTHONCOERCECLOCALE="0",
               PYTHONUTF8="0")

    def run_json(*args):
        proc = subprocess.run([sys.executable.encode(), b"-m", b"engine_tools", b"host-deploy"]
                              + [a if isinstance(a, bytes) else a.encode() for a in args]
                              + [b"--file", path, b"--role", ROLE.encode(), b"--json"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60)
        assert b"Traceback" not in proc.stderr, proc.stderr
        return proc.returncode, json.loads(proc.stdout.decode("ascii"))

    code, data = run_json("status")
    assert code == 1
    assert sorted(data) == ["command", "enabled", "file", "message", "role", "role_present"]
    assert data["command"] == "host-deploy status" and data["enabled"] is False
    code, data = run_json("enable", "--dry-run")
    assert code == 0 and data["dry_run"] is True and not os.path.exists(path)
    assert data["items"][0]["outcome"] == "changed" and "+" in data["items"][0]["diff"]
    code, data = run_json("enable")
    assert code == 0 and data["command"] == "host-deploy enable"
    assert data["summary"]["changed"] == 1 and os.path.exists(path)
    code, data = run_json("enable")
    assert code == 0 and data["items"][0]["outcome"] == "unchanged"
    code, data = run_json("status")
    assert code == 0 and data["enabled"] is True
