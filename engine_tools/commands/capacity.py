"""`vmfex-engine capacity`: free dynamic vNICs per host and cluster, and N+1."""
import argparse
import json
import sys
from collections import namedtuple
from typing import Callable, Dict, List, Optional, TextIO, Tuple

from engine_tools.engine.hosts import read_inventory, read_inventory_in
from engine_tools.model import capacity as model
from engine_tools.model.fleet import FleetError, FleetHost, parse_fleet
from engine_tools.options.connection import (
    CONNECTION_HELP,
    add_connection_arguments,
    engine_options,
    ucsm_options,
)
from engine_tools.ucsm import client as ucsm
from vdsm_hook_vmfex.common.cli import add_command

EPILOG = """\
examples:
  vmfex-engine capacity --hosts fleet-capacity.json --config production
  vmfex-engine capacity --config production --ucsm ucsm.example.com \\
      --ucsm-username admin --ucsm-password-file ~/.ucsm-pw --ucsm-ca-file ucsm-ca.pem
  vmfex-engine capacity --hosts fleet-capacity.json --json --config production

FREE per host: the pool's free members from the fleet file; with UCS Manager,
the dynamic vNICs its service profile grants minus the VM-FEX NICs of the VMs
the engine runs there; with both, the smaller. IF IT FAILS: whether the host's
running VM-FEX VMs restart on the other up hosts of its cluster (first fit,
largest VM first) and which would not.
exit codes: 0 every host known and N+1 holds, 1 a VM would not fit or a host's
capacity is unknown, 2 usage
""" + CONNECTION_HELP


