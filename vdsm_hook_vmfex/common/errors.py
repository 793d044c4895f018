"""Typed errors shared by the hook, the host command and the engine tool."""


class VmfexError(Exception):
    """A user-facing error: its message names the bad value and what was expected."""


class InvalidMac(VmfexError):
    """A MAC address that is not 6 hex octets."""


class InvalidProfile(VmfexError):
    """A port profile name libvirt or the kernel would refuse."""


class InvalidName(VmfexError):
    """A libvirt network name or a host interface name that would be refused."""


class InvalidMap(VmfexError):
    """A `vmfex` custom property value that is not a MAC -> profile map."""


class InvalidDomainXml(VmfexError):
    """Domain or interface XML the hook cannot rewrite."""


class ConfigError(VmfexError):
    """A bad /etc/vdsm/vmfex.conf."""


class NetworkNotReady(VmfexError):
    """The libvirt passthrough network cannot serve VM-FEX NICs."""


class LibvirtFailure(VmfexError):
    """A libvirt call failed; the message says which and on what."""
