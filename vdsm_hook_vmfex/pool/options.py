"""What the `vmfex-direct-pool` subcommands share: the target network,
libvirt URI, sysfs and --json options, progress lines, and the report of
what a define or remove did."""
import argparse
import json
import sys
from contextlib import contextmanager

from vdsm_hook_vmfex.common.cli import EXIT_OK, EXIT_USAGE, UsageError, say
from vdsm_hook_vmfex.common.errors import InvalidName
from vdsm_hook_vmfex.common.rules import NOT_IN_XML, check_network_name
from vdsm_hook_vmfex.pool.outcome import Outcome

PROG = "vmfex-direct-pool"


def progress(message: str) -> None:
    say(PROG, message)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", metavar="NAME",
                        help="network name (default: from vmfex.conf, else direct-pool)")
    parser.add_argument("--uri", metavar="URI",
                        help="libvirt URI (default: VDSM's connection when VDSM is "
                             "installed, else libvirt's default URI)")


def add_sysfs_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sysfs-root", metavar="DIR", default="/sys",
                        help="where sysfs is mounted (default: /sys)")


def network_name(args: argparse.Namespace, settings) -> str:
    """--name, checked, else the network the settings name."""
    if args.name is None:
        return settings.network
    try:
        return check_network_name(args.name, "--name")
    except InvalidName as err:
        raise UsageError(str(err)) from None


def checked_uri(uri: "str | None") -> "str | None":
    """--uri as given, or UsageError: libvirt takes a URI as UTF-8 text
    (undecodable bytes in argv arrive as surrogates it cannot encode)."""
    if uri is not None and (not uri or NOT_IN_XML.search(uri)):
        raise UsageError("invalid --uri %r: expected a libvirt URI such as "
                         "qemu:///system, without control characters" % uri)
    return uri


@contextmanager
def libvirt_connection(args: argparse.Namespace):
    """A connection to --uri (or the default), closed afterwards."""
    from vdsm_hook_vmfex.host.virt import open_connection
    conn = open_connection(checked_uri(args.uri))
    try:
        yield conn
    finally:
        conn.close()


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document for scripts (docs/json-host.md)")


def print_json(document: dict) -> None:
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")


def report_outcome(outcome: Outcome, as_json: bool) -> int:
    """Say what was done, would be done, or why it was refused; the exit code.

    A refusal is one line on stderr and exit 2, a dry run's like a real
    run's; people get only that line (nothing the run would not do),
    scripts get the document too.
    """
    if as_json:
        print_json(outcome.as_dict())
    if outcome.refused is not None:
        prefix = "dry run: would refuse: " if outcome.dry_run else "error: "
        progress(prefix + outcome.refused)
        return EXIT_USAGE
    for warning in outcome.warnings:
        progress("warning: " + warning)
    if outcome.dry_run:
        if not as_json and outcome.plan.xml is not None:
            sys.stdout.write(outcome.plan.xml)
        progress(outcome.dry_run_line())
    elif not as_json:
        sys.stdout.write(outcome.summary() + "\n")
    return EXIT_OK
