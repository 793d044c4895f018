"""`vmfex-engine register`: add the vmfex property to UserDefinedVMProperties
(VM maps) or, with --device, to CustomDeviceProperties (vNIC profiles)."""
import argparse
import subprocess
import sys
from typing import List, Optional, TextIO

from engine_tools.commands import output
from engine_tools.engine import engine_config
from engine_tools.model import device_properties, user_properties
from vdsm_hook_vmfex.common.cli import add_command
from vdsm_hook_vmfex.common.errors import VmfexError

RESTART_COMMAND = ["systemctl", "restart", "ovirt-engine"]


class RestartFailed(VmfexError):
    """systemctl could not restart ovirt-engine."""


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "register",
        help="register 'vmfex' in UserDefinedVMProperties, or with --device in "
             "CustomDeviceProperties (engine machine)",
        description="Add vmfex=REGEX to UserDefinedVMProperties (the VM map model) with "
                    "engine-config, keeping every other property; with --device add it "
                    "to the interface properties of CustomDeviceProperties (the vNIC "
                    "profile model), keeping every other device type and property "
                    "(SecurityGroups, which the engine's default holds, included). "
                    "Re-running changes nothing.",
        epilog="examples:\n"
               "  vmfex-engine register --cver 4.7 --restart\n"
               "  vmfex-engine register --device --dry-run\n"
               "  vmfex-engine register && vmfex-engine register --device --restart  # both")
    parser.add_argument("--cver", action="append", metavar="VERSION",
                        help="cluster version (repeatable; default: every version "
                             "engine-config lists)")
    parser.add_argument("--engine-config", metavar="PATH", default=engine_config.DEFAULT_PATH,
                        help="engine-config command (default: %(default)s)")
    parser.add_argument("--device", action="store_true",
                        help="register the vNIC profile property (CustomDeviceProperties, "
                             "type=interface) instead of the VM property")
    parser.add_argument("--dry-run", action="store_true",
                        help="show old and new value per version, change nothing")
    parser.add_argument("--restart", action="store_true",
                        help="run 'systemctl restart ovirt-engine' afterwards")
    output.add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return register(args.cver, args.engine_config, args.dry_run, args.restart, sys.stdout,
                    args.device, as_json=args.json)


def register(versions: Optional[List[str]], engine_config_path: str, dry_run: bool,
             restart: bool, out: TextIO, device: bool = False, as_json: bool = False) -> int:
    """Register vmfex for `versions` (None: every version); return the exit code.

    device: in CustomDeviceProperties (type=interface) instead of
    UserDefinedVMProperties. Raises EngineConfigError when engine-config is
    missing or fails, InvalidDeviceProperties when a value cannot be edited
    safely (nothing is written then), RestartFailed when the restart fails.
    """
    key = engine_config.DEVICE_KEY if device else engine_config.KEY
    edit = device_properties.with_vmfex if device else user_properties.with_vmfex
    if not versions:
        versions = engine_config.list_versions(engine_config_path, key)
    olds = {version: engine_config.get_value(version, engine_config_path, key)
            for version in versions}
    news = {}
    for version in versions:
        try:
            news[version] = edit(olds[version])
        except device_properties.InvalidDeviceProperties as e:
            raise device_properties.InvalidDeviceProperties(
                "version %s: %s; nothing written" % (version, e)) from None
    text = output.human(out, as_json)
    items = []
    for version in versions:
        old, new = olds[version], news[version]
        keys = {"version": version, "key": key, "old": old, "new": new}
        if new == old:
            text.write("version %s: vmfex already registered, nothing to do\n" % version)
            items.append(output.item(output.UNCHANGED, "already registered", **keys))
            continue
        if dry_run:
            text.write("version %s: would change %s\n"
                       "  old: %s\n  new: %s\n" % (version, key, old or "(empty)", new))
            items.append(output.item(output.CHANGED, None, **keys))
            continue
        try:
            engine_config.set_value(version, new, engine_config_path, key)
        except VmfexError as e:
            if not as_json:
                raise
            # The versions already set stay set; the document says which.
            items.append(output.item(output.FAILED, str(e), **keys))
            items += [output.item(output.NOT_ATTEMPTED, "the run stopped first",
                                  version=v, key=key, old=olds[v], new=news[v])
                      for v in versions[versions.index(version) + 1:]]
            output.write_document(out, "register", items, restarted=False)
            raise
        text.write("version %s: vmfex registered in %s, %s\n"
                   % (version, key, _kept(new, device)))
        items.append(output.item(output.CHANGED, None, **keys))
    changed = sum(1 for entry in items if entry["outcome"] == output.CHANGED)
    if dry_run:
        text.write("dry run: %d of %d versions would change, nothing written\n"
                   % (changed, len(versions)))
        if as_json:
            output.write_document(out, "register", items, dry_run=True, restarted=False)
        return 0
    if restart:
        text.write("restarting the engine: %s\n" % " ".join(RESTART_COMMAND))
        out.flush()
        try:
            _restart(as_json)
        except RestartFailed:
            if as_json:
                output.write_document(out, "register", items, restarted=False)
            raise
        if as_json:
            output.write_document(out, "register", items, restarted=True)
        return 0
    if as_json:
        output.write_document(out, "register", items, restarted=False)
        return 0
    if changed:
        text.write("%d of %d versions changed. The engine reads this at start: "
                  "run 'systemctl restart ovirt-engine' (or use --restart)\n"
                  % (changed, len(versions)))
    else:
        text.write("nothing changed. If ovirt-engine was not restarted since vmfex "
                  "was registered: systemctl restart ovirt-engine\n")
    return 0


def _restart(as_json: bool) -> None:
    shown = " ".join(RESTART_COMMAND)
    try:
        # Under --json only the document goes to stdout: systemctl's own
        # output goes to stderr.
        code = subprocess.call(RESTART_COMMAND, stdout=2 if as_json else None)
    except OSError as e:
        raise RestartFailed("cannot run %r: %s" % (shown, e.strerror or e)) from None
    if code != 0:
        raise RestartFailed("%r failed with exit code %d" % (shown, code))


def _kept(value: str, device: bool) -> str:
    if not device:
        return "other properties kept: %d" % value.count(";")
    others = [name for name in device_properties.interface_properties(value)
              if name != "vmfex"]
    return "other interface properties kept: %s" % (", ".join(others) or "none")
