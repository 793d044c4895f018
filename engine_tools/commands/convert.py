"""`vmfex-engine convert`: move NICs from VM maps to vNIC profiles."""
import argparse
import sys
from typing import List, Optional, TextIO

from engine_tools.commands import output
from engine_tools.commands.output import add_json_argument
from engine_tools.commands.profiles import (
    DESCRIPTION,
    profile_items,
    refuse,
    report_profiles,
    report_stop,
    verify_profiles,
)
from engine_tools.commands.progress import Progress, bars
from engine_tools.commands.results import (
    Results,
    Write,
    classify,
    nic_now,
    not_known,
    settle,
    to_verify,
)
from engine_tools.engine import client as engine_client
from engine_tools.engine import interrupt
from engine_tools.model.convert_plan import ConvertPlan, plan_convert
from engine_tools.model.vnic_profiles import Networking, NewProfile, network_label
from engine_tools.options.connection import (
    CONNECTION_HELP,
    add_connection_arguments,
    engine_options,
    ucsm_options,
)
from engine_tools.ucsm import client as ucsm
from vdsm_hook_vmfex.common.cli import add_command
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map

EPILOG = """\
For each VM with a vmfex map (all VMs, or the VMs named), each mapped NIC is
switched to the vNIC profile carrying its UCS port profile (device custom
property vmfex) on the NIC's own network, the network of its current vNIC
profile. Its MAC then leaves the map; the map property is removed when empty;
every other custom property is kept. Everything is checked before anything
is written: a MAC on no NIC, a NIC without a vNIC profile, a NIC whose vNIC
profile already names another port profile, several candidate profiles, and
missing vNIC profiles (listed; created, named vmfex-<profile> with no network
filter, only with --create-profiles). No existing vNIC profile is modified.
Re-running changes nothing.

Order of writes: new vNIC profiles, then the NICs, then the VM's map (only
when all its NICs changed), so an interrupted run leaves both models naming
the same port profile and a re-run completes it. Each map is read again
right before it is written: entries another run added meanwhile for other
MACs are kept; a map whose moved MACs another run changed is left alone and
reported. Everything written is read
back afterwards: a profile, NIC or map that is not what this run wrote is
reported as "changed by someone else during this run" (exit 1); concurrent
runs are detected, not prevented. Every run that started writing ends with
a summary counting writes, "not attempted" included.

Running VMs are skipped unless --include-running. What the engine does to
them (ovirt-engine UpdateVmInterfaceCommand): a vNIC profile change on a
plugged NIC of a VM that is Up is applied AT ONCE, as a live device update
without unplugging the NIC (VDSM updateDevice, hook point
before_update_device): the guest keeps running, its NIC is re-attached to the
port profile (expect a short link interruption). VMs in other states
(migrating, paused, ...) cannot have NICs changed and stay skipped. The map
change of a running VM applies at its next start (next_run); until then both
models name the same port profile, which the hook accepts.

examples:
  vmfex-engine convert --dry-run --config production
  vmfex-engine convert --create-profiles web01 web02 --config production
  vmfex-engine convert --include-running --create-profiles --config production

""" + CONNECTION_HELP


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "convert", help="switch mapped NICs to vNIC profiles carrying vmfex",
        description="Convert VMs from the VM map model to the vNIC profile model.",
        epilog=EPILOG)
    parser.add_argument("vms", nargs="*", metavar="VM", help="VM names (default: every VM)")
    parser.add_argument("--dry-run", action="store_true",
                        help="show every change, write nothing")
    parser.add_argument("--create-profiles", action="store_true",
                        help="add the missing vNIC profiles (vmfex-<profile>, no filter)")
    parser.add_argument("--include-running", action="store_true",
                        help="also change VMs that are up (their NICs change live, see below)")
    add_json_argument(parser)
    add_connection_arguments(parser, ucsm=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return convert(args.vms or None, args.dry_run, args.create_profiles,
                   args.include_running, engine_options(args), sys.stdout, sys.stderr,
                   ucsm_options=ucsm_options(args), as_json=args.json)


def ucsm_problems(plan: ConvertPlan, profiles) -> List[str]:
    """Each NIC convert would move onto a port profile UCS Manager does not define."""
    wanted = {}
    for change in plan.nic_changes:
        wanted.setdefault(change.ucs, []).append("VM %r NIC %s (MAC %s), VM map" % (
            change.vm.name, change.nic.name, change.nic.mac))
    return ["%s: %s" % (where, message) for where, message in
            ucsm.check_profile_names(wanted, (p.name for p in profiles))]


def convert(names: Optional[List[str]], dry_run: bool, create_profiles: bool,
            include_running: bool, options: engine_client.Options,
            out: TextIO, err: TextIO, ucsm_options=None, as_json: bool = False) -> int:
    """Run convert; return the exit code. With ucsm_options every port profile
    a NIC moves to must exist on UCS Manager (else nothing is written)."""
    with engine_client.session(options) as connection:
        networking = engine_client.read_networking(connection)
        vms = engine_client.read_vms(connection, names, bars(err))
        plan = plan_convert(vms, networking, names, include_running, create_profiles)
        if ucsm_options is not None and plan.nic_changes:
            plan.problems.extend(ucsm_problems(plan, ucsm.read_profiles(ucsm_options, err)))
        for name, reason in plan.skipped:
            err.write("VM %s skipped: %s\n" % (name, reason))
        if plan.problems:
            return refuse(plan.problems, "convert", dry_run, out, err, as_json)
        if dry_run:
            print_plan(plan, networking, output.human(out, as_json))
            if as_json:
                output.write_document(out, "convert", dry_run_items(plan, networking),
                                      dry_run=True)
            return 0
        return _apply(connection, plan, networking, out, err, as_json)


def _target_name(change, networking: Networking) -> str:
    if isinstance(change.target, NewProfile):
        return change.target.name
    return networking.profiles[change.target].name


def _map_text(mapping) -> str:
    return format_vmfex_map(mapping) if mapping else "(none: vmfex removed)"


def print_plan(plan: ConvertPlan, networking: Networking, out: TextIO) -> None:
    for item in plan.new_profiles:
        out.write("would add vNIC profile %r on %s: vmfex=%s, no network filter\n"
                  % (item.name, network_label(networking, item.network_id), item.ucs))
    for change in plan.nic_changes:
        out.write("%s: NIC %s (MAC %s) would move to vNIC profile %r (%s)%s\n" % (
            change.vm.name, change.nic.name, change.nic.mac,
            _target_name(change, networking), change.ucs,
            ", live" if change.vm.status == "up" else ""))
    for change in plan.vm_changes:
        out.write("%s: map would become %s%s\n" % (
            change.vm.name, _map_text(change.new_map),
            " at next start" if change.next_run else ""))
    out.write("dry run: %d vNIC profiles would be added, %d NICs and %d VM maps would "
              "change, %d VMs skipped; nothing written\n" % (
                  len(plan.new_profiles), len(plan.nic_changes), len(plan.vm_changes),
                  len(plan.skipped)))


def _nic_keys(change, networking: Networking) -> dict:
    return {"kind": "nic", "vm": change.vm.name, "nic": change.nic.name,
            "mac": change.nic.mac, "vnic_profile": _target_name(change, networking),
            "ucs_port_profile": change.ucs, "live": change.vm.status == "up"}


def _map_keys(change) -> dict:
    return {"kind": "vm_map", "vm": change.vm.name, "next_run": change.next_run}


def _plain_items(plan: ConvertPlan) -> list:
    """The VMs left alone: skipped (not attempted) and already converted."""
    return ([output.item(output.NOT_ATTEMPTED, "skipped: %s" % reason, kind="vm", vm=name)
             for name, reason in plan.skipped]
            + [output.item(output.UNCHANGED, None, kind="vm", vm=name)
               for name in plan.unchanged])


def dry_run_items(plan: ConvertPlan, networking: Networking) -> list:
    """The --json items of a dry run: every write it would send, as changed."""
    profiles = Results(plan.new_profiles, {}, [])
    return (_kinded(profile_items(profiles, networking), "vnic_profile")
            + [output.item(output.CHANGED, None, **_nic_keys(change, networking))
               for change in plan.nic_changes]
            + [output.item(output.CHANGED, None, **_map_keys(change))
               for change in plan.vm_changes]
            + _plain_items(plan))


def _kinded(items: list, kind: str) -> list:
    return [dict([("kind", kind)] + list(entry.items())) for entry in items]


def apply_items(plan: ConvertPlan, networking: Networking, profiles: Results,
                nics: Results, maps: Results, blocked: set) -> list:
    """The --json items of a run: every write and what became of it."""
    items = _kinded(profile_items(profiles, networking), "vnic_profile")
    nic_changes = {(c.vm.name, c.nic.id): c for c in plan.nic_changes}
    map_changes = {c.vm.name: c for c in plan.vm_changes}
    for results, changes, keys in ((nics, nic_changes, lambda c: _nic_keys(c, networking)),
                                   (maps, map_changes, _map_keys)):
        for change in results.changed:
            items.append(output.item(output.CHANGED, None, **keys(change)))
        for key in sorted(results.failed):
            reason = results.failed[key]
            items.append(output.item(output.NOT_KNOWN if not_known(reason)
                                     else output.FAILED, reason, **keys(changes[key])))
        for change in results.not_attempted:
            reason = ("a NIC of the VM did not change: map left as it was"
                      if keys is _map_keys and change.vm.name in blocked
                      else "the run stopped first")
            items.append(output.item(output.NOT_ATTEMPTED, reason, **keys(change)))
    return items + _plain_items(plan)


def _apply(connection, plan: ConvertPlan, networking: Networking, out: TextIO,
           err: TextIO, as_json: bool = False) -> int:
    """Write, verify and report with SIGINT/SIGTERM deferred (interrupt): a
    signal stops the writes and the run still ends with its summary, exit 1."""
    with interrupt.deferred():
        code = _write(connection, plan, networking, out, err, as_json)
    return 1 if interrupt.requested() else code


def _write(connection, plan: ConvertPlan, networking: Networking, out: TextIO,
           err: TextIO, as_json: bool = False) -> int:
    """Write in order (profiles, NICs, maps), read everything written back,
    report what became of each write (results.settle) and the summary."""
    text = output.human(out, as_json)
    progress = Progress(len(plan.new_profiles) + len(plan.nic_changes) + len(plan.vm_changes),
                        "converting", err)
    nic_outcomes, vm_outcomes = {}, {}
    blocked = set()  # VMs with a NIC that cannot or did not change
    map_writes = None
    try:
        profile_outcomes, added, stopped = engine_client.add_profiles(
            connection, plan.new_profiles, DESCRIPTION, lambda *_: progress.step())
        ids = {item: profile.id for item, profile in added.items()}
        sends = {}
        for change in plan.nic_changes:
            target = ids.get(change.target) if isinstance(change.target, NewProfile) \
                else change.target
            if target is None:
                blocked.add(change.vm.name)
            else:
                sends[(change.vm.id, change.nic.id, target)] = change
        if stopped is None:
            sent, stopped = engine_client.change_nic_profiles(
                connection, list(sends), lambda *_: progress.step())
            for key, outcome in sent.items():
                change = sends[key]
                nic_outcomes[(change.vm.name, change.nic.id)] = outcome
                if outcome.state != "ok":
                    blocked.add(change.vm.name)
        if stopped is None:
            # each map over what the VM holds right before its write: another
            # run's entries for other MACs are kept (model.map_rebase)
            map_writes = engine_client.write_maps(
                connection, [c for c in plan.vm_changes if c.vm.name not in blocked],
                False, lambda *_: progress.step())
            vm_outcomes, stopped = map_writes.outcomes, map_writes.stopped
    finally:
        progress.close()
    vm_changes = plan.vm_changes
    if map_writes is not None:
        sent = {c.vm.name: c for c in map_writes.changes}
        vm_changes = [sent.get(c.vm.name, c) for c in plan.vm_changes
                      if c.vm.name not in map_writes.skipped]
    targets = {(c.vm.name, c.nic.id): target for (_, _, target), c in sends.items()}
    nic_writes = [Write((c.vm.name, c.nic.id), c, targets.get((c.vm.name, c.nic.id)),
                        c.nic.profile_id) for c in plan.nic_changes]
    profiles, nics, maps, readback_error = _verify(
        connection, plan, vm_changes, profile_outcomes, nic_writes, nic_outcomes,
        vm_outcomes, stopped, err)
    if map_writes is not None:
        maps.failed.update(map_writes.skipped)
    report_profiles(profiles, lambda item: network_label(networking, item.network_id),
                    text, err)
    for change in sorted(nics.changed, key=lambda c: (c.vm.name, c.nic.name)):
        text.write("%s: NIC %s (MAC %s) now on vNIC profile %r%s\n" % (
            change.vm.name, change.nic.name, change.nic.mac, _target_name(change, networking),
            ", changed live" if change.vm.status == "up" else ""))
    for change in sorted(maps.changed, key=lambda c: c.vm.name):
        text.write("%s: map now %s%s\n" % (change.vm.name, _map_text(change.new_map),
                                            " at next start" if change.next_run else ""))
    text.flush()
    by_key = {w.key: w.item for w in nic_writes}
    for key in sorted(nics.failed):
        change = by_key[key]
        err.write("error: VM %s NIC %s (MAC %s): %s\n" % (
            change.vm.name, change.nic.name, change.nic.mac, nics.failed[key]))
    for name in sorted(maps.failed):
        err.write("error: VM %s map: %s\n" % (name, maps.failed[name]))
    for name in sorted(blocked):
        err.write("VM %s: map left as it was (a NIC did not change); re-run convert\n"
                  % name)
    failed = len(profiles.failed) + len(nics.failed) + len(maps.failed)
    not_attempted = sum(len(r.not_attempted) for r in (profiles, nics, maps))
    report_stop(stopped, not_attempted, readback_error, err)
    text.write("summary: %d vNIC profiles added, %d NICs changed, %d VM maps changed, "
               "%d failed, %d not attempted, %d VMs skipped\n" % (
                   len(profiles.changed), len(nics.changed), len(maps.changed), failed,
                   not_attempted, len(plan.skipped)))
    if as_json:
        output.write_document(out, "convert", apply_items(plan, networking, profiles, nics,
                                                          maps, blocked),
                              stopped=stopped, readback_error=readback_error)
    return 1 if failed or not_attempted or readback_error else 0


def _verify(connection, plan: ConvertPlan, vm_changes, profile_outcomes, nic_writes,
            nic_outcomes, vm_outcomes, stopped, err: TextIO):
    """(profile, NIC and map Results, why nothing could be read back): reads
    back the vNIC profiles and the VMs that may have been written."""
    profiles, readback_error = verify_profiles(connection, plan.new_profiles,
                                               profile_outcomes, stopped)
    names = sorted({key[0] for key, o in nic_outcomes.items() if o.state != "refused"}
                   | set(to_verify(vm_changes, vm_outcomes)))
    readback = None
    if names and stopped is None and readback_error is None:
        try:
            readback = engine_client.read_back(connection, names, bars(err))
        except VmfexError as e:
            readback_error = str(e)
    nics = settle(nic_writes, nic_outcomes, None if readback is None else nic_now(readback),
                  readback_error, refused="not changed", gone="VM or NIC not found when "
                  "read back")
    maps = classify(vm_changes, vm_outcomes, readback, readback_error)
    return profiles, nics, maps, readback_error
