"""CSV parsing and assign planning: pure functions, no engine."""
from engine_tools.csv_rows import decode, parse_rows
from engine_tools.inventory import check_problems, export_lines
from engine_tools.plan import VmState, plan_assign, with_vmfex_value

MAC_A, MAC_B, MAC_C = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1", "00:1a:4a:16:01:57"


def vm(name, status="down", properties=(), nics=((("nic1", MAC_A)), ("nic2", MAC_B))):
    return VmState("id-" + name, name, status, list(properties), list(nics))


def messages(problems):
    return [(p.line, p.message) for p in problems]


def test_rows_with_comments_blank_lines_and_spaces():
    rows, problems = parse_rows("# maps for rack 4\n\nVM, MAC ,Profile\n"
                                "web01, 00:1A:4A:16:01:B0 , Profile1\n  # done\n")
    assert problems == []
    assert [(r.line, r.vm, r.kind, r.key, r.profile) for r in rows] == [
        (4, "web01", "mac", MAC_A, "Profile1")]


def test_nic_column():
    rows, problems = parse_rows("vm,nic,profile\nweb01,nic2,P2\n")
    assert problems == [] and rows[0].kind == "nic" and rows[0].key == "nic2"


def test_every_row_problem_has_its_line():
    text = ("vm,mac,profile\n"
            "web01,00:11:22:33:44:55:66,P1\n"       # 2: 7 octets
            "web01,00:1a:4a:16:01:b0,bad;name\n"    # 3: profile character
            ",00:1a:4a:16:01:b0,P1\n"               # 4: no VM
            "web01,00:1a:4a:16:01:b0\n"             # 5: field count
            "web01,00:1a:4a:16:01:b1,\n"            # 6: empty profile without --merge
            "we*b,00:1a:4a:16:01:b1,P\n")           # 7: VM name with a wildcard
    rows, problems = parse_rows(text)
    assert rows == []
    lines = [line for line, _ in messages(problems)]
    assert lines == [2, 3, 4, 5, 6, 7]
    text_of = dict(messages(problems))
    assert "00:11:22:33:44:55:66" in text_of[2] and "7" in text_of[2]
    assert "bad;name" in text_of[3]
    assert "--merge" in text_of[6]


def test_empty_profile_allowed_with_merge():
    rows, problems = parse_rows("vm,mac,profile\nweb01,00:1a:4a:16:01:b1,\n", merge=True)
    assert problems == [] and rows[0].profile == ""


def test_header_problems():
    for text, expected in (("vm,profile\nweb01,P\n", "missing column mac or nic"),
                           ("vm,mac,nic,profile\n", "only one of mac and nic"),
                           ("vm,mac,profil\n", "unknown column"),
                           ("# only a comment\n", "no header")):
        rows, problems = parse_rows(text)
        assert rows == [] and expected in problems[0].message, text


def test_decode_accepts_bom_and_refuses_latin1():
    assert decode(b"\xef\xbb\xbfvm,mac,profile\n", "f.csv") == "vm,mac,profile\n"
    try:
        decode(b"vm,mac,profile\nw\xe9b,x,y\n", "f.csv")
    except Exception as e:  # noqa: BLE001
        assert "f.csv" in str(e) and "UTF-8" in str(e)
    else:
        raise AssertionError("latin-1 accepted")


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


def test_export_and_check():
    vms = {
        "a": vm("a", properties=[("vmfex", "{'%s': 'P 1', '%s': 'P2'}" % (MAC_B, MAC_A))]),
        "b": vm("b", nics=[("nic1", MAC_C)],
                properties=[("vmfex", "{'%s': 'P3', '%s': 'P4'}" % (MAC_C, MAC_A))]),
        "c": vm("c", properties=[("vmfex", "{'00:11:22:33:44:55:66': 'x'}")]),
        "d": vm("d", properties=[("other", "1")]),
    }
    lines = export_lines(vms)
    assert lines[:3] == ["vm,mac,profile", "a,%s,P2" % MAC_A, 'a,%s,P 1' % MAC_B]
    assert lines[5].startswith("# c: not exported")
    assert len(lines) == 6
    problems = check_problems(vms)
    assert len(problems) == 3
    joined = "\n".join(problems)
    assert "VM 'c': the hook would refuse" in joined
    assert "VM 'b': MAC %s" % MAC_A in joined
    assert "MAC %s is mapped on 2 VMs: a, b" % MAC_A in joined
