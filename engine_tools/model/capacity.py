"""Capacity of dynamic vNICs per host and cluster, and the N+1 answer (pure).

Inputs are what the engine says (clusters, hosts, VMs with the host they
run on, vNIC profiles), the fleet file (each host's direct-pool status)
and UCS Manager (each blade's service profile: dynamic vNICs its policy
grants). Each VM NIC using VM-FEX takes one dynamic vNIC of its host
(passthrough: one pool member per NIC).
"""
from collections import namedtuple
from typing import Dict, Iterable, List, Optional, Tuple

from engine_tools.model.assign_plan import VmState, current_map, is_running
from engine_tools.model.fleet import FleetHost
from engine_tools.model.inventory import profile_nics
from engine_tools.model.vnic_profiles import Networking

#: A host as the engine knows it; uuid: <hardware_information><uuid>.
EngineHost = namedtuple("EngineHost", "id name address cluster_id uuid status")
#: A service profile bound to a blade: granted dynamic vNICs (None: not
#: known, `note` says why).
ServiceProfile = namedtuple("ServiceProfile", "name uuid granted note")
#: What UCS Manager gives one engine host; matched: "uuid" or "byte-swapped uuid".
UcsmGrant = namedtuple("UcsmGrant", "profile granted matched note")
#: One host's answer. vms: [(VM name, VM-FEX NICs)] of its running VM-FEX
#: VMs; free None: unknown (note says why).
HostCapacity = namedtuple("HostCapacity", "host cluster used vms fleet ucsm free note")
#: If `host` fails: unplaced [(VM name, NICs)] that fit on no other host.
Failover = namedtuple("Failover", "host vms unplaced")
ClusterCapacity = namedtuple(
    "ClusterCapacity", "name hosts running_nics all_nics free failovers")
#: The whole answer; problems: one line per bad input (named).
Answer = namedtuple("Answer", "clusters problems")

#: Hosts in this state take VMs that restart after a failure.
TARGET_STATUS = "up"
NO_CLUSTER = "(no cluster)"


def vmfex_nics(vm: VmState, networking: Optional[Networking]) -> int:
    """NICs of the VM that use VM-FEX by either model: MACs in its valid VM
    map that are on its NICs, and NICs whose vNIC profile carries vmfex (a
    NIC both name counts once)."""
    mapping = current_map(vm)[1] or {}
    macs = {mac for _, mac in vm.nics if mac in mapping}
    macs.update(nic.mac for nic, _, ucs, _ in profile_nics(vm, networking) if ucs is not None)
    return len(macs)


def swapped_uuid(uuid: str) -> Optional[str]:
    """The UUID with its first three fields byte-reversed (the SMBIOS mixed
    endian form read as big endian, or back); None if `uuid` is not one."""
    parts = uuid.strip().lower().split("-")
    if [len(p) for p in parts] != [8, 4, 4, 4, 12] or not all(
            all(ch in "0123456789abcdef" for ch in p) for p in parts):
        return None

    def reverse(field: str) -> str:
        return "".join(reversed([field[i:i + 2] for i in range(0, len(field), 2)]))

    return "-".join([reverse(parts[0]), reverse(parts[1]), reverse(parts[2])] + parts[3:])


def match_service_profiles(hosts: Iterable[EngineHost], profiles: Iterable[ServiceProfile]
                           ) -> Tuple[Dict[str, UcsmGrant], List[str]]:
    """({engine host id: UcsmGrant}, problems): each host's hardware UUID
    against the service profiles' UUIDs, without regard to case; a host
    that matches only in the byte-swapped form is matched and says so.

    VDSM reports dmidecode's system UUID (lower case; or /etc/vdsm/vdsm.id
    when that file exists): dmidecode decodes the first three fields as
    little endian from SMBIOS 2.6 on, which gives the UUID UCS Manager
    shows; firmware with an older SMBIOS version makes dmidecode print
    those fields byte-swapped.
    """
    exact, swapped = {}, {}
    for profile in profiles:
        key = (profile.uuid or "").strip().lower()
        if key:
            exact.setdefault(key, profile)
            other = swapped_uuid(key)
            if other:
                swapped.setdefault(other, profile)
    grants, problems = {}, []
    for host in sorted(hosts, key=lambda h: h.name):
        uuid = (host.uuid or "").strip().lower()
        if not uuid:
            problems.append("host %r: the engine reports no hardware UUID, so no UCS "
                            "Manager service profile can be matched to it" % host.name)
            continue
        profile, how = exact.get(uuid), "uuid"
        if profile is None:
            profile, how = swapped.get(uuid), "byte-swapped uuid"
        if profile is None:
            problems.append("host %r: hardware UUID %s matches no service profile bound "
                            "to a blade in UCS Manager" % (host.name, uuid))
            continue
        grants[host.id] = UcsmGrant(profile.name, profile.granted, how, profile.note)
    return grants, problems


