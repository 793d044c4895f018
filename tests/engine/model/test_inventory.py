"""export and check views of the maps: pure functions, no engine."""
from engine_tools.model.inventory import check_problems, export_lines
from tests.engine.helpers import MAC_A, MAC_B
from tests.engine.vm_states import vm

MAC_C = "00:1a:4a:16:01:57"


def test_export_and_check():
    vms = {
        "a": vm("a", properties=[("vmfex", "{'%s': 'P 1', '%s': 'P2'}" % (MAC_B, MAC_A))]),
        "b": vm("b", nics=[("nic1", MAC_C)],
                properties=[("vmfex", "{'%s': 'P3', '%s': 'P4'}" % (MAC_C, MAC_A))]),
        "c": vm("c", properties=[("vmfex", "{'00:11:22:33:44:55:66': 'x'}")]),
        "d": vm("d", properties=[("other", "1")]),
    }
    lines, skipped = export_lines(vms)
    assert lines[:3] == ["vm,mac,profile", "a,%s,P2" % MAC_A, 'a,%s,P 1' % MAC_B]
    assert lines[5].startswith("# c: not exported")
    assert len(lines) == 6 and skipped == 1
    problems = check_problems(vms)
    assert len(problems) == 3
    joined = "\n".join(problems)
    assert "VM 'c': the hook would refuse" in joined
    assert "VM 'b': MAC %s" % MAC_A in joined
    assert "MAC %s is mapped on 2 VMs: a, b" % MAC_A in joined
