"""`make demo`, part 9: leaving VM-FEX. web02 (VM map) and web01 (vNIC
profile) move from their UCS port profiles to native oVirt networks (one per
VLAN, labelled `trunk`, attached to the hosts by that label), then come back
by rollback. Stand-ins: the oVirt API simulator and the UCS Manager stand-in
with VLANs, QoS and network control policies (real ovirtsdk4 and ucsmsdk).
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine_tools.cli import main as vmfex_engine  # noqa: E402
from tests.engine.leave_fixture import populate, ucsm_simulator  # noqa: E402
from tests.engine.ovirtsim import OvirtSimulator  # noqa: E402


def _run(argv, shown: str) -> int:
    print("$ vmfex-engine %s" % shown, flush=True)
    code = vmfex_engine(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    print("(exit %d)" % code, flush=True)
    return code


def _nics(sim, names) -> None:
    for name in names:
        vm = sim.vms[name]
        print("  %s: %s; vmfex map %s" % (name, ", ".join(
            sim.vnic_profiles[p].name for p in vm.nic_profiles),
            (vm.custom_properties or {}).get("vmfex", "none")), flush=True)


def leave_story(tmp: str, password: str) -> int:
    print("\n== 9. leaving VM-FEX: plan, apply, status, rollback", flush=True)
    with OvirtSimulator() as sim, ucsm_simulator() as ucs:
        populate(sim, label="trunk")
        conn = ["--engine-url", sim.url, "--username", sim.username,
                "--password-file", password, "--cafile", sim.ca_file]
        ucsm = ["--ucsm", ucs.address, "--ucsm-username", ucs.username,
                "--ucsm-password-file", password, "--ucsm-ca-file", ucs.ca_file]
        plan = os.path.join(tmp, "leave-plan.json")
        print("before:", flush=True)
        _nics(sim, ("web01", "web02"))
        _run(["leave", "plan", "--label", "trunk", "--output", plan, "web01", "web02"]
             + ucsm + conn, "leave plan --label trunk --output leave-plan.json web01 web02 "
             "$UCSM $CONN")
        if _run(["leave", "apply", plan] + conn, "leave apply leave-plan.json $CONN"):
            return 1
        print("after apply:", flush=True)
        _nics(sim, ("web01", "web02"))
        _run(["leave", "status", plan + ".journal"] + conn,
             "leave status leave-plan.json.journal $CONN")
        if _run(["leave", "rollback", plan + ".journal"] + conn,
                "leave rollback leave-plan.json.journal $CONN"):
            return 1
        print("after rollback:", flush=True)
        _nics(sim, ("web01", "web02"))
    return 0


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        secret = os.path.join(directory, "password")
        with open(secret, "w") as f:
            f.write("secret\n")
        sys.exit(leave_story(directory, secret))
