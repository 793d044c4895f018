"""`make demo`, part 8: capacity and N+1 on a simulated engine with two clusters.

prod (3 hosts) survives the loss of any one host; lab (2 hosts) does not: the
VM with 3 VM-FEX NICs on lab1 fits nowhere if lab1 fails. Free vNICs come from
the fleet file the fleet playbook writes and from UCS Manager's service
profiles (stand-ins: real ovirtsdk4 and ucsmsdk over HTTPS).
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine_tools.cli import main as vmfex_engine  # noqa: E402
from tests.engine.ovirtsim import OvirtSimulator  # noqa: E402
from tests.engine.ucsmsim import (  # noqa: E402
    SimDynamicPolicy,
    SimServiceProfile,
    UcsmSimulator,
)

#: host: (cluster, hardware UUID the engine reports, free vNICs on its pool)
HOSTS = {"prod1": ("prod", "4c4c4544-0031-3010-8000-b1c04f4e3132", 4),
         "prod2": ("prod", "4c4c4544-0032-3010-8000-b1c04f4e3132", 5),
         "prod3": ("prod", "4c4c4544-0033-3010-8000-b1c04f4e3132", 6),
         "lab1": ("lab", "4c4c4544-0041-3010-8000-b1c04f4e3132", 1),
         "lab2": ("lab", "4c4c4544-0042-3010-8000-b1c04f4e3132", 2)}
#: VM: (host, VM-FEX NICs)
VMS = {"erp01": ("prod1", 2), "erp02": ("prod2", 2), "web11": ("prod3", 1),
       "web12": ("prod3", 1), "ci-big": ("lab1", 3), "ci-small": ("lab2", 1)}
GRANTED = 8


def _vm(sim, name: str, host: str, nics: int, number: int) -> None:
    macs = ["00:1a:4a:16:%02x:%02x" % (0x20 + number, k) for k in range(nics)]
    sim.add_vm(name, nics=[("nic%d" % (k + 1), mac) for k, mac in enumerate(macs)],
               custom_properties={"vmfex": "{%s}" % ", ".join(
                   "'%s': 'Profile1'" % mac for mac in macs)})
    sim.run_on(name, host)


def _fleet_file(tmp: str) -> str:
    used = {}
    for host, nics in VMS.values():
        used[host] = used.get(host, 0) + nics
    path = os.path.join(tmp, "fleet-capacity.json")
    with open(path, "w") as f:
        json.dump({"format": "vmfex-fleet-capacity", "version": 1, "hosts": [
            {"host": "%s.example.com" % name, "cluster": cluster, "network": "direct-pool",
             "ready": True, "total": free + used.get(name, 0), "used": used.get(name, 0),
             "free": free, "users": [], "missing": [], "not_vmfex": [], "error": None}
            for name, (cluster, _, free) in sorted(HOSTS.items())]}, f, indent=1)
    return path


def _swapped(uuid: str) -> str:
    fields = uuid.split("-")
    return "-".join(["".join(reversed([f[i:i + 2] for i in range(0, len(f), 2)]))
                     for f in fields[:3]] + fields[3:])


def capacity_story(tmp: str, password: str) -> None:
    print("\n== 8. capacity: free dynamic vNICs and N+1 (prod passes, lab fails)",
          flush=True)
    with OvirtSimulator() as sim:
        for cluster in ("prod", "lab"):
            sim.add_cluster(cluster)
        for name, (cluster, uuid, _) in sorted(HOSTS.items()):
            sim.add_host(name, "%s.example.com" % name, cluster, uuid)
        for number, (name, (host, nics)) in enumerate(sorted(VMS.items())):
            _vm(sim, name, host, nics, number)
        # UCS Manager writes UUIDs in upper case; prod3's blade firmware
        # reports its SMBIOS UUID with the first three fields byte-swapped.
        profiles = [SimServiceProfile("ls-" + name, (_swapped(uuid) if name == "prod3"
                                                     else uuid).upper(),
                                      "sys/chassis-1/blade-%d" % n, "vmfex-dyn")
                    for n, (name, (_, uuid, _)) in enumerate(sorted(HOSTS.items()), 1)]
        with UcsmSimulator(service_profiles=profiles,
                           dynamic_policies=[SimDynamicPolicy("vmfex-dyn",
                                                              str(GRANTED))]) as ucs:
            conn = ["--engine-url", sim.url, "--username", sim.username,
                    "--password-file", password, "--cafile", sim.ca_file]
            ucsm = ["--ucsm", ucs.address, "--ucsm-username", ucs.username,
                    "--ucsm-password-file", password, "--ucsm-ca-file", ucs.ca_file]
            fleet = _fleet_file(tmp)
            print("$ vmfex-engine capacity --hosts fleet-capacity.json $UCSM $CONN",
                  flush=True)
            code = vmfex_engine(["capacity", "--hosts", fleet] + ucsm + conn)
            sys.stdout.flush()
            sys.stderr.flush()
            print("(exit %d: lab fails N+1)" % code, flush=True)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        secret = os.path.join(directory, "password")
        with open(secret, "w") as f:
            f.write("secret\n")
        capacity_story(directory, secret)
