"""oVirt networking in the API simulator: networks with VLAN ids and MTU,
labels, clusters and their networks, hosts with labelled NICs and network
attachments, network QoS, network filters, vNIC profiles with QoS, and NIC
activate/deactivate. Registered by OvirtSimulator.__init__ (install).

Behaviour follows the API model (ovirt-engine-api-model types Network,
ClusterNetwork, NetworkLabel, NetworkAttachment, Qos, NetworkFilter) and
ovirt-engine's commands, cited where they decide it:

* AddNetworkCommand / NetworkValidator: a name unique in its data center, a
  VLAN id 0-4094 not used by another network of the data center; a VM
  network gets a vNIC profile of its own name with vdsm-no-mac-spoofing
  unless profile_required=false (AddNetworkCommand -> addVnicProfileIfNeeded).
* RemoveNetworkCommand: refused while a VM NIC uses one of its vNIC
  profiles; removes its profiles, labels and cluster attachments.
* AttachNetworkToClusterCommand: `required` is true unless sent false
  (NetworkClusterMapper); attaching twice is refused.
* Labels: one per network (ACTION_TYPE_FAILED_NETWORK_ALREADY_LABELED); the
  engine attaches every labelled network of a host's cluster to the host NIC
  carrying the label (LabelNicCommand/AddNetworksByLabelParametersBuilder):
  a host's network attachments are its own plus those labels give.
* AddNetworkQoSCommand / NetworkQosValidator: a name unique per data
  center; per direction all of average/peak/burst or none, peak >= average,
  values within MaxAverage/MaxPeak/MaxBurstNetworkQoSValue (1024/2048/10240).
* RemoveVnicProfileCommand: refused while a VM NIC uses it.
* ActivateDeactivateVmNicCommand: plugged true/false, only for VMs up or down.
"""
import uuid

from lxml import etree

from tests.engine.ovirtsim import server as base

MAX_QOS = {"average": 1024, "peak": 2048, "burst": 10240}


class SimCluster(object):
    def __init__(self, name, data_center_id):
        self.id = str(uuid.uuid4())
        self.name = name
        self.data_center_id = data_center_id
        #: network id -> required
        self.networks = {}


class SimHost(object):
    def __init__(self, name, cluster_id, nics):
        self.id = str(uuid.uuid4())
        self.name = name
        self.cluster_id = cluster_id
        #: [(nic id, name, set of labels)]
        self.nics = [(str(uuid.uuid4()), n, set(labels)) for n, labels in nics]
        #: network ids attached by hand (not by a label)
        self.attached = set()


class SimQos(object):
    def __init__(self, name, data_center_id, values):
        self.id = str(uuid.uuid4())
        self.name = name
        self.data_center_id = data_center_id
        self.values = values


def install(sim):
    """Register the routes and the state on a new OvirtSimulator."""
    sim.clusters, sim.hosts, sim.qoss = {}, {}, {}
    sim.routes.append(_route)
    sim.classifiers.append(_classify)
    sim.write_kinds.update(("network_add", "network_remove", "label_add", "cluster_attach",
                            "qos_add", "qos_remove", "profile_remove", "nic_plug"))
    for network in sim.networks.values():
        _defaults(network)
    default_dc = [dc.id for dc in sim.data_centers.values() if dc.name == "Default"][0]
    cluster = add_cluster(sim, "Default", "Default")
    for network in sim.networks.values():
        if network.data_center_id == default_dc:
            cluster.networks[network.id] = True
    add_vm = sim.add_vm

    def add_vm_in_cluster(*args, cluster=None, **kwargs):
        vm = add_vm(*args, **kwargs)
        vm.cluster_id = (cluster_named(sim, cluster) if cluster else sim.default_cluster).id
        vm.unplugged = set()
        return vm

    sim.add_vm = add_vm_in_cluster
    sim.default_cluster = cluster
    for vm in sim.vms.values():
        vm.cluster_id, vm.unplugged = cluster.id, set()


def _defaults(network):
    for name, value in (("vlan_id", None), ("mtu", 0), ("label", None), ("vm", True)):
        if not hasattr(network, name):
            setattr(network, name, value)
    return network


# -- test set-up -----------------------------------------------------------

