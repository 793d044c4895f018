"""What valid MAC addresses, UCS port profiles, libvirt network names and
host interface names are.

The hook, vmfex-direct-pool and the engine tool all validate through this module.
"""
import re

from vdsm_hook_vmfex.common.errors import InvalidMac, InvalidName, InvalidProfile
from vdsm_hook_vmfex.common.property import SPACE

# The kernel's IFLA_VF_PORT_PROFILE_MAX is 40 bytes including the NUL.
PROFILE_MAX_LENGTH = 39
PROFILE_CHARS = "letters, digits, space and _ . : -"

# The kernel's dev_valid_name(): shorter than IFNAMSIZ (16 with the NUL), not
# '.' or '..', no '/', ':' or whitespace.
IFNAME_MAX_LENGTH = 15
_BAD_IFNAME = re.compile(r"[/:\s]")
# Characters no name or URI of ours holds: C0 controls (tab, LF and CR
# included), DEL and C1 controls, lone surrogates (non-UTF-8 bytes in argv or
# a file name decode to them) and the non-characters U+FFFE, U+FFFF. All but
# tab, LF and CR are what libvirt XML cannot carry (lxml raises ValueError).
NOT_IN_XML = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_HEX_OCTET = re.compile(r"[0-9A-Fa-f]{2}\Z")
_PROFILE = re.compile(r"[A-Za-z0-9 _.:-]+\Z")


def normalize_mac(text: str) -> str:
    """Return `text` as a lower-case colon-separated MAC, or raise InvalidMac."""
    separators = {sep for sep in ":-" if sep in text}
    if len(separators) != 1:
        raise InvalidMac(
            "invalid MAC %r: expected 6 hex octets separated by ':' or '-'" % text
        )
    octets = text.split(separators.pop())
    if len(octets) != 6:
        raise InvalidMac(
            "invalid MAC %r: expected 6 octets, found %d" % (text, len(octets))
        )
    for octet in octets:
        if not _HEX_OCTET.match(octet):
            raise InvalidMac(
                "invalid MAC %r: octet %r is not two hex digits" % (text, octet)
            )
    return ":".join(octets).lower()


def check_profile(text: str) -> str:
    """Return `text` unchanged if it is a valid port profile name, else raise."""
    if not text:
        raise InvalidProfile("invalid port profile '': expected 1 to %d characters"
                             % PROFILE_MAX_LENGTH)
    if len(text) > PROFILE_MAX_LENGTH:
        raise InvalidProfile(
            "invalid port profile %r: %d characters, at most %d allowed"
            % (text, len(text), PROFILE_MAX_LENGTH)
        )
    if not _PROFILE.match(text):
        bad = sorted({ch for ch in text if not _PROFILE.match(ch)})
        raise InvalidProfile(
            "invalid port profile %r: %s not allowed, expected %s"
            % (text, ", ".join(repr(ch) for ch in bad), PROFILE_CHARS)
        )
    if text != text.strip(" "):
        raise InvalidProfile(
            "invalid port profile %r: leading or trailing space" % text
        )
    return text


def device_profile(value: str) -> str:
    """The port profile a vNIC profile's `vmfex` value names: the map parser's
    spaces (SPACE) around it stripped, then check_profile. Not str.strip():
    U+00A0, VT and the like are no padding (InvalidProfile)."""
    profile = value.strip(SPACE)
    if not profile:
        raise InvalidProfile("invalid port profile %r: only whitespace, expected a "
                             "UCS port profile name" % value)
    return check_profile(profile)


def check_ifname(name: str) -> str:
    """Return `name` if it can be a Linux interface name, else raise InvalidName."""
    # IFNAMSIZ counts bytes; the length is measured once no surrogate is left.
    if (not name or _BAD_IFNAME.search(name) or NOT_IN_XML.search(name)
            or len(name.encode("utf-8")) > IFNAME_MAX_LENGTH or name in (".", "..")):
        raise InvalidName(
            "invalid device %r: expected a Linux interface name (1-%d bytes, "
            "no '/', ':', whitespace or control characters), e.g. eth3"
            % (name, IFNAME_MAX_LENGTH))
    return name


def check_network_name(name: str, where: str = "network name") -> str:
    """Return `name` if libvirt accepts it as a network name (not empty, no
    '/'), else raise InvalidName; `where` says where the name came from."""
    if not name or "/" in name or name != name.strip() or NOT_IN_XML.search(name):
        raise InvalidName(
            "invalid %s %r: expected a libvirt network name (not empty, no '/', "
            "no control characters, no surrounding spaces)" % (where, name))
    return name
