"""`vmfex-engine register`: add the vmfex property to UserDefinedVMProperties."""
import argparse
import subprocess
import sys
from typing import List, Optional, TextIO

from engine_tools import engine_config
from engine_tools.user_properties import with_vmfex
from vdsm_hook_vmfex.common.cli import add_command
from vdsm_hook_vmfex.common.errors import VmfexError

RESTART_COMMAND = ["systemctl", "restart", "ovirt-engine"]


class RestartFailed(VmfexError):
    """systemctl could not restart ovirt-engine."""


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "register",
        help="register 'vmfex' in UserDefinedVMProperties (engine machine)",
        description="Add vmfex=REGEX to UserDefinedVMProperties with engine-config, "
                    "keeping every other property. Re-running changes nothing.",
        epilog="example: vmfex-engine register --cver 4.7 --restart")
    parser.add_argument("--cver", action="append", metavar="VERSION",
                        help="cluster version (repeatable; default: every version "
                             "engine-config lists)")
    parser.add_argument("--engine-config", metavar="PATH", default=engine_config.DEFAULT_PATH,
                        help="engine-config command (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true",
                        help="show old and new value per version, change nothing")
    parser.add_argument("--restart", action="store_true",
                        help="run 'systemctl restart ovirt-engine' afterwards")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return register(args.cver, args.engine_config, args.dry_run, args.restart, sys.stdout)


def register(versions: Optional[List[str]], engine_config_path: str, dry_run: bool,
             restart: bool, out: TextIO) -> int:
    """Register vmfex for `versions` (None: every version); return the exit code.

    Raises EngineConfigError when engine-config is missing or fails,
    RestartFailed when the requested restart fails.
    """
    if not versions:
        versions = engine_config.list_versions(engine_config_path)
    changed = 0
    for version in versions:
        old = engine_config.get_value(version, engine_config_path)
        new = with_vmfex(old)
        if new == old:
            out.write("version %s: vmfex already registered, nothing to do\n" % version)
            continue
        changed += 1
        if dry_run:
            out.write("version %s: would change UserDefinedVMProperties\n"
                      "  old: %s\n  new: %s\n" % (version, old or "(empty)", new))
            continue
        engine_config.set_value(version, new, engine_config_path)
        out.write("version %s: vmfex registered, other properties kept: %d\n"
                  % (version, new.count(";")))
    if dry_run:
        out.write("dry run: %d of %d versions would change, nothing written\n"
                  % (changed, len(versions)))
        return 0
    if restart:
        out.write("restarting the engine: %s\n" % " ".join(RESTART_COMMAND))
        out.flush()
        shown = " ".join(RESTART_COMMAND)
        try:
            code = subprocess.call(RESTART_COMMAND)
        except OSError as e:
            raise RestartFailed("cannot run %r: %s" % (shown, e.strerror or e)) from None
        if code != 0:
            raise RestartFailed("%r failed with exit code %d" % (shown, code))
        return 0
    if changed:
        out.write("%d of %d versions changed. The engine reads this at start: "
                  "run 'systemctl restart ovirt-engine' (or use --restart)\n"
                  % (changed, len(versions)))
    else:
        out.write("nothing changed. If ovirt-engine was not restarted since vmfex "
                  "was registered: systemctl restart ovirt-engine\n")
    return 0
