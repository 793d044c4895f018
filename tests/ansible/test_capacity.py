"""The shipped vmfex-capacity.yml, run by real ansible-core against a private
libvirtd: one fleet capacity file on the control node and a table."""
import json
import os
import re

import pytest

from tests.ansible.hosts import CAPACITY_PLAYBOOK
from tests.libvirtd.fixtures import STARTS_DOMAINS
from tests.libvirtd.helpers import small_domain, start_paused

pytestmark = pytest.mark.libvirtd

VNICS = ["vmfex0", "vmfex1", "vmfex2"]
VM_MAC = "00:1a:4a:16:00:01"


def table(run) -> "list":
    """The table's lines and the fleet line, as the playbook prints them."""
    # a line may hold quotes, escaped (ssh's words with pipelining on: "127.0.0.1")
    lines = re.findall(r'^\s+"((?:HOST|host-|localhost|gone)(?:[^"\\]|\\.)*)",?$',
                       run.stdout, re.M)
    fleet = re.findall(r'"msg": "(fleet: [^"]*)"', run.stdout)
    return lines + fleet


@STARTS_DOMAINS
def test_fleet_file_and_table_for_hosts_that_answer_and_one_that_cannot(host, conn):
    host.add_vnics(VNICS)
    assert host.pool("define").returncode == 0
    start_paused(conn, small_domain("vm1", [VM_MAC]))  # holds vmfex0
    out = os.path.join(host.tmp, "out", "capacity.json")
    os.makedirs(os.path.dirname(out))
    inventory = host.inventory(hosts=["host-a", "host-b", "host-c"], per_host={
        "host-a": {"vmfex_cluster": "Default"},
        "host-c": {"vmfex_cluster": "Lab", "ansible_python_interpreter": "/nonexistent/python3"},
    })
    run = host.ansible_playbook(CAPACITY_PLAYBOOK, inventory,
                                ["-e", "vmfex_capacity_file=" + out])
    assert run.rc == 0, run
    assert run.recap["host-a"]["changed"] == 0 and run.recap["localhost"]["changed"] == 1
    with open(out) as src:
        fleet = json.load(src)
    answered = {"network": "direct-pool", "ready": True, "total": 3, "used": 1, "free": 2,
                "users": [{"domain": "vm1", "mac": VM_MAC}], "missing": [],
                "not_vmfex": [], "error": None}
    assert fleet["format"] == "vmfex-fleet-capacity" and fleet["version"] == 1
    assert fleet["hosts"][:2] == [dict(answered, host="host-a", cluster="Default"),
                                  dict(answered, host="host-b", cluster=None)]
    failed = fleet["hosts"][2]
    assert failed["error"].startswith("cannot run vmfex-direct-pool on this host: ")
    assert "/nonexistent/python3" in failed["error"] and "\n" not in failed["error"]
    assert dict(failed, error=None) == {
        "host": "host-c", "cluster": "Lab", "network": None, "ready": False, "total": None,
        "used": None, "free": None, "users": [], "missing": [], "not_vmfex": [],
        "error": None}
    lines = table(run)
    assert lines[:3] == ["HOST    CLUSTER  TOTAL   USED   FREE  NOTE",
                         "host-a  Default      3      1      2",
                         "host-b  -            3      1      2"]
    assert lines[3].startswith("host-c  Lab          -      -      -  cannot run vmfex-direct")
    assert lines[4] == ("fleet: 3 host(s), 6 VM-FEX vNIC(s): 2 used, 4 free; 1 host(s) "
                        "without an answer; written to %s" % out)


def test_unreachable_hosts_missing_members_and_the_default_file(host, conn):
    # vmfex3 is in the pool but not in this host's sysfs; no VM holds anything.
    host.add_vnics(VNICS)
    assert host.pool("define", "--force", "--dev", "vmfex0", "--dev", "vmfex3").returncode == 0
    inventory = host.inventory(hosts=["localhost", "gone"], per_host={"gone": {
        "ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1,
        "ansible_ssh_common_args": "-o ConnectTimeout=5 -o BatchMode=yes"}})
    check = host.ansible_playbook(CAPACITY_PLAYBOOK, inventory, ["--check"])
    assert check.rc == 0, check
    default_file = os.path.join(host.tmp, "fleet-capacity.json")
    assert table(check)[-1].endswith("not written (check mode): " + default_file)
    assert not os.path.exists(default_file)

    run = host.ansible_playbook(CAPACITY_PLAYBOOK, inventory)
    assert run.rc == 0, run
    with open(default_file) as src:
        entries = json.load(src)["hosts"]
    assert entries[0] == {
        "host": "localhost", "cluster": None, "network": "direct-pool", "ready": True,
        "total": 1, "used": 0, "free": 1, "users": [], "missing": ["vmfex3"],
        "not_vmfex": [], "error": None}
    gone = entries[1]
    assert (gone["host"], gone["total"], gone["ready"]) == ("gone", None, False)
    assert gone["error"].startswith("unreachable: ") and "\n" not in gone["error"], gone
    assert "port 1" in gone["error"] or "Connection refused" in gone["error"], gone
    lines = table(run)
    assert lines[1] == "localhost  -            1      0      1  missing vmfex3"
    assert lines[2].startswith("gone       -            -      -      -  unreachable: ")
    assert lines[3].startswith("fleet: 2 host(s), 1 VM-FEX vNIC(s): 0 used, 1 free; 1 host(s) "
                               "without an answer; written to ")