def add_cluster(sim, name, data_center="Default"):
    with sim.lock:
        dc = [d for d in sim.data_centers.values() if d.name == data_center][0]
        cluster = SimCluster(name, dc.id)
        sim.clusters[cluster.id] = cluster
        return cluster


def cluster_named(sim, name):
    return [c for c in sim.clusters.values() if c.name == name][0]


def add_host(sim, name, cluster="Default", nics=(("eth1", ()),), networks=()):
    """A host in `cluster` with NICs [(name, [labels])] and networks attached
    by hand (names)."""
    with sim.lock:
        host = SimHost(name, cluster_named(sim, cluster).id, nics)
        for net in networks:
            host.attached.add(sim.network(net).id)
        sim.hosts[host.id] = host
        return host


def add_network(sim, name, data_center="Default", vlan_id=None, mtu=0, clusters=()):
    """A network (with a VLAN id) attached (required) to the clusters named."""
    network = _defaults(sim.add_network(name, data_center))
    network.vlan_id, network.mtu = vlan_id, mtu
    for cluster in clusters:
        cluster_named(sim, cluster).networks[network.id] = True
    return network


def host_networks(sim, host):
    """Network ids attached to a host: by hand, and by label for the
    networks of its cluster."""
    cluster = sim.clusters[host.cluster_id]
    labels = set().union(*[labels for _, _, labels in host.nics]) if host.nics else set()
    found = set(host.attached)
    for net_id in cluster.networks:
        network = sim.networks.get(net_id)
        if network is not None and getattr(network, "label", None) in labels:
            found.add(net_id)
    return found


# -- XML -------------------------------------------------------------------

def _href(*parts):
    return "/".join((base.API_PREFIX,) + parts)


def _network_element(parent, network, cluster=None):
    _defaults(network)
    el = base._sub(parent, "network", href=_href("networks", network.id), id=network.id)
    base._sub(el, "name", network.name)
    base._sub(el, "data_center", href=_href("datacenters", network.data_center_id),
              id=network.data_center_id)
    base._sub(el, "mtu", str(network.mtu))
    if network.vlan_id is not None:
        base._sub(el, "vlan", id=str(network.vlan_id))
    usages = base._sub(el, "usages")
    if network.vm:
        base._sub(usages, "usage", "vm")
    if cluster is not None:
        base._sub(el, "cluster", href=_href("clusters", cluster.id), id=cluster.id)
        base._sub(el, "required", "true" if cluster.networks[network.id] else "false")
    return el


def _profile_element(parent, profile):
    el = base._profile_element(parent, profile)
    qos = getattr(profile, "qos_id", None)
    if qos:
        base._sub(el, "qos", href=_href("qoss", qos), id=qos)
    return el


def _qos_element(parent, qos):
    el = base._sub(parent, "qos", href=_href("datacenters", qos.data_center_id, "qoss",
                                             qos.id), id=qos.id)
    base._sub(el, "name", qos.name)
    base._sub(el, "type", "network")
    for key, value in sorted(qos.values.items()):
        base._sub(el, key, str(value))
    base._sub(el, "data_center", href=_href("datacenters", qos.data_center_id),
              id=qos.data_center_id)
    return el


def _list(tag, items, element, *args):
    root = etree.Element(tag)
    for item in items:
        element(root, item, *args)
    return base._to_bytes(root)


def _one(element, item, *args):
    tmp = etree.Element("tmp")
    element(tmp, item, *args)
    return base._to_bytes(tmp[0])


def _fail(status, action, detail):
    reason = {400: "Bad Request", 404: "Not Found", 409: "Operation Failed"}[status]
    raise base.SimError(status, reason, "[Cannot %s. %s]" % (action, detail))


def _not_found(what, ident):
    raise base.SimError(404, "Not Found", "Entity not found: %s with id %s" % (what, ident))


# -- routes ----------------------------------------------------------------

