"""The pure `leave` planner: networks per VLAN, vNIC profiles, QoS, refusals,
hosts lacking networks, running VMs."""
import json

import pytest

from engine_tools.model.assign_plan import VmState
from engine_tools.model.leave_plan import (
    NO_SPOOFING,
    EngineCluster,
    EngineHost,
    EngineNetwork,
    Inventory,
    convert_qos,
    plan_leave,
)
from engine_tools.model.leave_plan_check import validate
from engine_tools.model.vnic_profiles import Nic, Profile

MAC1, MAC2, MAC3 = "00:1a:4a:00:00:01", "00:1a:4a:00:00:02", "00:1a:4a:00:00:03"


def ucs(name, vlans, qos=None, forge_allowed=False, policy="gold"):
    return {"name": name, "vlans": [{"name": n, "id": i, "native": native}
                                    for n, i, native in vlans],
            "qos_policy": policy if qos else None, "qos": qos, "qos_missing": False,
            "nwctrl_policy": None, "forge_allowed": forge_allowed}


UCS = [ucs("P1", [("v100", 100, True)], {"rate": "50000", "burst": 10240, "prio": "gold"}),
       ucs("P2", [("v300", 300, True)], forge_allowed=True),
       ucs("T", [("v100", 100, True), ("v200", 200, False)])]


def inventory(vms, hosts=None, networks=None):
    nets = {"n-fex": EngineNetwork("n-fex", "vmfex-net", "dc1", None, 0),
            "n-300": EngineNetwork("n-300", "prod300", "dc1", 300, 9000)}
    nets.update(networks or {})
    profiles = {"p-p1": Profile("p-p1", "vmfex-P1", "n-fex", [("vmfex", "P1")], False),
                "p-t": Profile("p-t", "vmfex-T", "n-fex", [("vmfex", "T")], False),
                "p-plain": Profile("p-plain", "plain", "n-fex", [], False)}
    clusters = {"c1": EngineCluster("c1", "C1", "dc1", frozenset(["n-fex", "n-300"]))}
    if hosts is None:
        hosts = [EngineHost("h1", "host1", "c1", frozenset(["n-fex", "n-300"]),
                            frozenset(["trunk"]))]
    return Inventory({"dc1": "DC1"}, nets, profiles, {}, clusters, hosts,
                     {v.name: v for v in vms})


def vm(name, nics, status="down", properties=()):
    return VmState("id-" + name, name, status, list(properties),
                   [(n.name, n.mac) for n in nics], nics, "c1")


WEB = vm("web", [Nic("nic-w", "nic1", MAC1, "p-p1")])
MAPPED = vm("mapped", [Nic("nic-m", "nic1", MAC2, "p-plain")],
            properties=[("vmfex", "{'%s': 'P2'}" % MAC2), ("x", "1")])


def test_a_vlan_gets_one_network_reused_when_the_data_center_has_it():
    plan = plan_leave(UCS, inventory([WEB, MAPPED]), label="trunk")
    nets = {n["vlan_id"]: n for n in plan["networks"]}
    assert nets[100]["id"] is None and nets[100]["name"] == "v100"
    assert nets[100]["label"] == "trunk"
    assert nets[300]["id"] == "n-300" and nets[300]["label"] is None
    assert validate(json.loads(json.dumps(plan))) == []


def test_forged_macs_denied_means_the_no_spoofing_filter_allowed_none():
    plan = plan_leave(UCS, inventory([WEB, MAPPED]))
    filters = {p["port_profile"]: p["network_filter"] for p in plan["profiles"]}
    assert filters == {"P1": NO_SPOOFING, "P2": None}


def test_qos_converts_egress_to_outbound_and_says_what_is_lost():
    qos, lost, refusal = convert_qos("50500", 10240, "gold")
    assert refusal is None
    assert qos == {"outbound_average": 51, "outbound_peak": 51, "outbound_burst": 1}
    assert any("rounded" in text for text in lost)
    assert any("priority" in text for text in lost)
    assert convert_qos("line-rate", None, "") == (None, [], None)
    assert "no oVirt equivalent" in convert_qos("2000000", 0, "")[2]


def test_a_trunk_profile_is_refused_and_its_vm_with_it():
    db = vm("db", [Nic("nic-d", "nic1", MAC3, "p-t")])
    plan = plan_leave(UCS, inventory([WEB, db]))
    assert [r["port_profile"] for r in plan["refused"]] == ["T"]
    assert "several VLANs" in plan["refused"][0]["reason"]
    entry = [v for v in plan["vms"] if v["name"] == "db"][0]
    assert entry["when"] == "refused" and "'T'" in entry["reason"]


def test_a_map_entry_leaves_the_map_other_properties_stay():
    plan = plan_leave(UCS, inventory([MAPPED]))
    entry = plan["vms"][0]
    assert entry["map_before"] and entry["map_after"] == ""
    assert entry["properties_before"] == [["vmfex", "{'%s': 'P2'}" % MAC2], ["x", "1"]]


def test_a_host_without_the_label_blocks_the_cutover_unless_accepted():
    hosts = [EngineHost("h1", "host1", "c1", frozenset(["n-fex"]), frozenset()),
             EngineHost("h2", "host2", "c1", frozenset(["n-fex"]), frozenset(["trunk"]))]
    plan = plan_leave(UCS, inventory([WEB], hosts=hosts), label="trunk")
    assert plan["clusters"][0]["hosts_lacking"] == {"host1": ["v100"]}
    assert plan["vms"][0]["when"] == "refused" and "host1" in plan["vms"][0]["reason"]
    accepted = plan_leave(UCS, inventory([WEB], hosts=hosts), label="trunk",
                          accept_missing=True)
    assert accepted["vms"][0]["when"] == "now"


@pytest.mark.parametrize("running, when", [("skip", "skip"), ("replug", "replug")])
def test_running_vms_follow_the_running_mode(running, when):
    up = vm("up", [Nic("nic-u", "nic1", MAC1, "p-p1")], status="up")
    plan = plan_leave(UCS, inventory([up]), label="trunk", running=running)
    assert plan["vms"][0]["when"] == when
    if when == "replug":
        assert "loses that link" in plan["vms"][0]["reason"]


def test_conflicting_models_refuse_the_vm():
    both = vm("both", [Nic("nic-b", "nic1", MAC1, "p-p1")],
              properties=[("vmfex", "{'%s': 'P2'}" % MAC1)])
    plan = plan_leave(UCS, inventory([both]))
    assert plan["vms"][0]["when"] == "refused"
    assert "'P2'" in plan["vms"][0]["reason"] and "'P1'" in plan["vms"][0]["reason"]


def test_a_vm_without_vmfex_is_not_in_the_plan():
    plain = vm("plain", [Nic("nic-p", "nic1", MAC3, "p-plain")])
    assert plan_leave(UCS, inventory([plain]))["vms"] == []


def test_a_new_network_name_taken_by_another_vlan_gets_the_vlan_id():
    taken = {"n-x": EngineNetwork("n-x", "v100", "dc1", 999, 0)}
    plan = plan_leave(UCS, inventory([WEB], networks=taken))
    assert [n["name"] for n in plan["networks"]] == ["v100-100"]
