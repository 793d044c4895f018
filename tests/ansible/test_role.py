"""The shipped vmfex role and vmfex-hosts.yml, run by real ansible-core on
localhost against a private libvirtd (the package step off)."""
import json
import os
import re
import shutil
import subprocess
import sys

import libvirt
import pytest
from lxml import etree

from tests.ansible.hosts import PLAYBOOK, ROLE, ROOT, Host
from tests.libvirtd.fixtures import STARTS_DOMAINS
from tests.libvirtd.helpers import small_domain, start_paused

pytestmark = pytest.mark.libvirtd

NETWORK = "direct-pool"
VNICS = ["vmfex0", "vmfex1", "vmfex2"]


def network_state(conn, name: str = NETWORK):
    """(active, persistent, autostart, devices), or None when not defined."""
    try:
        net = conn.networkLookupByName(name)
    except libvirt.libvirtError:
        return None
    devices = [i.get("dev") for i in
               etree.fromstring(net.XMLDesc(0).encode()).findall("forward/interface")]
    return (bool(net.isActive()), bool(net.isPersistent()), bool(net.autostart()), devices)


def summary(run) -> "list":
    """The per-host lines and the fleet line the playbook prints."""
    lines = re.findall(r'^\s+"(\S+: network [^"]*)",?$', run.stdout, re.M)
    fleet = re.findall(r'"msg": "(fleet: [^"]*)"', run.stdout)
    return lines + fleet


def test_check_first_run_second_run(host, conn):
    host.add_vnics(VNICS)
    inventory = host.inventory()

    # --diff shows the definition and the steps a define would take.
    check = host.ansible_playbook(PLAYBOOK, inventory, ["--check", "--diff"])
    assert check.rc == 0, check
    assert check.recap["localhost"]["changed"] == 1
    assert network_state(conn) is None  # --check changed nothing
    assert summary(check)[0].endswith("would be defined or repaired (check mode)")
    assert "would define the network from the XML, start the network, set autostart" \
        in check.stdout
    assert '<forward mode=\\"passthrough\\">' in check.stdout
    assert '<interface dev=\\"vmfex2\\"/>' in check.stdout

    first = host.ansible_playbook(PLAYBOOK, inventory)
    assert first.rc == 0, first
    assert first.recap["localhost"]["changed"] == 1
    assert network_state(conn) == (True, True, True, VNICS)
    assert summary(first) == [
        "localhost: network direct-pool; defined yes, active yes, autostart yes; "
        "devices vmfex0 vmfex1 vmfex2; free vNICs 3/3; ready (changed)",
        "fleet: 1 host(s): 1 ready (1 changed), 0 would change (check mode), "
        "0 not ready, 0 optional and not ready, 0 not reached"]

    second = host.ansible_playbook(PLAYBOOK, inventory)
    assert second.rc == 0, second
    assert second.recap["localhost"]["changed"] == 0
    assert summary(second)[0].endswith("free vNICs 3/3; ready")

    check_again = host.ansible_playbook(PLAYBOOK, inventory, ["--check", "--diff"])
    assert check_again.recap["localhost"]["changed"] == 0
    assert "<forward mode" not in check_again.stdout  # nothing to show: no change


def test_devices_and_network_name_from_variables(host, conn):
    host.add_vnics(VNICS)  # detection would take all three; the variable wins
    inventory = host.inventory({"vmfex_devices": ["vmfex2", "vmfex0"],
                                "vmfex_network": "vmfex-lab"})
    run = host.ansible_playbook(PLAYBOOK, inventory)
    assert run.rc == 0, run
    assert network_state(conn, "vmfex-lab") == (True, True, True, ["vmfex2", "vmfex0"])
    assert network_state(conn) is None
    assert summary(run)[0].startswith("localhost: network vmfex-lab; defined yes")
    again = host.ansible_playbook(PLAYBOOK, inventory)
    assert again.recap["localhost"]["changed"] == 0, again


# --- hosts that cannot serve VM-FEX NICs, each for its own reason, in one run
# (an ansible-playbook run costs ~2 s of CPU: the tests below share one).

