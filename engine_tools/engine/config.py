"""Connection options from the command line, completed from an ovirt.conf
section; the password from a file, the config or the terminal."""
import configparser
import getpass
import os
import sys
from typing import Dict, Optional

from engine_tools.engine.session import (
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    EngineError,
    Options,
    api_url,
)

CONFIG_FILE = "~/.config/ovirt.conf"


def _read_text(path: str, what: str) -> str:
    """A local file as UTF-8 text; errors name the file, never its content."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise EngineError("cannot read %s %s: %s" % (what, path, e.strerror)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise EngineError("%s %s is not UTF-8 text (byte %d): save it as UTF-8"
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


def parse_timeout(text: str) -> int:
    """Whole seconds from 1 to MAX_TIMEOUT; ValueError otherwise."""
    seconds = int(text.strip())
    if not 1 <= seconds <= MAX_TIMEOUT:
        raise ValueError(text)
    return seconds


def read_config(section: str, path: str = CONFIG_FILE) -> Dict[str, str]:
    """One section of an ovirt.conf file (keys engine_url, username, ...)."""
    path = os.path.expanduser(path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(_read_text(path, "config file"), path)
    except configparser.Error as e:
        raise EngineError(_config_error(path, e)) from None
    if not parser.has_section(section):
        raise EngineError("%s has no section [%s] (sections: %s)"
                          % (path, section, ", ".join(parser.sections()) or "none"))
    return dict(parser.items(section))


def _read_password_file(path: str) -> str:
    if not os.path.lexists(path):
        # Not named: a value that is no file may be the password itself.
        raise EngineError("cannot read the --password-file: no such file (its name "
                          "is not shown, in case it is a password given by mistake)")
    line = _read_text(path, "password file").split("\n", 1)[0]
    password = line.rstrip("\r")
    if not password:
        raise EngineError("password file %s: first line is empty" % path)
    return password


def _timeout(given: Optional[int], config: Dict[str, str]) -> int:
    if given is not None:
        return given
    if "timeout" not in config:
        return DEFAULT_TIMEOUT
    try:
        return parse_timeout(config["timeout"])
    except ValueError:
        raise EngineError("%s: timeout = %r: expected whole seconds from 1 to %d"
                          % (CONFIG_FILE, config["timeout"], MAX_TIMEOUT)) from None


def _check_ca_file(path: str) -> None:
    # The SDK would raise its own error from inside the connection setup.
    try:
        with open(path, "rb"):
            pass
    except OSError as e:
        raise EngineError("cannot read CA file %s: %s" % (path, e.strerror)) from None


def build_options(engine_url: Optional[str], username: Optional[str],
                  password_file: Optional[str], ca_file: Optional[str], insecure: bool,
                  config_section: Optional[str], timeout: Optional[int] = None) -> Options:
    """Connection options from the command line, completed from ovirt.conf."""
    config = read_config(config_section) if config_section else {}
    url = engine_url or config.get("engine_url")
    user = username or config.get("username")
    if not url:
        raise EngineError("no engine URL: give --engine-url or --config SECTION")
    if not user:
        raise EngineError("no user name: give --username (e.g. admin@internal)")
    if password_file:
        password = _read_password_file(password_file)
    elif config.get("password"):
        password = config["password"]
    elif sys.stdin.isatty():
        password = getpass.getpass("Password for %s: " % user)
    else:
        raise EngineError("no password: give --password-file FILE, a password in "
                          "the --config section, or run on a terminal to be asked")
    ca = ca_file or config.get("cafile") or None
    if not insecure and config.get("secure", "").strip().lower() in ("false", "no", "0", "off"):
        insecure = True
    seconds = _timeout(timeout, config)
    url = api_url(url)
    if ca is not None:
        _check_ca_file(ca)
    return Options(url, user, password, ca, insecure, seconds)
