"""What a valid MAC address and a valid UCS port profile name are.

The hook and the engine tool both validate through this module.
"""
import re

from vdsm_hook_vmfex.errors import InvalidMac, InvalidProfile

# The kernel's IFLA_VF_PORT_PROFILE_MAX is 40 bytes including the NUL.
PROFILE_MAX_LENGTH = 39
PROFILE_CHARS = "letters, digits, space and _ . : -"

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

