"""The VM-FEX passthrough network's XML: build it, and read its devices.

Pure: strings in, strings or small records out. Built with lxml, never by
string concatenation, so any device or network name is escaped correctly.
"""
from lxml import etree

FORWARD_MODE = "passthrough"


def build_network_xml(name: str, devices: "list", uuid: "str | None" = None) -> str:
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


class PoolState(object):
    """What one network XML says about its devices."""

    def __init__(self, mode: "str | None", devices: "list", busy: "list",
                 connections: "dict | None" = None) -> None:
        self.mode = mode
        self.devices = devices
        self.busy = busy
        # device -> the NICs using it (live XML only; absent: none)
        self.connections = connections or {}

    @property
    def free(self) -> "list":
        return [dev for dev in self.devices if dev not in self.busy]


def read_pool_state(network_xml: str) -> PoolState:
    """Parse network XML: forward mode, devices, and devices in use.

    libvirt's live network XML carries connections='N' on each forward
    <interface> that N domain NICs use; in passthrough mode each device serves
    one NIC, so only devices without connections are free.
    """
    root = etree.fromstring(network_xml.encode("utf-8"))
    forward = root.find("forward")
    if forward is None:
        return PoolState(None, [], [])
    devices, busy, connections = [], [], {}
    for iface in forward.findall("interface"):
        dev = iface.get("dev")
        if not dev:
            continue
        devices.append(dev)
        count = int(iface.get("connections", "0") or 0)
        if count > 0:
            busy.append(dev)
            connections[dev] = count
    return PoolState(forward.get("mode"), devices, busy, connections)
