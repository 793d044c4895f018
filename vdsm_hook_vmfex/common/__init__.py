"""What the host and engine packages share (RPM vdsm-hook-vmfex-common):
errors, the MAC/profile/name rules, the `vmfex` map, the version and the
command-line frame. Depends on the standard library only."""
