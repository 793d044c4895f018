"""The simulator's networking (ovirtsim/networking.py) through the real
ovirtsdk4: behaviour the `leave` command relies on."""
import ovirtsdk4
import ovirtsdk4.types as types
import pytest

from tests.engine.ovirtsim import OvirtSimulator
from tests.engine.ovirtsim.networking import add_host, add_network, cluster_named


@pytest.fixture
def api():
    with OvirtSimulator() as sim:
        connection = ovirtsdk4.Connection(url=sim.url, username="admin@internal",
                                          password="secret", ca_file=sim.ca_file)
        try:
            yield sim, connection.system_service()
        finally:
            connection.close()


def dc_id(sim):
    return [d.id for d in sim.data_centers.values() if d.name == "Default"][0]


def new_network(system, sim, name, vlan):
    return system.networks_service().add(types.Network(
        name=name, data_center=types.DataCenter(id=dc_id(sim)), vlan=types.Vlan(id=vlan),
        usages=[types.NetworkUsage.VM]))


def test_a_new_vm_network_gets_a_vnic_profile_of_its_name(api):
    sim, system = api
    net = new_network(system, sim, "v100", 100)
    assert net.vlan.id == 100
    assert [p.name for p in system.vnic_profiles_service().list()
            if p.network.id == net.id] == ["v100"]


def test_a_vlan_is_used_once_per_data_center(api):
    sim, system = api
    new_network(system, sim, "v100", 100)
    with pytest.raises(ovirtsdk4.Error, match="already in use"):
        new_network(system, sim, "other", 100)
    with pytest.raises(ovirtsdk4.Error, match="between 0 and 4094"):
        new_network(system, sim, "big", 5000)


def test_a_cluster_network_is_required_unless_sent_false(api):
    sim, system = api
    cluster = cluster_named(sim, "Default")
    service = system.clusters_service().cluster_service(cluster.id).networks_service()
    one, two = new_network(system, sim, "a", 10), new_network(system, sim, "b", 11)
    service.add(types.Network(id=one.id))
    service.add(types.Network(id=two.id, required=False))
    assert cluster.networks[one.id] is True and cluster.networks[two.id] is False
    with pytest.raises(ovirtsdk4.Error, match="already attached"):
        service.add(types.Network(id=one.id))


def test_a_label_attaches_the_network_to_hosts_carrying_it(api):
    sim, system = api
    add_host(sim, "h1", nics=[("eth1", ["trunk"])])
    add_host(sim, "h2", nics=[("eth1", [])])
    net = new_network(system, sim, "a", 10)
    labels = system.networks_service().network_service(net.id).network_labels_service()
    labels.add(types.NetworkLabel(id="trunk"))
    with pytest.raises(ovirtsdk4.Error, match="already labeled"):
        labels.add(types.NetworkLabel(id="other"))
    system.clusters_service().cluster_service(cluster_named(sim, "Default").id) \
        .networks_service().add(types.Network(id=net.id, required=False))
    hosts = {h.name: {a.network.id for a in h.network_attachments}
             for h in system.hosts_service().list(follow="nics.network_labels,"
                                                         "network_attachments")}
    assert net.id in hosts["h1"] and net.id not in hosts["h2"]


def test_qos_values_are_checked_as_the_engine_does(api):
    sim, system = api
    qoss = system.data_centers_service().data_center_service(dc_id(sim)).qoss_service()
    with pytest.raises(ovirtsdk4.Error, match="average, peak and burst"):
        qoss.add(types.Qos(name="q", type=types.QosType.NETWORK, outbound_average=10))
    with pytest.raises(ovirtsdk4.Error, match="lower than average"):
        qoss.add(types.Qos(name="q", type=types.QosType.NETWORK, outbound_average=10,
                           outbound_peak=5, outbound_burst=1))
    qos = qoss.add(types.Qos(name="q", type=types.QosType.NETWORK, outbound_average=10,
                             outbound_peak=10, outbound_burst=1))
    assert qos.outbound_average == 10


def test_a_used_network_cannot_be_removed_and_a_nic_can_be_unplugged(api):
    sim, system = api
    net = add_network(sim, "a", vlan_id=10)
    profile = sim.add_vnic_profile("a", "a")
    vm = sim.add_vm("vm1", status="up", nics=[("nic1", "00:1a:4a:00:00:01", profile)])
    with pytest.raises(ovirtsdk4.Error, match="in use"):
        system.networks_service().network_service(net.id).remove()
    nic = system.vms_service().vm_service(vm.id).nics_service().nic_service(vm.nic_ids[0])
    nic.deactivate()
    assert nic.get().plugged is False
    nic.activate()
    assert nic.get().plugged is True
