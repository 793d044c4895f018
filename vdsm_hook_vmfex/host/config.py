"""Host settings shared by the hook and `vmfex-direct-pool`.

/etc/vdsm/vmfex.conf (or the file named by $VMFEX_CONF), INI:
  [vmfex]
  network = direct-pool
  lock_file = /run/vdsm/hook-vmfex.lock
  libvirt_timeout = 30
Values are plain text in UTF-8: no interpolation, so `%` is an ordinary
character.

What the file does not say as intended (an unknown setting or section, a
$VMFEX_CONF naming no file) is refused, unless the caller passes `warn`: the
hook does, so that a typo is named in vdsm.log on every VM-FEX start without
failing them all (docs/host.md).
"""
import configparser
import os

from vdsm_hook_vmfex.common.errors import ConfigError
from vdsm_hook_vmfex.common.rules import check_network_name

DEFAULT_CONF_PATH = "/etc/vdsm/vmfex.conf"
DEFAULT_NETWORK = "direct-pool"
DEFAULT_LOCK_PATH = "/run/vdsm/hook-vmfex.lock"
# How long the hook waits for libvirt as a whole (connect and read the
# network) at a migration destination: a hung libvirtd must refuse the
# migration, not stall it until VDSM gives up.
DEFAULT_LIBVIRT_TIMEOUT = 30.0
MAX_LIBVIRT_TIMEOUT = 600.0
CONF_ENV = "VMFEX_CONF"
SECTION = "vmfex"
KNOWN_KEYS = ("network", "lock_file", "libvirt_timeout")


class Settings(object):
    """The network VM-FEX NICs attach to, the lock serializing changes to it,
    and the bound on the hook's libvirt calls."""

    def __init__(self, network: str = DEFAULT_NETWORK,
                 lock_path: str = DEFAULT_LOCK_PATH, source: str = "defaults",
                 libvirt_timeout: float = DEFAULT_LIBVIRT_TIMEOUT) -> None:
        self.network = network
        self.lock_path = lock_path
        self.source = source
        self.libvirt_timeout = libvirt_timeout

    def __repr__(self) -> str:
        return "Settings(network=%r, lock_path=%r, source=%r, libvirt_timeout=%r)" % (
            self.network, self.lock_path, self.source, self.libvirt_timeout)


def load_settings(environ: "dict | None" = None, warn: "callable" = None) -> Settings:
    """Read the settings file; the default file missing means the defaults.

    A $VMFEX_CONF naming no file, or an unknown section or key, raises
    ConfigError; with `warn`, `warn(message)` names it and the rest applies.
    """
    if environ is None:
        environ = os.environ
    path = environ.get(CONF_ENV) or DEFAULT_CONF_PATH
    parser = configparser.ConfigParser(interpolation=None)
    try:
        # UTF-8 whatever the locale: VDSM may run hooks under LANG=C, where
        # Python 3.6 would read ASCII.
        with open(path, encoding="utf-8") as conf:
            parser.read_file(conf)
    except FileNotFoundError:
        if path != DEFAULT_CONF_PATH:
            _complain("%s=%s names no file: expected an existing settings file, "
                      "or %s unset for %s" % (CONF_ENV, path, CONF_ENV, DEFAULT_CONF_PATH),
                      warn, "using the defaults")
        return Settings()
    except OSError as err:
        raise ConfigError("cannot read %s: %s" % (path, err.strerror or err)) from None
    except UnicodeDecodeError as err:
        raise ConfigError("cannot read %s: %s" % (path, err)) from None
    except configparser.Error as err:
        raise ConfigError("%s is not a valid INI file with a [vmfex] section: %s"
                          % (path, " ".join(str(err).split()))) from None
    for problem in unknown_settings(parser, path):
        _complain(problem, warn, "ignored")
    section = parser[SECTION] if parser.has_section(SECTION) else {}
    network = section.get("network", DEFAULT_NETWORK).strip()
    check_network_name(network, "network name in %s" % path)
    lock_path = section.get("lock_file", DEFAULT_LOCK_PATH).strip()
    if not os.path.isabs(lock_path) or "\0" in lock_path:
        raise ConfigError("invalid lock_file %r in %s: expected an absolute path"
                          % (lock_path, path))
    timeout = _seconds(section.get("libvirt_timeout"), path)
    return Settings(network, lock_path, source=path, libvirt_timeout=timeout)


def unknown_settings(parser: configparser.ConfigParser, path: str) -> "list":
    """One message per section other than [vmfex] and per key of [vmfex] this
    version does not know, with the nearest known name when one is close."""
    problems = ["unknown section [%s] in %s%s: expected [%s]"
                % (name, path, _did_you_mean(name, [SECTION]), SECTION)
                for name in parser.sections() if name != SECTION]
    if parser.has_section(SECTION):
        problems.extend(
            "unknown setting %r in [%s] of %s%s: expected one of %s"
            % (key, SECTION, path, _did_you_mean(key, KNOWN_KEYS), ", ".join(KNOWN_KEYS))
            for key in parser[SECTION] if key not in KNOWN_KEYS)
    return problems


def _did_you_mean(name: str, known: "tuple | list") -> str:
    import difflib  # only on this rare path: the hook runs on every VM start
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return " (did you mean %r?)" % close[0] if close else ""


def _complain(message: str, warn: "callable", consequence: str) -> None:
    if warn is None:
        raise ConfigError(message)
    warn("warning: %s; %s" % (message, consequence))


def _seconds(text: "str | None", path: str) -> float:
    if text is None:
        return DEFAULT_LIBVIRT_TIMEOUT
    try:
        seconds = float(text.strip())
    except ValueError:
        seconds = -1.0
    # `not (a < x <= b)` also refuses nan
    if not 0 < seconds <= MAX_LIBVIRT_TIMEOUT:
        raise ConfigError("invalid libvirt_timeout %r in %s: expected seconds, a number "
                          "above 0 and at most %g" % (text.strip(), path, MAX_LIBVIRT_TIMEOUT))
    return seconds
