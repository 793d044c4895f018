"""assign planning: pure functions, no engine."""
from engine_tools.model.assign_plan import plan_assign, with_vmfex_value
from engine_tools.model.csv_rows import parse_rows
from tests.engine.helpers import MAC_A, MAC_B
from tests.engine.vm_states import messages, vm

MAC_C = "00:1a:4a:16:01:57"


def plan(text, vms, merge=False):
    rows, problems = parse_rows(text, merge)
    assert problems == []
    return plan_assign(rows, {v.name: v for v in vms}, merge)


def test_replace_keeps_other_properties_and_writes_canonical_value():
    web = vm("web01", properties=[("sap_agent", "true"), ("vmfex", "{'%s': 'Old'}" % MAC_B)])
    result = plan("vm,mac,profile\nweb01,00:1A:4A:16:01:B1,P2\nweb01,%s,P1\n" % MAC_A, [web])
    (change,) = result.changes
    assert change.properties == [("sap_agent", "true"),
                                 ("vmfex", "{'%s': 'P1', '%s': 'P2'}" % (MAC_A, MAC_B))]
    assert change.old_map == {MAC_B: "Old"} and not change.next_run


def test_running_vm_changes_at_next_run_and_unchanged_vm_is_skipped():
    up = vm("web01", status="up")
    same = vm("web02", properties=[("vmfex", '{"00:1A:4A:16:01:B0": "P1",}')])
    result = plan("vm,mac,profile\nweb01,%s,P1\nweb02,%s,P1\n" % (MAC_A, MAC_A), [up, same])
    assert [c.vm.name for c in result.changes] == ["web01"]
    assert result.changes[0].next_run
    assert [v.name for v in result.unchanged] == ["web02"]


def test_merge_adds_replaces_and_removes():
    web = vm("web01", nics=[("nic1", MAC_A), ("nic2", MAC_B)],
             properties=[("vmfex", "{'%s': 'P1', '%s': 'Gone'}" % (MAC_A, MAC_C))])
    result = plan("vm,nic,profile\nweb01,nic2,P2\n", [web], merge=True)
    assert result.changes[0].new_map == {MAC_A: "P1", MAC_B: "P2", MAC_C: "Gone"}
    # removing a MAC no longer on the VM is allowed (it cleans up what check reports)
    result = plan("vm,mac,profile\nweb01,%s,\nweb01,%s,\n" % (MAC_C, MAC_A), [web], merge=True)
    assert result.changes[0].new_map == {}
    assert result.changes[0].properties == []


def test_validation_against_the_engine_lists_everything():
    web = vm("web01")
    text = ("vm,mac,profile\n"
            "ghost,%s,P1\n"                 # 2: unknown VM
            "web01,%s,P1\n"                 # 3: MAC not on the VM
            "web01,%s,P1\n"                 # 4: fine
            "web01,%s,P2\n" % (MAC_A, MAC_C, MAC_A, MAC_A))  # 5: conflicts with 4
    result = plan(text, [web])
    found = messages(result.problems)
    assert [line for line, _ in found] == [2, 3, 5]
    assert "'ghost' not found" in found[0][1]
    assert MAC_C in found[1][1] and "nic1" in found[1][1]
    assert "line 4" in found[2][1]


def test_nic_name_and_mac_rows_naming_the_same_nic_conflict():
    rows, _ = parse_rows("vm,nic,profile\nweb01,nic1,P1\nweb01,nic9,P1\n")
    rows2, _ = parse_rows("vm,mac,profile\nweb01,%s,P2\n" % MAC_A)
    rows2 = [r._replace(line=4) for r in rows2]
    result = plan_assign(rows + rows2, {"web01": vm("web01")}, False)
    found = messages(result.problems)
    assert found[0][0] == 3 and "no NIC named 'nic9'" in found[0][1]
    assert found[1][0] == 4 and "conflicts" in found[1][1]


def test_identical_duplicate_rows_are_fine():
    result = plan("vm,mac,profile\nweb01,%s,P1\nweb01,%s,P1\n" % (MAC_A, MAC_A), [vm("web01")])
    assert result.problems == [] and result.changes[0].new_map == {MAC_A: "P1"}


def test_merge_into_an_invalid_value_is_refused_replace_is_not():
    web = vm("web01", properties=[("vmfex", "{'00:1a': 'x'}")])
    rows, _ = parse_rows("vm,mac,profile\nweb01,%s,P1\n" % MAC_A)
    assert "without --merge" in plan_assign(rows, {"web01": web}, True).problems[0].message
    assert plan_assign(rows, {"web01": web}, False).changes[0].new_map == {MAC_A: "P1"}


def test_with_vmfex_value_keeps_order():
    props = [("a", "1"), ("vmfex", "{}"), ("b", "2")]
    assert with_vmfex_value(props, "X") == [("a", "1"), ("vmfex", "X"), ("b", "2")]
    assert with_vmfex_value(props, "") == [("a", "1"), ("b", "2")]
