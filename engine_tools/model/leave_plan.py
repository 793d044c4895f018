"""Planning `leave` (pure): UCS port profiles -> oVirt networks, QoS and vNIC
profiles, and which VM-FEX NIC moves where and when.

The plan is a plain JSON-able dict (format version PLAN_VERSION) so an
administrator can review and edit it; `validate` checks an edited one
whole. Objects the plan creates are named by a "key" the NICs refer to;
"id" is the engine id of an existing object the plan reuses (null: create).
"""
import math
import re
from collections import namedtuple
from typing import Dict, List, Optional, Tuple

from engine_tools.model.assign_plan import VmState, current_map, with_vmfex_value
from engine_tools.model.vnic_profiles import Profile, port_profile
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map

PLAN_FORMAT = "vmfex-engine leave plan"
PLAN_VERSION = 1
NO_SPOOFING = "vdsm-no-mac-spoofing"
RUNNING_MODES = ("skip", "replug")
WHEN = ("now", "replug", "skip", "refused")

# ovirt-engine ConfigValues defaults (engine-config): the largest network QoS
# values the engine accepts, Mbps for average and peak, MB for burst.
MAX_AVERAGE_MBPS = 1024
MAX_PEAK_MBPS = 2048
MAX_BURST_MB = 10240
# The engine's vlan id range (API model Vlan.id; 802.1Q).
VLAN_MAX = 4094
DEFAULT_MTU = 0  # the engine's default MTU (DefaultMTU, 1500)
_NETWORK_NAME = re.compile(r"[\w.-]{1,256}\Z")
NOT_RUNNING = ("down", "image_locked")

#: A logical network as the engine holds it.
EngineNetwork = namedtuple("EngineNetwork", "id name data_center_id vlan_id mtu")
#: A cluster: its data center and the networks attached to it.
EngineCluster = namedtuple("EngineCluster", "id name data_center_id network_ids")
#: A host: its cluster, the networks attached to its NICs, the labels on them.
EngineHost = namedtuple("EngineHost", "id name cluster_id network_ids labels")
#: Everything the planner reads from the engine. data_centers {id: name};
#: networks {id: EngineNetwork}; profiles {id: Profile}; qos {id: (name,
#: data center id)}; clusters {id: EngineCluster}; hosts [EngineHost];
#: vms {name: VmState} (cluster_id set).
Inventory = namedtuple("Inventory", "data_centers networks profiles qos clusters hosts vms")

QOS_HELP = """\
QoS: a UCS QoS policy limits the vNIC's egress (epqosEgress: rate in kbps or
line-rate, burst in bytes), which is the VM's outbound traffic; oVirt's VM
network QoS limits outbound with average and peak in Mbps and burst in MB
(the engine's QoS of type network, all three per direction). The plan sets
outbound average = peak = rate / 1000 rounded to the nearest Mbps (at least
1), outbound burst = burst bytes / 1048576 rounded up (at least 1 MB), no
inbound limit. Lost, and said so in the plan: the UCS priority class (prio),
a burst below 1 MB (UCS allows at most 65535 bytes, so every burst becomes
1 MB), sub-Mbps precision, and maxPorts. line-rate means no QoS. A rate
above %d Mbps (the engine's MaxAverageNetworkQoSValue default) has no
oVirt equivalent: that port profile is refused.""" % MAX_AVERAGE_MBPS


def convert_qos(rate: str, burst: Optional[int], prio: str
                ) -> Tuple[Optional[dict], List[str], Optional[str]]:
    """(oVirt outbound QoS dict or None, what is lost, refusal or None)."""
    if not rate or rate == "line-rate":
        return None, [], None
    try:
        kbps = int(rate)
    except ValueError:
        return None, [], "QoS rate %r is neither line-rate nor kbps" % rate
    average = max(1, int(math.floor(kbps / 1000.0 + 0.5)))
    if average > MAX_AVERAGE_MBPS:
        return None, [], ("QoS rate %d kbps is above what the engine accepts (%d Mbps): no "
                          "oVirt equivalent" % (kbps, MAX_AVERAGE_MBPS))
    burst_mb = max(1, int(math.ceil((burst or 0) / 1048576.0)))
    lost = []
    if average * 1000 != kbps:
        lost.append("rate %d kbps rounded to %d Mbps" % (kbps, average))
    if (burst or 0) != burst_mb * 1048576:
        lost.append("burst %s bytes becomes %d MB (oVirt's unit)" % (burst or 0, burst_mb))
    if prio:
        lost.append("priority class %r (oVirt's vNIC QoS has none)" % prio)
    return ({"outbound_average": average, "outbound_peak": average,
             "outbound_burst": burst_mb}, lost, None)


