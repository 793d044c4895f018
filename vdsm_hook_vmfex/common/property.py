"""The custom property's name, the one thing oVirt passes down to the hook.

A VM property `vmfex` holds a map (vmfex_map); a vNIC profile property
`vmfex` holds one port profile name. No imports: the hook reads this on
every VM start.
"""

PROPERTY_NAME = "vmfex"
