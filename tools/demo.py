"""`make demo`: the whole story, from a fresh engine to a VM NIC on a port profile.

1. register the `vmfex` custom property (stand-in engine-config),
2. assign maps from a CSV file to VMs of a simulated engine (real ovirtsdk4
   over HTTPS to tests.engine.ovirtsim), re-run it, export and check,
   then against a UCS Manager stand-in (real ucsmsdk over HTTPS to
   tests.engine.ucsmsim): list its port profiles, catch a profile typo,
3. the VM starts: run the hook as VDSM would on its domain XML with the map
   the engine now holds, and show the diff;
4. the vNIC profile model: register the device property, create vNIC
   profiles, convert web01 from its map to them, export and check;
5. web01 starts again: the hook on the domain VDSM builds from the vNIC
   profiles (device custom properties in the metadata), and the diff;
6. and 7. (tools/demo_fleet.py) every host: `vmfex-engine host-deploy
   enable` on a sample post-tasks file, and the playbook's summary on
   localhost;
8. (tools/demo_capacity.py) `vmfex-engine capacity`: free dynamic vNICs per
   host from the fleet file and UCS Manager, one cluster passing N+1 and one
   failing it;
9. (tools/demo_leave.py) two VMs leave VM-FEX for native oVirt networks and
   come back by rollback.
"""
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine_tools.cli import main as vmfex_engine  # noqa: E402
from tests.engine.ovirtsim import OvirtSimulator  # noqa: E402
from tests.engine.ucsmsim import SimProfile, UcsmSimulator  # noqa: E402
from tools.demo_capacity import capacity_story  # noqa: E402
from tools.demo_leave import leave_story  # noqa: E402

SAMPLE = os.path.join(ROOT, "tests", "data", "vdsm-domain.xml")
VNIC_SAMPLE = os.path.join(ROOT, "tests", "data", "vdsm-domain-vnic-profiles.xml")
OVIRT_VM = "{http://ovirt.org/vm/1.0}"
SAMPLE_CSV = os.path.join(ROOT, "tests", "data", "engine-maps.csv")
ENGINE_CONFIG = os.path.join(ROOT, "tests", "engine", "fakes", "engine-config")
# The three NICs of tests/data/vdsm-domain.xml.
WEB01_NICS = [("nic1", "00:1a:4a:16:01:b0"), ("nic2", "00:1a:4a:16:01:b1"),
              ("nic3", "00:1a:4a:16:01:57")]


def section(title: str) -> None:
    print("\n== %s" % title, flush=True)


def run_tool(*argv: str, conn: list = ()) -> int:
    shown = [os.path.relpath(a, ROOT) if a.startswith(ROOT) else a for a in argv]
    if conn:
        shown.append("$CONN")
    print("$ vmfex-engine %s" % " ".join(shown), flush=True)
    code = vmfex_engine(list(argv) + list(conn))
    sys.stdout.flush()
    sys.stderr.flush()
    print("(exit %d)" % code, flush=True)
    return code


def run_hook(hook_point: str, xml_path: str, vmfex: str, vm_id: str) -> int:
    """Run the hook the way VDSM does: subprocess, temp file, environment."""
    env = dict(os.environ, vmfex=vmfex, _hook_domxml=xml_path, vmId=vm_id, PYTHONPATH=ROOT)
    return subprocess.call([sys.executable, "-m", "vdsm_hook_vmfex", hook_point], env=env)


def register_story(tmp: str) -> None:
    section("1. register the vmfex property on the engine (stand-in engine-config)")
    state = os.path.join(tmp, "engine-config.json")
    with open(state, "w") as f:
        json.dump({"values": {"UserDefinedVMProperties": {
            "4.7": "sndbuf=^[0-9]+$", "4.8": ""}}}, f)
    os.environ["ENGINE_CONFIG_STATE"] = state
    print("before: 4.7 has 'sndbuf=^[0-9]+$' registered, 4.8 nothing")
    run_tool("register", "--engine-config", ENGINE_CONFIG)
    with open(state) as f:
        value = json.load(f)["values"]["UserDefinedVMProperties"]["4.7"]
    print("4.7 now: %s... (%d characters)" % (value[:40], len(value)))
    section("1b. register again: nothing to do")
    run_tool("register", "--engine-config", ENGINE_CONFIG)


