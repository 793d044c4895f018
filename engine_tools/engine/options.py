"""Options the `vmfex-engine` subcommands share: how to reach the engine."""
import argparse
import sys

CONNECTION_HELP = """\
Connection: --engine-url/--username/--password-file/-c, or --config SECTION
reading ~/.config/ovirt.conf (keys engine_url, username, password, cafile,
secure, timeout). Without a password file or config password you are asked on
a terminal; a password is never taken on the command line. Every request,
login included, waits at most --timeout seconds (default 60).
"""


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
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
    group.add_argument("--timeout", metavar="SECONDS", type=_seconds,
                       help="wait at most this long for each answer of the engine "
                            "(default: 'timeout' in the --config section, else 60)")
    group.add_argument("--config", metavar="SECTION",
                       help="read the options above from ~/.config/ovirt.conf [SECTION]")


def _seconds(text: str) -> int:
    from engine_tools.engine import client as engine_client

    try:
        return engine_client.parse_timeout(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "%r: expected whole seconds from 1 to %d" % (text, engine_client.MAX_TIMEOUT)
        ) from None


def connection_options(args: argparse.Namespace):
    """engine_client.Options from the connection arguments (and ovirt.conf)."""
    from engine_tools.engine import client as engine_client

    options = engine_client.build_options(args.engine_url, args.username, args.password_file,
                                          args.ca_file, args.insecure, args.config,
                                          args.timeout)
    if options.insecure:
        sys.stderr.write("WARNING: TLS verification is OFF (--insecure): the engine is not "
                         "authenticated and the password can be intercepted\n")
    return options
