"""The engine's clusters and hosts, and everything `capacity` reads in one session."""
from typing import Dict, List, Tuple

from engine_tools.engine.client import (
    Options,
    engine_error,
    read_networking,
    read_vms,
    session,
)
from engine_tools.engine.sdk import ovirtsdk4
from engine_tools.engine.window import list_all
from engine_tools.model.assign_plan import VmState
from engine_tools.model.capacity import EngineHost
from engine_tools.model.vnic_profiles import Networking

#: What capacity reads: VMs (with the host each runs on), vNIC profiles,
#: {cluster id: name}, hosts.
Inventory = Tuple[Dict[str, VmState], Networking, Dict[str, str], List[EngineHost]]


def _host(host) -> EngineHost:
    # API model Host: hardware_information (HardwareInformation.uuid) is part
    # of the host itself, no follow needed; status is a HostStatus.
    hardware = host.hardware_information
    return EngineHost(host.id, host.name or host.id, host.address or "",
                      host.cluster.id if host.cluster is not None else None,
                      (hardware.uuid or "") if hardware is not None else "",
                      host.status.value if host.status is not None else "unknown")


def read_hosts(connection) -> Tuple[Dict[str, str], List[EngineHost]]:
    """({cluster id: name}, hosts): two lists in flight at once (the engine
    lists clusters and hosts whole when no search is given)."""
    system = connection.system_service()
    starts = [("clusters", lambda: system.clusters_service().list(wait=False)),
              ("hosts", lambda: system.hosts_service().list(wait=False))]
    found = list_all(connection, starts)
    clusters = {c.id: c.name or c.id for c in found["clusters"]}
    return clusters, [_host(h) for h in found["hosts"]]


def read_inventory(options: Options) -> Inventory:
    """VMs, vNIC profiles, clusters and hosts, in one session: the VMs page
    by page with their NICs inline (each running VM names its host), the
    rest one list each."""
    with session(options) as connection:
        return read_inventory_in(connection)


def read_inventory_in(connection) -> Inventory:
    """read_inventory within an open session; SDK errors come out as EngineError."""
    try:
        vms = read_vms(connection)
        networking = read_networking(connection)
        clusters, hosts = read_hosts(connection)
    except ovirtsdk4.Error as e:
        raise engine_error(e, connection.vmfex_options) from None
    return vms, networking, clusters, hosts
