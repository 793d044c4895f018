"""The oVirt API simulator, exercised through the real ovirtsdk4 over HTTPS."""

import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import ovirtsdk4 as sdk
import pytest
from ovirtsdk4 import types

from tests.engine.ovirtsim import OvirtSimulator
from tests.paths import ROOT

REPO = Path(ROOT)

USER = "admin@internal"
PASSWORD = "secret"


@pytest.fixture
def sim():
    with OvirtSimulator(delay=0.0, page_cap=100, username=USER,
                        password=PASSWORD) as s:
        yield s


def connect(sim, **kwargs):
    kwargs.setdefault("username", USER)
    kwargs.setdefault("password", PASSWORD)
    kwargs.setdefault("ca_file", sim.ca_file)
    return sdk.Connection(url=sim.url, **kwargs)


@pytest.fixture
def conn(sim):
    c = connect(sim)
    yield c
    c.close()


def props(vm):
    if vm.custom_properties is None:
        return None
    return {cp.name: cp.value for cp in vm.custom_properties}


def raw_request(sim, method, path, headers=None, body=None):
    ctx = ssl.create_default_context(cafile=sim.ca_file)
    c = http.client.HTTPSConnection("127.0.0.1", sim.port, context=ctx)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        c.close()


def test_list_follow_nics(sim, conn):
    sim.add_vm("web01", status="up", custom_properties={"other": "x"},
               nics=[("nic1", "00:1a:4a:16:01:b0"),
                     ("nic2", "00:1A:4A:16:01:B1")])
    sim.add_vm("db01", status="down", nics=[("eth0", "00:1a:4a:16:01:c0")])
    vms = conn.system_service().vms_service().list(follow="nics")
    assert [vm.name for vm in vms] == ["db01", "web01"]
    db01, web01 = vms
    assert web01.id == sim.vms["web01"].id
    assert web01.status == types.VmStatus.UP
    assert db01.status == types.VmStatus.DOWN
    assert props(web01) == {"other": "x"}
    assert db01.custom_properties is None
    assert [(n.name, n.mac.address) for n in web01.nics] == [
        ("nic1", "00:1a:4a:16:01:b0"), ("nic2", "00:1a:4a:16:01:b1")]
    assert [(n.name, n.mac.address) for n in db01.nics] == [
        ("eth0", "00:1a:4a:16:01:c0")]
    assert sim.requests == [
        ("GET", "/ovirt-engine/api/vms", {"follow": "nics"})]


def test_without_follow_nics_is_only_a_link(sim, conn):
    sim.add_vm("web01", nics=[("nic1", "00:1a:4a:16:01:b0")])
    vm = conn.system_service().vms_service().list()[0]
    assert len(vm.nics) == 0
    assert vm.nics.href == "/ovirt-engine/api/vms/%s/nics" % vm.id
    nics = conn.follow_link(vm.nics)
    assert [(n.name, n.mac.address) for n in nics] == [
        ("nic1", "00:1a:4a:16:01:b0")]
    assert sim.stats()["nics"] == 1
    one = conn.system_service().vms_service().vm_service(vm.id).get(
        follow="nics")
    assert one.name == "web01"
    assert one.nics[0].mac.address == "00:1a:4a:16:01:b0"


def test_api_root(sim, conn):
    sim.add_sample_vms(3)
    api = conn.system_service().get()
    assert api.product_info.name == "oVirt Engine"
    assert api.product_info.version.major == 4
    assert api.summary.vms.total == 3
    assert conn.test(raise_exception=True)


def test_paging_with_page_cap():
    with OvirtSimulator(page_cap=10) as sim:
        sim.add_sample_vms(25)
        with connect(sim) as conn:
            service = conn.system_service().vms_service()
            names, sizes, page = [], [], 1
            while True:
                vms = service.list(search="page %d" % page, max=100,
                                   follow="nics")
                if not vms:
                    break
                sizes.append(len(vms))
                names.extend(vm.name for vm in vms)
                page += 1
            assert sizes == [10, 10, 5]
            assert names == ["vm%05d" % i for i in range(1, 26)]
            assert sim.stats()["list"] == 4
            assert sim.requests[1] == ("GET", "/ovirt-engine/api/vms", {
                "search": "page 2", "max": "100", "follow": "nics"})
            # max below the cap is honoured, and pages follow it.
            vms = service.list(search="name=vm* page 3", max=4)
            assert [vm.name for vm in vms] == [
                "vm00009", "vm00010", "vm00011", "vm00012"]
            # No max: the cap alone.
            assert len(service.list()) == 10


