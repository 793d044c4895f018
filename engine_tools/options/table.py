"""The option table: each connection option once (flags, ovirt.conf key,
type, default, help, secret), feeding argparse and the config sections alike.

Names follow ovirt-img and the oVirt SDK examples where they read the same
ovirt.conf keys: -c/--config, --engine-url, --username, --password-file,
--cafile. Older spellings stay as hidden aliases for one release and warn.
"""
import argparse
import configparser
import math
import os
import sys
from collections import namedtuple
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from vdsm_hook_vmfex.common.cli import UsageError
from vdsm_hook_vmfex.common.errors import VmfexError

CONFIG_FILE = "~/.config/ovirt.conf"

#: Whole seconds an engine request may take at most (one day).
MAX_ENGINE_SECONDS = 86400
#: Seconds a UCS Manager request may take at most.
MAX_UCSM_SECONDS = 3600


class OptionError(VmfexError):
    """The config file or a value in it is unusable (exit 1)."""


#: One option. dest: the argparse attribute; flags: shown in --help;
#: aliases: hidden, deprecated spellings (warned); key: the ovirt.conf key
#: (None: command line only);
#: parse(text) -> value, ValueError("expected ...") when invalid (None:
#: text); flag: a store_true switch whose config value parse() reads;
#: secret: a value never shown.
Option = namedtuple("Option", "dest flags aliases key parse flag default help metavar "
                              "secret")


def option(dest: str, flags: Tuple[str, ...], help: str, key: Optional[str] = None,
           aliases: Tuple[str, ...] = (),
           parse: Optional[Callable] = None, flag: bool = False, default=None,
           metavar: Optional[str] = None, secret: bool = False) -> Option:
    """An Option; only what differs from a plain text option is given."""
    return Option(dest, flags, aliases, key, parse, flag, default, help, metavar, secret)


# -- value types: text -> value, ValueError naming what was expected -----------

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


