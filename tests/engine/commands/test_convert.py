"""`vmfex-engine convert` end to end: real ovirtsdk4 over HTTPS to the simulator."""
from tests.engine.helpers import MAC_A, MAC_B, MAC_C, MAC_D, WRITE_KEYS, run


def writes(sim):
    stats = sim.stats()
    return sum(stats[k] for k in ("update", "nic_update", "profile_add", "profile_update"))


def test_convert_creates_profile_moves_nic_and_removes_the_map(sim, conn, capsys):
    # web03 (down): vmfex {MAC_D: 'Old'}, x=1
    code, out, err = run(capsys, ["convert", "--create-profiles"] + conn)
    assert code == 0, err
    profile = sim.profile("vmfex-Old")
    assert profile.custom_properties == {"vmfex": "Old"} and profile.network_filter_id is None
    assert sim.nic_profile("web03", "nic1") is profile
    assert sim.vms["web03"].custom_properties == {"x": "1"}
    assert "summary: 1 vNIC profiles added, 1 NICs changed, 1 VM maps changed, 0 failed, " \
           "0 not attempted, 0 VMs skipped" in out
    assert sim.stats()["profile_update"] == 0
    # others untouched
    assert sim.nic_profile("web01", "nic1") is sim.default_profile
    sim.reset_counters()
    code, out, _ = run(capsys, ["convert", "--create-profiles"] + conn)
    assert code == 0 and writes(sim) == 0
    assert "0 NICs changed, 0 VM maps changed" in out


def test_missing_profiles_are_listed_and_nothing_is_written(sim, conn, capsys):
    sim.vms["web02"].custom_properties = {"vmfex": "{'%s': 'P3'}" % MAC_C, "keep": "me"}
    code, out, err = run(capsys, ["convert"] + conn)
    assert code == 1 and writes(sim) == 0
    assert "no vNIC profile carries UCS port profile 'Old' on network 'ovirtmgmt' " \
           "(data center 'Default') (needed by VM 'web03' NIC nic1 (MAC %s))" % MAC_D in err
    assert "'P3'" in err and "VM 'web02' NIC nic1 (MAC %s)" % MAC_C in err
    assert "--create-profiles" in err and "nothing written" in err
    assert sim.vms["web02"].custom_properties == {"vmfex": "{'%s': 'P3'}" % MAC_C, "keep": "me"}


def test_existing_profile_carrying_the_port_profile_is_used_unmodified(sim, conn, capsys):
    theirs = sim.add_vnic_profile("ucs-old", "ovirtmgmt", {"vmfex": " Old ", "a": "b"})
    code, out, err = run(capsys, ["convert"] + conn)
    assert code == 0, err
    assert sim.nic_profile("web03", "nic1") is theirs
    assert theirs.custom_properties == {"vmfex": " Old ", "a": "b"}
    assert sim.stats()["profile_add"] == 0 and sim.stats()["profile_update"] == 0


def test_the_nics_own_network_decides(sim, conn, capsys):
    sim.add_network("vmfex-net")
    plain = sim.add_vnic_profile("vmfex-net", "vmfex-net")
    on_net = sim.add_vnic_profile("vmfex-Old", "vmfex-net", {"vmfex": "Old"}, None)
    sim.add_vnic_profile("vmfex-Old", "ovirtmgmt", {"vmfex": "Old"}, None)
    vm = sim.vms["web03"]
    vm.nic_profiles[0] = plain.id
    assert run(capsys, ["convert"] + conn)[0] == 0
    assert sim.nic_profile("web03", "nic1") is on_net


def test_running_vms_only_when_asked_and_then_live(sim, conn, capsys):
    sim.vms["web01"].custom_properties = {
        "sap_agent": "true", "vmfex": "{'%s': 'P1', '%s': 'P2'}" % (MAC_A, MAC_B)}
    sim.add_vm("moving", status="migrating", custom_properties={
        "vmfex": "{'00:1a:4a:77:00:01': 'P1'}"}, nics=[("nic1", "00:1a:4a:77:00:01")])
    code, out, err = run(capsys, ["convert", "--create-profiles"] + conn)
    assert code == 0
    assert "VM web01 skipped: up: not changed unless --include-running" in err
    assert "VM moving skipped: up" not in err
    assert sim.nic_profile("web01", "nic1") is sim.default_profile and sim.hot_updates == []
    code, out, err = run(capsys, ["convert", "--create-profiles", "--include-running"] + conn)
    assert code == 0, err
    assert "VM moving skipped: migrating: the engine changes NICs only of VMs that are up, " \
           "down or image locked" in err
    p1, p2 = sim.profile("vmfex-P1"), sim.profile("vmfex-P2")
    assert sim.nic_profile("web01", "nic1") is p1 and sim.nic_profile("web01", "nic2") is p2
    assert sorted((vm, nic) for vm, nic, _, _ in sim.hot_updates) == [("web01", "nic1"),
                                                               ("web01", "nic2")]
    web01 = sim.vms["web01"]
    # the map goes at the next start; both models agree until then
    assert web01.next_run_properties == {"sap_agent": "true"}
    assert "map now (none: vmfex removed) at next start" in out
    assert "changed live" in out
    sim.reset_counters()
    code, out, _ = run(capsys, ["convert", "--include-running"] + conn)
    assert code == 0 and writes(sim) == 0


