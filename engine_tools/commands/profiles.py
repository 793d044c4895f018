"""`vmfex-engine profiles list|create`: vNIC profiles carrying `vmfex`."""
import argparse
import sys
from typing import Callable, List, Optional, TextIO, Tuple

from engine_tools.commands import output
from engine_tools.commands.output import add_json_argument, write_json, write_table
from engine_tools.commands.progress import bars
from engine_tools.commands.results import (
    Results,
    not_known,
    profile_writes,
    profiles_now,
    settle,
)
from engine_tools.engine import client as engine_client
from engine_tools.engine import interrupt
from engine_tools.model.vnic_profiles import (
    Network,
    Networking,
    NewProfile,
    network_label,
    nic_counts,
    plan_create,
    port_profile,
)
from engine_tools.options.connection import (
    CONNECTION_HELP,
    add_connection_arguments,
    engine_options,
    ucsm_options,
)
from engine_tools.ucsm import client as ucsm
from vdsm_hook_vmfex.common.cli import UsageError, add_command, add_verbs
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.rules import check_profile

#: Marks the profiles this tool adds (it never modifies any profile).
DESCRIPTION = "vmfex-engine: UCS port profile %s"

CREATE_EPILOG = """\
Each UCS port profile gets one vNIC profile on the network, named
vmfex-<profile> (characters a vNIC profile name cannot hold become '_'),
with the device custom property vmfex=<profile> and no network filter (the
engine would otherwise set vdsm-no-mac-spoofing, which libvirt refuses on a
passthrough NIC). A profile already carrying vmfex=<profile> on that network
is left as it is; an existing profile of the wanted name without it is never
modified (choose another --name). The profiles added are read back: one
not as written is reported as "changed by someone else during this run"
(exit 1). Register the property first:
'vmfex-engine register --device --restart'.

examples:
  vmfex-engine profiles create --network vmfex-net Profile1 Profile2 --dry-run
  vmfex-engine profiles create --network vmfex-net --data-center DC2 Web --name web-ucs

""" + CONNECTION_HELP


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "profiles", help="list or create vNIC profiles carrying vmfex",
        description="The vNIC-profile model: a NIC gets its UCS port profile from the "
                    "device custom property vmfex of its vNIC profile.",
        epilog="examples:\n  vmfex-engine profiles list --config production\n"
               "  vmfex-engine profiles create --network vmfex-net Profile1 --dry-run")
    actions = add_verbs(parser, "action")
    listing = add_command(
        actions, "list", help="vNIC profiles carrying vmfex and the NICs using them",
        description="Every vNIC profile with a vmfex property: name, network, data "
                    "center, UCS port profile, NICs using it (results on stdout).",
        epilog=CONNECTION_HELP)
    add_json_argument(listing)
    add_connection_arguments(listing)
    listing.set_defaults(run=run_list)
    create = add_command(
        actions, "create", help="one vNIC profile per UCS port profile on a network",
        description="Add vNIC profiles carrying vmfex on one network; re-running "
                    "changes nothing.", epilog=CREATE_EPILOG)
    create.add_argument("ucs_profiles", nargs="+", metavar="UCS_PROFILE",
                        help="UCS port profile name (1-39 letters, digits, space, _ . : -)")
    create.add_argument("--network", required=True, metavar="NET",
                        help="logical network the profiles belong to")
    create.add_argument("--data-center", metavar="DC",
                        help="data center of the network (needed when several have it)")
    create.add_argument("--name", metavar="NAME",
                        help="vNIC profile name (one UCS_PROFILE only; default "
                             "vmfex-<profile>)")
    create.add_argument("--dry-run", action="store_true",
                        help="show what would be added, change nothing")
    add_json_argument(create)
    add_connection_arguments(create, ucsm=True)
    create.set_defaults(run=run_create)


def run_list(args: argparse.Namespace) -> int:
    return list_profiles(engine_options(args), sys.stdout, sys.stderr,
                         as_json=args.json)


def run_create(args: argparse.Namespace) -> int:
    problems = []
    for ucs in args.ucs_profiles:
        try:
            check_profile(ucs)
        except VmfexError as e:
            problems.append(str(e))
    if args.name is not None and len(args.ucs_profiles) > 1:
        problems.append("--name %r names one vNIC profile, but %d UCS port profiles "
                        "were given" % (args.name, len(args.ucs_profiles)))
    if problems:
        raise UsageError("; ".join(problems))
    return create_profiles(list(dict.fromkeys(args.ucs_profiles)), args.network,
                           args.data_center, args.name, args.dry_run,
                           engine_options(args), sys.stdout, sys.stderr,
                           ucsm_options=ucsm_options(args), as_json=args.json)