def add_hosts_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hosts", metavar="FILE",
        help="the fleet capacity file the fleet playbook writes (format "
             "vmfex-fleet-capacity, version 1): each host's direct-pool status")


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "capacity",
        help="free dynamic vNICs per host and cluster, and whether each cluster "
             "survives the loss of any one host (N+1)",
        description="Count the VM-FEX NICs of running and of all VMs per cluster, the "
                    "free dynamic vNICs of each host (from --hosts FILE and/or UCS "
                    "Manager) and answer N+1: if any one host fails, can its running "
                    "VM-FEX VMs restart on the others of its cluster?",
        epilog=EPILOG)
    add_hosts_argument(parser)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document instead of tables")
    add_connection_arguments(parser, ucsm=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    options = engine_options(args)
    ucsm_opts = ucsm_options(args)
    answer = answer_from(read_inventory(options), args.hosts, ucsm_opts, sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps(answer_json(answer), indent=2, sort_keys=True) + "\n")
    else:
        for line in answer.problems:
            sys.stderr.write("vmfex-engine: %s\n" % line)
        write_table(answer, sys.stdout)
    return 1 if model.failing(answer) else 0


def read_fleet(path: str) -> Tuple[Optional[List[FleetHost]], List[str]]:
    """(hosts, problems) of the fleet file; hosts None when the file cannot
    be used at all (unreadable, another format or version: one problem)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return None, ["cannot read fleet file %s: %s" % (path, e.strerror)]
    try:
        return parse_fleet(data.decode("utf-8"), path)
    except UnicodeDecodeError as e:
        return None, ["fleet file %s is not UTF-8 (byte %d)" % (path, e.start + 1)]
    except FleetError as e:
        return None, [str(e)]


#: What the fleet file and UCS Manager say, by engine host id (None: not
#: given), and one line per bad input.
Sources = namedtuple("Sources", "fleet grants problems")


def read_sources(hosts, fleet_path: Optional[str], ucsm_options, err: TextIO,
                 service_profiles=None) -> Sources:
    """The fleet file and UCS Manager (each None: not used), matched to the
    engine's hosts; a file or UCS Manager that cannot be used is one line.
    service_profiles: UCS Manager's, when the caller read them already."""
    problems = []
    fleet = grants = None
    if fleet_path is not None:
        entries, problems = read_fleet(fleet_path)
        fleet = {}
        if entries is not None:
            fleet, more = model.match_fleet(hosts, entries, fleet_path)
            problems += more
    if service_profiles is not None:
        grants, more = model.match_service_profiles(hosts, service_profiles)
        problems += more
    elif ucsm_options is not None:
        from engine_tools.ucsm.service_profiles import read_service_profiles

        try:
            profiles = read_service_profiles(ucsm_options, err)
        except ucsm.UcsmError as e:
            problems.append(str(e))
            grants = {}
        else:
            grants, more = model.match_service_profiles(hosts, profiles)
            problems += more
    return Sources(fleet, grants, problems)


def answer_with(inventory, sources: Sources, changed=None, new_profiles=None
                ) -> model.Answer:
    """The capacity answer; changed: {VM name: VmState} a run is about to
    write (assign, convert), to answer for afterwards, new_profiles:
    {id: Profile} it adds."""
    vms, networking, clusters, hosts = inventory
    if new_profiles:
        networking = networking._replace(profiles=dict(networking.profiles, **new_profiles))
    if changed:
        return model.capacity(clusters, hosts, model.with_changes(vms, changed), networking,
                              sources.fleet, sources.grants, sources.problems,
                              measured=vms)
    return model.capacity(clusters, hosts, vms, networking, sources.fleet, sources.grants,
                          sources.problems)


def answer_from(inventory, fleet_path: Optional[str], ucsm_options, err: TextIO
                ) -> model.Answer:
    """The capacity answer from the engine's inventory, the fleet file and
    UCS Manager (either may be None: not used)."""
    return answer_with(inventory, read_sources(inventory[3], fleet_path, ucsm_options, err))


def warnings_for(connection, changed: Callable[[Dict], Dict], fleet_path: Optional[str],
                 service_profiles, err: TextIO, new_profiles=None) -> List[str]:
    """assign, convert: one line per cluster a run's changes would push past
    its capacity ([] without --hosts and UCS Manager's service_profiles).
    changed(every VM by name) gives {VM name: VmState as the run leaves
    it}; new_profiles: {id: Profile} the run adds."""
    if fleet_path is None and service_profiles is None:
        return []
    inventory = read_inventory_in(connection)
    sources = read_sources(inventory[3], fleet_path, None, err, service_profiles)
    return model.pushed_past(answer_with(inventory, sources),
                             answer_with(inventory, sources, changed(inventory[0]),
                                         new_profiles))


def _fleet_text(fleet: Optional[FleetHost]) -> str:
    if fleet is None:
        return "-"
    if fleet.error is not None:
        return "error"
    return "%d/%d" % (fleet.free, fleet.total)


def _ucsm_text(grant: Optional[model.UcsmGrant]) -> str:
    if grant is None:
        return "-"
    text = str(grant.granted) if grant.granted is not None else "?"
    return text + (" (swapped uuid)" if grant.matched != "uuid" else "")


def _if_it_fails(failover: model.Failover) -> str:
    if failover.unplaced:
        return "would not fit: " + ", ".join("%s (%d)" % vm for vm in failover.unplaced)
    if not failover.vms:
        return "no VM-FEX VMs"
    return "%d VM(s) restart elsewhere" % len(failover.vms)


def write_table(answer: model.Answer, out: TextIO) -> None:
    """A block per cluster, a line per host, then the summary line."""
    for cluster in answer.clusters:
        free = "?" if cluster.free is None else str(cluster.free)
        out.write("cluster %s: VM-FEX NICs %d on running VMs, %d on all VMs; %s free; "
                  "N+1 %s\n" % (cluster.name, cluster.running_nics, cluster.all_nics, free,
                                "passes" if model.n_plus_one_ok(cluster) else "FAILS"))
        rows = [["HOST", "STATUS", "USED", "FLEET FREE/TOTAL", "UCSM GRANTED", "FREE",
                 "IF IT FAILS"]]
        failovers = {f.host: f for f in cluster.failovers}
        for host in cluster.hosts:
            rows.append([host.host.name, host.host.status, str(host.used),
                         _fleet_text(host.fleet), _ucsm_text(host.ucsm),
                         "?" if host.free is None else str(host.free),
                         _if_it_fails(failovers[host.host.name])
                         + ("" if host.free is not None else "; capacity unknown: "
                            + host.note)])
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            out.write("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  "
                      + row[-1] + "\n")
    out.write(summary(answer) + "\n")


def summary(answer: model.Answer) -> str:
    hosts = [h for c in answer.clusters for h in c.hosts]
    unknown = model.unknown_hosts(answer)
    failing = [c.name for c in answer.clusters if not model.n_plus_one_ok(c)]
    free = sum(h.free for h in hosts if h.free is not None)
    return ("%d cluster(s), %d host(s), %d with unknown capacity, %d free dynamic vNICs; "
            "N+1 fails in %d cluster(s)%s" % (
                len(answer.clusters), len(hosts), len(unknown), free, len(failing),
                (": " + ", ".join(failing)) if failing else ""))


def problem_lines(answer: model.Answer) -> List[str]:
    """`check`: bad input, hosts of unknown capacity, VMs that would not fit."""
    lines = list(answer.problems)
    for host in model.unknown_hosts(answer):
        lines.append("host %r: capacity unknown (%s)" % (host.host.name, host.note))
    for cluster in answer.clusters:
        for failover in cluster.failovers:
            if failover.unplaced:
                lines.append("cluster %r: if host %r fails, %s would not restart on the "
                             "other hosts (not enough free dynamic vNICs)" % (
                                 cluster.name, failover.host, ", ".join(
                                     "%s (%d NICs)" % vm for vm in failover.unplaced)))
    return lines


def _vms_json(vms) -> list:
    return [{"vm": name, "nics": nics} for name, nics in vms]


def answer_json(answer: model.Answer) -> dict:
    """The answer as one JSON document (stable keys)."""
    clusters = []
    for cluster in answer.clusters:
        failovers = {f.host: f for f in cluster.failovers}
        hosts = []
        for host in cluster.hosts:
            fleet, grant = host.fleet, host.ucsm
            hosts.append({
                "name": host.host.name, "address": host.host.address,
                "status": host.host.status, "uuid": host.host.uuid,
                "used": host.used, "free": host.free,
                "unknown_reason": host.note or None,
                "running_vms": _vms_json(host.vms),
                "vms_not_fitting_if_it_fails": _vms_json(
                    failovers[host.host.name].unplaced),
                "fleet": None if fleet is None else {
                    "host": fleet.host, "total": fleet.total, "used": fleet.used,
                    "free": fleet.free, "error": fleet.error},
                "ucsm": None if grant is None else {
                    "service_profile": grant.profile, "granted": grant.granted,
                    "matched": grant.matched, "note": grant.note},
            })
        clusters.append({"name": cluster.name, "vmfex_nics_running": cluster.running_nics,
                         "vmfex_nics_all": cluster.all_nics, "free": cluster.free,
                         "n_plus_1": model.n_plus_one_ok(cluster), "hosts": hosts})
    return {"clusters": clusters, "problems": list(answer.problems),
            "summary": summary(answer), "ok": not model.failing(answer)}