def _clean(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name)


def _nic_port_profiles(vm: VmState, profiles: Dict[str, Profile]):
    """{NIC id: (port profile, problem)} of the VM's VM-FEX NICs, both models."""
    _, mapping, problem = current_map(vm)
    found = {}
    for nic in vm.devices:
        from_map = (mapping or {}).get(nic.mac)
        current = profiles.get(nic.profile_id) if nic.profile_id else None
        from_profile, bad = port_profile(current) if current is not None else (None, None)
        if problem and mapping is None:
            found[nic.id] = (None, "its VM map is invalid: %s" % problem)
        elif bad:
            found[nic.id] = (None, bad)
        elif from_map and from_profile and from_map != from_profile:
            found[nic.id] = (None, "NIC %s: the VM map says %r, its vNIC profile %r says %r"
                             % (nic.name, from_map, current.name, from_profile))
        elif from_map or from_profile:
            if current is None:
                found[nic.id] = (None, "NIC %s has no vNIC profile, so its data center is "
                                       "unknown" % nic.name)
            else:
                found[nic.id] = (from_map or from_profile, None)
    return found


def plan_leave(ucs_profiles: List[dict], inventory: Inventory, label: Optional[str] = None,
               running: str = "skip", accept_missing: bool = False, mtu: int = DEFAULT_MTU,
               names: Optional[List[str]] = None) -> dict:
    """The plan (a JSON-able dict); ucs_profiles as ucsm.leave_reads.as_plan_input."""
    by_name = {p["name"]: p for p in ucs_profiles}
    inv = inventory
    vms = [inv.vms[n] for n in sorted(inv.vms) if names is None or n in names]
    # 1. the VM-FEX NICs and the (port profile, data center) pairs they need
    per_vm, pairs = {}, {}
    for vm in vms:
        nics = _nic_port_profiles(vm, inv.profiles)
        if nics:
            per_vm[vm.name] = nics
            for nic in vm.devices:
                ucs, _ = nics.get(nic.id, (None, None))
                if ucs is not None:
                    dc = inv.networks[inv.profiles[nic.profile_id].network_id].data_center_id
                    pairs.setdefault((ucs, dc), []).append(vm.name)
    networks, qoss, profiles, refused = [], [], [], []
    net_keys, qos_keys, target = {}, {}, {}
    for (ucs, dc) in sorted(pairs):
        reason, lost = _profile_objects(ucs, dc, by_name.get(ucs), inv, label, mtu,
                                        networks, qoss, net_keys, qos_keys)
        if reason is not None:
            refused.append({"port_profile": ucs, "data_center": inv.data_centers.get(dc, dc),
                            "reason": reason})
            continue
        source = by_name[ucs]
        filter_name = None if source["forge_allowed"] else NO_SPOOFING
        vlan = source["vlans"][0]
        net_key = net_keys[(dc, vlan["id"])]
        qos_key = qos_keys.get((dc, source["qos_policy"])) if source["qos"] else None
        key = "profile-%s-%s" % (_clean(ucs), _dc_slug(inv, dc))
        profiles.append(_profile_entry(key, ucs, net_key, filter_name, qos_key, lost,
                                       networks, inv))
        target[(ucs, dc)] = key
    plan = {"format": PLAN_FORMAT, "version": PLAN_VERSION, "label": label,
            "running": running, "accept_missing_networks": accept_missing,
            "qos_conversion": QOS_HELP.split("\n\n")[0].replace("\n", " "),
            "networks": networks, "qos": qoss, "profiles": profiles, "refused": refused}
    plan["clusters"], lacking = _clusters(vms, per_vm, target, inv, networks, profiles)
    plan["vms"] = [_vm_entry(vm, per_vm[vm.name], target, inv, running, accept_missing,
                             lacking, networks, profiles)
                   for vm in vms if vm.name in per_vm]
    return plan