UNREADY = {  # inventory host: its variables; this machine has no VM-FEX vNIC
    "vnicless": {},
    "optional": {"vmfex_optional": True},
    "bad-device": {"vmfex_devices": ["eth 3"]},
    # issue 17 defect 10: a command task whose module could not run has no
    # stdout; the role crashed in set_fact ('dict object' has no attribute 'stdout').
    "no-python": {"ansible_python_interpreter": "/nonexistent/python3"},
}
UNREADY_FLEET = pytest.mark.xdist_group("ansible-unready-fleet")  # one worker, one run


@pytest.fixture(scope="module")
def unready(libvirtd, tmp_path_factory):
    """vmfex-hosts.yml over the UNREADY hosts: (host, run, {host: its summary
    line}, the fleet line)."""
    host = Host(libvirtd.uri, str(tmp_path_factory.mktemp("unready")))
    run = host.ansible_playbook(PLAYBOOK, host.inventory(hosts=list(UNREADY), per_host=UNREADY))
    lines = summary(run)
    return host, run, {line.split(":")[0]: line for line in lines[:-1]}, lines[-1]


@UNREADY_FLEET
def test_unready_hosts_fail_the_run_each_with_one_line_and_nothing_is_defined(unready, conn):
    _, run, lines, fleet = unready
    assert run.rc == 2, run
    assert sorted(lines) == sorted(UNREADY), run
    assert {name: run.recap[name]["failed"] for name in UNREADY} == {
        "vnicless": 1, "optional": 0, "bad-device": 1, "no-python": 1}
    assert "Traceback" not in run.stdout + run.stderr
    assert "has no attribute" not in run.stdout + run.stderr
    assert fleet == ("fleet: 4 host(s): 0 ready (0 changed), 0 would change (check mode), "
                     "3 not ready, 1 optional and not ready, 0 not reached")
    assert network_state(conn) is None


@UNREADY_FLEET
def test_host_without_vnics_fails_with_the_reason(unready):
    host, run, lines, _ = unready
    assert ("VM-FEX pool on vnicless is not ready: no VM-FEX vNIC found in %s/class/net"
            % host.sysfs) in run.stdout
    assert "(hosts without VM-FEX vNICs: set vmfex_optional: true)" in run.stdout
    assert lines["vnicless"].startswith("vnicless: network direct-pool; defined no")
    assert "; NOT READY: no VM-FEX vNIC found" in lines["vnicless"]


@UNREADY_FLEET
def test_host_without_vnics_passes_when_optional(unready):
    _, run, lines, _ = unready
    assert run.recap["optional"]["failed"] == 0
    assert "VM-FEX is optional on optional and not ready: no VM-FEX vNIC found" in run.stdout
    assert "VM-FEX pool on optional is not ready" not in run.stdout
    assert "; NOT READY (optional here): no VM-FEX vNIC found" in lines["optional"]


@UNREADY_FLEET
def test_bad_device_name_is_reported_in_one_line(unready):
    _, run, lines, _ = unready
    assert "VM-FEX pool on bad-device is not ready: --dev: " in run.stdout
    assert "; NOT READY: --dev: " in lines["bad-device"]


@UNREADY_FLEET
def test_a_host_where_the_command_cannot_run_is_reported_not_a_crash(unready):
    line = unready[2]["no-python"]
    assert line.startswith("no-python: network from vmfex.conf; NOT READY: cannot run "
                           "vmfex-direct-pool on this host: "), line
    assert "/nonexistent/python3" in line.split("(")[-1], line  # the shell's own words


def test_defined_but_inactive_pool_is_repaired(host, conn):
    host.add_vnics(VNICS)
    assert host.pool("define").returncode == 0  # what the role's first run leaves
    conn.networkLookupByName(NETWORK).destroy()
    run = host.ansible_playbook(PLAYBOOK, host.inventory())
    assert run.rc == 0, run
    assert run.recap["localhost"]["changed"] == 1
    assert network_state(conn) == (True, True, True, VNICS)