def test_search_subset(sim, conn):
    sim.add_vm("web01", status="up")
    sim.add_vm("web02", status="down")
    sim.add_vm("db01", status="up")
    sim.add_vm("Web03", status="up")
    service = conn.system_service().vms_service()

    def names(**kwargs):
        return [vm.name for vm in service.list(**kwargs)]

    assert names() == ["Web03", "db01", "web01", "web02"]
    assert names(search="") == names()
    assert names(search="name=web01") == ["web01"]
    assert names(search="name=web*") == ["web01", "web02"]
    assert names(search="name=web* and status=up") == ["web01"]
    assert names(search="name=db01 or name=web02") == ["db01", "web02"]
    assert names(search="name=web*", case_sensitive=False) == [
        "Web03", "web01", "web02"]
    assert names(search="Vms: name=*0* sortby name desc page 1",
                 max=2) == ["web02", "web01"]
    assert names(search="page 2", max=3) == ["web02"]
    assert names(search="name=nothing*") == []
    with pytest.raises(sdk.Error) as err:
        service.list(search="cluster=Default")
    assert err.value.code == 400


def test_update_replaces_whole_list(sim, conn):
    vm = sim.add_vm("web01", status="down",
                    custom_properties={"other": "x", "old": "y"})
    service = conn.system_service().vms_service().vm_service(vm.id)
    reply = service.update(types.Vm(custom_properties=[
        types.CustomProperty(name="other", value="x"),
        types.CustomProperty(name="vmfex", value="profile1"),
    ]))
    assert props(reply) == {"other": "x", "vmfex": "profile1"}
    assert sim.vms["web01"].custom_properties == {
        "other": "x", "vmfex": "profile1"}
    assert props(service.get()) == {"other": "x", "vmfex": "profile1"}
    # An update that does not mention custom properties keeps them.
    service.update(types.Vm(description="ignored by the simulator"))
    assert sim.vms["web01"].custom_properties == {
        "other": "x", "vmfex": "profile1"}
    # An empty list clears them all.
    service.update(types.Vm(custom_properties=[]))
    assert not sim.vms["web01"].custom_properties
    assert service.get().custom_properties is None
    assert sim.stats()["update"] == 3


def test_next_run_on_running_vm(sim, conn):
    vm = sim.add_vm("web01", status="up", custom_properties={"other": "x"})
    service = conn.system_service().vms_service().vm_service(vm.id)
    new = [types.CustomProperty(name="other", value="x"),
           types.CustomProperty(name="vmfex", value="profile1")]
    assert service.get().next_run_configuration_exists is False
    reply = service.update(types.Vm(custom_properties=new), next_run=True)
    assert sim.requests[-1][2] == {"next_run": "true"}
    assert props(reply) == {"other": "x"}
    assert service.get().next_run_configuration_exists is True
    assert vm.custom_properties == {"other": "x"}
    assert vm.next_run_properties == {"other": "x", "vmfex": "profile1"}
    assert props(service.get()) == {"other": "x"}
    assert props(service.get(next_run=True)) == {
        "other": "x", "vmfex": "profile1"}
    # The pending configuration applies when the VM goes down.
    sim.set_status("web01", "down")
    assert vm.custom_properties == {"other": "x", "vmfex": "profile1"}
    assert vm.next_run_properties is None
    assert service.get().next_run_configuration_exists is False
    # On a VM that is down, next_run applies at once.
    service.update(types.Vm(custom_properties=[]), next_run=True)
    assert not vm.custom_properties
    assert vm.next_run_properties is None


def test_update_fault(sim, conn):
    sim.add_vm("web01", custom_properties={"other": "x"})
    vm = sim.add_vm("web02", custom_properties={"other": "x"})
    sim.fail_updates["web02"] = (
        409, "Operation Failed",
        "Cannot edit VM. Related operation is currently in progress.")
    service = conn.system_service().vms_service().vm_service(vm.id)
    with pytest.raises(sdk.Error) as err:
        service.update(types.Vm(custom_properties=[]))
    e = err.value
    assert type(e) is sdk.Error
    assert e.code == 409
    assert e.fault.reason == "Operation Failed"
    assert e.fault.detail == (
        "Cannot edit VM. Related operation is currently in progress.")
    assert "Related operation is currently in progress" in str(e)
    assert vm.custom_properties == {"other": "x"}