def _dc_slug(inv: Inventory, dc: str) -> str:
    return _clean(inv.data_centers.get(dc, dc))


def _profile_objects(ucs, dc, source, inv, label, mtu, networks, qoss, net_keys, qos_keys):
    """(refusal or None, lost) of one (port profile, data center); adds the
    network and QoS entries it needs."""
    if source is None:
        return "port profile not defined in UCS Manager", []
    vlans = source["vlans"]
    if not vlans:
        return "the port profile carries no VLAN", []
    if len(vlans) > 1:
        return ("trunks several VLANs to the guest (%s): an oVirt vNIC is on one network"
                % ", ".join(v["name"] for v in vlans)), []
    vlan = vlans[0]
    if vlan["id"] is None:
        return "VLAN %r is not defined in UCS Manager (no fabricVlan)" % vlan["name"], []
    lost = []
    if not vlan["native"]:
        lost.append("VLAN %r is not native in UCS (the guest saw it tagged); on oVirt "
                    "the guest sees it untagged" % vlan["name"])
    qos = None
    if source.get("qos_missing"):
        lost.append("QoS policy %r not found in UCS Manager: no QoS" % source["qos_policy"])
    elif source["qos"]:
        qos, qos_lost, refusal = convert_qos(source["qos"]["rate"], source["qos"]["burst"],
                                             source["qos"]["prio"])
        if refusal:
            return "QoS policy %r: %s" % (source["qos_policy"], refusal), []
        lost.extend(qos_lost)
    lost.append("maxPorts (oVirt has no per-profile port limit)")
    if (dc, vlan["id"]) not in net_keys:
        key = "network-%s-%d" % (_dc_slug(inv, dc), vlan["id"])
        existing = sorted((n for n in inv.networks.values()
                           if n.data_center_id == dc and n.vlan_id == vlan["id"]),
                          key=lambda n: n.name)
        if existing:
            net = existing[0]
            networks.append({"key": key, "name": net.name, "vlan_id": vlan["id"],
                             "mtu": net.mtu, "data_center": inv.data_centers.get(dc, dc),
                             "data_center_id": dc, "id": net.id, "label": None})
        else:
            name = _clean(vlan["name"])
            taken = {n.name for n in inv.networks.values() if n.data_center_id == dc}
            taken |= {n["name"] for n in networks if n["data_center_id"] == dc}
            if name in taken:
                name = "%s-%d" % (name, vlan["id"])
            networks.append({"key": key, "name": name, "vlan_id": vlan["id"], "mtu": mtu,
                             "data_center": inv.data_centers.get(dc, dc),
                             "data_center_id": dc, "id": None, "label": label})
        net_keys[(dc, vlan["id"])] = key
    if qos is not None and (dc, source["qos_policy"]) not in qos_keys:
        key = "qos-%s-%s" % (_clean(source["qos_policy"]), _dc_slug(inv, dc))
        name = "vmfex-%s" % _clean(source["qos_policy"])
        existing = [i for i, (n, d) in inv.qos.items() if n == name and d == dc]
        entry = {"key": key, "name": name, "data_center": inv.data_centers.get(dc, dc),
                 "data_center_id": dc, "id": existing[0] if existing else None}
        entry.update(qos)
        qoss.append(entry)
        qos_keys[(dc, source["qos_policy"])] = key
    return None, lost


def _profile_entry(key, ucs, net_key, filter_name, qos_key, lost, networks, inv):
    net = [n for n in networks if n["key"] == net_key][0]
    name = _clean(ucs)[:50]
    reuse = None
    if net["id"] is not None:
        same = [p for p in inv.profiles.values()
                if p.network_id == net["id"] and p.name == name]
        if same and port_profile(same[0])[0] is None \
                and same[0].has_filter == (filter_name is not None):
            reuse = same[0].id
        elif same:
            name = (name[:44] + "-leave")
    return {"key": key, "port_profile": ucs, "name": name, "network": net_key,
            "network_filter": filter_name, "qos": qos_key, "id": reuse, "lost": lost}


