"""model.map_rebase: a planned map write redone over what the VM holds now."""
from hypothesis import given
from hypothesis import strategies as st

from engine_tools.model.assign_plan import Change, VmState
from engine_tools.model.map_rebase import SOMEONE_ELSE, own_entries, rebase
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map

A, B, C = "00:1a:4a:00:00:0a", "00:1a:4a:00:00:0b", "00:1a:4a:00:00:0c"


def vm(vmfex=None, status="down", **others):
    properties = sorted(others.items()) + ([("vmfex", vmfex)] if vmfex else [])
    return VmState("id-1", "web01", status, properties, [("nic1", A), ("nic2", B)])


def change(start, new_map, new_text):
    old_map = {}
    if start.properties and start.properties[-1][0] == "vmfex":
        old_map = {A: "P1"} if "P1" in start.properties[-1][1] else {}
    properties = [p for p in start.properties if p[0] != "vmfex"]
    if new_text:
        properties.append(("vmfex", new_text))
    return Change(start, dict(start.properties).get("vmfex", ""), old_map, new_map,
                  properties, False)


def test_unchanged_vm_sends_the_plan_as_it_is():
    start = vm("{'%s': 'P1'}" % A)
    planned = change(start, {A: "P2"}, "{'%s': 'P2'}" % A)
    assert rebase(planned, vm("{'%s': 'P1'}" % A), whole_map=False) == (planned, None)


def test_another_runs_entry_for_another_mac_is_kept():
    start = vm("{'%s': 'P1'}" % A)
    planned = change(start, {}, "")  # convert moves A out of the map
    now = vm("{'%s': 'P1', '%s': 'Theirs'}" % (A, B))
    sent, why = rebase(planned, now, whole_map=False)
    assert why is None
    assert sent.new_map == {B: "Theirs"}
    assert dict(sent.properties)["vmfex"] == "{'%s': 'Theirs'}" % B
    assert sent.old_text == now.properties[-1][1]


def test_the_same_mac_changed_by_another_run_is_skipped():
    start = vm("{'%s': 'P1'}" % A)
    planned = change(start, {A: "P2"}, "{'%s': 'P2'}" % A)
    sent, why = rebase(planned, vm("{'%s': 'Theirs'}" % A), whole_map=False)
    assert sent is None and SOMEONE_ELSE in why and A in why


def test_the_same_value_written_by_another_run_is_no_conflict():
    start = vm("{'%s': 'P1'}" % A)
    planned = change(start, {A: "P2"}, "{'%s': 'P2'}" % A)
    sent, why = rebase(planned, vm("{'%s': 'P2'}" % A), whole_map=False)
    assert why is None and sent.new_map == {A: "P2"}


def test_a_whole_map_write_is_skipped_when_the_map_changed_at_all():
    start = vm("{'%s': 'P1'}" % A)
    planned = change(start, {A: "P2"}, "{'%s': 'P2'}" % A)
    now = vm("{'%s': 'P1', '%s': 'Theirs'}" % (A, B))
    sent, why = rebase(planned, now, whole_map=True)
    assert sent is None and SOMEONE_ELSE in why


def test_other_properties_changed_meanwhile_are_kept():
    start = vm("{'%s': 'P1'}" % A, x="1")
    planned = change(start, {A: "P2"}, "{'%s': 'P2'}" % A)
    sent, why = rebase(planned, vm("{'%s': 'P1'}" % A, x="2", y="3"), whole_map=True)
    assert why is None
    assert dict(sent.properties) == {"x": "2", "y": "3", "vmfex": "{'%s': 'P2'}" % A}


def test_a_vm_gone_or_started_meanwhile():
    start = vm("{'%s': 'P1'}" % A)
    planned = change(start, {}, "")
    assert rebase(planned, None, whole_map=False)[0] is None
    sent, _ = rebase(planned, vm("{'%s': 'P1'}" % A, status="up", z="1"), whole_map=False)
    assert sent.next_run is True


def test_own_entries_are_the_macs_added_changed_or_removed():
    planned = Change(vm(), "", {A: "P1", B: "P2"}, {A: "P1", B: "P3", C: "P4"}, [], False)
    assert own_entries(planned) == [B, C]


MACS = st.sampled_from([A, B, C])
MAPS = st.dictionaries(MACS, st.sampled_from(["P1", "P2", "P3"]), max_size=3)


def state(mapping, **others):
    return vm(format_vmfex_map(mapping) if mapping else None, **others)


@given(old=MAPS, new=MAPS, now=MAPS, whole=st.booleans())
def test_rebase_keeps_what_others_did_or_refuses(old, new, now, whole):
    start = state(old)
    text = format_vmfex_map(new) if new else ""
    planned = Change(start, dict(start.properties).get("vmfex", ""), old, new,
                     [("vmfex", text)] if text else [], False)
    sent, why = rebase(planned, state(now, other="theirs"), whole_map=whole)
    if sent is None:
        assert SOMEONE_ELSE in why
        assert now != old
        return
    assert why is None
    assert ("other", "theirs") in sent.properties   # another property kept
    for mac in set(old) | set(new) | set(now):
        if mac in own_entries(planned):
            assert sent.new_map.get(mac) == new.get(mac)
        else:
            assert sent.new_map.get(mac) == now.get(mac)
    if whole:
        assert now == old
