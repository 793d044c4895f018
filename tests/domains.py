"""Generators of VDSM-like domain XML and libvirt test-driver node files."""
from typing import Dict, Iterable, List, Optional
from xml.sax.saxutils import escape

NIC_TEMPLATE = """    <interface type="bridge">
      <mac address="{mac}"/>
      <model type="virtio"/>
      <source bridge="{bridge}"/>
      <filterref filter="vdsm-no-mac-spoofing"/>
      <link state="up"/>
      <bandwidth/>
      <alias name="ua-{index:08x}-8fd2-4b2d-a0b4-2d2e0d3b1f3a"/>
      <address bus="0x{bus:02x}" domain="0x0000" function="0x0" slot="0x00" type="pci"/>
    </interface>
"""

DOMAIN_TEMPLATE = """<domain xmlns:ovirt-tune="http://ovirt.org/vm/tune/1.0" \
xmlns:ovirt-vm="http://ovirt.org/vm/1.0" type="{type}">
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory>1048576</memory>
  <vcpu>2</vcpu>
  <metadata>
    <ovirt-tune:qos/>
    <ovirt-vm:vm>
      <ovirt-vm:clusterVersion>4.7</ovirt-vm:clusterVersion>
{devices}    </ovirt-vm:vm>
  </metadata>
  <os>
    <type arch="x86_64">hvm</type>
  </os>
  <devices>
{nics}    <controller type="pci" model="pcie-root"/>
  </devices>
</domain>
"""


def metadata_device_xml(mac: str, custom: Dict[str, str]) -> str:
    """VDSM's metadata entry of a NIC with its device custom properties."""
    props = "".join("          <ovirt-vm:{0}>{1}</ovirt-vm:{0}>\n".format(key, escape(value))
                    for key, value in sorted(custom.items()))
    return ('      <ovirt-vm:device mac_address="%s">\n'
            '        <ovirt-vm:network>ovirtmgmt</ovirt-vm:network>\n'
            '        <ovirt-vm:custom>\n%s        </ovirt-vm:custom>\n'
            '      </ovirt-vm:device>\n' % (mac, props))


def domain_xml(nics: Iterable[str], name: str = "vm", uuid: Optional[str] = None,
               domain_type: str = "kvm", bridge: str = "ovirtmgmt",
               device_custom: Optional[Dict[str, Dict[str, str]]] = None) -> str:
    """A VDSM-style domain with one bridge NIC per MAC in `nics`;
    `device_custom` {MAC: {property: value}} goes into the metadata."""
    nic_xml = "".join(NIC_TEMPLATE.format(mac=mac, bridge=bridge, index=i, bus=i + 1)
                      for i, mac in enumerate(nics))
    devices = "".join(metadata_device_xml(mac, custom)
                      for mac, custom in sorted((device_custom or {}).items()))
    return DOMAIN_TEMPLATE.format(
        name=name, type=domain_type, nics=nic_xml, devices=devices,
        uuid=uuid or "6b1c3f0a-7a4d-4c55-9f0e-%012x" % (hash(name) & 0xFFFFFFFFFFFF))


def network_xml(name: str = "direct-pool", devices: Iterable[str] = ("eth3", "eth4"),
                mode: str = "passthrough") -> str:
    """A libvirt passthrough network over `devices`."""
    ifaces = "".join('      <interface dev="%s"/>\n' % dev for dev in devices)
    return ('  <network>\n    <name>%s</name>\n    <forward mode="%s">\n%s'
            '    </forward>\n  </network>\n' % (name, mode, ifaces))


def vmfex_domain_xml(index: int, network: str = "direct-pool") -> str:
    """A running-domain entry for a node file: one NIC on `network` via 802.1Qbh."""
    return """  <domain type="test">
    <name>running-%05d</name>
    <memory>524288</memory>
    <os><type>hvm</type></os>
    <devices>
      <interface type="network">
        <mac address="00:1a:4b:%02x:%02x:01"/>
        <source network="%s"/>
        <virtualport type="802.1Qbh"><parameters profileid="Profile%d"/></virtualport>
      </interface>
    </devices>
  </domain>
""" % (index, index // 256, index % 256, network, index % 4)


def host_node_xml(running_domains: int = 0, devices: int = 2,
                  networks: Optional[List[str]] = None) -> str:
    """A test-driver node file: libvirt's test:///PATH loads it; its networks
    and domains start active."""
    if networks is None:
        networks = [network_xml(devices=["eth%d" % (3 + i) for i in range(devices)])]
    body = "".join(networks) + "".join(vmfex_domain_xml(i) for i in range(running_domains))
    return "<node>\n%s</node>\n" % body
