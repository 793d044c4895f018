"""Clusters, hosts and where VMs run: the part of the simulator `capacity` reads.

As the oVirt API model (ovirt-engine-api-model, types/Host.java,
HardwareInformation.java, Cluster.java, Vm.java) describes them:

* ``GET /clusters``: ``<cluster id><name/><data_center id/></cluster>``; a
  fresh engine holds the cluster ``Default`` (every VM belongs to one).
* ``GET /hosts``: ``<host id><name/><address/><status/><cluster id/>
  <hardware_information><uuid/>...</hardware_information></host>``; the
  engine lists all hosts when no search is given (BackendHostsResource:
  GetAllHosts), so the list is one unpaged answer.
* A VM carries ``<cluster id/>``, and ``<host id/>`` while it runs: Vm.host
  is "the host the virtual machine is running on" (VmMapper sets it from
  runOnVds only when the VM runs).
"""
import uuid

from lxml import etree

API_PREFIX = "/ovirt-engine/api"
#: The id of the cluster a fresh engine holds.
DEFAULT_CLUSTER_ID = "b3c8e2a0-0000-4000-8000-000000000001"
COLLECTIONS = ("clusters", "hosts")
# HostStatus values of the API model.
HOST_STATUSES = frozenset((
    "connecting", "down", "error", "initializing", "install_failed", "installing",
    "installing_os", "kdumping", "maintenance", "non_operational", "non_responsive",
    "pending_approval", "preparing_for_maintenance", "reboot", "unassigned", "up"))


class SimCluster:
    """A cluster; networking.py uses its networks (network id -> required)."""

    def __init__(self, name, id=None, data_center_id=None):
        self.id = id or str(uuid.uuid4())
        self.name = name
        self.data_center_id = data_center_id
        self.networks = {}


class SimHost:
    """A host; networking.py uses its NICs [(nic id, name, set of labels)]
    and the network ids attached by hand (not by a label)."""

    def __init__(self, name, address, cluster_id, hardware_uuid, status="up", nics=()):
        if status not in HOST_STATUSES:
            raise ValueError("unknown host status %r" % (status,))
        self.id = str(uuid.uuid4())
        self.name = name
        self.address = address
        self.cluster_id = cluster_id
        self.hardware_uuid = hardware_uuid
        self.status = status
        self.nics = [(str(uuid.uuid4()), n, set(labels)) for n, labels in nics]
        self.attached = set()


def _sub(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        el.text = text
    return el


def _link(parent, tag, collection, item_id):
    return _sub(parent, tag, href="%s/%s/%s" % (API_PREFIX, collection, item_id), id=item_id)


def cluster_element(parent, cluster):
    el = _sub(parent, "cluster", href="%s/clusters/%s" % (API_PREFIX, cluster.id),
              id=cluster.id)
    _sub(el, "name", cluster.name)
    if cluster.data_center_id:
        _link(el, "data_center", "datacenters", cluster.data_center_id)
    return el


def host_element(parent, host):
    el = _sub(parent, "host", href="%s/hosts/%s" % (API_PREFIX, host.id), id=host.id)
    _sub(el, "name", host.name)
    _sub(el, "address", host.address)
    _sub(el, "status", host.status)
    _link(el, "cluster", "clusters", host.cluster_id)
    hardware = _sub(el, "hardware_information")
    _sub(hardware, "manufacturer", "Cisco Systems Inc")
    _sub(hardware, "product_name", "UCSB-B200-M5")
    if host.hardware_uuid:
        _sub(hardware, "uuid", host.hardware_uuid)
    return el


def vm_links(el, vm):
    """A VM's cluster, and its host while it runs."""
    _link(el, "cluster", "clusters", getattr(vm, "cluster_id", None) or DEFAULT_CLUSTER_ID)
    host_id = getattr(vm, "host_id", None)
    if host_id is not None and vm.running:
        _link(el, "host", "hosts", host_id)


class HostsMixin:
    """OvirtSimulator's clusters and hosts (call _init_hosts in __init__)."""

    def _init_hosts(self):
        #: id -> SimCluster / SimHost.
        default_dc = [dc.id for dc in self.data_centers.values() if dc.name == "Default"]
        self.clusters = {DEFAULT_CLUSTER_ID: SimCluster("Default", DEFAULT_CLUSTER_ID,
                                                        (default_dc or [None])[0])}
        self.hosts = {}

    def add_cluster(self, name, data_center="Default"):
        with self.lock:
            dcs = [dc.id for dc in self.data_centers.values() if dc.name == data_center]
            cluster = SimCluster(name, data_center_id=dcs[0] if dcs else None)
            self.clusters[cluster.id] = cluster
        return cluster

    def cluster_named(self, name):
        return next(c for c in self.clusters.values() if c.name == name)

    def add_host(self, name, address=None, cluster="Default", hardware_uuid=None,
                 status="up", nics=()):
        """Add a host of cluster `cluster` (name), with NICs [(name, [labels])];
        returns it."""
        with self.lock:
            host = SimHost(name, address or name, self.cluster_named(cluster).id,
                           hardware_uuid if hardware_uuid is not None
                           else str(uuid.uuid4()).upper(), status, nics)
            self.hosts[host.id] = host
        return host

    def host_named(self, name):
        return next(h for h in self.hosts.values() if h.name == name)

    def run_on(self, vm_name, host_name):
        """Put a VM in the host's cluster and run it there (status up)."""
        with self.lock:
            vm = self.vms[vm_name]
            host = self.host_named(host_name)
            vm.host_id = host.id
            vm.cluster_id = host.cluster_id
            vm.status = "up"

    def _route_hosts(self, method, segs):
        from tests.engine.ovirtsim.server import SimError, _to_bytes

        self._allow(method, "GET")
        items = self.clusters if segs[0] == "clusters" else self.hosts
        element = cluster_element if segs[0] == "clusters" else host_element
        if len(segs) == 1:
            root = etree.Element(segs[0])
            with self.lock:
                for item in items.values():
                    element(root, item)
            return _to_bytes(root)
        with self.lock:
            item = items.get(segs[1]) if len(segs) == 2 else None
            if item is not None:
                tmp = etree.Element("tmp")
                element(tmp, item)
                return _to_bytes(tmp[0])
        raise SimError(404, "Not Found", "Entity not found: %s with id %s"
                       % ("Cluster" if segs[0] == "clusters" else "Host", segs[-1]))
