"""`vmfex-engine leave`: move a fleet from UCS port profiles (VM-FEX) to
native oVirt networks: plan, apply, rollback, status."""
import argparse
import json
import sys
from typing import List, TextIO

from engine_tools.commands import leave_apply
from engine_tools.engine import client as engine_client
from engine_tools.engine import leave_io
from engine_tools.model import leave_journal
from engine_tools.model.leave_plan import QOS_HELP, RUNNING_MODES, plan_leave
from engine_tools.model.leave_plan_check import LABEL, validate
from engine_tools.options.connection import (
    CONNECTION_HELP,
    add_connection_arguments,
    engine_options,
    ucsm_options,
)
from engine_tools.ucsm import leave_reads
from vdsm_hook_vmfex.common.cli import UsageError, add_command, add_verbs

RUNNING_HELP = """\
Running VMs (--running): the engine cannot hold a NIC's vNIC profile change
for the VM's next start (ovirt-engine UpdateVmInterfaceCommand applies it at
once, as a live device update of a plugged NIC), and libvirt cannot turn a
running macvtap passthrough NIC into a bridge NIC in place; so 'next-start'
is not offered.
  skip    (default) running VMs are listed and left for a later run (stop
          them, or use replug).
  replug  each NIC of a running VM is unplugged (deactivate), moved and
          plugged again (activate): THE GUEST LOSES THAT LINK FOR A MOMENT
          (seconds). The VM map change is stored for the next start
          (next_run), which the hook accepts meanwhile.
"""

PLAN_EPILOG = """\
Reads UCS Manager (read-only: vnicProfile with vnicEtherIf, fabricVlan,
epqosDefinition/epqosEgress, nwctrlDefinition/dpsecMac, one query each) and
the engine, then prints the plan; --output FILE writes it as JSON to review
and edit before 'leave apply FILE'. Per port profile and data center: one
logical network for its VLAN (an existing network with that VLAN id in the
data center is reused, never duplicated; new ones carry --label and MTU
--mtu), a vNIC profile (vdsm-no-mac-spoofing when the network control policy
denies forged MACs, no filter when it allows them), a QoS; what cannot be
expressed (several VLANs trunked to the guest, a QoS with no equivalent) is
refused, naming the profile. Per cluster: the hosts lacking a network (a
labelled network reaches each host NIC carrying the same label: label each
host's trunk NIC or bond once). A VM's cutover is refused while a host of its
cluster lacks one of its networks, unless --accept-missing-networks.

""" + QOS_HELP + "\n\n" + RUNNING_HELP + "\n" + CONNECTION_HELP

APPLY_EPILOG = """\
The plan file is checked whole first (every problem as FILE: path: message;
nothing written). Then networks (attached to the plan's clusters with
required=false sent explicitly), their label, QoS and vNIC profiles are
created (the engine adds a vNIC profile named after each new network by
itself: it stays unused and goes with its network on rollback); then the
NICs move in batches of --batch VMs, each checked first against the plan
("changed by someone else since the plan": that VM is skipped) and read back
after; a VM's map entry is dropped only after its NIC moved. A VM-FEX vNIC
profile is never changed or removed. Every write is first appended to the
journal (fsync'd, with the previous state): run the same command again to
resume after any stop; 'leave rollback JOURNAL' undoes it. Re-running a
finished apply writes nothing. SIGINT/SIGTERM stop after the writes in
flight, with the summary.

""" + RUNNING_HELP + "\n" + CONNECTION_HELP


