"""assign --ucsm and check --ucsm (engine_tools.ucsm.checks): real ovirtsdk4 to
the oVirt simulator, real ucsmsdk to the UCS Manager stand-in."""
from tests.engine.helpers import MAC_A, MAC_B, MAC_C, MAC_D
from tests.engine.ucsm_helpers import (
    WITHOUT_UCSMSDK,
    assert_logged_out,
    assert_one_line_error,
    run_engine,
)


def test_assign_unknown_profile_refused_with_suggestions_nothing_written(
        sim, conn, ucsm_sim, ucsm_conn, csv_file):
    path = csv_file("vm,mac,profile\nweb01,%s,Profle1\nweb01,%s,Profile2\n"
                    "web02,%s,DB-net\n" % (MAC_A, MAC_B, MAC_C))
    code, out, err = run_engine(["assign", path] + conn + ucsm_conn)
    assert code == 1, err
    assert ("error: %s:2: port profile 'Profle1' is not defined on UCS Manager "
            "(closest: 'Profile1', 'Profile2')" % path) in err
    assert ("error: %s:4: port profile 'DB-net' is not defined on UCS Manager "
            "(closest: 'db-net')" % path) in err
    assert "2 problem(s) in %s: nothing written" % path in err
    assert sim.stats()["update"] == 0
    assert sim.vms["web01"].next_run_properties is None
    assert sim.vms["web02"].custom_properties == {}
    assert_logged_out(ucsm_sim)


def test_assign_all_known_proceeds_with_one_ucsm_query(sim, conn, ucsm_sim, ucsm_conn,
                                                       csv_file):
    rows = "".join("web02,%s,Profile2\n" % MAC_C for _ in range(30))
    path = csv_file("vm,mac,profile\n" + rows + "web01,%s,Profile1\n" % MAC_A)
    code, out, err = run_engine(["assign", path] + conn + ucsm_conn)
    assert code == 0, err
    assert sim.vms["web02"].custom_properties == {"vmfex": "{'%s': 'Profile2'}" % MAC_C}
    assert sim.vms["web01"].next_run_properties == {
        "sap_agent": "true", "vmfex": "{'%s': 'Profile1'}" % MAC_A}
    # one hierarchical vnicProfile query whatever the number of rows
    assert [q for q in ucsm_sim.class_queries if q[0] == "vnicProfile"] == [
        ("vnicProfile", True)]
    assert ucsm_sim.logouts == 1
    assert_logged_out(ucsm_sim)


def test_assign_merge_checks_profiles_kept_from_current_map(sim, conn, ucsm_conn, csv_file):
    kept, added = "00:1a:4a:16:05:01", "00:1a:4a:16:05:02"
    sim.add_vm("app01", custom_properties={"vmfex": "{'%s': 'Gone'}" % kept},
               nics=[("nic1", kept), ("nic2", added)])
    path = csv_file("vm,mac,profile\n# merged\napp01,%s,Profile2\n" % added)
    code, out, err = run_engine(["assign", path, "--merge"] + conn + ucsm_conn)
    assert code == 1, err
    assert ("%s:3: VM 'app01' MAC %s keeps from its current map: port profile 'Gone' is "
            "not defined on UCS Manager" % (path, kept)) in err
    assert sim.stats()["update"] == 0


def test_assign_without_ucsm_never_imports_ucsmsdk(sim, conn, csv_file):
    path = csv_file("vm,mac,profile\nweb02,%s,Anything\n" % MAC_C)
    code, out, err = run_engine(["assign", path] + conn, prelude=WITHOUT_UCSMSDK)
    assert code == 0, err
    assert sim.stats()["update"] == 1


def test_assign_missing_ucsmsdk_one_line_saying_what_to_install(
        sim, conn, ucsm_sim, ucsm_conn, csv_file):
    path = csv_file("vm,mac,profile\nweb02,%s,Profile1\n" % MAC_C)
    code, out, err = run_engine(["assign", path] + conn + ucsm_conn, prelude=WITHOUT_UCSMSDK)
    assert_one_line_error(code, err, "ucsmsdk", "pip3 install ucsmsdk", "python3-ucsmsdk")
    assert sim.stats()["update"] == 0
    assert not ucsm_sim.login_seen


def test_check_reports_unknown_profiles_and_max_ports_overuse(sim, conn, ucsm_sim,
                                                              ucsm_conn):
    sim.add_vm("app01", custom_properties={"vmfex": "{'00:1a:4a:16:05:01': 'Profile1', "
                                           "'00:1a:4a:16:05:02': 'Porfile2'}"},
               nics=[("nic1", "00:1a:4a:16:05:01"), ("nic2", "00:1a:4a:16:05:02")])
    sim.add_vm("app02", custom_properties={"vmfex": "{'00:1a:4a:16:06:01': 'Profile1'}"},
               nics=[("nic1", "00:1a:4a:16:06:01")])
    code, out, err = run_engine(["check"] + conn + ucsm_conn)
    assert code == 1, err
    assert ("VM 'app01' MAC 00:1a:4a:16:05:02: port profile 'Porfile2' is not defined on "
            "UCS Manager (closest: 'Profile2'") in out
    assert "VM 'web03' MAC %s: port profile 'Old' is not defined" % MAC_D in out
    assert ("port profile 'Profile1': 2 oVirt NICs use it, UCS Manager allows 1 "
            "(maxPorts)") in out
    assert "3 problem(s)" in out
    assert_logged_out(ucsm_sim)


def test_check_without_ucsm_unchanged(sim, conn):
    code, out, err = run_engine(["check"] + conn, prelude=WITHOUT_UCSMSDK)
    assert code == 0, out + err
    assert "0 problem(s)" in out


def test_max_ports_counts_nics_of_both_models(sim, conn, ucsm_sim, ucsm_conn):
    # Profile1 allows 1 port: one NIC through a VM map, one through its vNIC profile
    carrier = sim.add_vnic_profile("vmfex-Profile1", "ovirtmgmt", {"vmfex": "Profile1"}, None)
    sim.add_vm("app01", custom_properties={"vmfex": "{'00:1a:4a:16:05:01': 'Profile1'}"},
               nics=[("nic1", "00:1a:4a:16:05:01")])
    sim.add_vm("app02", nics=[("nic1", "00:1a:4a:16:06:01", carrier)])
    # a NIC both models name with the same profile counts once
    sim.add_vm("app03", custom_properties={"vmfex": "{'00:1a:4a:16:07:01': 'Profile2'}"},
               nics=[("nic1", "00:1a:4a:16:07:01",
                      sim.add_vnic_profile("vmfex-Profile2", "ovirtmgmt",
                                           {"vmfex": "Profile2"}, None))])
    sim.vms["web03"].custom_properties = {}
    code, out, err = run_engine(["check"] + conn + ucsm_conn)
    assert code == 1, err
    assert ("port profile 'Profile1': 2 oVirt NICs use it, UCS Manager allows 1 "
            "(maxPorts)") in out
    code, out, err = run_engine(["ucs", "profiles"] + ucsm_conn + conn)
    assert code == 0, err
    counts = {line.split()[0]: line.split()[2] for line in out.splitlines()[1:4]}
    assert counts == {"Profile1": "2", "Profile2": "1", "db-net": "0"}
