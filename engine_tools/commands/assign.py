"""`vmfex-engine assign`: set the vmfex maps of the VMs a CSV file names."""
import argparse
import sys
from typing import List, Optional, TextIO

from engine_tools.commands import output
from engine_tools.commands.output import add_json_argument
from engine_tools.commands.progress import Progress, bars
from engine_tools.commands.results import Results, classify, not_known, to_verify
from engine_tools.engine import client as engine_client
from engine_tools.engine import interrupt
from engine_tools.model.assign_plan import Change, plan_assign
from engine_tools.model.csv_rows import decode, format_problem, parse_rows
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


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers, "assign", help="set the vmfex maps of the VMs a CSV file names",
        description="Each VM named in FILE gets exactly its rows as its vmfex map "
                    "(--merge: rows are merged in, an empty profile removes a MAC). "
                    "Every row is checked before anything is written.",
        epilog="CSV: header vm,mac,profile or vm,nic,profile\n" + CONNECTION_HELP)
    parser.add_argument("file", metavar="FILE.csv", help="CSV file, '-' for stdin")
    parser.add_argument("--merge", action="store_true",
                        help="merge rows into the current maps instead of replacing them")
    parser.add_argument("--dry-run", action="store_true",
                        help="print old and new map per VM, write nothing")
    add_json_argument(parser)
    add_connection_arguments(parser, ucsm=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return assign(args.file, args.merge, args.dry_run, engine_options(args),
                  sys.stdout, sys.stderr, ucsm_options=ucsm_options(args),
                  as_json=args.json)


def read_source(path: str) -> str:
    """The CSV text of FILE, or of stdin for `-`."""
    if path == "-":
        return decode(sys.stdin.buffer.read(), "<stdin>")
    try:
        with open(path, "rb") as f:
            return decode(f.read(), path)
    except OSError as e:
        raise VmfexError("cannot read %s: %s" % (path, e.strerror)) from None


def _show_map(change_map, text: str) -> str:
    if change_map is None:
        return "%s (invalid, replaced)" % text
    return format_vmfex_map(change_map) if change_map else "(none)"


def _when(change: Change) -> str:
    if change.next_run:
        return "applies at next start (VM is %s)" % change.vm.status
    return "applies at once (VM is %s)" % change.vm.status


def print_dry_run(changes: List[Change], unchanged: int, out: TextIO) -> None:
    for change in changes:
        out.write("%s: would change, %s\n  old: %s\n  new: %s\n" % (
            change.vm.name, _when(change), _show_map(change.old_map, change.old_text),
            format_vmfex_map(change.new_map) if change.new_map else "(none: vmfex removed)"))
    out.write("dry run: %d would change, %d unchanged, %d would apply at next start; "
              "nothing written\n" % (len(changes), unchanged,
                                     sum(1 for c in changes if c.next_run)))


def _keys(change: Change) -> dict:
    return {"vm": change.vm.name, "next_run": change.next_run}


def assign(path: str, merge: bool, dry_run: bool, options: engine_client.Options,
           out: TextIO, err: TextIO, ucsm_options=None, as_json: bool = False) -> int:
    """Run assign; return the exit code. Raises VmfexError for fatal errors.
    With ucsm_options every profile written must exist on UCS Manager."""
    source = "<stdin>" if path == "-" else path
    text = output.human(out, as_json)
    rows, problems = parse_rows(read_source(path), merge)
    if not rows and not problems:
        text.write("%s: no rows, nothing to do\n" % source)
        if as_json:
            output.write_document(out, "assign", [], dry_run=dry_run)
        return 0
    plan = None
    if rows:
        with engine_client.session(options) as connection:
            vms = engine_client.read_vms(connection, sorted({row.vm for row in rows}),
                                         bars(err))
            plan = plan_assign(rows, vms, merge)
            problems = sorted(problems + plan.problems + _ucsm_problems(
                rows, plan, ucsm_options, err), key=lambda p: p.line)
            if not problems and not dry_run:
                return _apply(connection, plan, merge, out, err, as_json)
    if problems:
        for problem in problems:
            err.write("error: %s\n" % format_problem(source, problem))
        err.write("%d problem(s) in %s: nothing written\n" % (len(problems), source))
        if as_json:
            output.write_document(out, "assign", [], dry_run=dry_run, problems=[
                format_problem(source, problem) for problem in problems])
        return 1
    print_dry_run(plan.changes, len(plan.unchanged), text)
    if as_json:
        output.write_document(out, "assign", _by_vm(_unchanged_items(plan) + [
            output.item(output.CHANGED, None, **_keys(change)) for change in plan.changes]),
            dry_run=True)
    return 0


def _by_vm(found: list) -> list:
    return sorted(found, key=lambda entry: entry["vm"])


def _unchanged_items(plan) -> list:
    return [output.item(output.UNCHANGED, None, vm=vm.name, next_run=False)
            for vm in plan.unchanged]


def items(results: Results, changes: List[Change]) -> list:
    """The --json items of the VMs written: changed, failed, not known, not
    attempted."""
    by_name = {change.vm.name: change for change in changes}
    found = [output.item(output.CHANGED, None, **_keys(change))
             for change in sorted(results.changed, key=lambda c: c.vm.name)]
    for name in sorted(results.failed):
        reason = results.failed[name]
        found.append(output.item(output.NOT_KNOWN if not_known(reason) else output.FAILED,
                                 reason, **_keys(by_name[name])))
    found += [output.item(output.NOT_ATTEMPTED, "the run stopped first", **_keys(change))
              for change in sorted(results.not_attempted, key=lambda c: c.vm.name)]
    return found


def _ucsm_problems(rows, plan, ucsm_options, err: TextIO) -> list:
    if ucsm_options is None:
        return []
    from engine_tools.ucsm import checks as ucsm_checks

    return ucsm_checks.assign_problems(rows, plan, ucsm.read_profiles(ucsm_options, err))


def _apply(connection, plan, merge: bool, out: TextIO, err: TextIO, as_json: bool) -> int:
    """Write, verify and report with SIGINT/SIGTERM deferred (interrupt): a
    signal stops the writes and the run still ends with its summary, exit 1."""
    with interrupt.deferred():
        code = _write(connection, plan, merge, out, err, as_json)
    return 1 if interrupt.requested() else code


def _write(connection, plan, merge: bool, out: TextIO, err: TextIO, as_json: bool) -> int:
    """Write the maps (each over what its VM holds right before: a plain
    assign owns the whole map, --merge only its rows' MACs), read them back,
    report."""
    progress = Progress(len(plan.changes), "updating VMs", err)
    try:
        writes = engine_client.write_maps(connection, plan.changes, not merge,
                                          lambda change, outcome: progress.step())
    finally:
        progress.close()
    stopped = writes.stopped
    readback, readback_error = None, None
    names = to_verify(writes.changes, writes.outcomes)
    if names and stopped is None:
        try:
            readback = engine_client.read_back(connection, names, bars(err))
        except VmfexError as e:
            readback_error = str(e)
    results = classify(writes.changes, writes.outcomes, readback, readback_error)
    results.failed.update(writes.skipped)
    report(results, len(plan.unchanged), stopped, readback_error,
           output.human(out, as_json), err)
    if as_json:
        output.write_document(out, "assign",
                              _by_vm(_unchanged_items(plan) + items(results, plan.changes)),
                              stopped=stopped, readback_error=readback_error)
    return 1 if results.failed or results.not_attempted or readback_error else 0


def report(results: Results, unchanged: int, stopped: Optional[str],
           readback_error: Optional[str], out: TextIO, err: TextIO) -> None:
    """One line per VM written or failed, the reason a run stopped, the summary."""
    for change in sorted(results.changed, key=lambda c: c.vm.name):
        out.write("%s: changed, %s\n" % (change.vm.name, _when(change)))
    out.flush()
    for name in sorted(results.failed):
        err.write("error: VM %s: %s\n" % (name, results.failed[name]))
    if stopped:
        err.write("error: run stopped: %s\n" % stopped)
    if results.not_attempted:
        err.write("error: %d VM(s) not attempted (first: %s): run the same command "
                  "again, VMs already changed stay as they are\n"
                  % (len(results.not_attempted),
                     min(c.vm.name for c in results.not_attempted)))
    if readback_error:
        err.write("error: could not read the changed VMs back to verify them: %s\n"
                  % readback_error)
    err.flush()
    out.write("summary: %d changed, %d unchanged, %d failed, %d not attempted, "
              "%d apply at next start\n" % (
                  len(results.changed), unchanged, len(results.failed),
                  len(results.not_attempted), sum(1 for c in results.changed if c.next_run)))
