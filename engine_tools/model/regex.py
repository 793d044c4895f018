"""The Java regular expression registered for the `vmfex` custom property.

The engine matches the whole value a user types against it (Java
`Matcher.matches()`); tests check the same text with Python `re.fullmatch`.
It only uses constructs with one meaning in both languages: character
classes, groups, alternation, `*`, `?` and `{m,n}`. Braces are written as
`[{]`/`[}]` so no backslash has to survive engine-config, and it has no `;`,
which separates properties in UserDefinedVMProperties.

What it accepts mirrors vdsm_hook_vmfex.common.vmfex_map: a `{...}` map of quoted
MAC -> quoted profile pairs, either quote style (matching on both ends),
spaces anywhere between tokens, a trailing comma, `:` or `-` MAC separators
in any case, and profiles of 1-39 characters of letters, digits, space and
`_ . : -` without leading or trailing space. What the regex cannot express
(a MAC listed twice with two profiles) is left to the hook.
"""

_HEX = "[0-9A-Fa-f]{2}"
_MAC = "%s(:%s){5}|%s(-%s){5}" % (_HEX, _HEX, _HEX, _HEX)
_PROFILE_EDGE = "[A-Za-z0-9_.:-]"
# 1 + 37 + 1 = 39 characters at most (vdsm_hook_vmfex.common.rules.PROFILE_MAX_LENGTH).
_PROFILE = "%s([A-Za-z0-9 _.:-]{0,37}%s)?" % (_PROFILE_EDGE, _PROFILE_EDGE)
_ENTRY = "('(%s)'|\"(%s)\") *: *('%s'|\"%s\") *" % (_MAC, _MAC, _PROFILE, _PROFILE)

VMFEX_REGEX = " *[{] *(%s(, *%s)*(, *)?)?[}] *" % (_ENTRY, _ENTRY)

# The device custom property `vmfex` on a vNIC profile holds one bare port
# profile name; the hook strips surrounding spaces, so they are allowed here.
# Also free of `;` and of a trailing `}`: CustomDeviceProperties separates
# properties with `;` and closes each device type with `}}`.
VMFEX_DEVICE_REGEX = " *%s *" % _PROFILE
