"""What the hook and the pool tool share on a host: libvirt access, settings,
the host lock, and the domain and network XML readers."""
