"""`vmfex-engine check` end to end."""
from tests.engine.helpers import MAC_A, run


def test_check_finds_stale_invalid_and_shared_macs(sim, conn, capsys):
    sim.vms["web02"].custom_properties = {"vmfex": "{'%s': 'P'}" % MAC_A}   # web01's MAC
    sim.vms["db01"].custom_properties = {"vmfex": "{'00:1a:4a': 'P'}"}
    code, out, _ = run(capsys, ["check"] + conn)
    assert code == 1
    assert "VM 'web02': MAC %s (profile 'P') is not on any of its NICs" % MAC_A in out
    assert "VM 'db01': the hook would refuse to start it" in out
    sim.vms["web01"].custom_properties = {"vmfex": "{'%s': 'Q'}" % MAC_A}
    code, out, _ = run(capsys, ["check"] + conn)
    assert "MAC %s is mapped on 2 VMs: web01, web02" % MAC_A in out


def test_check_reports_conflicting_models_and_invalid_profile_values(sim, conn, capsys):
    from tests.engine.helpers import MAC_D
    other = sim.add_vnic_profile("vmfex-New", "ovirtmgmt", {"vmfex": "New"}, None)
    bad = sim.add_vnic_profile("vmfex-bad", "ovirtmgmt", {"vmfex": "   "}, None)
    sim.vms["web03"].nic_profiles[0] = other.id            # its map says 'Old'
    sim.vms["web02"].nic_profiles[0] = bad.id
    code, out, _ = run(capsys, ["check"] + conn)
    assert code == 1
    assert ("VM 'web03' NIC nic1 (MAC %s): conflicting port profiles: VM map says 'Old', "
            "its vNIC profile 'vmfex-New' says 'New'; the hook refuses to start the VM"
            % MAC_D) in out
    assert "vNIC profile 'vmfex-bad': its vmfex value '   ' is invalid" in out
    assert out.splitlines()[-1] == ("2 problem(s) in the maps of 1 VMs and 2 NICs on vNIC "
                                    "profiles carrying vmfex (4 VMs read)")
    # both models naming the same port profile is no problem
    sim.vms["web02"].nic_profiles[0] = sim.default_profile.id
    other.custom_properties = {"vmfex": "Old"}
    code, out, _ = run(capsys, ["check"] + conn)
    assert code == 0, out


def test_check_json_is_one_document_with_the_problems(sim, conn, capsys):
    import json

    sim.vms["web02"].custom_properties = {"vmfex": "{'%s': 'P'}" % MAC_A}
    code, out, _ = run(capsys, ["check", "--json"] + conn)
    data = json.loads(out)
    assert code == 1
    assert sorted(data) == ["command", "problems", "summary"]
    assert data["command"] == "check"
    assert data["summary"] == {"problems": 1, "mapped_vms": 2, "profile_nics": 0,
                               "vms_read": 4, "ucsm_checked": False}
    assert data["problems"] == ["VM 'web02': MAC %s (profile 'P') is not on any of its NICs"
                                % MAC_A]


def test_check_json_error_is_one_line_on_stderr_and_nothing_on_stdout(sim, conn, capsys):
    without_ca = conn[:-2]
    code, out, err = run(capsys, ["check", "--json"] + without_ca)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "cannot connect" in err
