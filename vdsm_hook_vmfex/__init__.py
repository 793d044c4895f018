"""Attach oVirt VM NICs to Cisco VM-FEX port profiles.

common/ is shared by the host and engine packages, hook/ is the VDSM hook,
pool/ is `vmfex-direct-pool`. Kept empty of imports: the hook's no-op path
must not pay for lxml or libvirt.
"""
