"""Service profiles and their dynamic vNIC grants: the pure resolution, and
the real ucsmsdk reading them from the UCS Manager stand-in."""
import io

import pytest

from engine_tools.model.capacity import ServiceProfile
from engine_tools.ucsm.client import UcsmError, UcsmOptions
from engine_tools.ucsm.service_profiles import (
    granted_by,
    read_service_profiles,
    service_profiles,
)
from tests.engine.ucsmsim import SimDynamicPolicy, SimServiceProfile, UcsmSimulator

UUID = "1b4e28ba-2fa1-11d2-883f-0016d3cca4%02d"


def server(name, policy="", oper="", org="org-root", **extra):
    attrs = {"dn": "%s/ls-%s" % (org, name), "name": name, "type": "instance",
             "uuid": UUID % 1, "pnDn": "sys/chassis-1/blade-1", "assocState": "associated",
             "dynamicConPolicyName": policy, "operDynamicConPolicyName": oper}
    attrs.update(extra)
    return attrs


POLICIES = [{"dn": "org-root/dynamic-con-eight", "dynamicEth": "8"},
            {"dn": "org-root/org-lab/dynamic-con-eight", "dynamicEth": "2"},
            {"dn": "org-root/dynamic-con-none", "dynamicEth": "off"},
            {"dn": "org-root/dynamic-con-odd", "dynamicEth": "many"}]


@pytest.mark.parametrize("value, count", [("off", 0), ("0", 0), ("256", 256), (" 9 ", 9),
                                          ("", None), ("-1", None), ("x", None)])
def test_dynamic_eth_is_a_number_or_off(value, count):
    assert granted_by(value) == count


def test_grants_follow_the_resolved_dn_then_the_org_walk():
    found = service_profiles([
        server("a", "eight", "org-root/dynamic-con-eight"),
        server("b", "eight", "", org="org-root/org-lab"),         # nearest org wins
        server("c", "eight", "", org="org-root/org-lab/org-x"),    # walks up two orgs
        server("d", "none", "org-root/dynamic-con-none"),
        server("e"),
        server("f", "gone"),
        server("g", "odd", "org-root/dynamic-con-odd"),
    ], POLICIES)
    assert [(p.name, p.granted, p.note) for p in found] == [
        ("org-root/ls-a", 8, "org-root/dynamic-con-eight"),
        ("org-root/ls-d", 0, "org-root/dynamic-con-none"),
        ("org-root/ls-e", 0, "no dynamic vNIC connection policy"),
        ("org-root/ls-f", None, "dynamic vNIC connection policy 'gone' not found"),
        ("org-root/ls-g", None, "org-root/dynamic-con-odd: dynamicEth 'many' is not a "
                                "number or 'off'"),
        ("org-root/org-lab/ls-b", 2, "org-root/org-lab/dynamic-con-eight"),
        ("org-root/org-lab/org-x/ls-c", 2, "org-root/org-lab/dynamic-con-eight"),
    ]


def test_templates_and_profiles_bound_to_no_blade_are_left_out():
    found = service_profiles([server("t", type="updating-template"),
                              server("u", pnDn="", assocState="unassociated"),
                              server("v", assocState="associating")], POLICIES)
    assert found == []


def _options(sim, timeout=5.0):
    return UcsmOptions("127.0.0.1", sim.port, "admin", "secret", sim.ca_file, False, timeout)


def test_read_through_the_sdk_one_query_per_class_and_logged_out():
    sim = UcsmSimulator(
        service_profiles=[SimServiceProfile("esx1", (UUID % 7).upper(), "sys/chassis-1/blade-7",
                                            "vmfex", "org-root/org-ovirt"),
                          SimServiceProfile("spare", UUID % 8, "")],
        dynamic_policies=[SimDynamicPolicy("vmfex", "12")])
    with sim:
        found = read_service_profiles(_options(sim), io.StringIO())
        assert found == [ServiceProfile("org-root/org-ovirt/ls-esx1", (UUID % 7).upper(), 12,
                                        "org-root/dynamic-con-vmfex")]
        assert sim.class_queries == [("networkElement", False), ("lsServer", False),
                                     ("vnicDynamicConPolicy", False)]
        assert sim.sessions == set() and sim.methods[-1] == "aaaLogout"


def test_a_refused_class_query_is_one_error_and_logs_out():
    sim = UcsmSimulator()
    sim.responder = lambda method, body: (
        (200, b'<configResolveClass response="yes" errorCode="103" errorDescr="no such '
              b'class"/>') if b"lsServer" in body else None)
    with sim:
        with pytest.raises(UcsmError) as error:
            read_service_profiles(_options(sim), io.StringIO())
        assert "error 103: no such class" in str(error.value)
        assert sim.sessions == set()