def _classify(method, segs):
    top = segs[0] if segs else ""
    if top == "vms" and len(segs) == 5 and method == "POST":
        return "nic_plug"
    if top == "networks":
        if method == "POST" and len(segs) == 1:
            return "network_add"
        if method == "DELETE" and len(segs) == 2:
            return "network_remove"
        if method == "POST" and segs[-1] == "networklabels":
            return "label_add"
    if top == "clusters" and method == "POST":
        return "cluster_attach"
    if top == "datacenters" and "qoss" in segs and method in ("POST", "DELETE"):
        return "qos_add" if method == "POST" else "qos_remove"
    if top == "vnicprofiles" and method == "DELETE":
        return "profile_remove"
    if top in ("clusters", "hosts", "networkfilters", "datacenters") and method == "GET":
        return "profiles"
    return None


def _route(sim, method, segs, query, body):
    top = segs[0] if segs else ""
    with sim.lock:
        if top == "networks" and not (len(segs) == 3 and segs[2] == "vnicprofiles"):
            return _networks(sim, method, segs, body)
        if top == "clusters":
            return _clusters(sim, method, segs, query, body)
        if top == "hosts":
            return _hosts(sim, method, segs, query)
        if top == "datacenters" and len(segs) >= 3 and segs[2] == "qoss":
            return _qoss(sim, method, segs, body)
        if top == "networkfilters" and method == "GET":
            root = etree.Element("network_filters")
            for fid, name in sorted(base.NETWORK_FILTERS.items()):
                el = base._sub(root, "network_filter", href=_href("networkfilters", fid),
                               id=fid)
                base._sub(el, "name", name)
            return base._to_bytes(root)
        if top == "vnicprofiles" and method != "PUT":
            return _profiles(sim, method, segs, body)
        if top == "vms" and len(segs) == 5 and segs[2] == "nics" and method == "POST":
            return _plug(sim, segs, segs[4])
    return None


def _networks(sim, method, segs, body):
    if len(segs) == 1:
        if method == "POST":
            return 201, _add_network(sim, body)
        return _list("networks", list(sim.networks.values()), _network_element)
    network = sim.networks.get(segs[1]) or _not_found("Network", segs[1])
    if len(segs) == 2:
        if method == "DELETE":
            return _remove_network(sim, network)
        return _one(_network_element, network)
    if segs[2] == "networklabels":
        if method == "POST":
            label = base._parse_body(body, "network_label").get("id") or ""
            if _defaults(network).label is not None:
                _fail(409, "add label to network", "The network is already labeled.")
            if not label or not all(c.isalnum() or c in "_-" for c in label):
                _fail(400, "add label to network", "Label contains special characters.")
            network.label = label
        root = etree.Element("network_labels")
        if network.label:
            base._sub(root, "network_label", href=_href("networks", network.id,
                                                        "networklabels", network.label),
                      id=network.label)
        return (201, base._to_bytes(root[0])) if method == "POST" else base._to_bytes(root)
    return None


def _add_network(sim, body):
    root = base._parse_body(body, "network")
    action = "add Network"
    name = (root.findtext("name") or "").strip()
    dc_el = root.find("data_center")
    dc_id = dc_el.get("id") if dc_el is not None else None
    if not name or not dc_id:
        _fail(400, action, "Network name and data center are required.")
    if dc_id not in sim.data_centers:
        _not_found("Data Center", dc_id)
    in_dc = [n for n in sim.networks.values() if n.data_center_id == dc_id]
    if any(n.name == name for n in in_dc):
        _fail(409, action, "The network name is already in use.")
    vlan_el = root.find("vlan")
    vlan = None
    if vlan_el is not None and vlan_el.get("id") is not None:
        try:
            vlan = int(vlan_el.get("id"))
        except ValueError:
            _fail(400, action, "Invalid VLAN id.")
        if not 0 <= vlan <= 4094:
            _fail(400, action, "VLAN id must be a number between 0 and 4094.")
        if any(_defaults(n).vlan_id == vlan for n in in_dc):
            _fail(409, action, "The specified VLAN ID (%d) is already in use." % vlan)
    network = _defaults(base.SimNetwork(name, dc_id))
    network.vlan_id = vlan
    network.mtu = int(root.findtext("mtu") or 0)
    usages = root.find("usages")
    network.vm = usages is None or "vm" in [u.text for u in usages.findall("usage")]
    sim.networks[network.id] = network
    if network.vm and (root.findtext("profile_required") or "true") != "false":
        profile = base.SimVnicProfile(name, network.id, None, base.DEFAULT_FILTER)
        sim.vnic_profiles[profile.id] = profile
    return _one(_network_element, network)


