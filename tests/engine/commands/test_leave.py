"""`vmfex-engine leave` run as administrators run it, against the oVirt API
simulator and the UCS Manager stand-in."""
import json
import os
import signal

import pytest

from tests.engine.leave_fixture import MAC_WEB02, populate, ucsm_simulator
from tests.engine.ovirtsim import OvirtSimulator
from tests.engine.ovirtsim.networking import cluster_named
from tests.engine.tool import start_vmfex_engine, vmfex_engine
from tests.engine.ucsm_helpers import ucsm_args


@pytest.fixture
def fleet():
    with OvirtSimulator() as sim:
        yield populate(sim)


@pytest.fixture
def ucs():
    with ucsm_simulator() as ucs:
        yield ucs


@pytest.fixture
def sim(fleet):
    """The engine conftest's `conn` logs in to: this fleet."""
    return fleet


@pytest.fixture
def planned(fleet, ucs, conn, tmp_path):
    """plan(*options) -> the plan file written by `leave plan -o`."""
    def plan(*options):
        path = str(tmp_path / "plan.json")
        code, out, err = vmfex_engine(["leave", "plan", "-o", path, "--label", "trunk"]
                                      + list(options) + conn + ucsm_args(ucs, tmp_path),
                                      tmp_path)
        assert code == 0, err
        return path
    return plan


def run_json(args, home):
    code, out, err = vmfex_engine(args + ["--json"], home)
    assert "Traceback" not in err
    return code, json.loads(out), err


def profile_of(sim, vm, nic="nic1"):
    found = sim.nic_profile(vm, nic)
    return found.name if found else None


def snapshot(sim):
    with sim.lock:
        return ({n: (list(v.nic_profiles), dict(v.custom_properties),
                     v.next_run_properties) for n, v in sim.vms.items()},
                sorted(sim.networks), sorted(sim.vnic_profiles), sorted(sim.qoss))


def test_plan_apply_rerun_rollback(fleet, planned, conn, tmp_path):
    before = snapshot(fleet)
    path = planned()
    assert snapshot(fleet) == before  # plan is read-only
    code, result, err = run_json(["leave", "apply", path] + conn, tmp_path)
    assert code == 0, err
    assert result["vms"]["web01"]["state"] == "moved"
    assert result["vms"]["web03"]["state"] == "skipped"  # running, --running skip
    assert result["vms"]["db01"]["state"] == "refused"  # trunk profile
    network = fleet.network("vlan100")
    assert (network.vlan_id, network.label) == (100, "trunk")
    assert cluster_named(fleet, "Default").networks[network.id] is False  # required=false
    assert profile_of(fleet, "web01") == "Profile1"
    profile1 = fleet.profile("Profile1")
    assert profile1.network_filter_id is not None and profile1.qos_id is not None
    assert fleet.profile("Profile2").network_filter_id is None
    assert fleet.profile("Profile2").network_id == fleet.network("prod300").id  # reused
    assert fleet.vms["web02"].custom_properties == {"sap_agent": "true"}
    # the engine's own vNIC profile of the new network exists, unused
    assert fleet.profile("vlan100").network_id == network.id
    applied = result["writes_total"]
    # one write per moved NIC, per changed map, per created object
    assert result["writes"] == {"network": 1, "label": 1, "attach": 1, "qos": 1,
                                "profile": 2, "nic": 2, "map": 1}

    code, again, err = run_json(["leave", "apply", path] + conn, tmp_path)
    assert code == 0, err
    assert again["writes_total"] == 0

    code, status, _ = run_json(["leave", "status", path + ".journal"] + conn, tmp_path)
    states = {(row["vm"], row["state"]) for row in status["nics"]}
    assert {("web01", "moved"), ("web02", "moved"), ("web03", "vmfex")} <= states

    code, undone, err = run_json(["leave", "rollback", path + ".journal"] + conn, tmp_path)
    assert code == 0, err
    assert undone["writes_total"] <= applied
    assert snapshot(fleet) == before
    code, undone, err = run_json(["leave", "rollback", path + ".journal"] + conn, tmp_path)
    assert code == 0 and undone["writes_total"] == 0, err


def test_a_vm_changed_since_the_plan_is_skipped(fleet, planned, conn, tmp_path):
    path = planned()
    with fleet.lock:
        fleet.vms["web02"].custom_properties["vmfex"] = "{'%s': 'Profile1'}" % MAC_WEB02
    code, result, err = run_json(["leave", "apply", path] + conn, tmp_path)
    assert code == 0, err
    assert result["vms"]["web02"]["state"] == "skipped"
    assert "changed by someone else since the plan" in result["vms"]["web02"]["reason"]
    assert profile_of(fleet, "web02") == "vmfex-plain"
    assert result["vms"]["web01"]["state"] == "moved"


