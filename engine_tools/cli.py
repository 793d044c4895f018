"""Command line of `vmfex-engine` (argparse subcommands)."""
import argparse
import sys
from typing import List, Optional

from engine_tools import engine_config
from vdsm_hook_vmfex.errors import VmfexError
from vdsm_hook_vmfex.version import __version__

EPILOG = """\
examples:
  vmfex-engine register --restart            # every cluster version, restart engine
  vmfex-engine register --cver 4.7 --dry-run
  vmfex-engine assign maps.csv --engine-url https://engine.example.com \\
      --username admin@internal --password-file ~/.engine-pw --dry-run
  vmfex-engine assign changes.csv --merge --config production
  vmfex-engine export -o maps.csv --config production
  vmfex-engine check --config production

CSV for assign (UTF-8, '#' comments and blank lines allowed, '-' reads stdin):
  vm,mac,profile                  or   vm,nic,profile
  web01,00:1a:4a:16:01:b0,Profile1     web01,nic1,Profile1

exit codes: 0 ok, 1 failure (nothing written when validation fails), 2 usage
"""

CONNECTION_HELP = """\
Connection: --engine-url/--username/--password-file/-c, or --config SECTION
reading ~/.config/ovirt.conf (keys engine_url, username, password, cafile,
secure). Without a password file or config password you are asked on a
terminal; a password is never taken on the command line.
"""


def _connection_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("--engine-url", metavar="URL",
                       help="https://engine.example.com or the full .../ovirt-engine/api URL")
    group.add_argument("--username", metavar="USER", help="e.g. admin@internal")
    group.add_argument("--password-file", metavar="FILE",
                       help="file whose first line is the password")
    group.add_argument("-c", "--ca-file", "--cafile", dest="ca_file", metavar="PEM",
                       help="CA certificate of the engine (default: system CAs)")
    group.add_argument("--insecure", action="store_true",
                       help="do not verify the engine's TLS certificate (unsafe)")
    group.add_argument("--config", metavar="SECTION",
                       help="read the options above from ~/.config/ovirt.conf [SECTION]")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vmfex-engine",
        description="Engine side of vdsm-hook-vmfex: register the 'vmfex' VM custom "
                    "property and set the MAC -> port profile maps of many VMs.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    register = sub.add_parser(
        "register", help="register 'vmfex' in UserDefinedVMProperties (engine machine)",
        description="Add vmfex=REGEX to UserDefinedVMProperties with engine-config, "
                    "keeping every other property. Re-running changes nothing.",
        epilog="example: vmfex-engine register --cver 4.7 --restart",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    register.add_argument("--cver", action="append", metavar="VERSION",
                          help="cluster version (repeatable; default: every version "
                               "engine-config lists)")
    register.add_argument("--engine-config", metavar="PATH", default=engine_config.DEFAULT_PATH,
                          help="engine-config command (default: %(default)s)")
    register.add_argument("--dry-run", action="store_true",
                          help="show old and new value per version, change nothing")
    register.add_argument("--restart", action="store_true",
                          help="run 'systemctl restart ovirt-engine' afterwards")

    assign = sub.add_parser(
        "assign", help="set the vmfex maps of the VMs a CSV file names",
        description="Each VM named in FILE gets exactly its rows as its vmfex map "
                    "(--merge: rows are merged in, an empty profile removes a MAC). "
                    "Every row is checked before anything is written.",
        epilog="CSV: header vm,mac,profile or vm,nic,profile\n" + CONNECTION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    assign.add_argument("file", metavar="FILE.csv", help="CSV file, '-' for stdin")
    assign.add_argument("--merge", action="store_true",
                        help="merge rows into the current maps instead of replacing them")
    assign.add_argument("--dry-run", action="store_true",
                        help="print old and new map per VM, write nothing")
    _connection_arguments(assign)

    export = sub.add_parser(
        "export", help="write every VM's map as vm,mac,profile CSV",
        description="Export the maps the engine holds; assigning the file back changes "
                    "nothing.", epilog=CONNECTION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    export.add_argument("-o", "--output", metavar="FILE", help="output file (default: stdout)")
    _connection_arguments(export)

    check = sub.add_parser(
        "check", help="report maps naming MACs not on the VM, invalid values, shared MACs",
        description="Read every VM and report problems; exit 1 when there are any.",
        epilog=CONNECTION_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    _connection_arguments(check)
    return parser


def _options(args: argparse.Namespace):
    from engine_tools import engine_client

    options = engine_client.build_options(args.engine_url, args.username, args.password_file,
                                          args.ca_file, args.insecure, args.config)
    if options.insecure:
        sys.stderr.write("WARNING: TLS verification is OFF (--insecure): the engine is not "
                         "authenticated and the password can be intercepted\n")
    return options


def _run(args: argparse.Namespace) -> int:
    if args.command == "register":
        from engine_tools.register import register

        return register(args.cver, args.engine_config, args.dry_run, args.restart, sys.stdout)
    if args.command == "assign":
        from engine_tools.assign import assign

        return assign(args.file, args.merge, args.dry_run, _options(args), sys.stdout,
                      sys.stderr)
    from engine_tools import views

    if args.command == "export":
        return views.export(args.output, _options(args), sys.stdout, sys.stderr)
    return views.check(_options(args), sys.stdout)


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        sys.stderr.write("vmfex-engine: error: a command is required "
                         "(register, assign, export, check)\n")
        return 2
    try:
        return _run(args)
    except VmfexError as e:
        sys.stdout.flush()
        sys.stderr.write("vmfex-engine: error: %s\n" % e)
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("vmfex-engine: interrupted\n")
        return 1
