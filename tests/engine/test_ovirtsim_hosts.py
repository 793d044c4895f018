"""The simulator's clusters and hosts as the real ovirtsdk4 reads them."""
import ovirtsdk4
import pytest


@pytest.fixture
def connection(sim):
    conn = ovirtsdk4.Connection(url=sim.url, username="admin@internal", password="secret",
                                ca_file=sim.ca_file)
    yield conn
    conn.close()


def test_hosts_carry_address_cluster_status_and_hardware_uuid(sim, connection):
    sim.add_cluster("prod")
    sim.add_host("h1", "h1.example.com", "prod", "01020304-0506-0708-090A-0B0C0D0E0F10")
    system = connection.system_service()
    host = system.hosts_service().list()[0]
    assert (host.name, host.address, host.status.value) == ("h1", "h1.example.com", "up")
    assert host.hardware_information.uuid == "01020304-0506-0708-090A-0B0C0D0E0F10"
    cluster = system.clusters_service().cluster_service(host.cluster.id).get()
    assert cluster.name == "prod"
    assert system.hosts_service().host_service(host.id).get().name == "h1"
    with pytest.raises(ovirtsdk4.NotFoundError):
        system.hosts_service().host_service("nope").get()


def test_vms_name_their_host_only_while_running(sim, connection):
    sim.add_host("h1")
    sim.run_on("web02", "h1")
    vms = {vm.name: vm for vm in connection.system_service().vms_service().list()}
    assert vms["web02"].host.id == sim.host_named("h1").id
    assert vms["web02"].status.value == "up"
    assert vms["web03"].host is None
    assert vms["web03"].cluster.id == sim.cluster_named("Default").id
    sim.set_status("web02", "down")
    vm = connection.system_service().vms_service().vm_service(vms["web02"].id).get()
    assert vm.host is None
