"""The capacity model: NIC counts, matching, free vNICs and the N+1 answer."""
from hypothesis import given
from hypothesis import strategies as st

from engine_tools.model.assign_plan import VmState
from engine_tools.model.capacity import (
    EngineHost,
    ServiceProfile,
    UcsmGrant,
    capacity,
    failing,
    match_fleet,
    match_service_profiles,
    n_plus_one_ok,
    pushed_past,
    swapped_uuid,
    vmfex_nics,
)
from engine_tools.model.fleet import FleetHost
from engine_tools.model.vnic_profiles import Networking, Nic, Profile

CLUSTERS = {"c1": "prod", "c2": "lab"}


def host(name, cluster="c1", uuid="", status="up", address=None):
    return EngineHost("id-" + name, name, address or name + ".example.com", cluster, uuid,
                      status)


def running(name, on, nics, cluster="c1", status="up"):
    """A VM with `nics` NICs all in its VM map, running on host `on`."""
    macs = ["00:1a:4a:%02x:00:%02x" % (len(name), i) for i in range(nics)]
    mapping = "{%s}" % ", ".join("'%s': 'P'" % mac for mac in macs)
    return VmState("id-" + name, name, status, [("vmfex", mapping)] if nics else [],
                   [("nic%d" % i, mac) for i, mac in enumerate(macs)], (),
                   host_id="id-" + on if on else None, cluster_id=cluster)


def fleet_free(**free):
    return {"id-" + name: FleetHost(name, None, True, 10, 10 - n, n, None)
            for name, n in free.items()}


def test_vmfex_nics_counts_both_models_once_per_nic():
    profile = Profile("p1", "vmfex-P", "n1", [("vmfex", "P")], False)
    plain = Profile("p2", "ovirtmgmt", "n1", [], True)
    networking = Networking({"p1": profile, "p2": plain}, {})
    vm = VmState("id", "vm", "up", [("vmfex", "{'00:1a:4a:00:00:01': 'P', "
                                     "'00:1a:4a:00:00:09': 'Q'}")],
                 [("nic1", "00:1a:4a:00:00:01"), ("nic2", "00:1a:4a:00:00:02"),
                  ("nic3", "00:1a:4a:00:00:03")],
                 [Nic("n1", "nic1", "00:1a:4a:00:00:01", "p1"),
                  Nic("n2", "nic2", "00:1a:4a:00:00:02", "p1"),
                  Nic("n3", "nic3", "00:1a:4a:00:00:03", "p2")])
    # nic1 by both models, nic2 by its profile; the map's MAC not on the VM
    # takes no vNIC, nic3 is not VM-FEX
    assert vmfex_nics(vm, networking) == 2
    assert vmfex_nics(vm._replace(properties=[("vmfex", "not a map")]), networking) == 2
    assert vmfex_nics(vm, None) == 1


def test_swapped_uuid_reverses_the_first_three_fields():
    assert (swapped_uuid("00112233-4455-6677-8899-AABBCCDDEEFF")
            == "33221100-5544-7766-8899-aabbccddeeff")
    assert swapped_uuid("derived") is None
    assert swapped_uuid("0011223-4455-6677-8899-aabbccddeeff0") is None


@given(st.uuids())
def test_swapping_twice_gives_the_uuid_back(value):
    text = str(value)
    assert swapped_uuid(swapped_uuid(text)) == text


def test_service_profiles_match_by_uuid_any_case_or_byte_swapped():
    hosts = [host("h1", uuid="aabbccdd-0000-1111-2222-333344445555"),
             host("h2", uuid="04030201-0605-0807-0909-0a0b0c0d0e0f"),
             host("h3", uuid="ffffffff-ffff-ffff-ffff-000000000000"),
             host("h4", uuid="")]
    profiles = [ServiceProfile("org-root/ls-a", "AABBCCDD-0000-1111-2222-333344445555", 8, ""),
                ServiceProfile("org-root/ls-b", "01020304-0506-0708-0909-0A0B0C0D0E0F", 4, "")]
    grants, problems = match_service_profiles(hosts, profiles)
    assert grants == {"id-h1": UcsmGrant("org-root/ls-a", 8, "uuid", ""),
                      "id-h2": UcsmGrant("org-root/ls-b", 4, "byte-swapped uuid", "")}
    assert problems == [
        "host 'h3': hardware UUID ffffffff-ffff-ffff-ffff-000000000000 matches no service "
        "profile bound to a blade in UCS Manager",
        "host 'h4': the engine reports no hardware UUID, so no UCS Manager service "
        "profile can be matched to it"]


