"""VLANs, QoS and network control policies of the UCS Manager stand-in.

Element and attribute names follow ucsmsdk 0.9.27's class metadata:
FabricVlan (rn net-[name] under fabric/lan; id 1-4042/4048-4093),
EpqosDefinition (rn ep-qos-[name] under an org; child EpqosEgress, rn
"egress": rate "line-rate" or 8-100000000 (kbps), burst 0-65535 (bytes),
prio), NwctrlDefinition (rn nwctrl-[name]; child DpsecMac, rn "mac-sec":
forge allow/deny). Children are nested only for inHierarchical="true", as
UCS Manager answers configResolveClass.
"""
from collections import namedtuple

from lxml import etree

SimQos = namedtuple("SimQos", "name rate burst prio")
SimQos.__new__.__defaults__ = (10240, "best-effort")


def install(sim, vlans=(), qos=(), nwctrl=()):
    """Give `sim` VLANs [(name, id)], QoS policies [SimQos] and network
    control policies [(name, forge "allow"/"deny")]; returns sim."""
    sim.vlans = list(vlans)
    sim.qos_policies = list(qos)
    sim.nwctrl_policies = list(nwctrl)
    sim.classes["fabricVlan"] = _vlans
    sim.classes["epqosDefinition"] = _qos
    sim.classes["nwctrlDefinition"] = _nwctrl
    return sim


def _vlans(sim, configs, hierarchical):
    for name, vlan_id in sim.vlans:
        etree.SubElement(configs, "fabricVlan", dn="fabric/lan/net-%s" % name,
                         rn="net-%s" % name, name=name, id=str(vlan_id), sharing="none",
                         switchId="dual", defaultNet="no", policyOwner="local")


def _qos(sim, configs, hierarchical):
    for policy in sim.qos_policies:
        dn = "org-root/ep-qos-%s" % policy.name
        elem = etree.SubElement(configs, "epqosDefinition", dn=dn,
                                rn="ep-qos-%s" % policy.name, name=policy.name,
                                policyOwner="local", descr="")
        if hierarchical:
            etree.SubElement(elem, "epqosEgress", dn=dn + "/egress", rn="egress",
                             rate=str(policy.rate), burst=str(policy.burst),
                             prio=policy.prio, hostControl="none")


def _nwctrl(sim, configs, hierarchical):
    for name, forge in sim.nwctrl_policies:
        dn = "org-root/nwctrl-%s" % name
        elem = etree.SubElement(configs, "nwctrlDefinition", dn=dn, rn="nwctrl-%s" % name,
                                name=name, cdp="disabled", macRegisterMode="only-native-vlan",
                                uplinkFailAction="link-down", policyOwner="local")
        if hierarchical:
            etree.SubElement(elem, "dpsecMac", dn=dn + "/mac-sec", rn="mac-sec",
                             forge=forge, policyOwner="local")