def test_every_refusal_names_vm_nic_mac_profiles_and_models(sim, conn, capsys):
    other = sim.add_vnic_profile("vmfex-New", "ovirtmgmt", {"vmfex": "New"}, None)
    sim.vms["web03"].nic_profiles[0] = other.id                     # map says Old
    sim.add_vm("ghostly", custom_properties={"vmfex": "{'00:1a:4a:55:00:01': 'P'}"},
               nics=[("nic1", "00:1a:4a:55:00:02")])                   # MAC on no NIC
    sim.add_vm("unwired", custom_properties={"vmfex": "{'00:1a:4a:55:00:03': 'P'}"},
               nics=[("nic1", "00:1a:4a:55:00:03", None)])             # no vNIC profile
    sim.add_vm("broken", custom_properties={"vmfex": "{'00:1a': 'P'}"},
               nics=[("nic1", "00:1a:4a:55:00:04")])
    code, out, err = run(capsys, ["convert", "--create-profiles"] + conn)
    assert code == 1 and writes(sim) == 0
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 4
    assert ("error: VM 'web03' NIC nic1 (MAC %s): conflicting port profiles: VM map says "
            "'Old', its vNIC profile 'vmfex-New' says 'New'" % MAC_D) in err
    assert "VM 'ghostly' MAC 00:1a:4a:55:00:01: VM map says 'P', but the MAC is on no " \
           "NIC" in err
    assert "VM 'unwired' NIC nic1 (MAC 00:1a:4a:55:00:03): VM map says 'P', but the NIC " \
           "has no vNIC profile" in err
    assert "VM 'broken': its VM map is invalid" in err
    assert "Traceback" not in err


def test_only_the_named_vms_and_partly_converted_ones(sim, conn, capsys):
    p1 = sim.add_vnic_profile("vmfex-P1", "ovirtmgmt", {"vmfex": "P1"}, None)
    sim.add_vnic_profile("vmfex-P2", "ovirtmgmt", {"vmfex": "P2"}, None)
    sim.set_status("web01", "down")
    sim.vms["web01"].custom_properties = {
        "vmfex": "{'%s': 'P1', '%s': 'P2'}" % (MAC_A, MAC_B), "sap_agent": "true"}
    sim.vms["web01"].nic_profiles[0] = p1.id          # nic1 is already on P1
    code, out, err = run(capsys, ["convert", "web01", "nosuchvm"] + conn)
    assert code == 1 and "VM 'nosuchvm' not found in the engine" in err
    assert writes(sim) == 0
    code, out, err = run(capsys, ["convert", "web01", "--dry-run"] + conn)
    assert code == 0 and writes(sim) == 0
    assert "web01: NIC nic2 (MAC %s) would move to vNIC profile 'vmfex-P2' (P2)" % MAC_B in out
    assert "nic1" not in out
    code, out, err = run(capsys, ["convert", "web01"] + conn)
    assert code == 0, err
    assert sim.stats()["nic_update"] == 1
    assert sim.vms["web01"].custom_properties == {"sap_agent": "true"}
    assert sim.vms["web03"].custom_properties["vmfex"]            # not named: untouched


def test_a_failed_nic_keeps_its_vms_map(sim, conn, capsys):
    sim.add_vnic_profile("vmfex-Old", "ovirtmgmt", {"vmfex": "Old"}, None)
    sim.fail_nic_updates[("web03", "nic1")] = (
        409, "Operation Failed", "[Cannot edit Interface. Related operation is in progress.]")
    code, out, err = run(capsys, ["convert"] + conn)
    assert code == 1
    assert "error: VM web03 NIC nic1 (MAC %s): not changed: Operation Failed: [Cannot " \
           "edit Interface. Related operation is in progress.] (HTTP 409)" % MAC_D in err
    assert "VM web03: map left as it was" in err
    assert sim.vms["web03"].custom_properties["vmfex"] == "{'%s': 'Old'}" % MAC_D


def test_convert_with_ucsm_refuses_port_profiles_it_does_not_define(sim, conn, ucsm_sim,
                                                                    ucsm_conn, capsys):
    # web03's map names 'Old', which the UCS Manager stand-in does not define
    code, _, err = run(capsys, ["convert", "--create-profiles"] + conn + ucsm_conn)
    assert code == 1 and writes(sim) == 0
    assert ("error: VM 'web03' NIC nic1 (MAC %s), VM map: port profile 'Old' is not defined "
            "on UCS Manager" % MAC_D) in err
    sim.vms["web03"].custom_properties["vmfex"] = "{'%s': 'Profile1'}" % MAC_D
    code, _, err = run(capsys, ["convert", "--create-profiles"] + conn + ucsm_conn)
    assert code == 0, err
    assert sim.nic_profile("web03", "nic1") is sim.profile("vmfex-Profile1")


def test_convert_json_dry_run_then_real(sim, conn, capsys):
    import json

    argv = ["convert", "--create-profiles", "--json"] + conn
    code, out, _ = run(capsys, argv + ["--dry-run"])
    data = json.loads(out)
    assert code == 0 and data["dry_run"] is True and writes(sim) == 0
    assert [(e["kind"], e["outcome"]) for e in data["items"]
            if e["outcome"] == "changed"] == [("vnic_profile", "changed"), ("nic", "changed"),
                                              ("vm_map", "changed")]
    code, out, err = run(capsys, argv)
    data = json.loads(out)
    assert code == 0, err
    assert sorted(data) == WRITE_KEYS
    assert data["command"] == "convert" and data["dry_run"] is False
    nic = [e for e in data["items"] if e["kind"] == "nic"][0]
    assert nic == {"kind": "nic", "vm": "web03", "nic": "nic1", "mac": MAC_D,
                   "vnic_profile": "vmfex-Old", "ucs_port_profile": "Old", "live": False,
                   "outcome": "changed", "reason": None}
    assert data["summary"]["changed"] == 3 and data["summary"]["failed"] == 0
    # the running VMs without a map are neither written nor skipped
    skipped = {e["vm"] for e in data["items"] if e["outcome"] == "not_attempted"}
    assert skipped <= {"web01", "db01"}
