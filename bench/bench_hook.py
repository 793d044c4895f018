"""`make bench`: the hook's speed goals, as ratios against baselines timed in
the same run (interleaved, median of many runs), never as absolute limits.

1. VM start with no `vmfex` property vs `python3 -I -c pass`      goal <= 1.2x
2. before_vm_start on a 32-NIC domain vs `python3 -I -c 'import lxml.etree'`
                                                                   goal <= 1.3x
   2b. the same with no VM map, the 32 NICs' port profiles on their vNIC
   profiles (device custom properties in the domain metadata)     goal <= 1.3x
3. the migration network check on a libvirt test-driver connection holding
   0 vs 500 running domains (in-process)             goal: flat (<= 1.25x)
4. the migration hook (before_vm_migrate_destination, a subprocess as VDSM
   runs it) on a real private libvirtd running 20 paused TCG domains on the
   pool vs one running none                           goal: flat (<= 1.1x)
   (root only, see tests/libvirtd/daemon.py; two daemons, runs interleaved)
5. the same network check in-process over each daemon's socket (the three
   libvirt calls alone, without Python's start)       goal: flat (<= 1.1x)
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.domains import domain_xml, host_node_xml  # noqa: E402

# The interpreter hosts run hooks with (the launchers' shebang).
HOST_PYTHON = "/usr/bin/python3"
LAUNCHER = "from vdsm_hook_vmfex.hook.main import launch; launch(__file__)\n"
RUNS = int(os.environ.get("BENCH_RUNS", "40"))


def time_commands(commands, runs=RUNS):
    """Run each (argv, env, prepare) in turn, `runs` rounds; medians in seconds."""
    samples = [[] for _ in commands]
    for _ in range(runs):
        for i, (argv, env, prepare) in enumerate(commands):
            if prepare:
                prepare()
            start = time.perf_counter()
            subprocess.run(argv, env=env, check=True, stderr=subprocess.DEVNULL)
            samples[i].append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


def report(name, value, baseline, goal):
    ratio = value / baseline
    verdict = "ok" if ratio <= goal else "MISSED"
    print("%-46s %9.1f us vs %9.1f us  ratio %.2fx (goal <= %.2fx) %s"
          % (name, value * 1e6, baseline * 1e6, ratio, goal, verdict))
    return ratio <= goal


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        hook_dir = os.path.join(tmp, "hooks", "before_vm_start")
        os.makedirs(hook_dir)
        launcher = os.path.join(hook_dir, "50_vmfex")
        with open(launcher, "w") as out:
            out.write("#!%s\n%s" % (HOST_PYTHON, LAUNCHER))
        os.chmod(launcher, 0o755)
        xml_path = os.path.join(tmp, "domxml")
        mapping = {"00:1a:4a:00:00:%02x" % i: "Profile%d" % (i % 4) for i in range(32)}
        source_xml = domain_xml(nics=sorted(mapping))
        vnic_xml = domain_xml(nics=sorted(mapping), device_custom={
            mac: {"vmfex": profile} for mac, profile in mapping.items()})

        def fresh_xml():
            with open(xml_path, "w") as out:
                out.write(source_xml)

        def fresh_vnic_xml():
            with open(xml_path, "w") as out:
                out.write(vnic_xml)

        base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "PYTHONPATH": ROOT, "_hook_domxml": xml_path, "vmId": "bench"}
        vmfex = "{%s}" % ", ".join("'%s': '%s'" % kv for kv in sorted(mapping.items()))
        mapped_env = dict(base_env, vmfex=vmfex)
        print("hook speed, %d interleaved runs each, median; python %s" % (RUNS, HOST_PYTHON))
        noop, bare, start, lxml_only, vnic_start = time_commands([
            ([launcher], base_env, fresh_xml),
            ([HOST_PYTHON, "-I", "-c", "pass"], base_env, None),
            ([launcher], mapped_env, fresh_xml),
            ([HOST_PYTHON, "-I", "-c", "import lxml.etree"], base_env, None),
            ([launcher], base_env, fresh_vnic_xml),
        ])
        ok &= report("1. VM start, no vmfex property", noop, bare, 1.2)
        ok &= report("2. before_vm_start, 32 NICs mapped", start, lxml_only, 1.3)
        ok &= report("2b. before_vm_start, 32 NICs on vNIC profiles", vnic_start, lxml_only,
                     1.3)

        ok &= bench_network_check(tmp)
        ok &= bench_real_libvirtd(tmp, mapped_env)
    return 0 if ok else 1


def bench_network_check(tmp):
    import libvirt

    from vdsm_hook_vmfex.host.virt import check_network_ready

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    medians = []
    for count in (0, 500):
        node = os.path.join(tmp, "node-%d.xml" % count)
        with open(node, "w") as out:
            out.write(host_node_xml(running_domains=count, devices=8))
        conn = libvirt.open("test://" + node)
        assert len(conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)) == count
        samples = []
        for _ in range(300):
            start = time.perf_counter()
            check_network_ready(conn, "direct-pool", 2)
            samples.append(time.perf_counter() - start)
        medians.append(statistics.median(samples))
        conn.close()
    return report("3. network check, 500 vs 0 running domains", medians[1], medians[0],
                  1.25)


def bench_real_libvirtd(tmp, mapped_env, running=20):
    """Case 4: the migration hook against two private libvirtds, one with
    `running` paused TCG domains holding pool devices, one with none."""
    from tests.libvirtd.daemon import PrivateLibvirtd, skip_reason
    reason = skip_reason()
    if reason:
        print("4. migration hook on a real libvirtd: skipped (%s)" % reason)
        return True
    import libvirt

    from tests.libvirtd.helpers import mac, small_domain, start_paused
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    cache = os.path.join(ROOT, "build", "libvirtd-cache")
    source = os.path.join(tmp, "source-domxml")
    with open(source, "w") as out:
        out.write(domain_xml(nics=["00:1a:4a:00:00:%02x" % i for i in range(2)]))
    conf = os.path.join(tmp, "vmfex.conf")
    with open(conf, "w") as out:
        out.write("[vmfex]\nlock_file = %s\n" % os.path.join(tmp, "hook-vmfex.lock"))
    hook = [HOST_PYTHON, "-m", "vdsm_hook_vmfex", "before_vm_migrate_destination"]
    with PrivateLibvirtd(vnics=running + 4, cache_dir=cache) as idle, \
            PrivateLibvirtd(vnics=running + 4, cache_dir=cache) as busy:
        commands = []
        for daemon, count in ((idle, 0), (busy, running)):
            conn = libvirt.open(daemon.uri)
            devices = "".join('<interface dev="%s"/>' % dev for dev in daemon.vnic_names)
            net = conn.networkDefineXML('<network><name>direct-pool</name><forward '
                                        'mode="passthrough">%s</forward></network>'
                                        % devices)
            net.create()
            for i in range(count):
                start_paused(conn, small_domain("running%02d" % i, [mac(i)]))
            assert len(conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)) == count
            conn.close()
            env = dict(mapped_env, _hook_domxml=source, VMFEX_CONF=conf, **daemon.env)
            # the check reads what it must: exit 0, two NICs fit
            subprocess.run(hook, env=env, check=True, stderr=subprocess.DEVNULL)
            commands.append((hook, env, None))
        idle_time, busy_time = time_commands(commands)
        ok = report("4. migration hook, real libvirtd, %d vs 0 running" % running,
                    busy_time, idle_time, 1.1)
        idle_check, busy_check = time_checks([idle.uri, busy.uri])
        ok &= report("5. network check over libvirtd's socket, %d vs 0" % running,
                     busy_check, idle_check, 1.1)
    return ok


def time_checks(uris, runs=300):
    """check_network_ready in-process on each URI in turn; medians in seconds."""
    import libvirt

    from vdsm_hook_vmfex.host.virt import check_network_ready
    conns = [libvirt.open(uri) for uri in uris]
    samples = [[] for _ in conns]
    for _ in range(runs):
        for i, conn in enumerate(conns):
            start = time.perf_counter()
            check_network_ready(conn, "direct-pool", 2)
            samples[i].append(time.perf_counter() - start)
    for conn in conns:
        conn.close()
    return [statistics.median(s) for s in samples]


if __name__ == "__main__":
    sys.exit(main())
