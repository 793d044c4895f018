"""vmfex.conf: the network and lock file the hook and vmfex-direct-pool share."""
import pytest

from vdsm_hook_vmfex.common.errors import ConfigError, InvalidName
from vdsm_hook_vmfex.host.config import (
    CONF_ENV,
    DEFAULT_LOCK_PATH,
    DEFAULT_NETWORK,
    load_settings,
)


def settings_from(tmp_path, text):
    path = tmp_path / "vmfex.conf"
    path.write_text(text)
    return load_settings({CONF_ENV: str(path)}), str(path)


def test_a_missing_file_means_the_defaults(tmp_path):
    settings = load_settings({CONF_ENV: str(tmp_path / "absent.conf")})
    assert (settings.network, settings.lock_path, settings.source) == (
        DEFAULT_NETWORK, DEFAULT_LOCK_PATH, "defaults")


def test_values_are_read_and_stripped(tmp_path):
    settings, path = settings_from(
        tmp_path, "[vmfex]\nnetwork =  vmfex-lab \nlock_file = /tmp/x/vmfex.lock\n")
    assert (settings.network, settings.lock_path, settings.source) == (
        "vmfex-lab", "/tmp/x/vmfex.lock", path)


def test_a_file_without_the_section_means_the_defaults(tmp_path):
    settings, _ = settings_from(tmp_path, "[other]\nnetwork = x\n")
    assert (settings.network, settings.lock_path) == (DEFAULT_NETWORK, DEFAULT_LOCK_PATH)


def test_a_relative_lock_file_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, "[vmfex]\nlock_file = run/vmfex.lock\n")
    assert str(err.value) == ("invalid lock_file 'run/vmfex.lock' in %s: expected an "
                              "absolute path" % (tmp_path / "vmfex.conf"))


def test_a_bad_network_name_says_which_file(tmp_path):
    with pytest.raises(InvalidName, match="invalid network name in .*vmfex.conf 'a/b'"):
        settings_from(tmp_path, "[vmfex]\nnetwork = a/b\n")


def test_a_file_that_is_not_ini_is_one_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, "network = direct-pool\n")
    assert "is not a valid INI file with a [vmfex] section" in str(err.value)
    assert "\n" not in str(err.value)