def list_profiles(options: engine_client.Options, out: TextIO, err: TextIO,
                  as_json: bool = False) -> int:
    """Print the vNIC profiles carrying vmfex; 0 (1 when a value is invalid)."""
    with engine_client.session(options) as session:
        networking = engine_client.read_networking(session)
        counts = nic_counts(engine_client.read_vms(session, None, bars(err)).values())
    items = []
    for profile in sorted(networking.profiles.values(),
                          key=lambda p: (_network_name(networking, p.network_id), p.name)):
        ucs, problem = port_profile(profile)
        if ucs is None and problem is None:
            continue
        if problem:
            err.write("error: %s\n" % problem)
        network = networking.networks.get(profile.network_id)
        items.append({"vnic_profile": profile.name,
                      "network": network.name if network else None,
                      "data_center": network.data_center if network else None,
                      "ucs_port_profile": ucs, "nics": counts.get(profile.id, 0),
                      "problem": problem})
    invalid = sum(1 for entry in items if entry["problem"])
    if as_json:
        write_json(out, {"command": "profiles list",
                         "summary": {"profiles": len(items), "invalid": invalid,
                                     "profiles_read": len(networking.profiles)},
                         "items": items})
        return 1 if invalid else 0
    write_table(out, ["vnic profile", "network", "data center", "ucs port profile", "nics"],
                [[entry["vnic_profile"], entry["network"] or "?", entry["data_center"] or "?",
                  entry["ucs_port_profile"] if entry["ucs_port_profile"] is not None
                  else "(invalid)", str(entry["nics"])] for entry in items])
    err.write("%d vNIC profiles carry vmfex (%d profiles read)\n"
              % (len(items), len(networking.profiles)))
    return 1 if invalid else 0


def _network_name(networking: Networking, network_id: str) -> str:
    network = networking.networks.get(network_id)
    return network.name if network else ""


def find_network(networking: Networking, name: str, data_center: Optional[str]) -> Network:
    """The network named `name` (in `data_center`), or a VmfexError saying
    which exist."""
    found = [n for n in networking.networks.values() if n.name == name
             and (data_center is None or n.data_center == data_center)]
    if len(found) == 1:
        return found[0]
    if not found:
        known = ", ".join(sorted("%s (%s)" % (n.name, n.data_center)
                                 for n in networking.networks.values())) or "none"
        raise VmfexError("no network %r%s in the engine (networks: %s)" % (
            name, " in data center %r" % data_center if data_center else "", known))
    raise VmfexError("network %r exists in data centers %s: give --data-center" % (
        name, ", ".join(sorted(repr(n.data_center) for n in found))))


def create_profiles(ucs_profiles: List[str], network_name: str, data_center: Optional[str],
                    name: Optional[str], dry_run: bool, options: engine_client.Options,
                    out: TextIO, err: TextIO, ucsm_options=None, as_json: bool = False) -> int:
    """Run `profiles create`; return the exit code. With ucsm_options every
    UCS_PROFILE must exist on UCS Manager (checked before the engine is read)."""
    text = output.human(out, as_json)
    if ucsm_options is not None:
        unknown = ucsm.check_profile_names(
            {ucs: ["UCS_PROFILE %r" % ucs] for ucs in ucs_profiles},
            (p.name for p in ucsm.read_profiles(ucsm_options, err)))
        if unknown:
            return refuse(["%s: %s" % (where, message) for where, message in unknown],
                          "profiles create", dry_run, out, err, as_json)
    with engine_client.session(options) as connection:
        networking = engine_client.read_networking(connection)
        network = find_network(networking, network_name, data_center)
        to_add, present, problems = plan_create(ucs_profiles, network, networking, name)
        if problems:
            return refuse(problems, "profiles create", dry_run, out, err, as_json)
        where = network_label(networking, network.id)
        items = [output.item(output.UNCHANGED, "already carries it",
                             **_profile_keys(ucs, profile.name, networking, network.id))
                 for ucs, profile in present]
        for ucs, profile in present:
            text.write("UCS port profile %r: vNIC profile %r on %s already carries it, "
                       "nothing to do\n" % (ucs, profile.name, where))
        if dry_run:
            for item in to_add:
                text.write("would add vNIC profile %r on %s: vmfex=%s, no network filter\n"
                           % (item.name, where, item.ucs))
            text.write("dry run: %d would be added, %d already there; nothing written\n"
                       % (len(to_add), len(present)))
            items += [output.item(output.CHANGED, None, **_profile_keys(
                item.ucs, item.name, networking, item.network_id)) for item in to_add]
            if as_json:
                output.write_document(out, "profiles create", items, dry_run=True)
            return 0
        # SIGINT/SIGTERM: no new add, the run still ends with its summary
        with interrupt.deferred():
            outcomes, _, stopped = engine_client.add_profiles(connection, to_add,
                                                              DESCRIPTION)
            results, readback_error = verify_profiles(connection, to_add, outcomes,
                                                      stopped)
    report_profiles(results, lambda item: where, text, err)
    report_stop(stopped, len(results.not_attempted), readback_error, err)
    text.write("summary: %d added, %d already there, %d failed, %d not attempted\n"
               % (len(results.changed), len(present), len(results.failed),
                  len(results.not_attempted)))
    if as_json:
        items += profile_items(results, networking)
        output.write_document(out, "profiles create", items, stopped=stopped,
                              readback_error=readback_error)
    if interrupt.requested():
        return 1
    return 1 if results.failed or results.not_attempted or readback_error else 0


