"""vmfex.conf: the network and lock file the hook and vmfex-direct-pool share."""
import os

import pytest

from vdsm_hook_vmfex.common.errors import ConfigError, InvalidName
from vdsm_hook_vmfex.host.config import (
    CONF_ENV,
    DEFAULT_CONF_PATH,
    DEFAULT_LIBVIRT_TIMEOUT,
    DEFAULT_LOCK_PATH,
    DEFAULT_NETWORK,
    load_settings,
)


def settings_from(tmp_path, text):
    path = tmp_path / "vmfex.conf"
    path.write_text(text)
    return load_settings({CONF_ENV: str(path)}), str(path)


def test_the_default_file_missing_means_the_defaults(tmp_path):
    if os.path.exists(DEFAULT_CONF_PATH):
        pytest.skip("this machine has %s" % DEFAULT_CONF_PATH)
    settings = load_settings({})
    assert (settings.network, settings.lock_path, settings.source, settings.libvirt_timeout) == (
        DEFAULT_NETWORK, DEFAULT_LOCK_PATH, "defaults", DEFAULT_LIBVIRT_TIMEOUT)


def test_vmfex_conf_naming_no_file_is_refused_or_warned(tmp_path):
    missing = str(tmp_path / "absent.conf")
    message = ("VMFEX_CONF=%s names no file: expected an existing settings file, or "
               "VMFEX_CONF unset for /etc/vdsm/vmfex.conf" % missing)
    with pytest.raises(ConfigError) as err:
        load_settings({CONF_ENV: missing})
    assert str(err.value) == message
    warnings = []
    settings = load_settings({CONF_ENV: missing}, warn=warnings.append)
    assert warnings == ["warning: %s; using the defaults" % message]
    assert (settings.network, settings.source) == (DEFAULT_NETWORK, "defaults")


@pytest.mark.parametrize("text, problem", [
    ("[vmfex]\nnetwrok = x\n", "unknown setting 'netwrok' in [vmfex] of {} (did you mean "
     "'network'?): expected one of network, lock_file, libvirt_timeout"),
    ("[vmfex]\ncolour = blue\n", "unknown setting 'colour' in [vmfex] of {}: expected one "
     "of network, lock_file, libvirt_timeout"),
    ("[vmfx]\nnetwork = x\n", "unknown section [vmfx] in {} (did you mean 'vmfex'?): "
     "expected [vmfex]"),
])
def test_unknown_settings_are_named(tmp_path, text, problem):
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, text)
    problem = problem.format(tmp_path / "vmfex.conf")
    assert str(err.value) == problem
    warnings = []
    path = str(tmp_path / "vmfex.conf")
    settings = load_settings({CONF_ENV: path}, warn=warnings.append)
    assert warnings == ["warning: %s; ignored" % problem]
    assert (settings.network, settings.source) == (DEFAULT_NETWORK, path)


def test_known_settings_still_apply_beside_an_unknown_one(tmp_path):
    path = tmp_path / "vmfex.conf"
    path.write_text("[vmfex]\nnetwork = lab\nlock_fiel = /x\n")
    warnings = []
    settings = load_settings({CONF_ENV: str(path)}, warn=warnings.append)
    assert (settings.network, settings.lock_path) == ("lab", DEFAULT_LOCK_PATH)
    assert len(warnings) == 1 and "'lock_fiel'" in warnings[0] and "'lock_file'" in warnings[0]


@pytest.mark.parametrize("value, seconds", [("1", 1.0), (" 2.5 ", 2.5), ("600", 600.0)])
def test_libvirt_timeout_is_read(tmp_path, value, seconds):
    settings, _ = settings_from(tmp_path, "[vmfex]\nlibvirt_timeout = %s\n" % value)
    assert settings.libvirt_timeout == seconds


@pytest.mark.parametrize("value", ["0", "-1", "601", "nan", "inf", "soon", ""])
def test_a_bad_libvirt_timeout_is_refused_by_name(tmp_path, value):
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, "[vmfex]\nlibvirt_timeout = %s\n" % value)
    assert str(err.value) == ("invalid libvirt_timeout %r in %s: expected seconds, a number "
                              "above 0 and at most 600" % (value, tmp_path / "vmfex.conf"))


def test_values_are_read_and_stripped(tmp_path):
    settings, path = settings_from(
        tmp_path, "[vmfex]\nnetwork =  vmfex-lab \nlock_file = /tmp/x/vmfex.lock\n")
    assert (settings.network, settings.lock_path, settings.source) == (
        "vmfex-lab", "/tmp/x/vmfex.lock", path)


def test_an_empty_file_means_the_defaults(tmp_path):
    settings, _ = settings_from(tmp_path, "# nothing set\n")
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


def test_vmfex_direct_pool_refuses_what_the_hook_only_warns_about(tmp_path):
    # The administrator's tool is where a typo can stop the run: it is run by
    # hand, after editing the file (`define`, `status`).
    from tests.pool.helpers import run_cli
    conf = tmp_path / "vmfex.conf"
    conf.write_text("[vmfex]\nnetwrok = lab\n")
    rc, out, err = run_cli(["status"], {"VMFEX_CONF": str(conf),
                                        "LIBVIRT_DEFAULT_URI": "test:///default"})
    assert (rc, out) == (1, "")
    assert err == ("vmfex-direct-pool: error: unknown setting 'netwrok' in [vmfex] of %s "
                   "(did you mean 'network'?): expected one of network, lock_file, "
                   "libvirt_timeout\n" % conf)
