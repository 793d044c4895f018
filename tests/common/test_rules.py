"""The validation rules the hook, vmfex-direct-pool and the engine tool share."""
import pytest

from vdsm_hook_vmfex.common.errors import InvalidName, InvalidProfile
from vdsm_hook_vmfex.common.rules import (
    PROFILE_MAX_LENGTH,
    check_ifname,
    check_network_name,
    check_profile,
    device_profile,
    normalize_mac,
)

B0 = "00:1a:4a:16:01:b0"


def test_profile_length_limit_is_the_kernels():
    assert check_profile("p" * PROFILE_MAX_LENGTH) == "p" * 39
    with pytest.raises(InvalidProfile):
        check_profile("p" * (PROFILE_MAX_LENGTH + 1))


def test_normalize_mac():
    assert normalize_mac("00-1A-4a-16-01-B0") == B0
    assert normalize_mac(B0) == B0


@pytest.mark.parametrize("name", ["eth3", "enp11s0f1", "a" * 15, "vnic.100", "x-y_z"])
def test_good_interface_names(name):
    assert check_ifname(name) == name


@pytest.mark.parametrize("name", ["", "a" * 16, "eth/3", "eth 3", "eth3\n", "eth0:1",
                                  ".", ".."])
def test_bad_interface_names_are_refused_by_name(name):
    with pytest.raises(InvalidName) as err:
        check_ifname(name)
    assert str(err.value).startswith("invalid device %r: expected a Linux interface name"
                                     % name)


@pytest.mark.parametrize("name", ["", " pool", "pool ", "a/b"])
def test_bad_network_names_say_where_they_came_from(name):
    with pytest.raises(InvalidName) as err:
        check_network_name(name, "--name")
    assert str(err.value) == ("invalid --name %r: expected a libvirt network name (not "
                              "empty, no '/', no control characters, no surrounding spaces)" % name)


def test_good_network_names():
    assert check_network_name("direct-pool") == "direct-pool"


@pytest.mark.parametrize("name", ["eth\x01", "eth\x00", "e\x7fth", "eth\x85", "eth\udcff",
                                  "eth\ufffe", "\u00e9" * 8])
def test_interface_names_libvirt_xml_cannot_hold_are_refused(name):
    # "é" * 8 is 8 characters but 16 bytes: IFNAMSIZ counts bytes.
    with pytest.raises(InvalidName):
        check_ifname(name)


@pytest.mark.parametrize("name", ["pool\x01", "pool\x00x", "a\tb", "a\x9bb", "a\udc80"])
def test_network_names_with_control_characters_are_refused(name):
    with pytest.raises(InvalidName, match="no control characters"):
        check_network_name(name)


def test_names_of_unicode_letters_are_fine():
    assert check_ifname("\u00e9th0") == "\u00e9th0"
    assert check_network_name("r\u00e9seau VM-FEX") == "r\u00e9seau VM-FEX"


@pytest.mark.parametrize("value, profile", [
    ("P1", "P1"), (" P1\t", "P1"), ("\r\nWeb 10G ", "Web 10G")])
def test_device_profile_strips_only_the_map_parsers_spaces(value, profile):
    assert device_profile(value) == profile


@pytest.mark.parametrize("value", ["", " \t", "\u00a0P1", "P1\u3000", "\x0bP1", "P{1}"])
def test_device_profile_refuses_other_padding_and_bad_names(value):
    with pytest.raises(InvalidProfile, match="invalid port profile"):
        device_profile(value)
