"""The VM-FEX passthrough network's XML, and which domain NICs sit on it.

Pure: strings in, strings or small records out. Built with lxml, never by
string concatenation, so any device or network name is escaped correctly.
"""
import re
from typing import List, Optional

from lxml import etree

from vdsm_hook_vmfex.errors import VmfexError

FORWARD_MODE = "passthrough"

# The kernel's dev_valid_name(): shorter than IFNAMSIZ (16 with the NUL), not
# '.' or '..', no '/', ':' or whitespace.
_IFNAME_MAX = 15
_BAD_IFNAME = re.compile(r"[/:\s]")


class InvalidDevice(VmfexError):
    """A host interface name the kernel would never give a device."""


def check_ifname(name: str) -> str:
    """Return `name` if it can be a Linux interface name, else raise InvalidDevice."""
    if (not name or len(name) > _IFNAME_MAX or _BAD_IFNAME.search(name)
            or name in (".", "..")):
        raise InvalidDevice(
            "invalid device %r: expected a Linux interface name (1-%d characters, "
            "no '/', ':' or whitespace), e.g. eth3" % (name, _IFNAME_MAX))
    return name


def build_network_xml(name: str, devices: "List[str]", uuid: Optional[str] = None) -> str:
    """The passthrough network over `devices`; keep `uuid` when redefining
    (libvirt refuses a definition whose name matches but uuid does not)."""
    network = etree.Element("network")
    etree.SubElement(network, "name").text = name
    if uuid:
        etree.SubElement(network, "uuid").text = uuid
    forward = etree.SubElement(network, "forward", mode=FORWARD_MODE)
    for dev in devices:
        etree.SubElement(forward, "interface", dev=dev)
    return etree.tostring(network, encoding="unicode", pretty_print=True)


class NicOnNetwork(object):
    """A domain NIC whose source is the network, with its port profile if any."""

    def __init__(self, domain: str, mac: Optional[str], profileid: Optional[str]) -> None:
        self.domain = domain
        self.mac = mac
        self.profileid = profileid

    def as_dict(self) -> dict:
        return {"domain": self.domain, "mac": self.mac, "profileid": self.profileid}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NicOnNetwork) and self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        return "NicOnNetwork(%r, %r, %r)" % (self.domain, self.mac, self.profileid)


def nics_on_network(domain_xml: str, network: str) -> "List[NicOnNetwork]":
    """The NICs of a domain that use `network`.

    Any interface type counts: in a running domain's live XML, an
    <interface type='network'> on a passthrough network shows its actual
    type, 'direct', and keeps <source network='NAME' dev=... mode=...>.
    """
    from vdsm_hook_vmfex.domxml import find_interfaces, parse_xml
    root = parse_xml(domain_xml.encode("utf-8"))
    domain = root.findtext("name") or "?"
    found = []
    for iface in find_interfaces(root):
        source = iface.find("source")
        if source is None or source.get("network") != network:
            continue
        mac = iface.find("mac")
        params = iface.find("virtualport/parameters")
        found.append(NicOnNetwork(
            domain,
            mac.get("address") if mac is not None else None,
            params.get("profileid") if params is not None else None))
    return found