def assign_story(sim, tmp: str) -> list:
    password = os.path.join(tmp, "password")
    with open(password, "w") as f:
        f.write(sim.password + "\n")
    conn = ["--engine-url", sim.url, "--username", sim.username,
            "--password-file", password, "--cafile", sim.ca_file]
    print("$CONN = %s" % " ".join(conn))
    section("2. the CSV file (%s)" % os.path.relpath(SAMPLE_CSV, ROOT))
    with open(SAMPLE_CSV) as f:
        sys.stdout.write(f.read())
    section("2a. assign --dry-run: old and new map per VM, nothing written")
    run_tool("assign", SAMPLE_CSV, "--dry-run", conn=conn)
    section("2b. assign")
    run_tool("assign", SAMPLE_CSV, conn=conn)
    print("db01 custom properties now: %s" % sim.vms["db01"].custom_properties)
    section("2c. assign again: zero updates")
    run_tool("assign", SAMPLE_CSV, conn=conn)
    section("2d. a typo is caught before anything is written")
    bad = os.path.join(tmp, "typo.csv")
    with open(bad, "w") as f:
        f.write("vm,mac,profile\nweb02,00:1a:4a:16:01:b0:ff,Profile1\nweb03,"
                "00:1a:4a:16:01:b0,Profile1\n")
    run_tool("assign", bad, conn=conn)
    section("2e. export (assigning this file back changes nothing) and check")
    run_tool("export", conn=conn)
    run_tool("check", conn=conn)
    return conn


# The port profiles UCS Manager defines for the demo (name, maxPorts, VLANs).
UCSM_PROFILES = [
    SimProfile("Profile1", 64, [("web", 100, True), ("backup", 110, False)]),
    SimProfile("Profile2", 64, [("web", 100, False), ("mgmt", 10, True)]),
    SimProfile("Storage-10G", 16, [("nfs", 300, True)]),
]


def ucsm_story(sim, tmp: str, conn: list) -> None:
    section("2f. UCS Manager (stand-in, real ucsmsdk): its port profiles and oVirt's use")
    with UcsmSimulator(profiles=UCSM_PROFILES) as ucs:
        password = os.path.join(tmp, "ucsm-password")
        with open(password, "w") as f:
            f.write(ucs.password + "\n")
        ucsm = ["--ucsm", ucs.address, "--ucsm-username", ucs.username,
                "--ucsm-password-file", password, "--ucsm-ca-file", ucs.ca_file]
        print("$UCSM = %s" % " ".join(ucsm))
        print("$ vmfex-engine ucs profiles $UCSM $CONN", flush=True)
        print("(exit %d)" % vmfex_engine(["ucs", "profiles"] + ucsm + conn), flush=True)
        section("2g. a port profile typo is caught against UCS Manager, nothing written")
        typo = os.path.join(tmp, "ucs-typo.csv")
        with open(typo, "w") as f:
            f.write("vm,nic,profile\nweb02,nic1,Profile1\ndb01,nic2,Storage-10g\n")
        with open(typo) as f:
            sys.stdout.write(f.read())
        print("$ vmfex-engine assign ucs-typo.csv $UCSM $CONN", flush=True)
        seen = len(ucs.methods)
        code = vmfex_engine(["assign", typo] + ucsm + conn)
        sys.stderr.flush()
        print("(exit %d; what UCS Manager received: %s; db01 still has %s)"
              % (code, ", ".join(ucs.methods[seen:]), sim.vms["db01"].custom_properties),
              flush=True)


def hook_story(sim) -> int:
    section("3. web01 restarts: the engine applies its next-run configuration")
    sim.set_status("web01", "down")
    web01 = sim.vms["web01"]
    vmfex = web01.custom_properties["vmfex"]
    print("web01 custom properties: %s" % web01.custom_properties)
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = os.path.join(tmp, "domxml")
        shutil.copy(SAMPLE, xml_path)
        print("\n== before_vm_start on %s (3 NICs, 2 mapped); hook stderr:"
              % os.path.relpath(SAMPLE, ROOT), flush=True)
        code = run_hook("before_vm_start", xml_path, vmfex, web01.id)
        print("== exit code %d; the domain XML VDSM reads back, as a diff:" % code)
        with open(SAMPLE) as before, open(xml_path) as after:
            sys.stdout.writelines(difflib.unified_diff(
                before.readlines(), after.readlines(), "before", "after"))
        return code