def test_fleet_entries_match_address_then_name_without_case():
    hosts = [host("h1"), host("h2", address="10.0.0.2"), host("h3")]
    entries = [FleetHost("H1.EXAMPLE.COM", None, True, 9, 3, 6, None),
               FleetHost("h2", None, True, 9, 0, 9, None),
               FleetHost("h1", None, True, 1, 1, 0, None),
               FleetHost("ghost.example.com", None, True, 9, 0, 9, None)]
    found, problems = match_fleet(hosts, entries, "fleet.json")
    assert found == {"id-h1": entries[0], "id-h2": entries[1]}
    assert problems == [
        "fleet.json: host 'h1' appears twice (engine host 'h1'); the first entry is used",
        "fleet.json: host 'ghost.example.com' is not known to the engine (no engine host "
        "has that address or name)",
        "host 'h3' (address h3.example.com) is missing from fleet.json"]


def test_free_is_the_smaller_of_fleet_and_ucsm_and_unknown_says_why():
    hosts = [host("h1"), host("h2"), host("h3")]
    vms = {"a": running("a", "h1", 2), "b": running("b", "h2", 1)}
    fleet = fleet_free(h1=5, h2=1)
    fleet["id-h3"] = FleetHost("h3", None, False, None, None, None, "libvirt is down")
    fleet["id-h4"] = FleetHost("h4", None, False, 9, 0, 9, None)
    grants = {"id-h1": UcsmGrant("ls-1", 4, "uuid", ""), "id-h2": UcsmGrant("ls-2", 8, "uuid",
                                                                         "")}
    answer = capacity(CLUSTERS, hosts + [host("h4")], vms, None, fleet, grants)
    free = {h.host.name: (h.used, h.free, h.note) for h in answer.clusters[0].hosts}
    assert free == {"h1": (2, 2, ""), "h2": (1, 1, ""),
                    "h3": (0, None, "fleet file: libvirt is down; no UCS Manager service "
                                    "profile"),
                    "h4": (0, None, "fleet file: the pool is not ready on the host; no UCS "
                                    "Manager service profile")}
    assert failing(answer)
    only_ucsm = capacity(CLUSTERS, hosts[:2], vms, None, None, grants)
    assert [h.free for h in only_ucsm.clusters[0].hosts] == [2, 7]
    assert not failing(only_ucsm)


def test_n_plus_one_first_fit_largest_first_lists_what_does_not_fit():
    hosts = [host("h1"), host("h2"), host("h3")]
    vms = {"big": running("big", "h1", 3), "small": running("small", "h1", 1),
           "mid": running("mid", "h1", 2), "down": running("down", None, 5, status="down")}
    # h2 has 3 free, h3 2: big -> h2, mid -> h3, small fits nowhere
    answer = capacity(CLUSTERS, hosts, vms, None, fleet_free(h1=0, h2=3, h3=2))
    prod = answer.clusters[0]
    assert (prod.running_nics, prod.all_nics, prod.free) == (6, 11, 5)
    failover = {f.host: f.unplaced for f in prod.failovers}
    assert failover == {"h1": [("small", 1)], "h2": [], "h3": []}
    assert not n_plus_one_ok(prod) and failing(answer)
    enough = capacity(CLUSTERS, hosts, vms, None, fleet_free(h1=0, h2=4, h3=2))
    assert n_plus_one_ok(enough.clusters[0]) and not failing(enough)


def test_hosts_not_up_or_of_unknown_capacity_or_in_another_cluster_take_nothing():
    hosts = [host("h1"), host("h2", status="maintenance"), host("h3"),
             host("h4", cluster="c2")]
    vms = {"a": running("a", "h1", 1)}
    fleet = fleet_free(h1=0, h2=9, h4=9)
    answer = capacity(CLUSTERS, hosts, vms, None, fleet)
    prod = next(c for c in answer.clusters if c.name == "prod")
    assert [f.unplaced for f in prod.failovers if f.host == "h1"] == [[("a", 1)]]
    assert [c.name for c in answer.clusters] == ["lab", "prod"]


def test_pushed_past_warns_of_overdrawn_hosts_and_lost_n_plus_one():
    hosts = [host("h1"), host("h2")]
    vms = {"a": running("a", "h1", 1), "b": running("b", "h2", 1)}
    fleet = fleet_free(h1=1, h2=1)
    before = capacity(CLUSTERS, hosts, vms, None, fleet)
    assert n_plus_one_ok(before.clusters[0])
    grown = {"a": running("a", "h1", 3)}
    after = capacity(CLUSTERS, hosts, dict(vms, **grown), None, fleet, measured=vms)
    assert pushed_past(before, after) == [
        "cluster 'prod': host 'h1' would need 1 more dynamic vNICs than it has",
        "cluster 'prod' would no longer pass N+1: a, b would not restart after a host "
        "failure"]
    assert pushed_past(before, before) == []
