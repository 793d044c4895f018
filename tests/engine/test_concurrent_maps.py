"""Issue 17 item 1: a VM map written by assign or convert is redone over what
the VM holds right before the write, so another run's change made meanwhile
is kept (other MACs) or reported and left alone (the same MACs)."""
import threading

from tests.engine.helpers import MAC_A, MAC_B, MAC_D, run_main
from tests.engine.tool import vmfex_engine

MAC_E, MAC_F = "00:1a:4a:16:09:01", "00:1a:4a:16:09:02"


def once_after(sim, kind, vm_name, action):
    """sim.hook running `action` once, after the first `kind` request (of
    `vm_name`, when given) was answered; later requests pass straight."""
    done = threading.Event()

    def hook(stage, seen_kind, seen_vm):
        if stage == "after" and seen_kind == kind and not done.is_set() and \
                vm_name in (None, seen_vm):
            done.set()
            action()

    sim.hook = hook
    return done


def test_convert_keeps_an_entry_another_assign_merge_added_meanwhile(sim, conn, tmp_path,
                                                                     csv_file):
    sim.add_vm("app03", custom_properties={"vmfex": "{'%s': 'P9'}" % MAC_E, "k": "v"},
               nics=[("nic1", MAC_E), ("nic2", MAC_F)])
    merge = csv_file("vm,nic,profile\napp03,nic2,Theirs\n", "theirs.csv")
    other = []

    def another_administrator():
        # a real `assign --merge`, run to its end (read-back included) while
        # convert is between moving app03's NIC and writing app03's map
        other.append(vmfex_engine(["assign", "--merge", merge] + conn, tmp_path))

    done = once_after(sim, "nic_update", "app03", another_administrator)
    code, out, err = run_main(["convert", "--create-profiles", "app03"] + conn)
    assert done.is_set() and other[0][0] == 0, other
    assert "app03: changed" in other[0][1]
    assert code == 0, err
    assert sim.vms["app03"].custom_properties == {"vmfex": "{'%s': 'Theirs'}" % MAC_F,
                                                  "k": "v"}
    assert "app03: map now {'%s': 'Theirs'}" % MAC_F in out


def test_convert_leaves_a_map_whose_entry_another_run_changed(sim, conn):
    def change_web03():
        with sim.lock:
            sim.vms["web03"].custom_properties = {"vmfex": "{'%s': 'Theirs'}" % MAC_D,
                                                  "x": "1"}

    once_after(sim, "nic_update", "web03", change_web03)
    code, out, err = run_main(["convert", "--create-profiles", "web03"] + conn)
    assert code == 1 and "Traceback" not in err
    assert ("error: VM web03 map: MAC %s: changed by someone else during this run"
            % MAC_D) in err
    assert sim.vms["web03"].custom_properties == {"vmfex": "{'%s': 'Theirs'}" % MAC_D,
                                                  "x": "1"}
    assert "1 NICs changed, 0 VM maps changed, 1 failed" in out


def test_plain_assign_does_not_undo_a_profile_changed_meanwhile(sim, conn, csv_file):
    def change_web03():
        with sim.lock:
            sim.vms["web03"].custom_properties = {"vmfex": "{'%s': 'Theirs'}" % MAC_D,
                                                  "x": "1"}

    once_after(sim, "list", None, change_web03)
    code, out, err = run_main(["assign", csv_file("vm,nic,profile\nweb03,nic1,Mine\n")]
                              + conn)
    assert code == 1 and "Traceback" not in err
    assert "error: VM web03: its map is {'%s': 'Theirs'}: changed by someone else " \
           "during this run" % MAC_D in err
    assert sim.vms["web03"].custom_properties["vmfex"] == "{'%s': 'Theirs'}" % MAC_D
    assert "summary: 0 changed, 0 unchanged, 1 failed, 0 not attempted" in out


def test_two_merges_on_other_macs_both_stay(sim, conn, csv_file):
    def merge_mac_b():
        with sim.lock:
            vm = sim.vms["web01"]   # up: the other run's change waits for next start
            vm.next_run_properties = dict(vm.custom_properties,
                                          vmfex="{'%s': 'P2'}" % MAC_B)

    once_after(sim, "list", None, merge_mac_b)
    code, out, err = run_main(["assign", "--merge",
                               csv_file("vm,nic,profile\nweb01,nic1,P1\n")] + conn)
    assert code == 0, err
    assert sim.vms["web01"].next_run_properties == {
        "sap_agent": "true", "vmfex": "{'%s': 'P1', '%s': 'P2'}" % (MAC_A, MAC_B)}
