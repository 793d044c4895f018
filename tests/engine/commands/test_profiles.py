"""`vmfex-engine profiles list|create` end to end against the simulator."""
from tests.engine.helpers import MAC_A, WRITE_KEYS, run


def writes(sim):
    stats = sim.stats()
    return sum(stats[k] for k in ("update", "nic_update", "profile_add", "profile_update"))


def test_create_adds_profiles_without_filter_and_rerun_changes_nothing(sim, conn, capsys):
    code, out, err = run(capsys, ["profiles", "create", "--network", "ovirtmgmt", "P1",
                                  "My Profile:2"] + conn)
    assert code == 0, err
    p1, p2 = sim.profile("vmfex-P1"), sim.profile("vmfex-My_Profile_2")
    assert p1.custom_properties == {"vmfex": "P1"}
    assert p2.custom_properties == {"vmfex": "My Profile:2"}
    assert p1.network_filter_id is None and p2.network_filter_id is None
    assert p1.description == "vmfex-engine: UCS port profile P1"
    assert "summary: 2 added, 0 already there, 0 failed, 0 not attempted" in out
    sim.reset_counters()
    code, out, _ = run(capsys, ["profiles", "create", "--network", "ovirtmgmt", "P1"] + conn)
    assert code == 0 and writes(sim) == 0
    assert "vNIC profile 'vmfex-P1' on network 'ovirtmgmt' (data center 'Default') " \
           "already carries it, nothing to do" in out


def test_create_never_modifies_a_profile_it_did_not_create(sim, conn, capsys):
    theirs = sim.add_vnic_profile("vmfex-P1", "ovirtmgmt", {"other": "1"})
    sim.reset_counters()
    code, out, err = run(capsys, ["profiles", "create", "--network", "ovirtmgmt",
                                  "P1", "P2"] + conn)
    assert code == 1 and writes(sim) == 0
    assert "vNIC profile 'vmfex-P1' on network 'ovirtmgmt' (data center 'Default') " \
           "exists without vmfex" in err and "nothing written" in err
    assert theirs.custom_properties == {"other": "1"}
    assert code == 1 and "Traceback" not in err
    # another name works, and a profile carrying P1 under any name is reused
    assert run(capsys, ["profiles", "create", "--network", "ovirtmgmt", "P1",
                        "--name", "ucs-p1"] + conn)[0] == 0
    assert sim.profile("ucs-p1").custom_properties == {"vmfex": "P1"}
    code, out, _ = run(capsys, ["profiles", "create", "--network", "ovirtmgmt", "P1"] + conn)
    assert code == 0 and "'ucs-p1'" in out and "already carries it" in out


def test_create_bad_arguments_are_usage_errors(sim, conn, capsys):
    code, _, err = run(capsys, ["profiles", "create", "--network", "ovirtmgmt",
                                "bad/name"] + conn)
    assert code == 2 and "'bad/name'" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, ["profiles", "create", "--network", "ovirtmgmt", "A", "B",
                                "--name", "x"] + conn)
    assert code == 2 and "--name 'x'" in err
    assert writes(sim) == 0 and sim.stats()["profiles"] == 0


def test_create_finds_the_network_or_says_which_exist(sim, conn, capsys):
    sim.add_data_center("DC2")
    sim.add_network("vmfex-net", "Default")
    sim.add_network("vmfex-net", "DC2")
    code, _, err = run(capsys, ["profiles", "create", "--network", "nope", "P1"] + conn)
    assert code == 1 and "no network 'nope'" in err and "vmfex-net (DC2)" in err
    code, _, err = run(capsys, ["profiles", "create", "--network", "vmfex-net", "P1"] + conn)
    assert code == 1 and "data centers 'DC2', 'Default': give --data-center" in err
    code, out, err = run(capsys, ["profiles", "create", "--network", "vmfex-net",
                                  "--data-center", "DC2", "P1", "--dry-run"] + conn)
    assert code == 0 and "would add vNIC profile 'vmfex-P1' on network 'vmfex-net' " \
                         "(data center 'DC2')" in out
    assert writes(sim) == 0
    assert run(capsys, ["profiles", "create", "--network", "vmfex-net",
                        "--data-center", "DC2", "P1"] + conn)[0] == 0
    assert sim.profile("vmfex-P1").network_id == sim.network("vmfex-net", "DC2").id


