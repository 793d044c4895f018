"""The UCS Manager stand-in answers the XML API as the real ucsmsdk expects."""
import pytest
from ucsmsdk import ucsmethodfactory, ucsxmlcodec
from ucsmsdk.ucsexception import UcsException

from engine_tools.ucsm import client as ucsm
from tests.engine.ucsm_helpers import UCSM_PROFILES
from tests.engine.ucsmsim import UcsmSimulator


@pytest.fixture
def handle(ucsm_sim):
    options = ucsm.UcsmOptions(ucsm_sim.host, ucsm_sim.port, "admin", "secret",
                               ucsm_sim.ca_file, False, 5.0)
    handle = ucsm.verified_handle(options)
    handle.login()
    yield handle
    handle.logout()


def test_login_opens_a_session_and_logout_ends_it(ucsm_sim, handle):
    assert ucsm_sim.sessions == {handle.cookie}
    assert ucsm_sim.methods == ["aaaLogin", "configResolveClass", "configResolveDn"]
    assert handle.ucs == "ucs-sim"
    handle.logout()
    assert ucsm_sim.sessions == set() and ucsm_sim.logouts == 1


def test_hierarchical_profiles_as_sdk_objects(handle):
    objects = handle.query_classid("vnicProfile", hierarchy=True)
    by_dn = {mo.dn: mo for mo in objects}
    profile = by_dn["fabric/lan/profiles/vnic-Profile1"]
    assert (profile.get_class_id(), profile.name, profile.max_ports) == (
        "VnicProfile", "Profile1", "1")
    vlan = by_dn["fabric/lan/profiles/vnic-Profile1/if-vlan100"]
    assert (vlan.get_class_id(), vlan.vnet, vlan.default_net) == ("VnicEtherIf", "100", "yes")
    client = by_dn["fabric/lan/profiles/vnic-Profile1/cl-All"]
    assert client.get_class_id() == "VmVnicProfCl"
    assert len([mo for mo in objects if mo.get_class_id() == "VnicProfile"]) == len(
        UCSM_PROFILES)
    flat = handle.query_classid("vnicProfile")
    assert all(mo.child_count() == 0 for mo in flat)


def test_unknown_class_is_a_fault(handle):
    with pytest.raises(UcsException) as caught:
        handle.query_classid("equipmentChassis")
    assert caught.value.error_code == "103"


def test_refresh_replaces_the_cookie(ucsm_sim, handle):
    old = handle.cookie
    answer = handle.process_xml_elem(ucsmethodfactory.aaa_refresh(old, "admin", "secret"))
    assert answer.error_code == 0 and answer.out_cookie != old
    assert ucsm_sim.sessions == {answer.out_cookie} and handle.cookie == answer.out_cookie
    assert handle.query_classid("networkElement")  # the new cookie works
    # the old one is refused (post_xml: post_elem would swap in the new cookie)
    stale = ucsmethodfactory.config_resolve_class(old, "networkElement", None)
    assert 'errorCode="552"' in handle.post_xml(ucsxmlcodec.to_xml_str(stale))


def test_login_without_version_and_bad_password(tmp_path):
    with UcsmSimulator(version_in_login=False) as sim:
        options = ucsm.UcsmOptions(sim.host, sim.port, "admin", "wrong", sim.ca_file,
                                   False, 5.0)
        handle = ucsm.verified_handle(options)
        with pytest.raises(UcsException) as caught:
            handle.login()
        assert (caught.value.error_code, caught.value.error_descr) == (
            "551", "Authentication failed")
        assert sim.login_seen and sim.sessions == set()
