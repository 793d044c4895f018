"""`make demo`, part 4: the vmfex role through the engine's host deploy, and
vmfex-hosts.yml on localhost against a private libvirtd (real ansible-core).

Its own process: it talks to libvirt, and tools/demo.py has ovirtsdk4's
pycurl loaded (both in one process crash).
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.ansible.hosts import PLAYBOOK, ROLE, Host  # noqa: E402
from tests.engine.post_tasks_sample import POST_TASKS_SAMPLE  # noqa: E402
from tests.libvirtd.daemon import PrivateLibvirtd, skip_reason  # noqa: E402


def section(title: str) -> None:
    print("\n== %s" % title, flush=True)


def vmfex_engine(*args: str) -> int:
    shown = [a.replace(ROOT + "/", "") for a in args]
    print("$ vmfex-engine %s" % " ".join(shown), flush=True)
    code = subprocess.call([sys.executable, "-m", "engine_tools"] + list(args), cwd=ROOT)
    print("(exit %d)" % code, flush=True)
    return code


def host_deploy_story(tmp: str) -> None:
    section("6. new and reinstalled hosts: add the vmfex role to the engine's host deploy")
    path = os.path.join(tmp, "ovirt-host-deploy-post-tasks.yml")
    with open(path, "w") as out:
        out.write(POST_TASKS_SAMPLE)
    print("(the engine's file is /etc/ovirt-engine/ansible/ovirt-host-deploy-post-tasks.yml;"
          " here a copy with the administrator's firewalld task)")
    vmfex_engine("host-deploy", "status", "--file", path, "--role", ROLE)
    vmfex_engine("host-deploy", "enable", "--dry-run", "--file", path, "--role", ROLE)
    vmfex_engine("host-deploy", "enable", "--file", path, "--role", ROLE)
    vmfex_engine("host-deploy", "enable", "--file", path, "--role", ROLE)
    vmfex_engine("host-deploy", "status", "--file", path, "--role", ROLE)


def show_run(title: str, host: Host, extra: "list") -> None:
    section(title)
    print("$ ansible-playbook -i inventory.yml %s %s"
          % (os.path.relpath(PLAYBOOK, ROOT), " ".join(extra)), flush=True)
    run = host.ansible_playbook(PLAYBOOK, host.inventory(), extra)
    # The summary play and the recap: what an administrator reads.
    start = run.stdout.find("PLAY [VM-FEX summary]")
    shown = run.stdout[start:] if start >= 0 else run.stdout
    sys.stdout.write(re.sub(r"\n{2,}", "\n", shown).rstrip() + "\n")
    print("(exit %d)" % run.rc, flush=True)


def playbook_story() -> int:
    reason = skip_reason()
    if reason:
        print("\n(skipping the playbook on localhost: %s)" % reason)
        return 0
    with PrivateLibvirtd(vnics=2, cache_dir=os.path.join(ROOT, "build", "libvirtd-cache")) \
            as daemon, tempfile.TemporaryDirectory() as tmp:
        host = Host(daemon.uri, tmp)
        host.add_vnics(daemon.vnic_names)
        print("\nlocalhost: a private libvirtd, two free VM-FEX vNICs (%s) in its sysfs,"
              " vmfex_install: false" % " ".join(daemon.vnic_names))
        show_run("7a. the hosts that exist now: --check first", host, ["--check"])
        show_run("7b. the real run", host, [])
        show_run("7c. again: nothing changes", host, [])
    return 0


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        host_deploy_story(tmp)
    return playbook_story()


if __name__ == "__main__":
    sys.exit(main())
