"""`vmfex-direct-pool`: the host's VM-FEX passthrough network (RPM vdsm-hook-vmfex)."""