def add_parser(subparsers) -> None:
    leave = add_command(
        subparsers, "leave", help="move VMs off VM-FEX to oVirt networks: plan, apply, "
                                  "rollback, status",
        description="Leave VM-FEX without an outage: plan -> review -> apply -> status "
                    "-> rollback.")
    commands = add_verbs(leave, "leave_command")
    plan = add_command(commands, "plan", help="read UCS Manager and the engine, print "
                       "the plan (read-only)", description="Plan leaving VM-FEX.",
                       epilog=PLAN_EPILOG)
    plan.add_argument("vms", nargs="*", metavar="VM", help="only these VMs (default: all)")
    plan.add_argument("--output", "-o", metavar="FILE", help="write the plan as JSON")
    plan.add_argument("--label", metavar="NAME",
                      help="network label put on every network the plan creates")
    plan.add_argument("--mtu", type=int, default=0, metavar="BYTES",
                      help="MTU of created networks (default 0: the engine's default)")
    plan.add_argument("--running", choices=RUNNING_MODES, default="skip",
                      help="what to do with running VMs (see below)")
    plan.add_argument("--accept-missing-networks", action="store_true",
                      help="plan a VM's cutover even while a host of its cluster lacks "
                           "one of its networks")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_connection_arguments(plan, ucsm=True)
    plan.set_defaults(run=run_plan)

    apply = add_command(commands, "apply", help="carry out a plan (journaled, resumable)",
                        description="Apply a leave plan.", epilog=APPLY_EPILOG)
    apply.add_argument("plan", metavar="PLAN", help="the plan file ('leave plan -o')")
    apply.add_argument("--batch", type=_positive, default=50, metavar="N",
                       help="VMs per batch (default 50)")
    apply.add_argument("--vm", action="append", metavar="NAME", dest="only",
                       help="only this VM (repeatable)")
    apply.add_argument("--running", choices=RUNNING_MODES,
                       help="override the plan's running mode")
    apply.add_argument("--journal", metavar="FILE",
                       help="journal file (default: PLAN.journal)")
    apply.add_argument("--json", action="store_true", help="print the result as JSON")
    add_connection_arguments(apply)
    apply.set_defaults(run=run_apply)

    rollback = add_command(commands, "rollback", help="undo what an apply did",
                           description="Restore every NIC, map and profile an apply "
                           "changed; remove what it created once unused.",
                           epilog=CONNECTION_HELP)
    rollback.add_argument("journal", metavar="JOURNAL")
    rollback.add_argument("--json", action="store_true", help="print the result as JSON")
    add_connection_arguments(rollback)
    rollback.set_defaults(run=run_rollback)

    status = add_command(commands, "status", help="per VM/NIC: on VM-FEX, moved, failed, "
                         "rolled back", description="Where the move stands.",
                         epilog=CONNECTION_HELP)
    status.add_argument("journal", nargs="?", metavar="JOURNAL")
    status.add_argument("--json", action="store_true", help="print JSON")
    add_connection_arguments(status)
    status.set_defaults(run=run_status)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("%r: expected a whole number from 1" % text)
    return value


# -- plan --------------------------------------------------------------------

def run_plan(args: argparse.Namespace) -> int:
    options = ucsm_options(args)
    if options is None:
        raise UsageError("no UCS Manager: give --ucsm HOST (or ucsm = HOST in the --config "
                         "section): the plan needs the port profiles' VLANs and policies")
    if args.label is not None and not LABEL.match(args.label):
        raise UsageError("--label %r: expected 1 to 50 letters, digits, '_' or '-'"
                         % args.label)
    if args.mtu != 0 and not 68 <= args.mtu <= 65520:
        raise UsageError("--mtu %d: expected 0 (the engine's default) or 68 to 65520"
                         % args.mtu)
    view = leave_reads.read_view(options, sys.stderr)
    with engine_client.session(engine_options(args)) as connection:
        inventory = leave_io.read_inventory(connection, args.vms or None)
    missing = sorted(set(args.vms or ()) - set(inventory.vms))
    if missing:
        raise UsageError("VM(s) not found in the engine: %s" % ", ".join(missing))
    plan = plan_leave(leave_reads.as_plan_input(view), inventory, args.label, args.running,
                      args.accept_missing_networks, args.mtu)
    if args.output:
        write_plan(plan, args.output)
    if args.json:
        sys.stdout.write(json.dumps(plan, indent=2, sort_keys=True) + "\n")
    else:
        print_plan(plan, sys.stdout)
        if args.output:
            sys.stdout.write("plan written to %s: review it, then 'vmfex-engine leave "
                             "apply %s'\n" % (args.output, args.output))
    return 0


def write_plan(plan: dict, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(plan, indent=2, sort_keys=True) + "\n")


def print_plan(plan: dict, out: TextIO) -> None:
    for net in plan["networks"]:
        out.write("network %s (VLAN %d, data center %s): %s\n" % (
            net["name"], net["vlan_id"], net["data_center"],
            "reuse existing" if net["id"] else "create, MTU %s, label %s" % (
                net["mtu"] or "default", net["label"] or "none")))
    for qos in plan["qos"]:
        out.write("QoS %s (data center %s): outbound average %d Mbps, peak %d Mbps, burst "
                  "%d MB%s\n" % (qos["name"], qos["data_center"], qos["outbound_average"],
                                 qos["outbound_peak"], qos["outbound_burst"],
                                 ", reuse existing" if qos["id"] else ""))
    for prof in plan["profiles"]:
        out.write("port profile %s -> vNIC profile %s on %s, filter %s, QoS %s%s\n" % (
            prof["port_profile"], prof["name"], prof["network"],
            prof["network_filter"] or "none", prof["qos"] or "none",
            " (reuse existing)" if prof["id"] else ""))
        for lost in prof["lost"]:
            out.write("  lost: %s\n" % lost)
    for refused in plan["refused"]:
        out.write("REFUSED port profile %s (data center %s): %s\n" % (
            refused["port_profile"], refused["data_center"], refused["reason"]))
    for cluster in plan["clusters"]:
        for host, nets in sorted(cluster["hosts_lacking"].items()):
            out.write("cluster %s: host %s lacks %s\n" % (cluster["name"], host,
                                                       ", ".join(nets)))
    counts = {}
    for vm in plan["vms"]:
        counts[vm["when"]] = counts.get(vm["when"], 0) + 1
        for nic in vm["nics"]:
            out.write("%s: NIC %s (%s) %s -> %s, %s\n" % (
                vm["name"], nic["name"], nic["mac"], nic["port_profile"], nic["profile"],
                vm["when"]))
        if vm["reason"]:
            out.write("%s: %s: %s\n" % (vm["name"], vm["when"], vm["reason"]))
    out.write("plan: %d networks (%d new), %d QoS, %d vNIC profiles, %d refused port "
              "profiles; VMs: %d now, %d replug, %d skipped, %d refused\n" % (
                  len(plan["networks"]), sum(1 for n in plan["networks"] if not n["id"]),
                  len(plan["qos"]), len(plan["profiles"]), len(plan["refused"]),
                  counts.get("now", 0), counts.get("replug", 0), counts.get("skip", 0),
                  counts.get("refused", 0)))


