"""engine_tools.engine.hosts: clusters, hosts and VM placement through the
real ovirtsdk4 against the simulator."""
from engine_tools.engine.client import Options
from engine_tools.engine.hosts import read_inventory
from engine_tools.model.capacity import EngineHost


def test_inventory_names_each_running_vm_host_and_every_host_uuid(sim):
    sim.add_cluster("prod")
    h1 = sim.add_host("h1", "10.0.0.1", "prod", "AABBCCDD-0000-1111-2222-333344445555")
    sim.add_host("h2", "10.0.0.2", "prod", "", status="maintenance")
    sim.run_on("web01", "h1")
    sim.vms["web02"].host_id = h1.id          # a VM that is down names no host
    vms, networking, clusters, hosts = read_inventory(
        Options(sim.url, "admin@internal", "secret", sim.ca_file, False, 10))
    prod = sim.cluster_named("prod").id
    assert clusters[prod] == "prod" and "Default" in clusters.values()
    assert sorted(hosts, key=lambda h: h.name) == [
        EngineHost(h1.id, "h1", "10.0.0.1", prod, "AABBCCDD-0000-1111-2222-333344445555",
                   "up"),
        EngineHost(sim.host_named("h2").id, "h2", "10.0.0.2", prod, "", "maintenance")]
    assert (vms["web01"].host_id, vms["web01"].cluster_id) == (h1.id, prod)
    assert vms["web02"].host_id is None
    assert vms["db01"].host_id is None and clusters[vms["db01"].cluster_id] == "Default"
    assert networking.profiles
    # one page of VMs + the empty page, the API root, 3 networking lists, 2 host lists
    stats = sim.stats()
    assert (stats["list"], stats["hosts"], stats["profiles"], stats["sso"]) == (2, 2, 3, 2)
