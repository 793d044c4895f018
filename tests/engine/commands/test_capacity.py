"""`vmfex-engine capacity` (and `check --hosts`) run as administrators run them."""
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_tools.commands.capacity import read_fleet
from tests.engine.fleet_helpers import FLEET, UUIDS, build_fleet, entry, write_fleet
from tests.engine.tool import vmfex_engine
from tests.engine.ucsm_helpers import ucsm_args
from tests.engine.ucsmsim import SimDynamicPolicy, SimServiceProfile, UcsmSimulator


@pytest.fixture
def fleet_sim(sim):
    return build_fleet(sim)


C_LOCALE = {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}


def host_rows(out):
    return {line.split()[0]: line.split() for line in out.splitlines()
            if line.startswith("  ") and not line.startswith("  HOST")}


def test_table_one_cluster_passes_n_plus_one_and_one_fails(fleet_sim, conn, tmp_path):
    code, out, err = vmfex_engine(["capacity", "--hosts", write_fleet(tmp_path, *FLEET)]
                                  + conn, tmp_path, env=C_LOCALE)
    assert code == 1, err
    assert err == ""
    lines = out.splitlines()
    assert ("cluster lab: VM-FEX NICs 4 on running VMs, 4 on all VMs; 3 free; N+1 FAILS"
            in lines)
    assert ("cluster prod: VM-FEX NICs 3 on running VMs, 7 on all VMs; 9 free; N+1 passes"
            in lines)
    rows = host_rows(out)
    assert rows["h1"][:6] == ["h1", "up", "2", "2/4", "-", "2"]
    assert " ".join(rows["h1"][6:]) == "1 VM(s) restart elsewhere"
    assert " ".join(rows["l1"][6:]) == "would not fit: big (3)"
    assert " ".join(rows["l2"][6:]) == "1 VM(s) restart elsewhere"
    # Default: web03 (down) has a map but no host runs in it
    assert lines[-1] == ("3 cluster(s), 5 host(s), 0 with unknown capacity, 12 free dynamic "
                         "vNICs; N+1 fails in 1 cluster(s): lab")
    assert fleet_sim.stats()["update"] == 0