def test_list_shows_profiles_carrying_vmfex_and_their_nics(sim, conn, capsys):
    p1 = sim.add_vnic_profile("vmfex-P1", "ovirtmgmt", {"vmfex": "P1"}, None)
    sim.add_vnic_profile("bad", "ovirtmgmt", {"vmfex": "x/y"}, None)
    sim.add_vm("app01", nics=[("nic1", "00:1a:4a:99:00:01", p1), ("nic2", "00:1a:4a:99:00:02", p1)])
    code, out, err = run(capsys, ["profiles", "list"] + conn)
    lines = out.splitlines()
    # one header style for every table (commands/output.py): upper-case words
    assert lines[0].split() == ["VNIC", "PROFILE", "NETWORK", "DATA", "CENTER", "UCS", "PORT",
                                "PROFILE", "NICS"]
    assert ["vmfex-P1", "ovirtmgmt", "Default", "P1", "2"] in [line.split() for line in lines]
    assert ["bad", "ovirtmgmt", "Default", "(invalid)", "0"] in [line.split() for line in lines]
    assert "vNIC profile 'bad': its vmfex value 'x/y' is invalid" in err
    assert code == 1 and MAC_A not in out


def test_create_with_ucsm_refuses_unknown_names_with_suggestions(sim, conn, ucsm_sim, ucsm_conn,
                                                                 capsys):
    code, _, err = run(capsys, ["profiles", "create", "--network", "ovirtmgmt", "Profile1",
                                "Profle2"] + conn + ucsm_conn)
    assert code == 1 and writes(sim) == 0 and sim.stats()["profiles"] == 0
    assert "error: UCS_PROFILE 'Profle2': port profile 'Profle2' is not defined on UCS " \
           "Manager (closest: 'Profile2'" in err
    code, out, err = run(capsys, ["profiles", "create", "--network", "ovirtmgmt", "Profile1",
                                  "Profile2"] + conn + ucsm_conn)
    assert code == 0, err
    assert sim.profile("vmfex-Profile2").custom_properties == {"vmfex": "Profile2"}


def test_list_json(sim, conn, capsys):
    import json

    p1 = sim.add_vnic_profile("vmfex-P1", "ovirtmgmt", {"vmfex": "P1"}, None)
    sim.add_vnic_profile("bad", "ovirtmgmt", {"vmfex": "x/y"}, None)
    sim.add_vm("app01", nics=[("nic1", "00:1a:4a:99:00:01", p1)])
    code, out, err = run(capsys, ["profiles", "list", "--json"] + conn)
    assert code == 1 and "'x/y' is invalid" in err
    data = json.loads(out)
    assert sorted(data) == ["command", "items", "summary"]
    assert data["command"] == "profiles list"
    assert data["summary"]["profiles"] == 2 and data["summary"]["invalid"] == 1
    by_name = {entry["vnic_profile"]: entry for entry in data["items"]}
    assert by_name["vmfex-P1"] == {"vnic_profile": "vmfex-P1", "network": "ovirtmgmt",
                                   "data_center": "Default", "ucs_port_profile": "P1",
                                   "nics": 1, "problem": None}
    assert by_name["bad"]["ucs_port_profile"] is None and "x/y" in by_name["bad"]["problem"]


def test_create_json_dry_run_then_real_then_unchanged(sim, conn, capsys):
    import json

    argv = ["profiles", "create", "--network", "ovirtmgmt", "P1", "P2", "--json"] + conn
    code, out, _ = run(capsys, argv + ["--dry-run"])
    data = json.loads(out)
    assert code == 0 and data["dry_run"] is True
    assert sorted(data) == WRITE_KEYS
    assert [(i["vnic_profile"], i["outcome"]) for i in data["items"]] == [
        ("vmfex-P1", "changed"), ("vmfex-P2", "changed")]
    assert sim.stats()["profile_add"] == 0
    code, out, _ = run(capsys, argv)
    data = json.loads(out)
    assert code == 0 and data["summary"] == {"changed": 2, "unchanged": 0, "failed": 0,
                                             "not_attempted": 0, "not_known": 0}
    assert data["items"][0] == {"ucs_port_profile": "P1", "vnic_profile": "vmfex-P1",
                                "network": "ovirtmgmt", "data_center": "Default",
                                "outcome": "changed", "reason": None}
    assert data["stopped"] is None and data["readback_error"] is None
    code, out, _ = run(capsys, argv)
    assert code == 0 and json.loads(out)["summary"]["unchanged"] == 2


def test_create_json_refusal_lists_the_problems(sim, conn, capsys):
    import json

    sim.add_vnic_profile("vmfex-P1", "ovirtmgmt", {"other": "1"})
    code, out, err = run(capsys, ["profiles", "create", "--network", "ovirtmgmt", "P1",
                                  "--json"] + conn)
    data = json.loads(out)
    assert code == 1 and "nothing written" in err
    assert data["items"] == [] and len(data["problems"]) == 1
