"""The VDSM hook runtime (RPM vdsm-hook-vmfex).

Kept free of imports: the hook's no-op path must not pay for lxml or libvirt.
"""
