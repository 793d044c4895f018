"""A fleet on VM-FEX for the `leave` tests: the oVirt simulator and the UCS
Manager stand-in with VLANs, QoS and network control policies."""
from tests.engine.ovirtsim import networking
from tests.engine.ucsmsim import SimProfile, UcsmSimulator
from tests.engine.ucsmsim.policies import SimQos, install

MAC_WEB01 = "00:1a:4a:16:10:01"
MAC_WEB02 = "00:1a:4a:16:10:02"
MAC_WEB03 = "00:1a:4a:16:10:03"
MAC_DB01 = "00:1a:4a:16:10:04"

UCS_PROFILES = [
    SimProfile("Profile1", 64, [("vlan100", 100, True)], qos_policy="gold",
               nwctrl_policy="strict"),
    SimProfile("Profile2", 64, [("vlan300", 300, True)], nwctrl_policy="open"),
    SimProfile("Trunk", 64, [("vlan100", 100, True), ("vlan200", 200, False)]),
]


def ucsm_simulator():
    """The stand-in (not started) with the profiles and policies above."""
    return install(UcsmSimulator(profiles=UCS_PROFILES),
                   vlans=[("vlan100", 100), ("vlan200", 200), ("vlan300", 300)],
                   qos=[SimQos("gold", "100000", 10240, "gold")],
                   nwctrl=[("strict", "deny"), ("open", "allow")])


def populate(sim, label="trunk"):
    """VM-FEX VMs, both models: web01 (down, vNIC profile model), web02
    (down, VM map model), web03 (up), db01 (down, a trunk profile); hosts
    host1 and host2 in cluster Default with NIC eth1 labelled `label`."""
    networking.add_network(sim, "vmfex-net", clusters=["Default"])
    networking.add_network(sim, "prod300", vlan_id=300, clusters=["Default"])
    vmfex1 = sim.add_vnic_profile("vmfex-Profile1", "vmfex-net",
                                  {"vmfex": "Profile1"}, network_filter=None)
    vmfex_trunk = sim.add_vnic_profile("vmfex-Trunk", "vmfex-net", {"vmfex": "Trunk"},
                                       network_filter=None)
    plain = sim.add_vnic_profile("vmfex-plain", "vmfex-net", network_filter=None)
    for name in ("host1", "host2"):
        networking.add_host(sim, name, nics=[("eth1", [label] if label else [])],
                            networks=["ovirtmgmt", "vmfex-net", "prod300"])
    sim.add_vm("web01", status="down", nics=[("nic1", MAC_WEB01, vmfex1)])
    sim.add_vm("web02", status="down", custom_properties={
        "vmfex": "{'%s': 'Profile2'}" % MAC_WEB02, "sap_agent": "true"},
        nics=[("nic1", MAC_WEB02, plain)])
    sim.add_vm("web03", status="up", nics=[("nic1", MAC_WEB03, vmfex1)])
    sim.add_vm("db01", status="down", nics=[("nic1", MAC_DB01, vmfex_trunk)])
    sim.reset_counters()
    return sim
