"""The custom property's name, the one thing oVirt passes down to the hook.

A VM property `vmfex` holds a map (vmfex_map); a vNIC profile property
`vmfex` holds one port profile name. No imports: the hook reads this on
every VM start.
"""

PROPERTY_NAME = "vmfex"

# What a value may be padded with, and what an empty value may hold. The
# engine's regex (engine_tools.model.regex) admits only ASCII spaces around the
# braces; the parser also takes tab, CR and LF, which a value pasted from a
# file carries. Anything else (U+00A0, U+3000, VT, ...) is no map and no
# "empty" either: the parser refuses it.
SPACE = " \t\r\n"
