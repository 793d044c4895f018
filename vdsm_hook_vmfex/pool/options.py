"""What the `vmfex-direct-pool` subcommands share: the target network and
libvirt URI options, progress lines, and the dry-run report."""
import argparse
from contextlib import contextmanager

from vdsm_hook_vmfex.common.cli import EXIT_FAILED, EXIT_OK, UsageError, say
from vdsm_hook_vmfex.common.errors import InvalidName
from vdsm_hook_vmfex.common.rules import NOT_IN_XML, check_network_name
from vdsm_hook_vmfex.pool.plan import STEP_TODO, Plan, refusal

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


def describe_steps(steps: "list", names: dict) -> str:
    return ", ".join(names[step] for step in steps)


def report_dry_run(plan: Plan, force: bool, nothing_to_do: str) -> int:
    """Say what `plan` would do, or why it would be refused; change nothing."""
    if not plan.steps:
        progress("dry run: network %r %s" % (plan.name, nothing_to_do))
        return EXIT_OK
    progress("dry run: would %s on network %r"
             % (describe_steps(plan.steps, STEP_TODO), plan.name))
    reason = refusal(plan, force)
    if reason:
        progress("dry run: would refuse: " + reason)
        return EXIT_FAILED
    return EXIT_OK