def test_unknown_vm_is_not_found(sim, conn):
    with pytest.raises(sdk.NotFoundError) as err:
        conn.system_service().vms_service().vm_service("nope").get()
    assert err.value.code == 404


def test_wrong_password_raises_auth_error(sim):
    c = connect(sim, password="wrong")
    with pytest.raises(sdk.AuthError) as err:
        c.system_service().vms_service().list()
    assert "access_denied" in str(err.value)
    c.close()
    assert sim.stats()["sso"] == 1
    assert sim.requests == []


def test_tls_verification_needs_the_ca(sim):
    c = connect(sim, ca_file=None)
    with pytest.raises(sdk.Error) as err:
        c.system_service().vms_service().list()
    assert not isinstance(err.value, sdk.AuthError)
    assert "SSL" in str(err.value) or "certificate" in str(err.value)
    c.close()
    with connect(sim, ca_file=None, insecure=True) as c:
        assert c.system_service().vms_service().list() == []
    # The CA verifies the name "localhost" too.
    url = sim.url.replace("127.0.0.1", "localhost")
    with sdk.Connection(url=url, username=USER, password=PASSWORD,
                        ca_file=sim.ca_file) as c:
        assert c.system_service().vms_service().list() == []


def test_futures_run_concurrently():
    with OvirtSimulator(delay=0.2) as sim:
        sim.add_sample_vms(8)
        with connect(sim, connections=4) as conn:
            conn.authenticate()
            service = conn.system_service().vms_service()
            futures = [
                service.vm_service(vm.id).update(
                    types.Vm(custom_properties=[
                        types.CustomProperty(name="vmfex", value="p1")]),
                    wait=False)
                for vm in sim.vms.values()]
            replies = [f.wait() for f in futures]
        assert [props(r) for r in replies] == [{"vmfex": "p1"}] * 8
        # Overlap shown by the server's own count, not by wall-clock time:
        # several requests in flight at once, never more than connections=4.
        assert 1 < sim.peak_in_flight <= 4
        assert sim.stats()["update"] == 8
        for vm in sim.vms.values():
            if vm.running:
                assert vm.custom_properties == {"vmfex": "p1"}


def test_keep_alive(sim, conn):
    sim.add_sample_vms(3)
    conn.authenticate()  # SSO has its own connection
    sim.reset_counters()
    service = conn.system_service().vms_service()
    for vm in service.list():
        service.vm_service(vm.id).get()
    assert sim.stats()["get_vm"] == 3
    assert sim.connections_opened == 1


def test_expired_token_is_retried_after_new_login(sim, conn):
    sim.add_sample_vms(2)
    service = conn.system_service().vms_service()
    assert len(service.list()) == 2
    sim.revoke_tokens()
    assert len(service.list()) == 2
    stats = sim.stats()
    assert stats["unauthorized"] == 1
    assert stats["sso"] == 2
    assert stats["list"] == 2


def test_raw_protocol(sim):
    # No token: 401 with a fault.
    status, ctype, body = raw_request(sim, "GET", "/ovirt-engine/api/vms")
    assert status == 401
    assert ctype.startswith("application/xml")
    assert b"<fault>" in body
    # SSO with a form, as the SDK sends it.
    form = ("grant_type=password&scope=ovirt-app-api&username=admin%40internal"
            "&password=secret")
    status, ctype, body = raw_request(
        sim, "POST", "/ovirt-engine/sso/oauth/token",
        {"Content-Type": "application/x-www-form-urlencoded",
         "Accept": "application/json"}, form)
    assert status == 200 and ctype.startswith("application/json")
    reply = json.loads(body)
    assert reply["token_type"] == "Bearer"
    token = reply["access_token"]
    auth = {"Authorization": "Bearer " + token, "Version": "4"}
    status, _, body = raw_request(sim, "GET", "/ovirt-engine/api/vms", auth)
    assert status == 200 and body.rstrip().endswith(b"<vms/>")
    status, _, _ = raw_request(sim, "GET", "/ovirt-engine/api/vms",
                               dict(auth, Version="3"))
    assert status == 400
    status, _, body = raw_request(sim, "GET", "/ovirt-engine/api/storagedomains", auth)
    assert status == 404 and b"<fault>" in body
    status, _, _ = raw_request(sim, "GET", "/elsewhere", auth)
    assert status == 404
    status, ctype, body = raw_request(
        sim, "POST", "/ovirt-engine/services/sso-logout",
        {"Content-Type": "application/x-www-form-urlencoded"},
        "scope=ovirt-app-api&token=" + token)
    assert status == 200 and json.loads(body) == {}
    status, _, _ = raw_request(sim, "GET", "/ovirt-engine/api/vms", auth)
    assert status == 401


