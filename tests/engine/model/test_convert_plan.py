"""The pure planning of `convert`: hypothesis over VMs, NICs, maps and profiles."""
from hypothesis import given, settings
from hypothesis import strategies as st

from engine_tools.model.assign_plan import VmState, vmfex_value
from engine_tools.model.convert_plan import plan_convert
from engine_tools.model.vnic_profiles import (
    Network,
    Networking,
    NewProfile,
    Nic,
    Profile,
    port_profile,
)
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map, parse_vmfex_map

UCS = ["A", "B", "C d"]
MACS = ["00:1a:4a:00:00:%02x" % i for i in range(6)]
NETWORKS = {"n0": Network("n0", "net0", "D"), "n1": Network("n1", "net1", "D")}


@st.composite
def engines(draw):
    profiles = {"plain0": Profile("plain0", "net0", "n0", [], True),
                "plain1": Profile("plain1", "net1", "n1", [], True)}
    for i in range(draw(st.integers(0, 4))):
        network = draw(st.sampled_from(sorted(NETWORKS)))
        value = draw(st.sampled_from(UCS * 3 + [" A ", "bad/x"]))
        name = draw(st.sampled_from(["vmfex-A", "vmfex-B", "other%d" % i]))
        profiles["p%d" % i] = Profile("p%d" % i, name, network, [("vmfex", value)], False)
    vms = {}
    for v in range(draw(st.integers(1, 4))):
        macs = draw(st.lists(st.sampled_from(MACS), min_size=1, max_size=3, unique=True))
        devices = [Nic("vm%d-nic%d" % (v, i), "nic%d" % i, mac,
                       draw(st.sampled_from(["plain0", "plain1"] * 4 + sorted(profiles)
                                            + [None])))
                   for i, mac in enumerate(macs)]
        # mostly the VM's own MACs, sometimes one on no NIC
        mapped = draw(st.lists(st.sampled_from(macs * 6 + MACS), max_size=3, unique=True))
        mapping = {mac: draw(st.sampled_from(UCS)) for mac in mapped}
        properties = [("before", "1")]
        if mapping or draw(st.booleans()):
            properties.append(("vmfex", format_vmfex_map(mapping) if mapping else "{}"))
        properties.append(("after", "2"))
        status = draw(st.sampled_from(["down", "up", "migrating"]))
        vms["vm%d" % v] = VmState("id%d" % v, "vm%d" % v, status, properties,
                                  [(n.name, n.mac) for n in devices], devices)
    return vms, Networking(profiles, dict(NETWORKS))


def apply(plan, vms, networking):
    """What the engine holds after the plan was written, as the simulator does it."""
    profiles = dict(networking.profiles)
    ids = {}
    for new in plan.new_profiles:
        ids[new] = "new-%s-%s" % (new.network_id, new.ucs)
        profiles[ids[new]] = Profile(ids[new], new.name, new.network_id,
                                     [("vmfex", new.ucs)], False)
    vms = dict(vms)
    for change in plan.nic_changes:
        target = ids[change.target] if isinstance(change.target, NewProfile) else change.target
        vm = vms[change.vm.name]
        devices = [d._replace(profile_id=target) if d.id == change.nic.id else d
                   for d in vm.devices]
        vms[vm.name] = vm._replace(devices=devices)
    for change in plan.vm_changes:
        vms[change.vm.name] = vms[change.vm.name]._replace(properties=change.properties)
    return vms, Networking(profiles, networking.networks)


@settings(max_examples=300, deadline=None)
@given(engines(), st.booleans(), st.booleans())
def test_plan_is_valid_and_a_rerun_plans_nothing(engine, include_running, create):
    vms, networking = engine
    plan = plan_convert(vms, networking, None, include_running, create)
    skipped = {name for name, _ in plan.skipped}
    for change in plan.nic_changes:
        assert change.vm.name not in skipped
        current = networking.profiles[change.nic.profile_id]
        if isinstance(change.target, NewProfile):
            assert (create or plan.problems) and change.target.network_id == current.network_id
            assert change.target.ucs == change.ucs
            assert not any(p.name == change.target.name and p.network_id == current.network_id
                           for p in networking.profiles.values()) or plan.problems
        else:
            target = networking.profiles[change.target]
            assert target.network_id == current.network_id
            assert port_profile(target)[0] == change.ucs
        assert parse_vmfex_map(vmfex_value(change.vm))[change.nic.mac] == change.ucs
    for change in plan.vm_changes:
        names = [name for name, _ in change.properties]
        assert [p for p in names if p != "vmfex"] == ["before", "after"]
        assert change.vm.status in ("down", "up") and change.vm.name not in skipped
    if plan.problems:
        return
    after, networking_after = apply(plan, vms, networking)
    again = plan_convert(after, networking_after, None, include_running, create)
    assert again.problems == [] and again.nic_changes == [] and again.new_profiles == []
    assert [c for c in again.vm_changes if c.new_map != c.old_map] == []
    for name, vm in after.items():
        if name not in skipped and vms[name].status != "migrating":
            text = vmfex_value(vm)
            assert text is None or parse_vmfex_map(text) == {}


@settings(max_examples=100, deadline=None)
@given(engines())
def test_every_mapped_nic_is_planned_or_refused(engine):
    vms, networking = engine
    plan = plan_convert(vms, networking, None, True, True)
    skipped = {name for name, _ in plan.skipped}
    for name, vm in vms.items():
        text = vmfex_value(vm)
        if name in skipped or not text or text == "{}":
            continue
        mapping = parse_vmfex_map(text)
        planned = {c.nic.mac for c in plan.nic_changes if c.vm.name == name}
        converted = [c for c in plan.vm_changes if c.vm.name == name]
        refused = [p for p in plan.problems if repr(name) in p]
        assert refused or converted
        if converted and not refused:
            for mac in mapping:
                on = [d for d in vm.devices if d.mac == mac][0]
                assert mac in planned or port_profile(
                    networking.profiles[on.profile_id])[0] == mapping[mac]