def test_json_is_one_document_with_stable_keys(fleet_sim, conn, tmp_path):
    fleet = list(FLEET)
    fleet[3:] = [entry("l1.example.com", 3), entry("l2.example.com", 3)]
    code, out, err = vmfex_engine(["capacity", "--json", "--hosts",
                                   write_fleet(tmp_path, *fleet)] + conn, tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert sorted(data) == ["clusters", "ok", "problems", "summary"]
    assert data["ok"] is True and data["problems"] == []
    lab = next(c for c in data["clusters"] if c["name"] == "lab")
    assert lab["n_plus_1"] is True and lab["free"] == 6
    l1 = lab["hosts"][0]
    assert sorted(l1) == ["address", "fleet", "free", "name", "running_vms", "status",
                          "ucsm", "unknown_reason", "used", "uuid",
                          "vms_not_fitting_if_it_fails"]
    assert l1["running_vms"] == [{"vm": "big", "nics": 3}]
    assert l1["fleet"] == {"host": "l1.example.com", "total": 4, "used": 1, "free": 3,
                           "error": None}


def test_bad_fleet_input_is_named_and_the_rest_still_answered(fleet_sim, conn, tmp_path):
    fleet = write_fleet(tmp_path, *(FLEET[:2] + FLEET[3:] + [entry("ghost", 4)]))
    code, out, err = vmfex_engine(["capacity", "--hosts", fleet] + conn, tmp_path)
    assert code == 1
    assert err.splitlines() == [
        "vmfex-engine: %s: host 'ghost' is not known to the engine (no engine host has "
        "that address or name)" % fleet,
        "vmfex-engine: host 'h3' (address h3.example.com) is missing from %s" % fleet]
    assert " ".join(host_rows(out)["h3"][6:]) == (
        "no VM-FEX VMs; capacity unknown: not in the fleet file")
    assert "5 host(s), 1 with unknown capacity" in out.splitlines()[-1]


@pytest.mark.parametrize("version", [2, "1"])
def test_a_fleet_file_of_another_version_is_one_line(fleet_sim, conn, tmp_path, version):
    fleet = write_fleet(tmp_path, *FLEET, version=version)
    code, out, err = vmfex_engine(["capacity", "--hosts", fleet] + conn, tmp_path,
                                  env=C_LOCALE)
    assert code == 1
    assert "Traceback" not in err
    assert err.splitlines() == [
        "vmfex-engine: %s: version %r of vmfex-fleet-capacity is not supported: expected "
        "version 1" % (fleet, version)]
    assert "5 host(s), 5 with unknown capacity" in out.splitlines()[-1]


def test_ucsm_alone_free_is_granted_minus_engine_nics(fleet_sim, conn, tmp_path):
    # UUIDs compared without regard to case; h1's blade reports its UUID with
    # the first three fields byte-swapped
    fleet_sim.host_named("h1").hardware_uuid = "04030201-0605-0807-0000-000000000001"
    profiles = [SimServiceProfile("ls-h1", "01020304-0506-0708-0000-000000000001",
                                  "sys/chassis-1/blade-1", "vmfex"),
                SimServiceProfile("ls-h2", UUIDS["h2"].upper(), "sys/chassis-1/blade-2",
                                  "vmfex"),
                SimServiceProfile("ls-l1", UUIDS["l1"], "sys/chassis-1/blade-4", "vmfex"),
                SimServiceProfile("ls-l2", UUIDS["l2"], "sys/chassis-1/blade-5", "vmfex")]
    with UcsmSimulator(service_profiles=profiles,
                       dynamic_policies=[SimDynamicPolicy("vmfex", "4")]) as ucsm:
        code, out, err = vmfex_engine(["capacity"] + conn + ucsm_args(ucsm, tmp_path),
                                      tmp_path)
        assert [q[0] for q in ucsm.class_queries] == ["networkElement", "lsServer",
                                                      "vnicDynamicConPolicy"]
    assert code == 1
    assert err.splitlines() == [
        "vmfex-engine: host 'h3': hardware UUID 33333333-0000-0000-0000-000000000003 "
        "matches no service profile bound to a blade in UCS Manager"]
    rows = host_rows(out)
    assert rows["h1"][:8] == ["h1", "up", "2", "-", "4", "(swapped", "uuid)", "2"]
    assert rows["h2"][:6] == ["h2", "up", "1", "-", "4", "3"]
    assert rows["l1"][:6] == ["l1", "up", "3", "-", "4", "1"]
    assert "capacity unknown: no UCS Manager service profile" in out


def test_check_with_hosts_includes_the_capacity_answer(fleet_sim, conn, tmp_path):
    code, out, err = vmfex_engine(["check", "--hosts", write_fleet(tmp_path, *FLEET)]
                                  + conn, tmp_path)
    assert code == 1, err
    assert ("cluster 'lab': if host 'l1' fails, big (3 NICs) would not restart on the "
            "other hosts (not enough free dynamic vNICs)") in out.splitlines()
    assert out.splitlines()[-1].startswith("3 cluster(s), 5 host(s), 0 with unknown")
    code, out, err = vmfex_engine(["check"] + conn, tmp_path)
    assert code == 0 and "cluster" not in out


def test_no_engine_hosts_no_sources_is_answered(sim, conn, tmp_path):
    code, out, err = vmfex_engine(["capacity"] + conn, tmp_path, env=C_LOCALE)
    assert code == 0, err
    # Default holds web03, whose map names one NIC, and no host
    assert out.splitlines() == [
        "cluster Default: VM-FEX NICs 0 on running VMs, 1 on all VMs; ? free; N+1 passes",
        "  HOST  STATUS  USED  FLEET FREE/TOTAL  UCSM GRANTED  FREE  IF IT FAILS",
        "1 cluster(s), 0 host(s), 0 with unknown capacity, 0 free dynamic vNICs; N+1 "
        "fails in 0 cluster(s)"]


def test_unreadable_fleet_file_is_one_line(fleet_sim, conn, tmp_path):
    missing = os.path.join(str(tmp_path), "nope.json")
    code, out, err = vmfex_engine(["capacity", "--hosts", missing] + conn, tmp_path)
    assert code == 1
    assert err.splitlines() == ["vmfex-engine: cannot read fleet file %s: No such file or "
                                "directory" % missing]


def test_check_with_ucsm_includes_capacity_in_one_ucsm_session(fleet_sim, conn, tmp_path):
    profiles = [SimServiceProfile("ls-" + name, UUIDS[name], "sys/chassis-1/blade-%d" % n,
                                  "vmfex") for n, name in enumerate(sorted(UUIDS), 1)]
    with UcsmSimulator(service_profiles=profiles,
                       dynamic_policies=[SimDynamicPolicy("vmfex", "3")]) as ucsm:
        code, out, err = vmfex_engine(["check"] + conn + ucsm_args(ucsm, tmp_path), tmp_path)
        assert ucsm.logouts == 1
    assert code == 1, err
    # lab: l1 runs 'big' (3 NICs), l2 has 3 - 1 = 2 free
    assert ("cluster 'lab': if host 'l1' fails, big (3 NICs) would not restart on the "
            "other hosts (not enough free dynamic vNICs)") in out.splitlines()
    assert out.splitlines()[-1] == (
        "3 cluster(s), 5 host(s), 0 with unknown capacity, 8 free dynamic vNICs; N+1 "
        "fails in 1 cluster(s): lab")


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_any_file_content_is_hosts_or_one_line_problems(tmp_path, data):
    path = tmp_path / "fleet.json"
    path.write_bytes(data)
    hosts, problems = read_fleet(str(path))
    assert hosts is not None or len(problems) == 1
    assert all("\n" not in line for line in problems)