def _clusters(vms, per_vm, target, inv, networks, profiles):
    """([cluster entry], {cluster id: {host: [network names]}})."""
    by_key = {n["key"]: n for n in networks}
    net_of = {p["key"]: p["network"] for p in profiles}
    wanted = {}
    for vm in vms:
        for nic in vm.devices:
            ucs, _ = per_vm.get(vm.name, {}).get(nic.id, (None, None))
            if ucs is None or vm.cluster_id not in inv.clusters:
                continue
            dc = inv.networks[inv.profiles[nic.profile_id].network_id].data_center_id
            net_key = net_of.get(target.get((ucs, dc)))
            if net_key is not None:
                wanted.setdefault(vm.cluster_id, set()).add(net_key)
    entries, lacking = [], {}
    for cluster_id in sorted(wanted, key=lambda c: inv.clusters[c].name):
        cluster = inv.clusters[cluster_id]
        attach = sorted(k for k in wanted[cluster_id]
                        if by_key[k]["id"] not in cluster.network_ids)
        missing = {}
        for host in inv.hosts:
            if host.cluster_id != cluster_id:
                continue
            for key in sorted(wanted[cluster_id]):
                net = by_key[key]
                has = net["id"] in host.network_ids if net["id"] is not None \
                    else net["label"] is not None and net["label"] in host.labels
                if not has:
                    missing.setdefault(host.name, []).append(net["name"])
        lacking[cluster_id] = missing
        entries.append({"name": cluster.name, "id": cluster_id, "attach": attach,
                        "hosts_lacking": missing})
    return entries, lacking


def _vm_entry(vm, nics, target, inv, running, accept_missing, lacking, networks, profiles):
    text = current_map(vm)[0] or ""
    entry = {"name": vm.name, "id": vm.id, "status": vm.status,
             "cluster": inv.clusters[vm.cluster_id].name if vm.cluster_id in inv.clusters
             else None, "when": "now", "reason": None, "map_before": text,
             "properties_before": [list(p) for p in vm.properties], "map_after": text,
             "nics": []}
    problems = []
    _, mapping, _ = current_map(vm)
    left = dict(mapping or {})
    net_of = {p["key"]: p["network"] for p in profiles}
    names_of = {n["key"]: n["name"] for n in networks}
    for nic in vm.devices:
        if nic.id not in nics:
            continue
        ucs, problem = nics[nic.id]
        if problem:
            problems.append(problem)
            continue
        dc = inv.networks[inv.profiles[nic.profile_id].network_id].data_center_id
        key = target.get((ucs, dc))
        if key is None:
            problems.append("NIC %s: port profile %r is refused (see refused)" % (nic.name, ucs))
            continue
        entry["nics"].append({"name": nic.name, "id": nic.id, "mac": nic.mac,
                              "port_profile": ucs, "from_profile_id": nic.profile_id,
                              "profile": key})
        left.pop(nic.mac, None)
        missing = sorted(h for h, nets in lacking.get(vm.cluster_id, {}).items()
                         if names_of[net_of[key]] in nets)
        if missing and not accept_missing:
            problems.append("hosts %s of cluster %s lack network %s (label the hosts' NICs "
                            "or give --accept-missing-networks)" % (
                                ", ".join(missing), entry["cluster"], names_of[net_of[key]]))
    if mapping is not None:
        entry["map_after"] = format_vmfex_map(left) if left else ""
    if problems:
        entry["when"], entry["reason"] = "refused", "; ".join(sorted(set(problems)))
    elif vm.status not in NOT_RUNNING:
        if running == "replug" and vm.status == "up":
            entry["when"] = "replug"
            entry["reason"] = ("running: each NIC is unplugged, moved and plugged again; "
                               "the guest loses that link for a moment")
        else:
            entry["when"] = "skip"
            entry["reason"] = ("%s: running VMs are left for a later run (--running skip)"
                               % vm.status if vm.status == "up" else
                               "%s: the engine changes NICs only of VMs that are up or "
                               "down" % vm.status)
    return entry


def map_properties(entry: dict) -> List[Tuple[str, str]]:
    """The VM's custom property list with its map as map_after."""
    return with_vmfex_value([tuple(p) for p in entry["properties_before"]],
                            entry["map_after"])