def _in_use(sim, profile_ids):
    return sorted(vm.name for vm in sim.vms.values()
                  if set(vm.nic_profiles) & set(profile_ids))


def _remove_network(sim, network):
    profiles = [p.id for p in sim.vnic_profiles.values() if p.network_id == network.id]
    users = _in_use(sim, profiles)
    if users:
        _fail(409, "remove Network", "The network is in use by VM(s): %s." % ", ".join(users))
    for pid in profiles:
        del sim.vnic_profiles[pid]
    for cluster in sim.clusters.values():
        cluster.networks.pop(network.id, None)
    for host in sim.hosts.values():
        host.attached.discard(network.id)
    del sim.networks[network.id]
    return 200, b""


def _clusters(sim, method, segs, query, body):
    if len(segs) == 1 and method == "GET":
        follow = "networks" in (query.get("follow") or "")
        root = etree.Element("clusters")
        for cluster in sim.clusters.values():
            el = base._sub(root, "cluster", href=_href("clusters", cluster.id), id=cluster.id)
            base._sub(el, "name", cluster.name)
            base._sub(el, "data_center", href=_href("datacenters", cluster.data_center_id),
                      id=cluster.data_center_id)
            if follow:
                nets = base._sub(el, "networks")
                for net_id in cluster.networks:
                    _network_element(nets, sim.networks[net_id], cluster)
        return base._to_bytes(root)
    cluster = sim.clusters.get(segs[1]) or _not_found("Cluster", segs[1])
    if len(segs) == 3 and segs[2] == "networks":
        if method == "POST":
            root = base._parse_body(body, "network")
            net_id = root.get("id")
            network = sim.networks.get(net_id) or _not_found("Network", net_id)
            if network.data_center_id != cluster.data_center_id:
                _fail(409, "attach Network to Cluster", "The network is not in the "
                      "cluster's data center.")
            if net_id in cluster.networks:
                _fail(409, "attach Network to Cluster", "The network is already attached "
                      "to the cluster.")
            # NetworkClusterMapper: required unless the request says false
            cluster.networks[net_id] = (root.findtext("required") or "true") != "false"
            return 201, _one(_network_element, network, cluster)
        return _list("networks", [sim.networks[n] for n in cluster.networks],
                     _network_element, cluster)
    if len(segs) == 4 and segs[2] == "networks" and method == "DELETE":
        if segs[3] not in cluster.networks:
            _not_found("Network", segs[3])
        del cluster.networks[segs[3]]
        return 200, b""
    return None


def _hosts(sim, method, segs, query):
    follow = query.get("follow") or ""
    root = etree.Element("hosts")
    hosts = list(sim.hosts.values()) if len(segs) == 1 else [
        sim.hosts.get(segs[1]) or _not_found("Host", segs[1])]
    for host in hosts:
        el = base._sub(root, "host", href=_href("hosts", host.id), id=host.id)
        base._sub(el, "name", host.name)
        base._sub(el, "cluster", href=_href("clusters", host.cluster_id), id=host.cluster_id)
        if "nics" in follow:
            nics = base._sub(el, "nics")
            for nic_id, name, labels in host.nics:
                nic = base._sub(nics, "host_nic", href=_href("hosts", host.id, "nics", nic_id),
                                id=nic_id)
                base._sub(nic, "name", name)
                if "network_labels" in follow:
                    labs = base._sub(nic, "network_labels")
                    for label in sorted(labels):
                        base._sub(labs, "network_label", id=label)
        if "network_attachments" in follow:
            atts = base._sub(el, "network_attachments")
            for net_id in sorted(host_networks(sim, host)):
                att = base._sub(atts, "network_attachment", id="%s-%s" % (host.id, net_id))
                base._sub(att, "network", href=_href("networks", net_id), id=net_id)
    if len(segs) == 1:
        return base._to_bytes(root)
    if len(segs) == 2:
        return base._to_bytes(root[0])
    if segs[2] == "networkattachments":
        atts = etree.Element("network_attachments")
        for net_id in sorted(host_networks(sim, hosts[0])):
            att = base._sub(atts, "network_attachment", id="%s-%s" % (hosts[0].id, net_id))
            base._sub(att, "network", href=_href("networks", net_id), id=net_id)
        return base._to_bytes(atts)
    return None