def match_fleet(hosts: Iterable[EngineHost], fleet: Iterable[FleetHost], source: str
                ) -> Tuple[Dict[str, FleetHost], List[str]]:
    """({engine host id: FleetHost}, problems): each file entry matched to
    an engine host by address, then by name, without regard to case."""
    hosts = sorted(hosts, key=lambda h: h.name)
    by_address = {}
    by_name = {}
    for host in hosts:
        by_address.setdefault((host.address or "").lower(), host)
        by_name.setdefault(host.name.lower(), host)
    found, problems = {}, []
    for entry in fleet:
        key = entry.host.lower()
        host = by_address.get(key) or by_name.get(key)
        if host is None:
            problems.append("%s: host %r is not known to the engine (no engine host has "
                            "that address or name)" % (source, entry.host))
        elif host.id in found:
            problems.append("%s: host %r appears twice (engine host %r); the first "
                            "entry is used" % (source, entry.host, host.name))
        else:
            found[host.id] = entry
    for host in hosts:
        if host.id not in found:
            problems.append("host %r (address %s) is missing from %s" % (
                host.name, host.address or "?", source))
    return found, problems


def _free(used: int, fleet: Optional[FleetHost], ucsm: Optional[UcsmGrant],
          fleet_given: bool, ucsm_given: bool, added: int = 0) -> Tuple[Optional[int], str]:
    """(free dynamic vNICs or None, why unknown); with both sources the
    smaller free count: the pool cannot hand out more than it has, UCSM
    not more than it grants. `added`: NICs a planned change adds on the
    host, which the pool's measured free count does not know yet."""
    known, why = [], []
    if fleet is not None and fleet.error is None and fleet.ready:
        known.append(fleet.free - added)
    elif fleet is not None:
        # A pool that is not ready cannot start a VM-FEX NIC now, whatever
        # its counts say.
        why.append("fleet file: %s" % (fleet.error or "the pool is not ready on the host"))
    elif fleet_given:
        why.append("not in the fleet file")
    if ucsm is not None and ucsm.granted is not None:
        known.append(ucsm.granted - used)
    elif ucsm is not None:
        why.append("UCS Manager: %s" % (ucsm.note or "grant unknown"))
    elif ucsm_given:
        why.append("no UCS Manager service profile")
    if not fleet_given and not ucsm_given:
        why.append("no --hosts FILE or --ucsm given")
    if known:
        return min(known), ""
    return None, "; ".join(why)


def failover(host: HostCapacity, others: List[HostCapacity]) -> Failover:
    """Where `host`'s running VM-FEX VMs restart when it fails: first fit
    on the other up hosts with known free vNICs, largest VM first."""
    free = [[other.free, other.host.name] for other in others
            if other.free is not None and other.host.status == TARGET_STATUS]
    unplaced = []
    for name, nics in sorted(host.vms, key=lambda vm: (-vm[1], vm[0])):
        for slot in free:
            if slot[0] >= nics:
                slot[0] -= nics
                break
        else:
            unplaced.append((name, nics))
    return Failover(host.host.name, list(host.vms), unplaced)


def _used_per_host(vms: Dict[str, VmState], networking: Optional[Networking]
                   ) -> Dict[str, int]:
    used = {}
    for vm in vms.values():
        if vm.host_id is not None and is_running(vm):
            used[vm.host_id] = used.get(vm.host_id, 0) + vmfex_nics(vm, networking)
    return used