def test_an_edited_plan_is_checked_whole_before_anything(fleet, planned, conn, tmp_path):
    path = planned()
    with open(path) as f:
        plan = json.load(f)
    plan["networks"][0]["vlan_id"] = 5000
    plan["vms"][1]["nics"][0]["profile"] = "nowhere"  # web01
    with open(path, "w") as f:
        json.dump(plan, f)
    fleet.reset_counters()
    code, out, err = vmfex_engine(["leave", "apply", path] + conn, tmp_path)
    assert code == 1 and "Traceback" not in err
    assert "%s: networks[0].vlan_id: VLAN id 5000" % path in err
    assert "%s: vms[1].nics[0].profile: no vNIC profile with key 'nowhere'" % path in err
    assert "nothing written" in err
    assert fleet.requests == []
    assert not os.path.exists(path + ".journal")


def test_not_json_is_one_line(tmp_path, conn):
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    code, out, err = vmfex_engine(["leave", "apply", str(bad)] + conn, tmp_path)
    assert code == 1 and "Traceback" not in err
    assert err.startswith("%s: plan: not JSON" % bad)


def test_replug_moves_a_running_vm_unplugged_and_plugs_it_again(fleet, planned, conn,
                                                                   tmp_path):
    path = planned("--running", "replug")
    code, result, err = run_json(["leave", "apply", path, "--vm", "web03"] + conn, tmp_path)
    assert code == 0, err
    assert result["vms"] == {"web03": {"state": "moved", "reason": None}}
    assert result["writes"] == {"attach": 1, "label": 1, "network": 1, "nic": 1, "plug": 2,
                                "profile": 2, "qos": 1}
    assert profile_of(fleet, "web03") == "Profile1"
    assert fleet.vms["web03"].unplugged == set()
    assert fleet.hot_updates == []  # never changed while plugged
    code, undone, err = run_json(["leave", "rollback", path + ".journal"] + conn, tmp_path)
    assert code == 0, err
    assert profile_of(fleet, "web03") == "vmfex-Profile1"


def test_without_the_label_on_hosts_the_cutover_is_refused(ucs, tmp_path):
    with OvirtSimulator() as sim:
        populate(sim, label=None)
        password = tmp_path / "password"
        password.write_text("secret\n")
        conn = ["--engine-url", sim.url, "--username", "admin@internal",
                "--password-file", str(password), "--cafile", sim.ca_file]
        code, plan, err = run_json(["leave", "plan", "--label", "trunk"] + conn
                                   + ucsm_args(ucs, tmp_path), tmp_path)
        assert code == 0, err
        web01 = [v for v in plan["vms"] if v["name"] == "web01"][0]
        assert web01["when"] == "refused" and "host1, host2" in web01["reason"]
        assert plan["clusters"][0]["hosts_lacking"] == {"host1": ["vlan100"],
                                                        "host2": ["vlan100"]}
        code, plan, err = run_json(["leave", "plan", "--label", "trunk",
                                    "--accept-missing-networks"] + conn
                                   + ucsm_args(ucs, tmp_path), tmp_path)
        assert [v["when"] for v in plan["vms"] if v["name"] == "web01"] == ["now"]


def test_a_run_stopped_by_a_dead_engine_is_resumed(fleet, planned, conn, tmp_path):
    path = planned()
    fleet.die_after_writes = 6  # network, label, attach, QoS, 2 profiles
    code, out, err = vmfex_engine(["leave", "apply", path, "--timeout", "5"] + conn,
                                  tmp_path)
    assert code == 1 and "Traceback" not in err
    assert "run the same command again" in err
    fleet.dead, fleet.die_after_writes = False, None
    code, result, err = run_json(["leave", "apply", path] + conn, tmp_path)
    assert code == 0, err
    assert result["vms"]["web01"]["state"] == "moved"
    assert result["writes"].get("network", 0) == 0
    assert len([n for n in fleet.networks.values() if n.name == "vlan100"]) == 1


def test_sigterm_ends_with_the_summary(fleet, planned, conn, tmp_path):
    path = planned()
    process = []

    def hook(stage, kind, vm_name):
        if stage == "before" and kind == "nic_update" and process:
            process[0].send_signal(signal.SIGTERM)

    fleet.hook = hook
    proc = start_vmfex_engine(["leave", "apply", path, "--batch", "1"] + conn, tmp_path)
    process.append(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "Traceback" not in err
    assert "stopped by SIGTERM" in err and "summary:" in out
    fleet.hook = None
    code, result, err = run_json(["leave", "apply", path] + conn, tmp_path)
    assert code == 0, err
    assert {result["vms"][n]["state"] for n in ("web01", "web02")} == {"moved"}


def test_c_locale_output_escapes_what_it_cannot_show(fleet, conn, tmp_path):
    profile = fleet.profile("vmfex-Profile1")
    fleet.add_vm("caf\u00e9", status="down", nics=[("nic1", "00:1a:4a:16:10:09", profile)])
    code, out, err = vmfex_engine(["leave", "status"] + conn, tmp_path, env={
        "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""})
    assert code == 0 and "Traceback" not in err, err
    assert "caf\\xe9  nic1" in out
