"""Shared by the capacity tests: an engine with two clusters and the fleet
file the fleet playbook writes for it."""
import json

UUIDS = {"h1": "11111111-0000-0000-0000-000000000001",
         "h2": "22222222-0000-0000-0000-000000000002",
         "h3": "33333333-0000-0000-0000-000000000003",
         "l1": "44444444-0000-0000-0000-000000000004",
         "l2": "55555555-0000-0000-0000-000000000005"}


def add_vmfex_vm(sim, name, host, nics):
    macs = ["00:1a:4a:%02x:%02x:%02x" % (len(sim.vms), len(name), i) for i in range(nics)]
    sim.add_vm(name, custom_properties={"vmfex": "{%s}" % ", ".join(
        "'%s': 'Profile1'" % mac for mac in macs)},
        nics=[("nic%d" % i, mac) for i, mac in enumerate(macs)])
    if host:
        sim.run_on(name, host)


def build_fleet(sim):
    """prod: h1 h2 h3 (survives any one host failing); lab: l1 l2 (does not)."""
    sim.add_cluster("prod")
    sim.add_cluster("lab")
    for name in ("h1", "h2", "h3"):
        sim.add_host(name, name + ".example.com", "prod", UUIDS[name])
    for name in ("l1", "l2"):
        sim.add_host(name, name + ".example.com", "lab", UUIDS[name].upper())
    add_vmfex_vm(sim, "app1", "h1", 2)
    add_vmfex_vm(sim, "app2", "h2", 1)
    add_vmfex_vm(sim, "big", "l1", 3)
    add_vmfex_vm(sim, "small", "l2", 1)
    add_vmfex_vm(sim, "idle", None, 4)
    sim.run_on("idle", "h3")
    sim.set_status("idle", "down")
    return sim


def entry(host, free, total=4, **extra):
    data = {"host": host, "cluster": None, "network": "direct-pool", "ready": True,
            "total": total, "used": total - free, "free": free, "users": [], "missing": [],
            "not_vmfex": [], "error": None}
    data.update(extra)
    return data


def write_fleet(tmp_path, *entries, version=1):
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"format": "vmfex-fleet-capacity", "version": version,
                                "hosts": list(entries)}))
    return str(path)


FLEET = [entry("h1.example.com", 2), entry("H2.EXAMPLE.COM", 3), entry("h3", 4),
         entry("l1.example.com", 1), entry("l2.example.com", 2)]