@pytest.mark.parametrize("extra, message", [
    (["-e", "vmfex_optinal=true"],
     "unknown variable(s) vmfex_optinal: expected only vmfex_package, vmfex_install, "
     "vmfex_devices, vmfex_network, vmfex_optional, vmfex_serial"),
    (["-e", '{"vmfex_devices": "vmfex0"}'],
     'expected vmfex_devices a list of interface names (got "vmfex0")'),
])
def test_bad_variables_fail_before_anything_changes(host, conn, extra, message):
    host.add_vnics(VNICS)
    run = host.ansible_playbook(PLAYBOOK, host.inventory(), extra)
    assert run.rc == 2, run
    assert message in run.stdout.replace('\\"', '"')  # older ansible-core escapes quotes
    assert network_state(conn) is None


@STARTS_DOMAINS
def test_pool_in_use_is_not_redefined_and_the_refusal_reported(host, conn):
    host.add_vnics(VNICS)
    assert host.pool("define").returncode == 0  # what the role's first run leaves
    start_paused(conn, small_domain("vm1", ["00:1a:4a:16:00:01"]))  # holds one pool device
    run = host.ansible_playbook(PLAYBOOK, host.inventory({"vmfex_devices": ["vmfex0"]}))
    assert run.rc == 0, run  # the pool still serves VMs: reported, not failed
    assert network_state(conn) == (True, True, True, VNICS)
    assert "WARNING: the VM-FEX pool was left as it is: refusing to change the devices " \
        "of network 'direct-pool': 1 running domain(s) have NICs on it: vm1" in run.stdout
    line = summary(run)[0]
    assert "free vNICs 2/3; ready; kept as it is: refusing to change" in line


def test_serial_batches_and_one_line_per_host(host, conn):
    host.add_vnics(VNICS)
    # Two inventory hosts, both this machine: the second finds the pool made.
    inventory = host.inventory(hosts=["host-a", "host-b"])
    run = host.ansible_playbook(PLAYBOOK, inventory, ["-e", "vmfex_serial=1"])
    assert run.rc == 0, run
    assert run.stdout.count("PLAY [Set up VM-FEX on oVirt hosts]") == 2  # two batches
    assert (run.recap["host-a"]["changed"], run.recap["host-b"]["changed"]) == (1, 0)
    lines = summary(run)
    assert [line.split(";")[-1] for line in lines[:2]] == [" ready (changed)", " ready"]
    assert lines[2].startswith("fleet: 2 host(s): 2 ready (1 changed),")


ENGINE_PLAYBOOK = """\
# The end of ovirt-engine's ovirt-host-deploy.yml (after its roles), as the
# engine runs it with -e host_deploy_post_tasks=PATH.
- hosts: all
  remote_user: root
  gather_facts: false
  tasks:
    - name: Check if post tasks file exists
      ansible.builtin.stat:
        path: "{{ host_deploy_post_tasks }}"
      delegate_to: localhost
      register: stat_post_tasks
      when: "host_deploy_post_tasks is defined"

    - name: Executing post tasks defined by user
      ansible.builtin.include_tasks: "{{ host_deploy_post_tasks }}"
      when: "host_deploy_post_tasks is defined and stat_post_tasks.stat.exists"
"""

ADMIN_TASKS = """\
---
#
# Any additional tasks required to be executing during host deploy process can
# be added below
#
- name: Leave a mark   # the administrator's own task
  ansible.builtin.copy:
    content: "deployed\\n"
    dest: "{{ mark_file }}"
    mode: "0644"
"""


def host_deploy(action: str, post_tasks: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine_tools", "host-deploy", action,
                           "--file", post_tasks, "--role", ROLE],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)


def engine_files(tmp: str, post_tasks_text: str) -> "tuple":
    """The engine's playbook and its post-tasks file (`post_tasks_text`) in
    `tmp`: (playbook path, post-tasks path)."""
    paths = (os.path.join(tmp, "ovirt-host-deploy.yml"),
             os.path.join(tmp, "ovirt-host-deploy-post-tasks.yml"))
    for path, text in zip(paths, (ENGINE_PLAYBOOK, post_tasks_text)):
        with open(path, "w") as out:
            out.write(text)
    return paths


