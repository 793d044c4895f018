"""Rewrite VDSM domain/interface XML so mapped NICs use VM-FEX port profiles.

Pure: bytes or elements in, elements or bytes out; InvalidDomainXml on bad input.
No `typing` import: it would cost the hook a quarter of its run time.
"""
from lxml import etree

from vdsm_hook_vmfex.common.errors import InvalidDomainXml, InvalidMac
from vdsm_hook_vmfex.common.rules import normalize_mac
from vdsm_hook_vmfex.host.domainxml import (  # noqa: F401 (the hook's XML entry points)
    find_interfaces,
    interface_mac,
    parse_xml,
    serialize_xml,
)

VIRTUALPORT_TYPE = "802.1Qbh"

# Interface types whose connection the hook may replace. Others (hostdev,
# vhostuser, vdpa, user, ...) carry their own device wiring: rewriting them
# silently would put the VM somewhere the administrator never chose.
REWRITABLE_TYPES = ("bridge", "network", "direct", "ethernet")

# Children libvirt refuses once the actual type is 'direct' with a virtualport:
#  filterref: qemu driver, "filterref is not supported for network interfaces
#             of type direct" (checked on the actual type).
#  port:      <port isolated='yes'/> is refused with any <virtualport> type
#             (virDomainNetDefValidatePortOptions).
#  vlan:      on direct interfaces libvirt applies <vlan> only as SR-IOV VF
#             tagging in macvtap passthrough; with 802.1Qbh the UCS port
#             profile decides the VLANs, so a tag left over from the bridge
#             would fight it.
#  source/virtualport are replaced. mtu, bandwidth, driver queues, model,
#  alias, address, boot, link are accepted for type='network' and stay.
DROPPED_CHILDREN = ("filterref", "port", "vlan")


class NicRewrite(object):
    """One mapped NIC found in the XML, and whether the rewrite changed it."""

    def __init__(self, mac: str, profile: str, previous: str, changed: bool) -> None:
        self.mac = mac
        self.profile = profile
        self.previous = previous
        self.changed = changed


OVIRT_VM_NS = "http://ovirt.org/vm/1.0"
_MD = "{%s}" % OVIRT_VM_NS


def metadata_vmfex_entries(root: etree._Element) -> list:
    """(MAC, value) of each NIC whose device custom properties in the domain
    metadata hold `vmfex`: <metadata><ovirt-vm:vm><ovirt-vm:device
    mac_address=...><ovirt-vm:custom><ovirt-vm:vmfex>VALUE (VDSM's
    lib/vdsm/virt/metadata.py; an element without text is '')."""
    if root.tag != "domain":
        return []
    entries = []
    for device in root.iterfind("metadata/%svm/%sdevice" % (_MD, _MD)):
        value = device.find("%scustom/%svmfex" % (_MD, _MD))
        if value is None:
            continue
        address = device.get("mac_address") or ""
        try:
            mac = normalize_mac(address)
        except InvalidMac as err:
            raise InvalidDomainXml("domain metadata: device with vmfex=%r: %s"
                                   % (value.text or "", err)) from None
        entries.append((mac, value.text or ""))
    return entries


def _remove(child: etree._Element) -> None:
    """Remove an element, keeping the indentation of what follows it."""
    parent = child.getparent()
    previous = child.getprevious()
    if previous is not None:
        previous.tail = child.tail
    else:
        parent.text = child.tail
    parent.remove(child)


def _replace_or_insert(iface: etree._Element, new: etree._Element,
                       after: etree._Element) -> None:
    """Put `new` where the old child of the same tag was, else after `after`."""
    old = iface.find(new.tag)
    if old is not None:
        new.tail = old.tail
        iface.replace(old, new)
        for extra in iface.findall(new.tag)[1:]:
            _remove(extra)
    else:
        indent = after.tail
        after.addnext(new)  # lxml moves `after`'s tail onto the new element
        after.tail = new.tail = indent


def _check_rewritable(iface: etree._Element, profile: str) -> None:
    """InvalidDomainXml unless the NIC's type is one the hook may replace."""
    kind = iface.get("type")
    if kind not in REWRITABLE_TYPES:
        raise InvalidDomainXml(
            "NIC %s has type %r: cannot attach it to port profile %r, expected "
            "one of %s" % (interface_mac(iface), kind, profile,
                           ", ".join(REWRITABLE_TYPES)))


def is_attached(iface: etree._Element, profile: str, network: str) -> bool:
    """Whether the NIC already means what attach_port_profile makes of it:
    type 'network', one <source network=NETWORK>, one 802.1Qbh <virtualport>
    with just <parameters profileid=PROFILE>, and none of the children
    libvirt refuses. Whitespace, quoting and attribute order do not count:
    VDSM re-serialises a device after before_device_create."""
    if iface.get("type") != "network" or any(
            iface.find(tag) is not None for tag in DROPPED_CHILDREN):
        return False
    sources, virtualports = iface.findall("source"), iface.findall("virtualport")
    if len(sources) != 1 or len(virtualports) != 1:
        return False
    parameters = [child for child in virtualports[0] if isinstance(child.tag, str)]
    return (dict(sources[0].attrib) == {"network": network}
            and dict(virtualports[0].attrib) == {"type": VIRTUALPORT_TYPE}
            and len(parameters) == 1 and parameters[0].tag == "parameters"
            and dict(parameters[0].attrib) == {"profileid": profile})


def attach_port_profile(iface: etree._Element, profile: str, network: str) -> bool:
    """Turn one <interface> into a VM-FEX NIC on `network` with `profile`.

    Returns whether anything changed: a NIC that already means it (is_attached)
    is left exactly as it is, so running it twice changes nothing.
    """
    _check_rewritable(iface, profile)
    if is_attached(iface, profile, network):
        return False
    before = etree.tostring(iface)
    iface.set("type", "network")
    mac = iface.find("mac")
    source = etree.Element("source", network=network)
    _replace_or_insert(iface, source, mac)
    virtualport = etree.Element("virtualport", type=VIRTUALPORT_TYPE)
    etree.SubElement(virtualport, "parameters", profileid=profile)
    _replace_or_insert(iface, virtualport, iface.find("source"))
    for tag in DROPPED_CHILDREN:
        for child in iface.findall(tag):
            _remove(child)
    return etree.tostring(iface) != before


def attach_port_profiles(root: etree._Element, mapping: dict, network: str) -> tuple:
    """Rewrite every NIC of `root` whose MAC is in `mapping`.

    Returns ([NicRewrite] for the NICs found, [MAC] of mapped MACs no NIC
    has). Validates every mapped NIC before touching any.
    """
    found = []  # (element, MAC)
    for iface in find_interfaces(root):
        mac = interface_mac(iface)
        if mac in mapping:
            _check_rewritable(iface, mapping[mac])
            found.append((iface, mac))
    rewrites = []
    for iface, mac in found:
        previous = describe_connection(iface)
        changed = attach_port_profile(iface, mapping[mac], network)
        rewrites.append(NicRewrite(mac, mapping[mac], previous, changed))
    seen = {mac for _, mac in found}
    missing = [mac for mac in mapping if mac not in seen]
    return rewrites, missing


def describe_connection(iface: etree._Element) -> str:
    """A short human description of where a NIC is connected, for logs."""
    source = iface.find("source")
    attrs = dict(source.attrib) if source is not None else {}
    where = attrs.get("bridge") or attrs.get("network") or attrs.get("dev") or "?"
    return "%s %s" % (iface.get("type"), where)


