"""Every `vmfex-engine` command of README.md, in README order, as an
administrator types it on the engine machine: real ovirtsdk4 and ucsmsdk
against the simulators, `~/.config/ovirt.conf` section `production`, the
stand-in engine-config and systemctl on PATH, and /etc and /usr/share as
overlays in a private mount namespace (the engine's post-tasks file and the
installed Ansible role live there; the machine's own are never touched)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.engine.fleet_helpers import entry
from tests.engine.helpers import MAC_A, MAC_B
from tests.engine.leave_fixture import UCS_PROFILES
from tests.engine.ovirtsim import OvirtSimulator, networking
from tests.engine.ucsmsim import SimDynamicPolicy, SimServiceProfile, UcsmSimulator
from tests.engine.ucsmsim.policies import SimQos, install
from tests.paths import ROOT
from tests.readme.extract import commands, example_files

FAKES = os.path.join(ROOT, "tests", "engine", "fakes")
RUN_LIMIT = 120  # a hung command fails the test instead of hanging the suite
#: The engine's hosts and the hardware UUIDs their UCS service profiles carry.
HOSTS = {"host1": "0b1e0000-0000-4000-8000-000000000001",
         "host2": "0b1e0000-0000-4000-8000-000000000002"}

# Each command runs with /etc and /usr/share overlaid: writes land in the
# test's upper directories, reads fall through to the machine's.
_SANDBOX = """set -e
for d in etc usr/share; do
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$VMFEX_UPPER/$d,workdir=$VMFEX_WORK/$d" "/$d"
done
exec bash -c "$1"
"""


def _sandbox_reason():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return "needs root and unshare for a private mount namespace"
    return None


def engine_commands():
    return [c for c in commands() if c.argv[0] == "vmfex-engine"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The engine, UCS Manager and engine machine the README's commands run on."""
    reason = _sandbox_reason()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("readme")
    blades = [SimServiceProfile("ls-" + host, uuid, "sys/chassis-1/blade-%d" % n, "vmfex")
              for n, (host, uuid) in enumerate(sorted(HOSTS.items()), 1)]
    ucsm_stand_in = install(
        UcsmSimulator(profiles=UCS_PROFILES, service_profiles=blades,
                      dynamic_policies=[SimDynamicPolicy("vmfex", "16")]),
        vlans=[("vlan100", 100), ("vlan200", 200), ("vlan300", 300)],
        qos=[SimQos("gold", "100000", 10240, "gold")],
        nwctrl=[("strict", "deny"), ("open", "allow")])
    with OvirtSimulator() as sim, ucsm_stand_in as ucsm:
        # web01's NICs are on the network the README creates vNIC profiles on;
        # two hosts whose trunk NIC carries the label the leave plan uses.
        networking.add_network(sim, "vmfex-net", clusters=["Default"])
        plain = sim.add_vnic_profile("vmfex-net", "vmfex-net")
        for host, uuid in sorted(HOSTS.items()):
            added = sim.add_host(host, hardware_uuid=uuid, nics=[("eth1", ["trunk"])])
            added.attached.update(sim.network(n).id for n in ("ovirtmgmt", "vmfex-net"))
        sim.add_vm("web01", status="down", nics=[("nic1", MAC_A, plain), ("nic2", MAC_B, plain)])
        home, bin_dir, work = tmp / "home", tmp / "bin", tmp / "work"
        for d in (home / ".config", bin_dir, work):
            d.mkdir(parents=True)
        for layer in ("upper", "work"):
            for d in ("etc", "usr/share"):
                (tmp / layer / d).mkdir(parents=True)
        # What the engine machine has: the engine's Ansible directory.
        (tmp / "upper" / "etc" / "ovirt-engine" / "ansible").mkdir(parents=True)
        role_parent = tmp / "upper" / "usr/share" / "vdsm-hook-vmfex"
        role_parent.mkdir()
        shutil.copytree(os.path.join(ROOT, "packaging", "ansible"), str(role_parent / "ansible"))
        (tmp / "ucsm-password").write_text("secret\n")
        (home / ".config" / "ovirt.conf").write_text(
            "[production]\nengine_url = %s\nusername = admin@internal\npassword = secret\n"
            "cafile = %s\nucsm = %s\nucsm_username = admin\nucsm_password_file = %s\n"
            "ucsm_ca_file = %s\n" % (sim.url, sim.ca_file, ucsm.address,
                                     tmp / "ucsm-password", ucsm.ca_file))
        (bin_dir / "vmfex-engine").write_text(
            "#!/bin/sh\nPYTHONPATH=%s exec %s -m engine_tools \"$@\"\n" % (ROOT, sys.executable))
        for name in ("vmfex-engine",):
            os.chmod(str(bin_dir / name), 0o755)
        for fake in ("engine-config", "systemctl"):
            os.symlink(os.path.join(FAKES, fake), str(bin_dir / fake))
        for text in example_files():
            (work / "maps.csv").write_text(text)
        # What the shipped capacity playbook writes (docs/capacity-fleet.md).
        (work / "fleet-capacity.json").write_text(json.dumps({
            "format": "vmfex-fleet-capacity", "version": 1,
            "hosts": [entry("host1", 4), entry("host2", 4)]}))
        env = dict(os.environ, HOME=str(home), LC_ALL="C.UTF-8",
                   PATH="%s:%s" % (bin_dir, os.environ.get("PATH", "/usr/bin:/bin")),
                   ENGINE_CONFIG_STATE=str(tmp / "engine-config.json"),
                   FAKE_SYSTEMCTL_LOG=str(tmp / "systemctl.log"),
                   VMFEX_UPPER=str(tmp / "upper"), VMFEX_WORK=str(tmp / "work"))
        (tmp / "engine-config.json").write_text(
            '{"values": {"UserDefinedVMProperties": {"4.7": "", "4.8": ""}}, "calls": []}')
        yield {"env": env, "work": str(work), "sim": sim, "tmp": tmp}