def test_sample_vms_are_deterministic():
    sim = OvirtSimulator()
    sim.add_vm("web01", nics=[("nic1", "00:1a:4a:16:00:01")])
    sim.add_sample_vms(30, nics_per_vm=3)
    sim.add_sample_vms(5)
    names = sorted(n for n in sim.vms if n.startswith("vm"))
    assert names == ["vm%05d" % i for i in range(1, 36)]
    macs = [mac for vm in sim.vms.values() for _, mac in vm.nics]
    assert len(macs) == 1 + 30 * 3 + 5 * 2
    assert len(set(macs)) == len(macs)
    assert all(mac.startswith("00:1a:4a:") for mac in macs)
    statuses = {vm.status for vm in sim.vms.values()}
    assert statuses == {"up", "down"}
    assert [n for n, _ in sim.vms["vm00001"].nics] == ["nic1", "nic2", "nic3"]
    other = OvirtSimulator()
    other.add_vm("web01", nics=[("nic1", "00:1a:4a:16:00:01")])
    other.add_sample_vms(30, nics_per_vm=3)
    assert [vm.nics for vm in other.vms.values()] == [
        vm.nics for vm in list(sim.vms.values())[:31]]


def test_stats_and_reset(sim, conn):
    sim.add_sample_vms(2)
    service = conn.system_service().vms_service()
    vm = service.list()[0]
    service.vm_service(vm.id).get()
    service.vm_service(vm.id).nics_service().list()
    service.vm_service(vm.id).update(types.Vm(custom_properties=[]))
    conn.system_service().get()
    assert sim.stats() == {"list": 1, "get_vm": 1, "nics": 1, "update": 1,
                           "nic_update": 0, "profiles": 0, "profile_add": 0,
                           "profile_update": 0, "other": 1, "sso": 1, "unauthorized": 0}
    assert len(sim.requests) == 5
    sim.reset_counters()
    assert sim.requests == []
    assert set(sim.stats().values()) == {0}


def test_cli(tmp_path):
    info = tmp_path / "info.json"
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps([{
        "name": "seeded", "status": "up", "custom_properties": {"a": "b"},
        "nics": [["nic1", "00:1a:4a:16:09:01"]]}]))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.engine.ovirtsim", "--vms", "3",
         "--delay-ms", "1", "--page-cap", "2", "--seed-json", str(seed),
         "--info-file", str(info)],
        cwd=str(REPO), env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not info.exists():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        data = json.loads(info.read_text())
        assert data["pid"] == proc.pid
        assert data["username"] == USER and data["password"] == PASSWORD
        with sdk.Connection(url=data["url"], username=data["username"],
                            password=data["password"],
                            ca_file=data["ca_file"]) as conn:
            service = conn.system_service().vms_service()
            # --page-cap 2: pages of two whatever max says.
            assert [vm.name for vm in service.list(search="page 2")] == [
                "vm00002", "vm00003"]
            names = []
            page = 1
            while True:
                vms = service.list(search="page %d" % page, max=10,
                                   follow="nics")
                if not vms:
                    break
                names.extend(vm.name for vm in vms)
                page += 1
            assert names == ["seeded", "vm00001", "vm00002", "vm00003"]
            seeded = service.list(search="name=seeded", follow="nics")[0]
            assert props(seeded) == {"a": "b"}
            assert seeded.nics[0].mac.address == "00:1a:4a:16:09:01"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert not info.exists()
        assert not os.path.exists(data["ca_file"])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


# --- networking: data centers, networks, vNIC profiles, NIC profile changes ---


