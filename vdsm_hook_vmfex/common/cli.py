"""The command-line frame of `vmfex-direct-pool` and `vmfex-engine`.

Each subcommand is a module with `add_parser(subparsers)`, which adds its
parser with `add_command` (a NOUN with VERBs: `add_verbs`, then
`add_command` per verb) and sets `run=function(args) -> exit code`. Exit
codes and the one-line error format live here, once for both tools.
"""
import argparse
import os
import signal
import sys
import threading

from vdsm_hook_vmfex.common.errors import VmfexError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(VmfexError):
    """A bad command-line value: exit 2, like argparse's own usage errors."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, as SIGINT raises KeyboardInterrupt."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def add_command(subparsers, name: str, **kwargs) -> argparse.ArgumentParser:
    """A subcommand parser: raw help text, and no abbreviated options (an
    abbreviation could take `--password SECRET` for another option)."""
    kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
    return subparsers.add_parser(name, allow_abbrev=False, **kwargs)


def add_verbs(parser: argparse.ArgumentParser, dest: str):
    """The VERB subparsers of a NOUN command (`vmfex-engine NOUN VERB`): each
    verb is then added with `add_command(verbs, VERB, ...)`; one is required."""
    verbs = parser.add_subparsers(dest=dest, metavar="VERB")
    verbs.required = True
    return verbs


def build_parser(prog: str, description: str, epilog: str, version: str,
                 commands: "list") -> argparse.ArgumentParser:
    """The top-level parser with one subcommand per module in `commands`."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, epilog=epilog, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version="%(prog)s " + version)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in commands:
        module.add_parser(subparsers)
    parser.command_names = sorted(subparsers.choices)
    return parser


def say(prog: str, message: str) -> None:
    """Progress and errors go to stderr, one line each, prefixed by the tool."""
    sys.stderr.write("%s: %s\n" % (prog, message))


def unrecognized(arguments: "list") -> str:
    """argparse's complaint about `arguments`, without their values: an
    unknown option's value (`--password SECRET`, `--passwd=SECRET`) may be
    a secret, so only option names are shown."""
    names = [arg.split("=", 1)[0] for arg in arguments if arg.startswith("-")]
    hidden = len(arguments) - len(names) + sum(
        1 for arg in arguments if arg.startswith("-") and "=" in arg)
    text = "unrecognized arguments: %s" % (" ".join(names) or "(none shown)")
    if hidden:
        text += " (%d value(s) not shown: they may be secrets)" % hidden
    return text


#: The options that come before the command.
TOP_LEVEL_OPTIONS = ("-h", "--help", "--version")


def _looks_like_a_word(text: str) -> bool:
    return 0 < len(text) <= 20 and all("a" <= ch <= "z" or ch == "-" for ch in text)