def run(site, command):
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "bash", "-c", _SANDBOX, "sandbox",
         command.text], cwd=site["work"], env=site["env"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, universal_newlines=True, timeout=RUN_LIMIT)
    return done.returncode, done.stdout, done.stderr


def test_the_readme_shows_the_engine_commands():
    verbs = {tuple(c.argv[1:3]) for c in engine_commands()}
    assert ("register", "--restart") in verbs and ("host-deploy", "enable") in verbs


def test_every_engine_command_of_the_readme_works_in_order(site):
    said = {}
    for command in engine_commands():
        code, out, err = run(site, command)
        assert "Traceback" not in err, (command.text, err)
        said[tuple(command.argv[1:3])] = out
        assert code == 0, "README line %d: %s\nexit %d\n%s%s" % (
            command.line, command.text, code, out, err)
    # What the walk-through promised is so: web01 left VM-FEX and came back.
    assert "web01: moved" in said[("leave", "apply")]
    assert "web01: rolled back" in said[("leave", "rollback")]
    sim = site["sim"]
    assert sorted(sim.vnic_profiles[p].name for p in sim.vms["web01"].nic_profiles) == [
        "vmfex-Profile1", "vmfex-Profile2"]
    vm = site["sim"].vms["web01"]
    assert "vmfex" in (vm.custom_properties or {}) or any(
        p.name.startswith("vmfex-") for p in site["sim"].vnic_profiles.values())
    assert "restart ovirt-engine" in (site["tmp"] / "systemctl.log").read_text()
    post_tasks = (site["tmp"] / "upper" / "etc" / "ovirt-engine" / "ansible"
                  / "ovirt-host-deploy-post-tasks.yml")
    assert "vdsm-hook-vmfex" in post_tasks.read_text()
    assert not os.path.exists("/etc/ovirt-engine/ansible/ovirt-host-deploy-post-tasks.yml") \
        or "BEGIN vdsm-hook-vmfex" not in open(
            "/etc/ovirt-engine/ansible/ovirt-host-deploy-post-tasks.yml").read()
