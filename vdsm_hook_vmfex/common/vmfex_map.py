"""The `vmfex` custom property: a one-line map of NIC MAC -> UCS port profile.

Accepted forms, as administrators type them into the engine:
  {'00:1a:4a:16:01:b0': 'Profile1', '00:1a:4a:16:01:b1': 'Profile2'}
  {"00:1A:4A:16:01:B0": "Profile1",}          (JSON, upper case, trailing comma)
A strict hand-written parser: no eval/literal_eval, bounded input size.
No `typing` import: it costs more than the whole parse on the hook path.
"""
from vdsm_hook_vmfex.common.errors import InvalidMap, VmfexError
from vdsm_hook_vmfex.common.property import SPACE
from vdsm_hook_vmfex.common.rules import check_profile, normalize_mac

MAX_MAP_LENGTH = 64 * 1024
_QUOTES = "'\""


def _show(text: str, limit: int = 40) -> str:
    """A short quoted excerpt of `text` for error messages."""
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)


class _Scanner(object):
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in SPACE:
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos:self.pos + 1]

    def fail(self, expected: str) -> InvalidMap:
        rest = self.text[self.pos:]
        found = "end of value" if not rest else "%s" % _show(rest, 12)
        return InvalidMap(
            "invalid map %s: expected %s at character %d, found %s"
            % (_show(self.text), expected, self.pos + 1, found)
        )

    def expect(self, char: str, expected: str) -> None:
        if self.peek() != char:
            raise self.fail(expected)
        self.pos += 1

    def string(self, expected: str) -> str:
        quote = self.peek()
        if not quote or quote not in _QUOTES:
            raise self.fail(expected)
        start = self.pos + 1
        end = start
        while end < len(self.text) and self.text[end] != quote:
            if self.text[end] in "\\\n":
                self.pos = end
                raise self.fail("a closing %s (escapes and newlines are not "
                                "allowed in names)" % quote)
            end += 1
        if end >= len(self.text):
            self.pos = start - 1
            raise self.fail("a closing %s for this string" % quote)
        self.pos = end + 1
        return self.text[start:end]


def parse_vmfex_map(text: str) -> dict:
    """Parse a `vmfex` value into {normalized MAC: profile}; raise InvalidMap."""
    if len(text) > MAX_MAP_LENGTH:
        raise InvalidMap("invalid map: value is %d characters long, at most %d "
                         "accepted" % (len(text), MAX_MAP_LENGTH))
    if not text.strip(SPACE):
        return {}
    scanner = _Scanner(text)
    scanner.expect("{", "'{' opening a map like {'00:1a:4a:16:01:b0': 'Profile1'}")
    pairs = []  # (MAC text, profile) in input order
    while scanner.peek() != "}":
        mac_text = scanner.string("a quoted MAC address or '}'")
        scanner.expect(":", "':' after the MAC %s" % _show(mac_text))
        profile = scanner.string("a quoted port profile after %s:" % _show(mac_text))
        pairs.append((mac_text, profile))
        if scanner.peek() == ",":
            scanner.pos += 1
        elif scanner.peek() != "}":
            raise scanner.fail("',' or '}' after the profile %s" % _show(profile))
    scanner.pos += 1
    scanner.skip_space()
    if scanner.pos != len(text):
        raise scanner.fail("nothing after the closing '}'")
    return build_vmfex_map(pairs)


def build_vmfex_map(pairs: list) -> dict:
    """Validate (MAC, profile) pairs into {MAC: profile}; conflicting duplicates raise."""
    mapping = {}
    for mac_text, profile in pairs:
        mac = normalize_mac(mac_text)
        check_profile(profile)
        if mapping.get(mac, profile) != profile:
            raise InvalidMap(
                "MAC %s is mapped twice, to %r and to %r: expected one profile "
                "per MAC" % (mac, mapping[mac], profile)
            )
        mapping[mac] = profile
    return mapping


def format_vmfex_map(mapping: dict) -> str:
    """The canonical value: lower-case MACs, sorted, Python-dict quoting."""
    items = ("'%s': '%s'" % (mac, mapping[mac]) for mac in sorted(mapping))
    return "{" + ", ".join(items) + "}"


__all__ = ["parse_vmfex_map", "build_vmfex_map", "format_vmfex_map",
           "InvalidMap", "VmfexError", "MAX_MAP_LENGTH"]