def parse(parser: argparse.ArgumentParser, argv: "list | None") -> argparse.Namespace:
    """parse_args that never echoes an argument it does not know (exit 2)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    names = getattr(parser, "command_names", None)
    if names and argv and argv[0].startswith("-") and argv[0] not in TOP_LEVEL_OPTIONS:
        # `vmfex-engine --config production check`: argparse would call
        # 'production' an unknown command. Only the option's name is shown.
        command = next((arg for arg in argv if arg in names), None)
        parser.error("options go after the command: %s %s %s ...%s" % (
            parser.prog, command or "COMMAND", argv[0].split("=", 1)[0],
            "" if command else " (COMMAND: %s)" % ", ".join(names)))
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    if names and first is not None and first not in names:
        # argparse would echo it; a password typed in the wrong place is no word
        shown = repr(first) if _looks_like_a_word(first) else "(not shown: it may be a secret)"
        parser.error("unknown command %s: choose from %s" % (shown, ", ".join(names)))
    args, extras = parser.parse_known_args(argv)
    if extras:
        parser.error(unrecognized(extras))
    return args


def run_command(prog: str, parser: argparse.ArgumentParser,
                argv: "list | None" = None) -> int:
    """Parse `argv`, run the chosen subcommand, map errors to exit codes.

    User and environment errors (VmfexError, OSError, a missing module of
    common.needs) are one line; anything else is a bug in the tool: one line
    saying so, then the traceback.
    """
    if sys.stderr is None:
        # started with 2>&-: errors go nowhere rather than into a traceback
        sys.stderr = open(os.devnull, "w")
    if sys.stdout is None:
        # started with >&-: results would be lost after the work was done
        say(prog, "error: stdout is closed: the results could not be shown; redirect "
                  "it instead (>/dev/null to discard them); nothing done")
        return EXIT_USAGE
    escape_unencodable_stdout()
    try:
        args = parse(parser, argv)
    except SystemExit:
        _release_stdout()  # --help into a pipe whose reader left: no note at exit
        raise
    except OSError as err:  # the help or usage could not be written
        _release_stdout()
        if not isinstance(err, BrokenPipeError):
            say(prog, "error: cannot write to stdout: %s" % (err.strerror or err))
        return EXIT_FAILED
    # SIGTERM ends the program like SIGINT (one line, exit 1) instead of
    # killing it silently; commands that write defer both to end with
    # their summary (engine_tools.engine.interrupt).
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        code = _run(prog, args)
    finally:
        if main_thread and previous is not None:
            signal.signal(signal.SIGTERM, previous)
    problem = _release_stdout()
    if problem is not None and not isinstance(problem, BrokenPipeError) and code == 0:
        say(prog, "error: the results could not be written to stdout: %s"
            % (problem.strerror or problem))
        return EXIT_FAILED
    return code


def _run(prog: str, args: argparse.Namespace) -> int:
    try:
        return args.run(args)
    except UsageError as err:
        say(prog, "error: %s" % err)
        return EXIT_USAGE
    except VmfexError as err:
        _flush_stdout()
        say(prog, "error: %s" % err)
        return EXIT_FAILED
    except KeyboardInterrupt as err:
        _flush_stdout()
        say(prog, "interrupted by %s" % (
            "SIGTERM" if isinstance(err, Terminated) else "SIGINT (Ctrl-C)"))
        return EXIT_FAILED
    except OSError as err:
        _flush_stdout()
        say(prog, "error: %s" % describe_os_error(err))
        return EXIT_FAILED
    except Exception as err:
        from vdsm_hook_vmfex.common.needs import missing_message, missing_module
        module = missing_module(err)
        if module is not None:
            _flush_stdout()
            say(prog, "error: %s" % missing_message(module, err))
            return EXIT_FAILED
        import traceback
        _flush_stdout()
        say(prog, "internal error (a bug in %s, please report it with the traceback "
                  "below):" % prog)
        traceback.print_exc(file=sys.stderr)
        return EXIT_FAILED


def escape_unencodable_stdout() -> None:
    """Make stdout write what its encoding cannot hold as backslash escapes.

    Python 3.6 (EL8) does not coerce the C locale: under LANG=C stdout is
    ASCII, and a network or profile name such as 'caf\xe9' would be a
    UnicodeEncodeError. stderr escapes already (Python's default for it);
    stdout gets the same (its default there, surrogateescape, only helps
    with bytes that came in undecodable). UTF-8 streams, and streams without
    a byte buffer (a closed stdout, a test's StringIO), are left as they are.
    """
    import codecs
    import io
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None or getattr(stream, "errors", None) == "backslashreplace":
        return
    try:
        if codecs.lookup(stream.encoding).name.startswith("utf"):
            return
        stream.flush()
    except (LookupError, TypeError, ValueError, OSError):
        return
    # A second wrapper over the same buffer: the first stays referenced by
    # sys.__stdout__, so it is never closed under us.
    sys.stdout = io.TextIOWrapper(buffer, encoding=stream.encoding,
                                  errors="backslashreplace",
                                  line_buffering=stream.line_buffering)


def describe_os_error(err: OSError) -> str:
    """'FILE: reason' (both files for a rename), or the reason alone."""
    reason = err.strerror or str(err)
    if err.filename is None:
        return reason
    names = [err.filename] + ([err.filename2] if err.filename2 is not None else [])
    return "%s: %s" % (" -> ".join(str(name) for name in names), reason)


def _flush_stdout() -> None:
    # Results printed before the failure go out before the error line.
    _release_stdout()


def _release_stdout() -> "OSError | None":
    """Flush stdout. When that fails (a reader that went away, a full
    device), stdout's descriptor is pointed at /dev/null, so the flush at
    interpreter exit has nothing to complain about ("Exception ignored ...
    BrokenPipeError"); the failure is returned."""
    try:
        sys.stdout.flush()
        return None
    except OSError as err:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        return err
