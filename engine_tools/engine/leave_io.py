"""The engine side of `leave`: read the networking inventory, create and
remove networks, labels, cluster networks, QoS and vNIC profiles, plug and
unplug NICs (ovirtsdk4). Every write goes through client.send_all (bounded
window, one Outcome per item)."""
from typing import Callable, Dict, List, Optional, Tuple

from engine_tools.engine import client
from engine_tools.engine.reads import profile_of
from engine_tools.engine.sdk import types
from engine_tools.engine.session import timeout_of
from engine_tools.engine.window import list_all
from engine_tools.model.leave_plan import (
    EngineCluster,
    EngineHost,
    EngineNetwork,
    Inventory,
)
from engine_tools.model.vnic_profiles import Profile


def _network(net: "types.Network") -> EngineNetwork:
    dc = net.data_center.id if net.data_center is not None else None
    vlan = net.vlan.id if net.vlan is not None else None
    return EngineNetwork(net.id, net.name, dc, vlan, net.mtu or 0)


def read_inventory(connection, names: Optional[List[str]] = None) -> Inventory:
    """Data centers, networks, vNIC profiles, clusters with their networks,
    hosts with labelled NICs and attachments, network QoS per data center,
    and the VMs (all, or `names`): a constant number of lists plus one per
    data center, and the VM pages."""
    system = connection.system_service()
    starts = [
        ("dcs", lambda: system.data_centers_service().list(wait=False)),
        ("networks", lambda: system.networks_service().list(wait=False)),
        ("profiles", lambda: system.vnic_profiles_service().list(wait=False)),
        ("clusters", lambda: system.clusters_service().list(follow="networks", wait=False)),
        ("hosts", lambda: system.hosts_service().list(
            follow="nics.network_labels,network_attachments", wait=False)),
    ]
    found = list_all(connection, starts)
    dcs = {dc.id: dc.name for dc in found["dcs"]}
    qos = read_qos(connection, sorted(dcs))
    clusters = {}
    for cluster in found["clusters"]:
        clusters[cluster.id] = EngineCluster(
            cluster.id, cluster.name,
            cluster.data_center.id if cluster.data_center is not None else None,
            frozenset(n.id for n in cluster.networks or ()))
    hosts = []
    for host in found["hosts"]:
        labels = frozenset(label.id for nic in host.nics or ()
                           for label in nic.network_labels or ())
        attached = frozenset(a.network.id for a in host.network_attachments or ()
                             if a.network is not None)
        hosts.append(EngineHost(host.id, host.name,
                                host.cluster.id if host.cluster is not None else None,
                                attached, labels))
    return Inventory(dcs, {n.id: _network(n) for n in found["networks"]},
                     {p.id: profile_of(p) for p in found["profiles"]}, qos, clusters,
                     hosts, client.read_vms(connection, names))


def read_networking(connection) -> Tuple[Dict[str, EngineNetwork], Dict[str, Profile],
                                         Dict[str, str]]:
    """({id: network}, {id: vNIC profile}, {network filter name: id}) now."""
    system = connection.system_service()
    starts = [
        ("networks", lambda: system.networks_service().list(wait=False)),
        ("profiles", lambda: system.vnic_profiles_service().list(wait=False)),
        ("filters", lambda: system.network_filters_service().list(wait=False)),
    ]
    found = list_all(connection, starts)
    return ({n.id: _network(n) for n in found["networks"]},
            {p.id: profile_of(p) for p in found["profiles"]},
            {f.name: f.id for f in found["filters"]})


def profile_qos(connection) -> Dict[str, Optional[str]]:
    """{vNIC profile id: QoS id or None}."""
    profiles = client.wait_answer(
        connection.system_service().vnic_profiles_service().list(wait=False),
        timeout_of(connection))
    return {p.id: p.qos.id if p.qos is not None else None for p in profiles}


# -- writes: each `start(item)` returns an SDK future ------------------------

def add_network_start(connection, item: dict):
    body = types.Network(
        name=item["name"], data_center=types.DataCenter(id=item["data_center_id"]),
        vlan=types.Vlan(id=item["vlan_id"]) if item["vlan_id"] else None,
        mtu=item["mtu"], usages=[types.NetworkUsage.VM],
        description="created by vmfex-engine leave")
    return connection.system_service().networks_service().add(body, wait=False)


def add_label_start(connection, network_id: str, label: str):
    return (connection.system_service().networks_service().network_service(network_id)
            .network_labels_service().add(types.NetworkLabel(id=label), wait=False))


