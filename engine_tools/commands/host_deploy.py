"""`vmfex-engine host-deploy enable|disable|status`: make the engine's own host
deploy set up VM-FEX on every host it adds or reinstalls."""
import argparse
import difflib
import errno
import os
import sys
from typing import Optional

from engine_tools.commands import output
from vdsm_hook_vmfex.common.cli import add_command, add_verbs
from vdsm_hook_vmfex.common.errors import VmfexError

# ovirt-engine: AnsibleConstants.HOST_DEPLOY_POST_TASKS_FILE_PATH
DEFAULT_FILE = "/etc/ovirt-engine/ansible/ovirt-host-deploy-post-tasks.yml"
# Where the vdsm-hook-vmfex-engine RPM puts the role (packaging/ansible).
DEFAULT_ROLE = "/usr/share/vdsm-hook-vmfex/ansible/roles/vmfex"
NEW_FILE_MODE = 0o644  # the engine runs ansible-playbook as user ovirt: it must read it

EPILOG = """\
examples:
  vmfex-engine host-deploy status
  vmfex-engine host-deploy enable --dry-run     # show the lines it would add
  vmfex-engine host-deploy enable
  vmfex-engine host-deploy disable
  vmfex-engine host-deploy enable --file /tmp/staging-post-tasks.yml

enable adds one marked include of the vmfex role to the engine's host deploy
post-tasks file (created when missing); every other byte of the file stays
as it is. When the file is a symbolic link, the file it points to is edited
and the link stays. Hosts get VM-FEX when the engine deploys or reinstalls them; for the
hosts that exist now run the playbook vmfex-hosts.yml next to the role, or
reinstall them. Set the role's variables (vmfex_devices, vmfex_optional, ...)
in the engine's host deploy inventory or in the file itself; see README.

exit codes: 0 ok (status: enabled), 1 failure, refusal or (status) not
enabled, 2 usage; nothing is written when it refuses.
"""


class FileError(VmfexError):
    """The post-tasks file cannot be read or written."""


def add_parser(subparsers) -> None:
    """Add `host-deploy enable|disable|status` to the vmfex-engine subcommands."""
    parser = add_command(
        subparsers, "host-deploy",
        help="include the VM-FEX host setup in the engine's host deploy",
        description="Add (enable), remove (disable) or check (status) the include of "
                    "the vmfex Ansible role in the engine's host deploy post-tasks file.",
        epilog=EPILOG)
    verbs = add_verbs(parser, "action")
    for verb, text in (("enable", "add the include of the vmfex role"),
                       ("disable", "remove the include of the vmfex role"),
                       ("status", "say whether the include is there (exit 1: not)")):
        command = add_command(verbs, verb, help=text, description=text + ".",
                              epilog=EPILOG)
        command.add_argument("--file", metavar="PATH", default=DEFAULT_FILE,
                             help="post-tasks file (default: %(default)s)")
        command.add_argument("--role", metavar="DIR", default=DEFAULT_ROLE,
                             help="the vmfex role the include names (default: "
                                  "%(default)s)")
        if verb != "status":
            command.add_argument("--dry-run", action="store_true",
                                 help="show the change as a diff, write nothing")
        output.add_json_argument(command)
        command.set_defaults(run=run, dry_run=False)


