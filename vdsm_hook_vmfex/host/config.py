"""Host settings shared by the hook and `vmfex-direct-pool`.

/etc/vdsm/vmfex.conf (or the file named by $VMFEX_CONF), INI:
  [vmfex]
  network = direct-pool
  lock_file = /run/vdsm/hook-vmfex.lock
Values are plain text in UTF-8: no interpolation, so `%` is an ordinary
character.
"""
import configparser
import os

from vdsm_hook_vmfex.common.errors import ConfigError
from vdsm_hook_vmfex.common.rules import check_network_name

DEFAULT_CONF_PATH = "/etc/vdsm/vmfex.conf"
DEFAULT_NETWORK = "direct-pool"
DEFAULT_LOCK_PATH = "/run/vdsm/hook-vmfex.lock"
CONF_ENV = "VMFEX_CONF"


class Settings(object):
    """The network VM-FEX NICs attach to, and the lock serializing changes to it."""

    def __init__(self, network: str = DEFAULT_NETWORK,
                 lock_path: str = DEFAULT_LOCK_PATH, source: str = "defaults") -> None:
        self.network = network
        self.lock_path = lock_path
        self.source = source

    def __repr__(self) -> str:
        return "Settings(network=%r, lock_path=%r, source=%r)" % (
            self.network, self.lock_path, self.source)


def load_settings(environ: "dict | None" = None) -> Settings:
    """Read the settings file; a missing file means the defaults."""
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
        return Settings()
    except OSError as err:
        raise ConfigError("cannot read %s: %s" % (path, err.strerror or err)) from None
    except UnicodeDecodeError as err:
        raise ConfigError("cannot read %s: %s" % (path, err)) from None
    except configparser.Error as err:
        raise ConfigError("%s is not a valid INI file with a [vmfex] section: %s"
                          % (path, " ".join(str(err).split()))) from None
    section = parser["vmfex"] if parser.has_section("vmfex") else {}
    network = section.get("network", DEFAULT_NETWORK).strip()
    check_network_name(network, "network name in %s" % path)
    lock_path = section.get("lock_file", DEFAULT_LOCK_PATH).strip()
    if not os.path.isabs(lock_path) or "\0" in lock_path:
        raise ConfigError("invalid lock_file %r in %s: expected an absolute path"
                          % (lock_path, path))
    return Settings(network, lock_path, source=path)