def attach_start(connection, cluster_id: str, network_id: str):
    # required=false sent explicitly: the engine makes a cluster network
    # required otherwise, and a host lacking it would go non-operational.
    return (connection.system_service().clusters_service().cluster_service(cluster_id)
            .networks_service().add(types.Network(id=network_id, required=False),
                                    wait=False))


def add_qos_start(connection, item: dict):
    body = types.Qos(name=item["name"], type=types.QosType.NETWORK,
                     outbound_average=item["outbound_average"],
                     outbound_peak=item["outbound_peak"],
                     outbound_burst=item["outbound_burst"])
    return (connection.system_service().data_centers_service()
            .data_center_service(item["data_center_id"]).qoss_service().add(body, wait=False))


def add_profile_start(connection, item: dict, network_id: str, filter_id: Optional[str],
                      qos_id: Optional[str]):
    # An empty <network_filter/> means none; without it the engine sets
    # vdsm-no-mac-spoofing.
    body = types.VnicProfile(
        name=item["name"], network=types.Network(id=network_id),
        description="vmfex-engine leave: UCS port profile %s" % item["port_profile"],
        network_filter=types.NetworkFilter(id=filter_id) if filter_id
        else types.NetworkFilter(),
        qos=types.Qos(id=qos_id) if qos_id else None)
    return connection.system_service().vnic_profiles_service().add(body, wait=False)


def nic_profile_start(connection, vm_id: str, nic_id: str, profile_id: str):
    nic = (connection.system_service().vms_service().vm_service(vm_id).nics_service()
           .nic_service(nic_id))
    return nic.update(types.Nic(vnic_profile=types.VnicProfile(id=profile_id)), wait=False)


def plug_start(connection, vm_id: str, nic_id: str, plugged: bool):
    nic = (connection.system_service().vms_service().vm_service(vm_id).nics_service()
           .nic_service(nic_id))
    return nic.activate(wait=False) if plugged else nic.deactivate(wait=False)


def _remove(service):
    # ovirtsdk4's generated remove() builds the request's future but does not
    # return it (no `return` before self._internal_remove), so wait=False
    # would lose the answer: call the method it calls.
    return service._internal_remove(None, {}, False)


def remove_start(connection, kind: str, ident: str, parent: Optional[str] = None):
    system = connection.system_service()
    if kind == "profile":
        return _remove(system.vnic_profiles_service().profile_service(ident))
    if kind == "qos":
        return _remove(system.data_centers_service().data_center_service(parent)
                       .qoss_service().qos_service(ident))
    return _remove(system.networks_service().network_service(ident))


def send(connection, items: List, start: Callable, key: Callable = lambda item: item,
         on_done: Callable = lambda item, outcome: None):
    """client.send_all: ({key: Outcome}, {key: answer}, why stopped or None)."""
    return client.send_all(connection, items, start, key, on_done)


def read_data_centers(connection) -> Dict[str, str]:
    """{id: name} of the data centers."""
    found = client.wait_answer(connection.system_service().data_centers_service()
                               .list(wait=False), timeout_of(connection))
    return {dc.id: dc.name for dc in found}


def read_qos(connection, dc_ids: List[str]) -> Dict[str, Tuple[str, str]]:
    """{id: (name, data center id)} of the network QoS of those data centers."""
    service = connection.system_service().data_centers_service()
    qos = {}
    for dc_id, result, error in client.run_windowed(
            ((dc_id, lambda dc_id=dc_id: service.data_center_service(dc_id).qoss_service()
              .list(wait=False)) for dc_id in dc_ids),
            timeout=timeout_of(connection)):
        if error is not None:
            raise error
        qos.update((q.id, (q.name, dc_id)) for q in result
                   if q.type is None or q.type.value == "network")
    return qos


def read_clusters(connection) -> Dict[str, EngineCluster]:
    """{id: cluster} with the networks attached to each (one list)."""
    found = client.wait_answer(connection.system_service().clusters_service().list(
        follow="networks", wait=False), timeout_of(connection))
    return {c.id: EngineCluster(c.id, c.name, c.data_center.id if c.data_center else None,
                                frozenset(n.id for n in c.networks or ())) for c in found}


def network_labels(connection, network_id: str) -> List[str]:
    """The labels of one network."""
    found = client.wait_answer(
        connection.system_service().networks_service().network_service(network_id)
        .network_labels_service().list(wait=False), timeout_of(connection))
    return [label.id for label in found]


def detach_start(connection, cluster_id: str, network_id: str):
    return _remove(connection.system_service().clusters_service().cluster_service(cluster_id)
                   .networks_service().network_service(network_id))
