"""`vmfex-engine leave` at fleet size: plan, apply, re-run, rollback.

A simulated engine of VMS VMs with NICS VM-FEX NICs each over PROFILES UCS
port profiles (half of the VMs in the vNIC profile model, half in the VM
map model), every API request answered 20 ms late; the UCS Manager
stand-in with a VLAN per profile, a QoS policy on every other one and a
network control policy denying forged MACs on every third. All VMs are
down (a running VM moved with --running replug costs two more writes per
NIC: unplug and plug). Measured, each against its floor:
  plan:     engine reads per VM, the constant lists apart; UCSM queries per class
  apply:    writes per (moved NIC + changed map + created object)
  re-run:   writes
  rollback: writes against apply's
Read-backs are counted apart. bench_engine.py runs it at full size; the
tests run it small (tests/engine/test_bench_leave.py).
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine_tools.cli import main as vmfex_engine  # noqa: E402
from tests.engine.ovirtsim import OvirtSimulator, networking  # noqa: E402
from tests.engine.ucsmsim import SimProfile, UcsmSimulator  # noqa: E402
from tests.engine.ucsmsim.policies import SimQos, install  # noqa: E402

READ_METHODS = ("GET",)


def fleet(sim, vms: int, nics: int, profiles: int) -> None:
    """VM-FEX VMs on `sim`: NIC k of VM i on port profile (i + k) % profiles."""
    networking.add_network(sim, "vmfex-net", clusters=["Default"])
    vnic = [sim.add_vnic_profile("vmfex-P%02d" % p, "vmfex-net", {"vmfex": "P%02d" % p},
                                 network_filter=None) for p in range(profiles)]
    plain = sim.add_vnic_profile("vmfex-map", "vmfex-net", network_filter=None)
    for name in ("host1", "host2"):
        networking.add_host(sim, name, nics=[("bond0", ["trunk"])],
                            networks=["ovirtmgmt", "vmfex-net"])
    for i in range(vms):
        macs = ["00:1a:4a:%02x:%02x:%02x" % (k, (i >> 8) & 0xFF, i & 0xFF) for k in
                range(nics)]
        if i % 2:
            sim.add_vm("vm%05d" % i, nics=[("nic%d" % (k + 1), macs[k],
                                            vnic[(i + k) % profiles]) for k in range(nics)])
        else:
            mapping = ", ".join("'%s': 'P%02d'" % (macs[k], (i + k) % profiles)
                                for k in range(nics))
            sim.add_vm("vm%05d" % i, custom_properties={"vmfex": "{%s}" % mapping,
                                                        "sap_agent": "true"},
                       nics=[("nic%d" % (k + 1), macs[k], plain) for k in range(nics)])


def ucsm(profiles: int, delay: float):
    sim = UcsmSimulator(delay=delay, profiles=[
        SimProfile("P%02d" % p, 64, [("vlan%d" % (100 + p), 100 + p, True)],
                   qos_policy="q%02d" % p if p % 2 else "",
                   nwctrl_policy="deny" if p % 3 == 0 else "allow")
        for p in range(profiles)])
    return install(sim, vlans=[("vlan%d" % (100 + p), 100 + p) for p in range(profiles)],
                   qos=[SimQos("q%02d" % p, str(10000 * (p + 1)), 10240, "silver")
                        for p in range(profiles)],
                   nwctrl=[("deny", "deny"), ("allow", "allow")])


def run(argv):
    """(seconds, the --json document) of one in-process run."""
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = vmfex_engine(argv + ["--json"])
    seconds = time.monotonic() - start
    if code != 0:
        sys.exit("vmfex-engine %s failed (%d):\n%s" % (" ".join(argv[:2]), code,
                                                      err.getvalue()[-2000:]))
    return seconds, json.loads(out.getvalue())


def counted(sim):
    """(reads, writes) of the API requests since the last reset."""
    log = sim.requests
    reads = sum(1 for method, _, _ in log if method in READ_METHODS)
    return reads, len(log) - reads


def leave_bench(vms: int = 5000, nics: int = 2, profiles: int = 20, delay: float = 0.020,
                say=print) -> list:
    """Result rows (name, value, floor, ok)."""
    with OvirtSimulator(delay=delay, page_cap=100) as sim, ucsm(profiles, delay) as ucs, \
            tempfile.TemporaryDirectory() as tmp:
        fleet(sim, vms, nics, profiles)
        password = os.path.join(tmp, "password")
        with open(password, "w") as f:
            f.write("secret\n")
        conn = ["--engine-url", sim.url, "--username", "admin@internal", "--password-file",
                password, "--cafile", sim.ca_file]
        ucs_args = ["--ucsm", ucs.address, "--ucsm-username", "admin",
                    "--ucsm-password-file", password, "--ucsm-ca-file", ucs.ca_file]
        plan = os.path.join(tmp, "plan.json")
        say("== leave plan: %d VMs, %d VM-FEX NICs, %d port profiles, %d ms per request"
            % (vms, vms * nics, profiles, delay * 1000))
        sim.reset_counters()
        seconds, planned = run(["leave", "plan", "-o", plan, "--label", "trunk"] + conn
                               + ucs_args)
        plan_reads, plan_writes = counted(sim)
        constant = 5 + len(sim.data_centers)  # the networking lists, QoS per data center
        per_vm = (plan_reads - constant) / float(vms)
        classes = {}
        for class_id, _ in ucs.class_queries:
            classes[class_id] = classes.get(class_id, 0) + 1
        classes.pop("networkElement", None)  # the SDK's login check
        say("  %.1f s, %d engine reads (%d constant), %d writes; UCSM queries %s"
            % (seconds, plan_reads, constant, plan_writes, classes))
        moves = sum(len(v["nics"]) for v in planned["vms"] if v["when"] == "now")
        maps = sum(1 for v in planned["vms"] if v["when"] == "now"
                   and v["map_before"] != v["map_after"])
        objects = (sum(1 for n in planned["networks"] if not n["id"]) * 2
                   + sum(len(c["attach"]) for c in planned["clusters"])
                   + sum(1 for q in planned["qos"] if not q["id"])
                   + sum(1 for p in planned["profiles"] if not p["id"]))

        say("== leave apply (%d NICs to move, %d maps, %d objects)" % (moves, maps, objects))
        sim.reset_counters()
        seconds, applied = run(["leave", "apply", plan] + conn)
        _, apply_writes = counted(sim)
        say("  %.1f s, %d writes %s, read-backs %d (apart)" % (
            seconds, apply_writes, applied["writes"], applied["reads_back"]))
        apply_ratio = apply_writes / float(max(moves + maps + objects, 1))

        say("== leave apply again")
        sim.reset_counters()
        seconds, again = run(["leave", "apply", plan] + conn)
        _, rerun_writes = counted(sim)
        say("  %.1f s, %d writes" % (seconds, rerun_writes))

        say("== leave rollback")
        sim.reset_counters()
        seconds, undone = run(["leave", "rollback", plan + ".journal"] + conn)
        _, rollback_writes = counted(sim)
        say("  %.1f s, %d writes %s" % (seconds, rollback_writes, undone["writes"]))
        moved_all = sum(1 for v in applied["vms"].values() if v["state"] == "moved")
    return [
        ("leave plan: engine reads per VM (constant lists apart)", "%.3f" % per_vm,
         "<= 1.05", per_vm <= 1.05),
        ("leave plan: UCS Manager queries per class (%d classes)" % len(classes),
         "%d" % max(classes.values() or [0]), "1",
         len(classes) == 4 and set(classes.values()) == {1}),
        ("leave apply: VMs moved", "%d/%d" % (moved_all, vms), "all", moved_all == vms),
        ("leave apply: writes per (moved NIC + changed map + created object)",
         "%.3f" % apply_ratio, "<= 1", apply_ratio <= 1),
        ("leave apply re-run: writes", "%d" % rerun_writes, "0", rerun_writes == 0),
        ("leave rollback: writes / apply's writes",
         "%.3f" % (rollback_writes / float(max(apply_writes, 1))), "<= 1",
         rollback_writes <= apply_writes),
    ]


def report(rows) -> int:
    """Print (name, value, goal, ok) rows; 0 when every goal is met, else 1."""
    print("== results")
    for name, value, goal, ok in rows:
        print("  %-75s %8s  goal %-7s %s" % (name, value, goal, "ok" if ok else "MISSED"))
    return 0 if all(ok for *_, ok in rows) else 1


def main() -> int:
    return report(leave_bench())


if __name__ == "__main__":
    sys.exit(main())