# -- apply / rollback ----------------------------------------------------------

def load_plan(path: str) -> dict:
    """The plan in `path`, checked whole; every problem as FILE: path: message."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise leave_apply.PlanError(["%s: cannot read: %s" % (path, e.strerror)]) from None
    try:
        plan = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise leave_apply.PlanError(["%s: plan: not JSON: %s" % (path, str(e)[:120])]) \
            from None
    problems = validate(plan)
    if problems:
        raise leave_apply.PlanError(["%s: %s: %s" % (path, where, message)
                                     for where, message in problems])
    return plan


def run_apply(args: argparse.Namespace) -> int:
    try:
        plan = load_plan(args.plan)
    except leave_apply.PlanError as e:
        return _plan_problems(e, sys.stderr)
    journal = args.journal or args.plan + ".journal"
    try:
        return leave_apply.apply(plan, args.plan, engine_options(args), journal,
                                 args.batch, args.only, args.running, args.json,
                                 sys.stdout, sys.stderr)
    except leave_apply.PlanError as e:
        return _plan_problems(e, sys.stderr)


def _plan_problems(error, err: TextIO) -> int:
    for line in error.lines:
        err.write("%s\n" % line)
    err.write("%d problem(s) in the plan: nothing written\n" % len(error.lines))
    return 1


def run_rollback(args: argparse.Namespace) -> int:
    return leave_apply.rollback(args.journal, engine_options(args), args.json,
                                sys.stdout, sys.stderr)


# -- status --------------------------------------------------------------------

def run_status(args: argparse.Namespace) -> int:
    steps = leave_journal.replay(leave_journal.read(args.journal)) if args.journal else {}
    with engine_client.session(engine_options(args)) as connection:
        _, profiles, _ = leave_io.read_networking(connection)
        vms = engine_client.read_vms(connection)
    rows = status_rows(vms, profiles, steps)
    if args.json:
        counts = {}
        for row in rows:
            counts[row["state"]] = counts.get(row["state"], 0) + 1
        sys.stdout.write(json.dumps({"nics": rows, "counts": counts}, indent=2,
                                    sort_keys=True) + "\n")
    else:
        write_status(rows, sys.stdout)
    return 0


def status_rows(vms, profiles, steps) -> List[dict]:
    """Per VM-FEX or journaled NIC: vm, nic, mac, state (vmfex, moved,
    failed, rolled back, interrupted), profile now."""
    from engine_tools.model.leave_plan import _nic_port_profiles

    rows = []
    for name in sorted(vms):
        vm = vms[name]
        on_vmfex = _nic_port_profiles(vm, profiles)
        for nic in vm.devices:
            step = steps.get(("nic", leave_journal.nic_key(vm.id, nic.id)))
            state = None
            if step is not None:
                state = {"done": "moved", "failed": "failed", "undone": "rolled back",
                         "intent": "interrupted"}[step["phase"]]
                if state == "moved" and nic.profile_id != step.get("after"):
                    state = "changed since"
            if nic.id in on_vmfex and state in (None, "rolled back"):
                state = "vmfex" if state is None else state
            if state is None:
                continue
            profile = profiles.get(nic.profile_id)
            rows.append({"vm": name, "nic": nic.name, "mac": nic.mac, "state": state,
                         "port_profile": on_vmfex.get(nic.id, (None, None))[0],
                         "profile": profile.name if profile else None})
    return rows


def write_status(rows: List[dict], out: TextIO) -> None:
    counts = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
        out.write("%s  %s  %s  %s  %s\n" % (row["vm"], row["nic"], row["mac"], row["state"],
                                           row["profile"] or "-"))
    out.write("summary: %s\n" % (", ".join("%d %s" % (counts[k], k) for k in sorted(counts))
                                 or "no VM-FEX NIC"))