def read_text(path: str) -> Optional[str]:
    """The file's text, or None when it does not exist."""
    try:
        with open(path, "rb") as src:
            data = src.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise FileError("cannot read %s: %s" % (path, err.strerror)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileError("cannot use %s: byte %d is not UTF-8: expected a UTF-8 YAML "
                        "task list; nothing written" % (path, err.start + 1)) from None


def mount_point(path: str) -> str:
    """The mount point of the file system holding `path`."""
    path = os.path.realpath(path)
    while not os.path.ismount(path):
        path = os.path.dirname(path)
    return path


def edited_file(path: str) -> str:
    """The file an edit of `path` must replace: the target a symbolic link
    resolves to (the link stays, pointing at the edited file), else `path`."""
    return os.path.realpath(path) if os.path.islink(path) else path


def write_atomically(path: str, text: str) -> None:
    """Replace (or create) `path` with a fully written temp file in its
    directory, keeping the mode and, when allowed, the owner."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    tmp_path = os.path.join(directory, ".%s.vmfex-%d.tmp" % (os.path.basename(path),
                                                             os.getpid()))
    try:
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as err:
        if err.errno == errno.ENOENT:
            raise FileError("cannot write %s: directory %s does not exist (is this the "
                            "engine machine? --file names another file)"
                            % (path, directory)) from None
        if err.errno == errno.EROFS:
            raise FileError("cannot write %s: the file system mounted at %s is read-only "
                            "(remount it read-write, or give --file on a writable one)"
                            % (path, mount_point(directory))) from None
        raise FileError("cannot write %s: %s in directory %s (run it as root on the "
                        "engine machine)" % (path, err.strerror, directory)) from None
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(text.encode("utf-8"))
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_path, st.st_mode & 0o7777 if st else NEW_FILE_MODE)
        if st is not None and os.geteuid() == 0:
            os.chown(tmp_path, st.st_uid, st.st_gid)
        os.replace(tmp_path, path)
    except OSError as err:
        os.unlink(tmp_path)
        raise FileError("cannot write %s: %s" % (path, err.strerror)) from None


def _diff(path: str, old: Optional[str], new: str) -> str:
    return "".join(difflib.unified_diff(
        (old or "").splitlines(True), new.splitlines(True),
        fromfile=path if old is not None else "/dev/null", tofile=path))


def _status(args: argparse.Namespace, text: Optional[str], shown: str) -> int:
    from engine_tools.deploy import post_tasks

    enabled, message = post_tasks.status(text, args.role)
    role_present = os.path.isdir(args.role)
    if args.json:
        output.write_json(sys.stdout, {"command": "host-deploy status", "enabled": enabled,
                                       "file": args.file, "role": args.role,
                                       "role_present": role_present, "message": message})
    else:
        sys.stdout.write("%s: %s %s\n" % ("enabled" if enabled else "disabled",
                                          shown, message))
    if enabled and not role_present:
        sys.stderr.write("vmfex-engine: warning: %s is missing on this machine: "
                         "install vdsm-hook-vmfex-engine, or host deploy fails\n" % args.role)
    return 0 if enabled else 1


def _document(args: argparse.Namespace, outcome: str, message: str, **keys) -> None:
    output.write_document(sys.stdout, "host-deploy %s" % args.action, [output.item(
        outcome, message, file=args.file, role=args.role, **keys)], dry_run=args.dry_run)


def run(args: argparse.Namespace) -> int:
    """Run `host-deploy VERB`; return the exit code (errors raise VmfexError)."""
    from engine_tools.deploy import post_tasks

    target = edited_file(args.file)
    # a link (maybe config-managed) is kept: its target gets the edit
    shown = args.file if target == args.file else "%s (the target of the link %s)" % (
        target, args.file)
    text = read_text(target)
    try:
        if args.action == "status":
            return _status(args, text, shown)
        change = post_tasks.enable if args.action == "enable" else post_tasks.disable
        new, message = change(text, args.role)
    except (post_tasks.NotATaskList, post_tasks.CannotEdit) as err:
        raise FileError("refusing to change %s: %s; nothing written" % (shown, err)) \
            from None
    if new is None:
        if args.json:
            _document(args, output.UNCHANGED, message, edited=target)
        else:
            sys.stdout.write("%s: unchanged, %s\n" % (shown, message))
        return 0
    if args.dry_run:
        diff = _diff(target, text, new)
        if args.json:
            _document(args, output.CHANGED, message, diff=diff, edited=target)
        else:
            sys.stdout.write(diff)
        sys.stderr.write("vmfex-engine: dry run: would write %s (%s); nothing written\n"
                         % (shown, message))
        return 0
    write_atomically(target, new)
    effect = ("hosts the engine deploys or reinstalls from now on get VM-FEX"
              if args.action == "enable" else "hosts deployed from now on do not get VM-FEX")
    if args.json:
        try:
            _document(args, output.CHANGED, "%s; %s" % (message, effect), edited=target)
        except OSError as err:
            raise FileError("%s WAS changed, but the result could not be shown on stdout: %s"
                            % (shown, err.strerror or err)) from None
    else:
        say_written(shown, "%s: %s; %s\n" % (shown, message, effect))
    return 0


def say_written(path: str, line: str) -> None:
    """The result line of a write that is done: when stdout fails (closed,
    full device), the error still says that the file was changed."""
    try:
        sys.stdout.write(line)
        sys.stdout.flush()
    except OSError as err:
        raise FileError("%s WAS changed, but the result could not be shown on stdout: %s"
                        % (path, err.strerror or err)) from None