def test_engine_host_deploy_runs_the_role_once_enabled(host, conn):
    host.add_vnics(VNICS)
    engine_playbook, post_tasks = engine_files(host.tmp, ADMIN_TASKS)
    mark = os.path.join(host.tmp, "mark")
    extra = ["-e", json.dumps({"host_deploy_post_tasks": post_tasks, "mark_file": mark})]

    assert host_deploy("enable", post_tasks).returncode == 0
    deploy = host.ansible_playbook(engine_playbook, host.inventory(), extra)
    assert deploy.rc == 0, deploy
    assert deploy.recap["localhost"]["changed"] == 2  # the administrator's mark, the pool
    assert os.path.exists(mark)
    assert network_state(conn) == (True, True, True, VNICS)
    reinstall = host.ansible_playbook(engine_playbook, host.inventory(), extra)
    assert reinstall.rc == 0, reinstall
    assert reinstall.recap["localhost"]["changed"] == 0
    assert "Define, start and autostart the VM-FEX pool network" in reinstall.stdout

    disabled = host_deploy("disable", post_tasks)
    assert disabled.returncode == 0, disabled.stderr
    with open(post_tasks) as src:
        assert src.read() == ADMIN_TASKS
    conn.networkLookupByName(NETWORK).destroy()
    conn.networkLookupByName(NETWORK).undefine()
    os.unlink(mark)
    after = host.ansible_playbook(engine_playbook, host.inventory(), extra)
    assert after.rc == 0, after
    assert after.recap["localhost"]["changed"] == 1  # the mark again, the role is gone
    assert os.path.exists(mark) and network_state(conn) is None


def test_engine_host_deploy_takes_per_host_values_from_a_task_above_the_block(host, conn):
    engine_playbook, post_tasks = engine_files(
        host.tmp, "- name: VM-FEX is optional on this host\n"
                  "  ansible.builtin.set_fact:\n"
                  "    vmfex_optional: \"{{ inventory_hostname is match('local') }}\"\n")
    assert host_deploy("enable", post_tasks).returncode == 0
    extra = ["-e", json.dumps({"host_deploy_post_tasks": post_tasks})]
    run = host.ansible_playbook(engine_playbook, host.inventory(), extra)  # no vNICs
    assert run.rc == 0, run
    assert "VM-FEX is optional on localhost and not ready: no VM-FEX vNIC found" in run.stdout


def test_without_the_package_the_reason_says_so(host, conn):
    host.add_vnics(VNICS)
    os.unlink(os.path.join(host.bin, "vmfex-direct-pool"))  # as before the RPM
    run = host.ansible_playbook(PLAYBOOK, host.inventory())
    assert run.rc == 2, run
    assert "VM-FEX pool on localhost is not ready: cannot run vmfex-direct-pool (" in run.stdout
    assert "): is vdsm-hook-vmfex installed? (vmfex_install: true installs it)" in run.stdout


def _apt_candidate_not_installed(package: str) -> bool:
    if shutil.which("apt-cache") is None or shutil.which("dpkg-query") is None:
        return False
    policy = subprocess.run(["apt-cache", "policy", package], stdout=subprocess.PIPE,
                            universal_newlines=True).stdout
    return "Installed: (none)" in policy and "Candidate: (none)" not in policy \
        and "Candidate:" in policy


@pytest.mark.skipif(not _apt_candidate_not_installed("cowsay"),
                    reason="needs Debian's apt lists with cowsay available, not installed")
def test_check_on_a_host_without_the_package_says_it_would_install_it(host, conn):
    # A real package step in check mode (apt here, dnf on EL): nothing installed.
    host.add_vnics(VNICS)
    os.unlink(os.path.join(host.bin, "vmfex-direct-pool"))
    inventory = host.inventory({"vmfex_install": True, "vmfex_package": "cowsay"})
    run = host.ansible_playbook(PLAYBOOK, inventory, ["--check"])
    assert run.rc == 0, run
    assert summary(run)[0].endswith("would install cowsay, then define the pool (check mode)")
    assert _apt_candidate_not_installed("cowsay")  # --check installed nothing
    assert network_state(conn) is None