def _hook_env(xml_path: str, vm_id: str, device_custom: dict, vm_custom: dict) -> dict:
    """VDSM's hook environment (hooks._runHooksDir): the daemon's, then the
    device's custom properties, then the VM's."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.update(device_custom)
    env.update(vm_custom)
    env.update(vmId=vm_id, _hook_domxml=xml_path)
    return env


def vnic_profile_hook_story(domain_xml: bytes = None, vm_custom: dict = None,
                            vm_id: str = "0c7d2e9b-3f41-4a8e-b5d6-2a9e8f7c6b5a") -> int:
    """The VM starts on a host, its NICs' port profiles on their vNIC profiles:
    run the hook as VDSM does (before_device_create for each NIC with custom
    properties in the domain metadata, its output put in place of the device,
    then before_vm_start on the whole domain) and show the diff.

    `domain_xml`: a VDSM domain whose metadata carries the NICs' device custom
    properties (default tests/data/vdsm-domain-vnic-profiles.xml); `vm_custom`:
    the VM's custom properties (a leftover `vmfex` map included). Returns the
    first non-zero exit code, else 0.
    """
    from lxml import etree

    if domain_xml is None:
        with open(VNIC_SAMPLE, "rb") as sample:
            domain_xml = sample.read()
    vm_custom = dict(vm_custom or {})
    root = etree.fromstring(domain_xml)
    customs = {}
    for device in root.iter(OVIRT_VM + "device"):
        custom = device.find(OVIRT_VM + "custom")
        if custom is not None and device.get("mac_address"):
            customs[device.get("mac_address").lower()] = {
                etree.QName(c).localname: c.text or "" for c in custom}
    devices = root.find("devices")
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = os.path.join(tmp, "domxml")
        for iface in devices.findall("interface"):
            mac = iface.find("mac").get("address").lower()
            if mac not in customs:
                continue
            with open(xml_path, "wb") as out:
                out.write(etree.tostring(iface))
            print("\n== before_device_create, NIC %s, device properties %s; hook stderr:"
                  % (mac, customs[mac]), flush=True)
            code = subprocess.call(
                [sys.executable, "-m", "vdsm_hook_vmfex", "before_device_create"],
                env=_hook_env(xml_path, vm_id, customs[mac], vm_custom))
            if code:
                print("== exit code %d: VDSM does not start the VM" % code)
                return code
            with open(xml_path, "rb") as result:
                new = etree.fromstring(result.read())
            # VDSM moves it to the end of <devices>; kept in place here so the
            # diff shows only what the hook changed.
            new.tail = iface.tail
            devices.replace(iface, new)
        prepared = etree.tostring(root)
        with open(xml_path, "wb") as out:
            out.write(prepared)
        print("\n== before_vm_start, VM custom properties %s; hook stderr:" % vm_custom,
              flush=True)
        code = subprocess.call([sys.executable, "-m", "vdsm_hook_vmfex", "before_vm_start"],
                               env=_hook_env(xml_path, vm_id, {}, vm_custom))
        if code:
            print("== exit code %d: VDSM does not start the VM" % code)
            return code
        print("== exit code 0; the <devices> VDSM hands libvirt, as a diff:")
        with open(xml_path, "rb") as after:
            final = etree.fromstring(after.read())
        before_text = etree.tostring(etree.fromstring(domain_xml).find("devices")).decode()
        after_text = etree.tostring(final.find("devices")).decode()
        sys.stdout.writelines(difflib.unified_diff(
            before_text.splitlines(True), after_text.splitlines(True), "before", "after"))
        return code


def vnic_profile_engine_story(sim, conn: list) -> None:
    """The vNIC-profile model on the engine: register the device property,
    create vNIC profiles, convert web01 from its map to them."""
    section("4. the vNIC profile model: register vmfex as a device property too")
    run_tool("register", "--device", "--engine-config", ENGINE_CONFIG)
    with open(os.environ["ENGINE_CONFIG_STATE"]) as f:
        print("4.7 CustomDeviceProperties now: %s"
              % json.load(f)["values"]["CustomDeviceProperties"]["4.7"][:90] + "...")
    section("4a. a vNIC profile per UCS port profile (no network filter); again: nothing")
    run_tool("profiles", "create", "--network", "ovirtmgmt", "Profile1", conn=conn)
    run_tool("profiles", "create", "--network", "ovirtmgmt", "Profile1", conn=conn)
    section("4b. convert web01 from its map: dry run without --create-profiles, then for real")
    run_tool("convert", "web01", "--dry-run", conn=conn)
    run_tool("convert", "web01", "--create-profiles", "--dry-run", conn=conn)
    run_tool("convert", "web01", "--create-profiles", conn=conn)
    print("web01 custom properties now: %s" % sim.vms["web01"].custom_properties)
    section("4c. every other VM with a map; then again: nothing to change")
    run_tool("convert", "--create-profiles", conn=conn)
    run_tool("convert", "--create-profiles", conn=conn)
    section("4d. what the engine holds now")
    run_tool("profiles", "list", conn=conn)
    run_tool("export", conn=conn)
    run_tool("check", conn=conn)


def converted_domain(sim, name: str, sample: str = SAMPLE):
    """(domain XML, VM custom properties) VDSM would build for VM `name` from
    what the engine now holds: `sample`'s domain with the VM's custom
    properties and, per NIC, its vNIC profile's custom properties in the
    ovirt-vm metadata."""
    from lxml import etree

    vm = sim.vms[name]
    root = etree.parse(sample).getroot()
    meta = root.find("metadata/%svm" % OVIRT_VM)
    custom = meta.find(OVIRT_VM + "custom")
    for child in list(custom):
        custom.remove(child)
    for key, value in vm.custom_properties.items():
        etree.SubElement(custom, OVIRT_VM + key).text = value
    for device in meta.findall(OVIRT_VM + "device"):
        mac = device.get("mac_address").lower()
        nic_name = [n for n, m in vm.nics if m == mac]
        profile = sim.nic_profile(name, nic_name[0]) if nic_name else None
        if profile is not None and profile.custom_properties:
            props = etree.SubElement(device, OVIRT_VM + "custom")
            for key, value in profile.custom_properties.items():
                etree.SubElement(props, OVIRT_VM + key).text = value
    return etree.tostring(root), dict(vm.custom_properties)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        register_story(tmp)
        with OvirtSimulator() as sim:
            sim.add_network("storage")
            storage = sim.add_vnic_profile("storage", "storage")
            web01_nics = [WEB01_NICS[0], WEB01_NICS[1] + (storage,), WEB01_NICS[2]]
            sim.add_vm("web01", status="up", custom_properties={"sap_agent": "true"},
                       nics=web01_nics)
            sim.add_vm("web02", status="down", nics=[("nic1", "00:1a:4a:16:02:01")])
            sim.add_vm("db01", status="down", custom_properties={"hugepages": "1048576"},
                       nics=[("nic1", "00:1a:4a:16:03:01"), ("nic2", "00:1a:4a:16:03:02")])
            sim.add_sample_vms(20)
            print("\nsimulated engine at %s: %d VMs (web01 up with the NICs of %s)"
                  % (sim.url, len(sim.vms), os.path.relpath(SAMPLE, ROOT)))
            conn = assign_story(sim, tmp)
            ucsm_story(sim, tmp, conn)
            code = hook_story(sim)
            if code:
                return code
            vnic_profile_engine_story(sim, conn)
            section("5. web01 starts with its NICs on vNIC profiles: the hook on the "
                    "domain VDSM builds (device properties in its metadata)")
            # Hook part of the demo (issue 11): the domain XML as VDSM builds it
            # from what the engine now holds.
            domain_xml, vm_custom = converted_domain(sim, "web01")
            code = vnic_profile_hook_story(domain_xml, vm_custom, sim.vms["web01"].id)
            if code:
                return code
    # Fleet rollout (libvirt): in its own process, see tools/demo_fleet.py.
    code = subprocess.call([sys.executable, os.path.join(ROOT, "tools", "demo_fleet.py")])
    with tempfile.TemporaryDirectory() as tmp:
        secret = os.path.join(tmp, "password")
        with open(secret, "w") as f:
            f.write("secret\n")
        capacity_story(tmp, secret)
        code = leave_story(tmp, secret) or code
    return code


if __name__ == "__main__":
    sys.exit(main())
