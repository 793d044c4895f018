"""Read domain and interface XML safely, for the hook and for the pool tool:
parse without entities or network, find interfaces, list a network's NICs.

Pure: bytes or strings in, elements or small records out.
No `typing` import: it would cost the hook a quarter of its run time.
"""
from lxml import etree

from vdsm_hook_vmfex.common.errors import InvalidDomainXml, InvalidMac
from vdsm_hook_vmfex.common.rules import normalize_mac


def parse_xml(data: bytes, any_root: bool = False) -> etree._Element:
    """Parse hook XML without entity expansion or network access, refusing
    any DTD; the root must be <domain> or <interface> unless `any_root` (a
    device hook point passes whatever device has custom properties)."""
    # VDSM hands hooks UTF-8 (its own hooking.read_domxml decodes it so), which
    # never holds a NUL byte; libxml2 stops reading at a NUL after the root
    # element and would drop whatever follows it without a word.
    nul = data.find(b"\0")
    if nul >= 0:
        raise InvalidDomainXml("domain XML holds a NUL byte at byte %d of %d: expected "
                               "UTF-8 XML text" % (nul + 1, len(data)))
    parser = etree.XMLParser(resolve_entities=False, no_network=True,
                             remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        # libxml2 puts some details (the offending bytes) on a second line.
        detail = " ".join(line.strip() for line in str(err).splitlines())
        raise InvalidDomainXml("domain XML is not well-formed: %s" % detail) from None
    if root is None:
        raise InvalidDomainXml("domain XML is empty: expected <domain> or <interface>")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        # VDSM never sends a DTD. Its entities are not expanded here, so the
        # output would keep `&name;` without the declaration: not well-formed.
        raise InvalidDomainXml("domain XML has a document type declaration "
                               "(<!DOCTYPE ...>): expected XML without a DTD, as "
                               "VDSM sends it")
    if not any_root and root.tag not in ("domain", "interface"):
        raise InvalidDomainXml("unexpected root element <%s>: expected <domain> or "
                               "<interface>" % root.tag)
    return root


def serialize_xml(root: etree._Element, original: bytes) -> bytes:
    """Serialize `root`, keeping the XML declaration only if `original` had one."""
    declared = original.lstrip().startswith(b"<?xml")
    data = etree.tostring(root.getroottree(), encoding="utf-8",
                          xml_declaration=declared)
    return data if data.endswith(b"\n") or not original.endswith(b"\n") else data + b"\n"


def find_interfaces(root: etree._Element) -> list:
    """The <interface> elements of a domain, or the hotplugged interface itself."""
    if root.tag == "interface":
        return [root]
    return root.findall("devices/interface")


def interface_mac(iface: etree._Element) -> "str | None":
    """The NIC's normalized MAC, or None when it has none we can read."""
    mac = iface.find("mac")
    if mac is None or not mac.get("address"):
        return None
    try:
        return normalize_mac(mac.get("address"))
    except InvalidMac:
        return None


class NicOnNetwork(object):
    """A domain NIC whose source is a given network, with its port profile if
    any and the network's device it holds (`dev`, in live XML only)."""

    def __init__(self, domain: str, mac: "str | None", profileid: "str | None",
                 dev: "str | None" = None) -> None:
        self.domain = domain
        self.mac = mac
        self.profileid = profileid
        self.dev = dev

    def as_dict(self) -> dict:
        return {"domain": self.domain, "mac": self.mac, "profileid": self.profileid,
                "dev": self.dev}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NicOnNetwork) and self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        return "NicOnNetwork(%r, %r, %r, %r)" % (self.domain, self.mac, self.profileid,
                                                 self.dev)


def nics_on_network(domain_xml: str, network: str) -> list:
    """The NICs (NicOnNetwork) of a domain that use `network`.

    Any interface type counts: in a running domain's live XML, an
    <interface type='network'> on a passthrough network shows its actual
    type, 'direct', and keeps <source network='NAME' dev=... mode=...>.
    """
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
            params.get("profileid") if params is not None else None,
            source.get("dev") or None))
    return found