def _qoss(sim, method, segs, body):
    dc_id = segs[1]
    if dc_id not in sim.data_centers:
        _not_found("Data Center", dc_id)
    if len(segs) == 3:
        if method == "POST":
            return 201, _add_qos(sim, dc_id, body)
        return _list("qoss", [q for q in sim.qoss.values() if q.data_center_id == dc_id],
                     _qos_element)
    qos = sim.qoss.get(segs[3])
    if qos is None or qos.data_center_id != dc_id:
        _not_found("QoS", segs[3])
    if method == "DELETE":
        users = [p.name for p in sim.vnic_profiles.values() if getattr(p, "qos_id", None)
                 == qos.id]
        if users:
            _fail(409, "remove QoS", "The QoS is used by vNIC profile(s): %s." % ", ".join(
                users))
        del sim.qoss[qos.id]
        return 200, b""
    return _one(_qos_element, qos)


def _add_qos(sim, dc_id, body):
    root = base._parse_body(body, "qos")
    action = "add Network QoS"
    name = root.findtext("name") or ""
    if (root.findtext("type") or "") != "network":
        _fail(400, action, "Only QoS of type network is simulated.")
    if not name or any(q.name == name and q.data_center_id == dc_id
                       for q in sim.qoss.values()):
        _fail(409, action, "The QoS name is missing or already used in the data center.")
    values = {}
    for direction in ("inbound", "outbound"):
        given = {k: root.findtext("%s_%s" % (direction, k)) for k in MAX_QOS}
        if any(v is not None for v in given.values()):
            if any(v is None for v in given.values()):
                _fail(400, action, "All of average, peak and burst must be given for %s."
                      % direction)
            numbers = {k: int(v) for k, v in given.items()}
            for key, top in MAX_QOS.items():
                if not 0 <= numbers[key] <= top:
                    _fail(400, action, "%s %s out of range 0-%d." % (direction, key, top))
            if numbers["peak"] < numbers["average"]:
                _fail(400, action, "Peak must not be lower than average.")
            values.update(("%s_%s" % (direction, k), v) for k, v in numbers.items())
    qos = SimQos(name, dc_id, values)
    sim.qoss[qos.id] = qos
    return _one(_qos_element, qos)


def _profiles(sim, method, segs, body):
    if len(segs) == 1:
        if method == "POST":
            root = base._parse_body(body, "vnic_profile")
            qos_el = root.find("qos")
            qos_id = qos_el.get("id") if qos_el is not None else None
            if qos_id and qos_id not in sim.qoss:
                _not_found("QoS", qos_id)
            sim._add_profile(body, None)
            profile = [p for p in sim.vnic_profiles.values()
                       if p.name == root.findtext("name")
                       and p.network_id == root.find("network").get("id")][0]
            profile.qos_id = qos_id or None
            return 201, _one(_profile_element, profile)
        return _list("vnic_profiles", list(sim.vnic_profiles.values()), _profile_element)
    profile = sim.vnic_profiles.get(segs[1]) or _not_found("VNIC Profile", segs[1])
    if len(segs) == 2 and method == "DELETE":
        users = _in_use(sim, [profile.id])
        if users:
            _fail(409, "remove VM network interface profile", "The profile is used by "
                  "VM(s): %s." % ", ".join(users))
        del sim.vnic_profiles[profile.id]
        return 200, b""
    if len(segs) == 2:
        return _one(_profile_element, profile)
    return None


def _plug(sim, segs, action):
    vm = sim.vm_by_id(segs[1]) or _not_found("VM", segs[1])
    if segs[3] not in vm.nic_ids or action not in ("activate", "deactivate"):
        _not_found("NIC", segs[3])
    if vm.status not in ("up", "down"):
        _fail(409, "%s Interface" % action, "VM's status must be Up or Down.")
    if action == "deactivate":
        vm.unplugged.add(segs[3])
    else:
        vm.unplugged.discard(segs[3])
    root = etree.Element("action")
    base._sub(root, "status", "complete")
    return base._to_bytes(root)