def test_fresh_engine_has_default_dc_ovirtmgmt_and_its_profile(sim, conn):
    system = conn.system_service()
    assert [dc.name for dc in system.data_centers_service().list()] == ["Default"]
    (network,) = system.networks_service().list()
    assert network.name == "ovirtmgmt"
    assert network.data_center.id == sim.network("ovirtmgmt").data_center_id
    (profile,) = system.vnic_profiles_service().list()
    assert (profile.name, profile.network.id) == ("ovirtmgmt", network.id)
    assert profile.network_filter.id == sim.default_profile.network_filter_id
    assert profile.custom_properties is None
    sim.add_vm("a", nics=[("nic1", "00:1a:4a:00:00:01")])
    vm = system.vms_service().list(follow="nics")[0]
    assert vm.nics[0].vnic_profile.id == sim.default_profile.id


def test_added_profile_gets_the_default_filter_unless_an_empty_one_is_sent(sim, conn):
    system = conn.system_service()
    network = sim.network("ovirtmgmt")
    profiles = system.vnic_profiles_service()
    plain = profiles.add(types.VnicProfile(name="plain", network=types.Network(id=network.id)))
    assert plain.network_filter is not None
    assert sim.vnic_profiles[plain.id].network_filter_id is not None
    bare = system.networks_service().network_service(network.id).vnic_profiles_service().add(
        types.VnicProfile(name="vmfex-P1", network_filter=types.NetworkFilter(),
                          custom_properties=[types.CustomProperty(name="vmfex", value="P1")]))
    assert bare.network_filter is None
    assert bare.custom_properties[0].name == "vmfex" and bare.custom_properties[0].value == "P1"
    assert sim.vnic_profiles[bare.id].network_filter_id is None
    with pytest.raises(sdk.Error) as info:
        profiles.add(types.VnicProfile(name="vmfex-P1", network=types.Network(id=network.id)))
    assert info.value.code == 409 and "already used" in str(info.value)
    with pytest.raises(sdk.Error) as info:
        profiles.add(types.VnicProfile(name="a b", network=types.Network(id=network.id)))
    assert info.value.code == 400 and "special characters" in str(info.value)
    stats = sim.stats()
    assert stats["profile_add"] == 4 and stats["profile_update"] == 0


def test_profile_update_replaces_custom_properties(sim, conn):
    profile = sim.add_vnic_profile("p", "ovirtmgmt", {"vmfex": "A", "x": "1"})
    service = conn.system_service().vnic_profiles_service().profile_service(profile.id)
    service.update(types.VnicProfile(custom_properties=[
        types.CustomProperty(name="vmfex", value="B")]))
    assert profile.custom_properties == {"vmfex": "B"}
    assert service.get().custom_properties[0].value == "B"
    assert sim.stats()["profile_update"] == 1


def test_nic_profile_change_is_live_on_up_vms_and_refused_when_migrating(sim, conn):
    target = sim.add_vnic_profile("vmfex-P1", "ovirtmgmt", {"vmfex": "P1"}, None)
    up = sim.add_vm("up", status="up", nics=[("nic1", "00:1a:4a:00:00:01")])
    down = sim.add_vm("down", nics=[("nic1", "00:1a:4a:00:00:02")])
    moving = sim.add_vm("moving", status="migrating", nics=[("nic1", "00:1a:4a:00:00:03")])
    vms = conn.system_service().vms_service()
    for vm in (up, down):
        nic = vms.vm_service(vm.id).nics_service().nic_service(vm.nic_ids[0])
        updated = nic.update(types.Nic(vnic_profile=types.VnicProfile(id=target.id)))
        assert updated.vnic_profile.id == target.id
        assert sim.nic_profile(vm.name, "nic1") is target
    assert sim.hot_updates == [("up", "nic1", sim.default_profile.id, target.id)]
    nic = vms.vm_service(moving.id).nics_service().nic_service(moving.nic_ids[0])
    with pytest.raises(sdk.Error) as info:
        nic.update(types.Nic(vnic_profile=types.VnicProfile(id=target.id)))
    assert info.value.code == 409 and "Up, Down or Image Locked" in str(info.value)
    assert sim.nic_profile("moving", "nic1") is sim.default_profile
    with pytest.raises(sdk.NotFoundError):
        vms.vm_service(down.id).nics_service().nic_service(down.nic_ids[0]).update(
            types.Nic(vnic_profile=types.VnicProfile(id="no-such-profile")))
    assert sim.stats()["nic_update"] == 4
