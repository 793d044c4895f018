"""How vmfex-engine reaches the engine and UCS Manager: the connection
options of the table on a parser, and the client options built from them.

The API for every command module:
  add_connection_arguments(parser, engine=True, ucsm=False)  # -c/--config once
  engine_options(args) -> engine.client.Options    # asks a password on a tty
  ucsm_options(args) -> ucsm.client.UcsmOptions or None (no UCS Manager named)
  has_engine(args) -> bool                         # engine URL given or in config
"""
import argparse
import getpass
import os
import sys
from typing import Dict

from engine_tools.options.table import (
    CONFIG_FILE,
    ENGINE,
    UCSM,
    OptionError,
    add_config_option,
    add_options,
    config_keys,
    read_config,
    read_text,
    resolve,
)
from vdsm_hook_vmfex.common.cli import UsageError

CONNECTION_HELP = """\
Connection: --engine-url/--username/--password-file/--cafile, or -c/--config
SECTION reading %s
(keys %s).
Without a password file or config password you are asked on a terminal; a
password is never taken on the command line. Every request, login included,
waits at most --timeout seconds (default 60).
""" % (CONFIG_FILE, ", ".join(config_keys(ENGINE)))

UCSM_HELP = ("check port profile names against UCS Manager (read-only; needs ucsmsdk), "
             "e.g. --ucsm ucsm.example.com --ucsm-username admin --ucsm-password-file "
             "~/.ucsm-pw --ucsm-ca-file ucsm-ca.pem. The --config section may hold the "
             "same keys: %s" % ", ".join(config_keys(UCSM)))


def add_connection_arguments(parser: argparse.ArgumentParser, engine: bool = True,
                  ucsm: bool = False) -> None:
    """-c/--config and the engine and/or UCS Manager option groups."""
    if engine:
        add_config_option(parser, add_options(parser, ENGINE, "connection"))
    if ucsm:
        add_config_option(parser, add_options(parser, UCSM, "UCS Manager", UCSM_HELP))


def section(args: argparse.Namespace) -> Dict[str, str]:
    """The --config section (read once per run), {} without --config."""
    cached = getattr(args, "vmfex_section", None)
    if cached is None:
        name = getattr(args, "config", None)
        cached = read_config(name) if name else {}
        args.vmfex_section = cached
    return cached


def has_engine(args: argparse.Namespace) -> bool:
    """Whether an engine is named, on the command line or in the section."""
    return bool(getattr(args, "engine_url", None) or section(args).get("engine_url"))


def read_password_file(path: str, what: str) -> str:
    """The first line of a password file; errors never show a password."""
    if not os.path.lexists(path):
        # Not named: a value that is no file may be the password itself.
        raise OptionError("cannot read %s: no such file (its name is not shown, in "
                          "case it is a password given by mistake)" % what)
    password = read_text(path, "password file").split("\n", 1)[0].rstrip("\r")
    if not password:
        raise OptionError("password file %s: first line is empty" % path)
    return password


def _check_ca_file(path: str, what: str) -> None:
    # The SDKs would raise their own errors from inside the connection setup.
    try:
        with open(path, "rb"):
            pass
    except OSError as e:
        raise OptionError("cannot read %s %s: %s" % (what, path, e.strerror)) from None


def _password(path, what: str, value, prompt: str, missing: str) -> str:
    """The password from its file, else the config section's value, else
    asked on a terminal; `missing` (an OptionError) when none can be had."""
    if path:
        return read_password_file(path, what)
    if value:
        return value
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise OptionError(missing)


def engine_options(args: argparse.Namespace):
    """engine.client.Options from the command line completed from the section;
    warns on stderr when TLS verification is off."""
    from engine_tools.engine.client import Options, api_url

    values = resolve(ENGINE, args, section(args))
    if not values["engine_url"]:
        raise OptionError("no engine URL: give --engine-url or --config SECTION")
    user = values["username"]
    if not user:
        raise OptionError("no user name: give --username (e.g. admin@internal)")
    password = _password(values["password_file"], "the --password-file", values["password"],
                         "Password for %s: " % user,
                         "no password: give --password-file FILE, a password in the "
                         "--config section, or run on a terminal to be asked")
    url = api_url(values["engine_url"])
    ca_file = values["ca_file"] or None
    if ca_file is not None:
        _check_ca_file(ca_file, "CA file")
    options = Options(url, user, password, ca_file, bool(values["insecure"]),
                      values["timeout"])
    if options.insecure:
        sys.stderr.write("WARNING: TLS verification is OFF (--insecure): the engine is not "
                         "authenticated and the password can be intercepted\n")
    return options


def ucsm_options(args: argparse.Namespace):
    """ucsm.client.UcsmOptions from the command line and the section; None
    when neither names a UCS Manager (then UCS Manager is not used)."""
    from engine_tools.ucsm.client import UcsmOptions, parse_address

    values = resolve(UCSM, args, section(args))
    if not values["ucsm"]:
        given = [entry.flags[0] for entry in UCSM
                 if entry.flags and entry.dest != "ucsm"
                 and getattr(args, entry.dest, None) is not None]
        if given:
            raise UsageError("%s needs --ucsm HOST (or ucsm = HOST in the --config "
                             "section)" % given[0])
        return None
    host, port = parse_address(values["ucsm"])
    user = values["ucsm_username"]
    if not user:
        raise OptionError("no UCS Manager user: give --ucsm-username USER")
    # Last: it may ask on the terminal, after every other option was checked.
    password = _password(values["ucsm_password_file"], "UCS Manager password file",
                         values["ucsm_password"], "UCS Manager password for %s: " % user,
                         "no UCS Manager password: give --ucsm-password-file FILE, "
                         "ucsm_password in the --config section, or run on a terminal")
    return UcsmOptions(host, port, user, password, values["ucsm_ca_file"] or None,
                       bool(values["ucsm_insecure"]), values["ucsm_timeout"])