def boolean(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("expected true or false (yes/no, 1/0, on/off)")


def not_boolean(text: str) -> bool:
    """`secure = false` means insecure."""
    return not boolean(text)


def engine_seconds(text: str) -> int:
    try:
        seconds = int(str(text).strip())
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= MAX_ENGINE_SECONDS:
        raise ValueError("expected whole seconds from 1 to %d" % MAX_ENGINE_SECONDS)
    return seconds


def ucsm_seconds(text: str) -> float:
    try:
        number = float(str(text).strip())
    except ValueError:
        number = float("nan")
    if not (math.isfinite(number) and 0 < number <= MAX_UCSM_SECONDS):
        raise ValueError("expected seconds, more than 0 and at most %d" % MAX_UCSM_SECONDS)
    return number


# -- the table -------------------------------------------------------------

CONFIG = option(
    "config", ("-c", "--config"), metavar="SECTION",
    help="read the options from %s [SECTION]" % CONFIG_FILE)

ENGINE = (
    option("engine_url", ("--engine-url",), key="engine_url", metavar="URL",
           help="https://engine.example.com or the full .../ovirt-engine/api URL"),
    option("username", ("--username",), key="username", metavar="USER",
           help="e.g. admin@internal"),
    option("password_file", ("--password-file",), metavar="FILE",
           help="file whose first line is the password"),
    option("password", (), key="password", secret=True,
           help="the password (config only: never on the command line)"),
    option("ca_file", ("--cafile",), aliases=("--ca-file",), key="cafile", metavar="PEM",
           help="CA certificate of the engine (default: system CAs)"),
    option("insecure", ("--insecure",), key="secure", parse=not_boolean, flag=True,
           default=False,
           help="do not verify the engine's TLS certificate (unsafe; config: "
                "secure = false)"),
    option("timeout", ("--timeout",), key="timeout", parse=engine_seconds, default=60,
           metavar="SECONDS",
           help="wait at most this long for each answer of the engine (default: "
                "'timeout' in the --config section, else 60)"),
)

UCSM = (
    option("ucsm", ("--ucsm",), key="ucsm", metavar="HOST[:PORT]",
           help="UCS Manager address (HTTPS, default port 443)"),
    option("ucsm_username", ("--ucsm-username",), key="ucsm_username", metavar="USER",
           help="UCS Manager user"),
    option("ucsm_password_file", ("--ucsm-password-file",), key="ucsm_password_file",
           metavar="FILE", help="file whose first line is the UCS Manager password"),
    option("ucsm_password", (), key="ucsm_password", secret=True,
           help="the UCS Manager password (config only)"),
    option("ucsm_ca_file", ("--ucsm-ca-file",), key="ucsm_ca_file", metavar="PEM",
           help="CA certificate of UCS Manager (default: system CAs)"),
    option("ucsm_insecure", ("--ucsm-insecure",), key="ucsm_insecure", parse=boolean,
           flag=True, default=False,
           help="do not verify UCS Manager's certificate (unsafe: the password can be "
                "intercepted)"),
    option("ucsm_timeout", ("--ucsm-timeout",), key="ucsm_timeout", parse=ucsm_seconds,
           default=30.0, metavar="SECONDS",
           help="bound on every UCS Manager request as a whole: connect, TLS, "
                "sending, the complete answer (default 30)"),
)


def config_keys(table: Iterable[Option]) -> List[str]:
    """The ovirt.conf keys the options of `table` read."""
    return [o.key for o in table if o.key]


# -- argparse --------------------------------------------------------------

def _tool(parser: argparse.ArgumentParser) -> str:
    return parser.prog.split()[0]


class _Deprecated(argparse.Action):
    """A hidden old spelling: stores like the new one and says so on stderr."""

    def __init__(self, option_strings, dest, new: str = "", flag: bool = False, **kwargs):
        self.new, self.flag = new, flag
        if flag:
            kwargs["nargs"] = 0
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stderr.write("%s: warning: %s is deprecated, use %s\n"
                         % (_tool(parser), option_string, self.new))
        setattr(namespace, self.dest, True if self.flag else values)


def add_options(parser: argparse.ArgumentParser, table: Iterable[Option], title: str,
                description: Optional[str] = None):
    """Add the command-line options of `table` as one group of `parser`
    (returned); their defaults stay None so the config section can fill
    them in."""
    group = parser.add_argument_group(title, description)
    for entry in table:
        if not entry.flags:
            continue
        if entry.flag:
            group.add_argument(*entry.flags, dest=entry.dest, action="store_true",
                               default=None, help=entry.help)
        else:
            group.add_argument(*entry.flags, dest=entry.dest, metavar=entry.metavar,
                               help=entry.help)
        for alias in entry.aliases:
            group.add_argument(alias, dest=entry.dest, action=_Deprecated,
                               new=entry.flags[-1], flag=entry.flag,
                               help=argparse.SUPPRESS)
    return group


def add_config_option(parser: argparse.ArgumentParser, group) -> None:
    """-c/--config SECTION in `group`, once per parser."""
    if getattr(parser, "vmfex_has_config", False):
        return
    parser.vmfex_has_config = True
    group.add_argument(*CONFIG.flags, dest=CONFIG.dest, metavar=CONFIG.metavar,
                        help=CONFIG.help)


# -- ovirt.conf ------------------------------------------------------------

def read_text(path: str, what: str) -> str:
    """A local file as UTF-8 text; errors name the file, never its content."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise OptionError("cannot read %s %s: %s" % (what, path, e.strerror)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise OptionError("%s %s is not UTF-8 text (byte %d): save it as UTF-8"
                          % (what, path, e.start + 1)) from None


def _config_error(path: str, error: configparser.Error) -> str:
    # configparser's messages quote whole lines, which may hold the password.
    line = getattr(error, "lineno", None)
    if isinstance(error, configparser.ParsingError) and getattr(error, "errors", None):
        line = error.errors[0][0]
    where = "%s line %d" % (path, line) if line else path
    if isinstance(error, configparser.MissingSectionHeaderError):
        return "%s: expected a [section] line before the first key" % where
    if isinstance(error, (configparser.DuplicateSectionError,
                          configparser.DuplicateOptionError)):
        return "%s: %s appears twice in [%s]" % (
            where, getattr(error, "option", None) or "the section", error.section)
    return "%s: expected 'key = value' or '[section]'" % where


def _looks_like_a_file(section: str) -> bool:
    return "/" in section or section.endswith((".pem", ".crt"))


def read_config(section: str, path: str = CONFIG_FILE) -> Dict[str, str]:
    """One section of an ovirt.conf file: the only config reader of the tool."""
    try:
        return _read_section(section, os.path.expanduser(path))
    except OptionError as e:
        if not _looks_like_a_file(section):
            raise
        # Before this release -c meant --ca-file.
        raise OptionError("%s; -c now means --config SECTION: give the CA file as "
                          "--cafile" % e) from None


def _read_section(section: str, path: str) -> Dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_text(path, "config file"), path)
    except configparser.Error as e:
        raise OptionError(_config_error(path, e)) from None
    if not parser.has_section(section):
        raise OptionError("%s has no section [%s] (sections: %s)"
                          % (path, section, ", ".join(parser.sections()) or "none"))
    return dict(parser.items(section))


# -- command line + section -> values ---------------------------------------

def _shown(entry: Option, text: str) -> str:
    return "(not shown)" if entry.secret else repr(text)


def resolve(table: Iterable[Option], args: argparse.Namespace,
            config: Dict[str, str]) -> Dict[str, object]:
    """{dest: value} of every option: the command line first, then the
    config section, then the default. A bad command-line value is a
    UsageError (exit 2), a bad config value an OptionError (exit 1); both
    name the option, never a secret."""
    values = {}
    for entry in table:
        given = getattr(args, entry.dest, None) if entry.flags else None
        if given is not None and given is not False:
            if entry.parse is not None and not entry.flag:
                try:
                    given = entry.parse(given)
                except ValueError as e:
                    raise UsageError("invalid %s %s: %s" % (entry.flags[0],
                                                            _shown(entry, given), e)) from None
            values[entry.dest] = given
            continue
        text = config.get(entry.key) if entry.key else None
        if text is not None and (text.strip() or not entry.parse):
            try:
                values[entry.dest] = entry.parse(text) if entry.parse else text
            except ValueError as e:
                raise OptionError("%s: %s = %s: %s" % (CONFIG_FILE, entry.key,
                                                       _shown(entry, text), e)) from None
            continue
        values[entry.dest] = entry.default
    return values