def _profile_keys(ucs: str, name: str, networking: Networking, network_id: str) -> dict:
    network = networking.networks.get(network_id)
    return {"ucs_port_profile": ucs, "vnic_profile": name,
            "network": network.name if network else None,
            "data_center": network.data_center if network else None}


def profile_items(results: Results, networking: Networking) -> List[dict]:
    """The --json items of vNIC profiles added, failed or not attempted."""
    def keys(item: NewProfile) -> dict:
        return _profile_keys(item.ucs, item.name, networking, item.network_id)

    items = [output.item(output.CHANGED, None, **keys(item)) for item in results.changed]
    for item in sorted(results.failed):
        reason = results.failed[item]
        items.append(output.item(output.NOT_KNOWN if not_known(reason) else output.FAILED,
                                 reason, **keys(item)))
    items += [output.item(output.NOT_ATTEMPTED, "the run stopped first", **keys(item))
              for item in results.not_attempted]
    return items


def refuse(problems: List[str], command: str, dry_run: bool, out: TextIO, err: TextIO,
           as_json: bool) -> int:
    """Refuse a run whose checks found problems: one error line each and the
    count on stderr (under --json also the document with them); exit 1."""
    for problem in problems:
        err.write("error: %s\n" % problem)
    err.write("%d problem(s): nothing written\n" % len(problems))
    if as_json:
        output.write_document(out, command, [], dry_run=dry_run, problems=problems)
    return 1


def verify_profiles(connection, items: List[NewProfile], outcomes, stopped: Optional[str]
                    ) -> Tuple[Results, Optional[str]]:
    """(Results of adding `items`, why they could not be read back or None):
    the vNIC profiles are read back unless the run stopped."""
    now, readback_error = None, None
    if stopped is None and any(o.state != "refused" for o in outcomes.values()):
        try:
            now = profiles_now(engine_client.read_back_networking(connection))
        except VmfexError as e:
            readback_error = str(e)
    return settle(profile_writes(items), outcomes, now, readback_error,
                  refused="not added"), readback_error


def report_profiles(results: Results, where: Callable, out: TextIO, err: TextIO) -> None:
    """A line per vNIC profile added (verified) or failed; where(item): its network."""
    for item in results.changed:
        out.write("added vNIC profile %r on %s: vmfex=%s, no network filter\n"
                  % (item.name, where(item), item.ucs))
    for item in sorted(results.failed):
        err.write("error: vNIC profile %r on %s (UCS port profile %r): %s\n"
                  % (item.name, where(item), item.ucs, results.failed[item]))


def report_stop(stopped: Optional[str], not_attempted: int, readback_error: Optional[str],
                err: TextIO) -> None:
    """Why a run stopped, what it did not attempt, why it could not verify."""
    if stopped:
        err.write("error: run stopped: %s\n" % stopped)
    if not_attempted:
        err.write("error: %d write(s) not attempted: run the same command again, what "
                  "was already written stays as it is\n" % not_attempted)
    if readback_error:
        err.write("error: could not read back what was written to verify it: %s\n"
                  % readback_error)