def capacity(clusters: Dict[str, str], hosts: List[EngineHost], vms: Dict[str, VmState],
             networking: Optional[Networking], fleet: Optional[Dict[str, FleetHost]] = None,
             ucsm: Optional[Dict[str, UcsmGrant]] = None,
             problems: Iterable[str] = (), measured: Optional[Dict[str, VmState]] = None
             ) -> Answer:
    """The answer per cluster (by name): hosts with used and free vNICs,
    NICs of running and of all VMs, and the N+1 failovers.

    clusters: {cluster id: name}; fleet / ucsm: by engine host id, None
    when that source was not given. measured: the VMs as they were when
    the fleet file was written, when `vms` holds planned changes.
    """
    before = _used_per_host(measured, networking) if measured is not None else None
    nics = {name: vmfex_nics(vm, networking) for name, vm in vms.items()}
    on_host = {}
    for name in sorted(vms):
        vm = vms[name]
        if nics[name] and vm.host_id is not None and is_running(vm):
            on_host.setdefault(vm.host_id, []).append((name, nics[name]))
    rows = {}
    for host in sorted(hosts, key=lambda h: h.name):
        placed = on_host.get(host.id, [])
        used = sum(count for _, count in placed)
        from_fleet = (fleet or {}).get(host.id)
        from_ucsm = (ucsm or {}).get(host.id)
        added = used - before.get(host.id, 0) if before is not None else 0
        free, why = _free(used, from_fleet, from_ucsm, fleet is not None, ucsm is not None,
                          added)
        cluster = clusters.get(host.cluster_id, NO_CLUSTER)
        rows.setdefault(cluster, []).append(HostCapacity(
            host, cluster, used, placed, from_fleet, from_ucsm, free, why))
    running, total = {}, {}
    for name, vm in vms.items():
        cluster = clusters.get(vm.cluster_id, NO_CLUSTER)
        total[cluster] = total.get(cluster, 0) + nics[name]
        if is_running(vm):
            running[cluster] = running.get(cluster, 0) + nics[name]
    answer = []
    for name in sorted(set(rows) | {c for c, n in total.items() if n}):
        members = rows.get(name, [])
        known = [h.free for h in members if h.free is not None]
        failovers = [failover(h, [o for o in members if o is not h]) for h in members]
        answer.append(ClusterCapacity(name, members, running.get(name, 0),
                                      total.get(name, 0), sum(known) if known else None,
                                      failovers))
    return Answer(answer, list(problems))


def n_plus_one_ok(cluster: ClusterCapacity) -> bool:
    return not any(f.unplaced for f in cluster.failovers)


def unknown_hosts(answer: Answer) -> List[HostCapacity]:
    return [h for c in answer.clusters for h in c.hosts if h.free is None]


def failing(answer: Answer) -> bool:
    """Exit 1: a VM would not fit after a host failure, or a host's capacity is unknown."""
    return bool(unknown_hosts(answer)) or not all(n_plus_one_ok(c) for c in answer.clusters)


def with_changes(vms: Dict[str, VmState], changed: Dict[str, VmState]) -> Dict[str, VmState]:
    """The VMs as they will be after a run writes `changed` (by name)."""
    result = dict(vms)
    result.update(changed)
    return result


def pushed_past(before: Answer, after: Answer) -> List[str]:
    """One warning per cluster a change pushes past its capacity: hosts
    whose free vNICs drop below zero, or an N+1 answer that turns to no."""
    old = {c.name: c for c in before.clusters}
    lines = []
    for cluster in after.clusters:
        prior = old.get(cluster.name)
        for host in cluster.hosts:
            if host.free is not None and host.free < 0:
                was = next((h.free for h in (prior.hosts if prior else ())
                            if h.host.id == host.host.id), None)
                if was is None or was >= 0 or host.free < was:
                    lines.append("cluster %r: host %r would need %d more dynamic vNICs "
                                 "than it has" % (cluster.name, host.host.name, -host.free))
        if prior is not None and n_plus_one_ok(prior) and not n_plus_one_ok(cluster):
            lost = sorted({vm for f in cluster.failovers for vm, _ in f.unplaced})
            lines.append("cluster %r would no longer pass N+1: %s would not restart "
                         "after a host failure" % (cluster.name, ", ".join(lost)))
    return lines
