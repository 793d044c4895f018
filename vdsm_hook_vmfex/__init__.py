"""Attach oVirt VM NICs to Cisco VM-FEX port profiles (VDSM hook and host tools).

Kept empty of imports: the hook's no-op path must not pay for lxml or libvirt.
"""
