"""`leave apply` and `leave rollback`: write what a checked plan says, each
write journaled first (previous state included) and read back after."""
import json
import signal
import threading
from typing import Callable, Dict, List, Optional, TextIO

from engine_tools.commands.progress import Progress
from engine_tools.engine import client as engine_client
from engine_tools.engine import leave_io
from engine_tools.model import leave_journal
from engine_tools.model.assign_plan import (
    Change,
    current_map,
    is_running,
    vmfex_value,
    with_vmfex_value,
)
from engine_tools.model.leave_plan import NO_SPOOFING
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.vmfex_map import format_vmfex_map

CHANGED = "changed by someone else since the plan"


class PlanError(VmfexError):
    """A plan that cannot be applied: every problem, one line each."""

    def __init__(self, lines: List[str]) -> None:
        VmfexError.__init__(self, lines[0] if lines else "invalid plan")
        self.lines = lines


class Signals(object):
    """SIGINT/SIGTERM set `received` instead of stopping the run at once,
    so it ends after the writes in flight, with its summary."""

    def __init__(self) -> None:
        self.received = None
        self._saved = {}

    def __enter__(self) -> "Signals":
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._saved[number] = signal.signal(number, self._handle)
        return self

    def _handle(self, number, frame) -> None:
        self.received = signal.Signals(number).name

    def __exit__(self, *exc) -> None:
        for number, handler in self._saved.items():
            signal.signal(number, handler)


class Run(object):
    """One apply or rollback: the connection, the journal, what was written."""

    def __init__(self, connection, journal, steps, signals: Signals) -> None:
        self.connection = connection
        self.journal = journal
        self.steps = steps
        self.signals = signals
        self.writes = {}  # op -> writes sent
        self.reads_back = 0
        self.stopped = None  # why the run stopped early
        self.failed = []  # one line per failed step
        self.vms = {}  # VM name -> (state, reason)

    def record(self, op: str, key: str, phase: str, **fields) -> None:
        entry = dict(fields, op=op, key=key, phase=phase)
        self.journal.append(entry)
        step = self.steps.setdefault((op, key), {})
        if phase == "intent" and step.get("phase") in ("done", "undone"):
            step.clear()
        step.update(entry)

    def send(self, op: str, items: List, key: Callable, start: Callable,
             intent: Optional[Callable] = None) -> Dict:
        """Journal an intent per item (fields from intent(item)), send each
        once: {key: (Outcome, answer)} of the writes sent."""
        if not items or self.stopped:
            return {}
        for item in items:
            if intent is not None:
                self.record(op, key(item), "intent", **intent(item))
        outcomes, answers, stopped = leave_io.send(self.connection, items, start, key)
        self.writes[op] = self.writes.get(op, 0) + len(outcomes)
        if stopped:
            self.stopped = stopped
        return {k: (o, answers.get(k)) for k, o in outcomes.items()}

    def fail(self, op: str, key: str, message: str, **fields) -> None:
        self.record(op, key, "failed", error=message, **fields)
        self.failed.append(message)

    def interrupted(self) -> bool:
        if self.signals.received and not self.stopped:
            self.stopped = "stopped by %s" % self.signals.received
        return self.stopped is not None


# -- apply: objects ----------------------------------------------------------

def _engine_problems(plan: dict, path: str, state, steps) -> List[str]:
    """What in the plan the engine's state contradicts (nothing written yet)."""
    networks, profiles, filters, dcs, qos, clusters = state
    problems = []

    def add(where, message):
        problems.append("%s: %s: %s" % (path, where, message))

    for i, net in enumerate(plan["networks"]):
        where = "networks[%d]" % i
        if net["data_center_id"] not in dcs:
            add(where + ".data_center_id", "data center %s is not in the engine"
                % net["data_center_id"])
        elif net["id"] and net["id"] not in networks:
            add(where + ".id", "network id %s is not in the engine" % net["id"])
        elif not net["id"] and leave_journal.created(steps, "network").get(net["key"]) \
                not in networks:
            same = [n for n in networks.values() if n.data_center_id == net["data_center_id"]
                    and n.name == net["name"]]
            vlan = [n for n in networks.values() if n.data_center_id ==
                    net["data_center_id"] and net["vlan_id"] and n.vlan_id == net["vlan_id"]]
            if same and same[0].vlan_id != (net["vlan_id"] or None):
                add(where + ".name", "a network %r exists in data center %s with VLAN %s"
                    % (net["name"], net.get("data_center"), same[0].vlan_id))
            elif vlan and not same:
                add(where + ".vlan_id", "VLAN %d is used by network %r in data center %s: "
                    "the engine refuses a second network on it (set its id to reuse it)"
                    % (net["vlan_id"], vlan[0].name, net.get("data_center")))
    for i, prof in enumerate(plan["profiles"]):
        if prof["id"] and prof["id"] not in profiles:
            add("profiles[%d].id" % i, "vNIC profile id %s is not in the engine" % prof["id"])
        if prof["network_filter"] and prof["network_filter"] not in filters:
            add("profiles[%d].network_filter" % i, "the engine has no network filter %r"
                % prof["network_filter"])
    for i, item in enumerate(plan["qos"]):
        if item["id"] and item["id"] not in qos:
            add("qos[%d].id" % i, "QoS id %s is not in the engine" % item["id"])
    for i, cluster in enumerate(plan["clusters"]):
        if cluster["attach"] and cluster["id"] not in clusters:
            add("clusters[%d].id" % i, "cluster %s is not in the engine" % cluster.get("id"))
    return problems


def _read_state(connection, dc_ids):
    networks, profiles, filters = leave_io.read_networking(connection)
    inventory_dcs = leave_io.read_data_centers(connection)
    qos = leave_io.read_qos(connection, [d for d in dc_ids if d in inventory_dcs])
    clusters = leave_io.read_clusters(connection)
    return networks, profiles, filters, inventory_dcs, qos, clusters


def create_objects(run: Run, plan: dict, path: str) -> Dict[str, str]:
    """Networks, labels, cluster networks, QoS, vNIC profiles the plan needs:
    {plan key: engine id} of every object there (created now or before)."""
    conn = run.connection
    dc_ids = sorted({n["data_center_id"] for n in plan["networks"]}
                    | {q["data_center_id"] for q in plan["qos"]})
    state = _read_state(conn, dc_ids)
    problems = _engine_problems(plan, path, state, run.steps)
    if problems:
        raise PlanError(problems)
    networks, profiles, filters, _, qos, clusters = state
    ids = {}
    new_networks = {n["key"] for n in plan["networks"] if not n["id"]}
    _find_or_create(run, "network", plan["networks"], ids, networks, lambda net: next(
        (n.id for n in networks.values() if n.name == net["name"]
         and n.data_center_id == net["data_center_id"]), None),
        lambda n: leave_io.add_network_start(conn, n))
    _labels(run, plan, ids, new_networks)
    _attach(run, plan, ids, clusters, new_networks)
    _find_or_create(run, "qos", plan["qos"], ids, qos, lambda item: next(
        (i for i, (name, dc) in qos.items() if name == item["name"]
         and dc == item["data_center_id"]), None),
        lambda q: leave_io.add_qos_start(conn, q))
    todo = []
    for prof in plan["profiles"]:
        network_id = ids.get(prof["network"])
        found = prof["id"] or leave_journal.created(run.steps, "profile").get(prof["key"])
        if found not in profiles:
            found = _adopt(run, "profile", prof, next(
                (p.id for p in profiles.values() if p.name == prof["name"]
                 and p.network_id == network_id), None))
        if found is not None:
            ids[prof["key"]] = found
        elif network_id is None or (prof["qos"] and prof["qos"] not in ids):
            run.failed.append("vNIC profile %s not created: its network or QoS was not"
                              % prof["name"])
        else:
            todo.append(prof)
    _create(run, "profile", todo, ids, lambda p: leave_io.add_profile_start(
        conn, p, ids[p["network"]], filters.get(NO_SPOOFING) if p["network_filter"] else None,
        ids.get(p["qos"]) if p["qos"] else None),
        lambda p: {"name": p["name"], "before": None})
    return ids


def _adopt(run: Run, op: str, item: dict, found: Optional[str]) -> Optional[str]:
    """An object found by name: this journal's own when a run stopped between
    creating it and recording that (its intent is journaled), else reused."""
    if found is not None and leave_journal.phase(run.steps, op, item["key"]) in (
            "intent", "failed"):
        run.record(op, item["key"], "done", id=found, name=item["name"])
    return found


def _find_or_create(run: Run, op: str, items: List[dict], ids: Dict[str, str], present,
                    named, start) -> None:
    """Put the id of each of `items` into `ids`: the planned one, one an
    earlier run created (journal), one with its name and data center
    (`named(item)`, adopted), or else a new one (`start(item)`); `present`:
    the ids the engine has."""
    created = leave_journal.created(run.steps, op)
    for item in items:
        found = item["id"] or created.get(item["key"])
        if found not in present:
            found = _adopt(run, op, item, named(item))
        if found is not None:
            ids[item["key"]] = found
    _create(run, op, [i for i in items if i["key"] not in ids], ids, start,
            lambda i: {"name": i["name"], "data_center_id": i["data_center_id"],
                       "before": None})


def _create(run: Run, op: str, items: List[dict], ids: Dict[str, str], start, intent) -> None:
    sent = run.send(op, items, lambda item: item["key"], start, intent)
    for item in items:
        outcome, answer = sent.get(item["key"], (None, None))
        if outcome is None:
            continue
        if outcome.state == "ok" and answer is not None and answer.id:
            ids[item["key"]] = answer.id
            run.record(op, item["key"], "done", id=answer.id, name=item["name"])
        else:
            run.fail(op, item["key"], "%s %s: %s" % (op, item["name"], outcome.text
                                                     or outcome.state))


def _labels(run: Run, plan: dict, ids: Dict[str, str], new_networks) -> None:
    todo = []
    for net in plan["networks"]:
        key = net["key"]
        if not net["label"] or key not in new_networks or key not in ids \
                or leave_journal.phase(run.steps, "label", key) == "done":
            continue
        if net["label"] in leave_io.network_labels(run.connection, ids[key]):
            run.record("label", key, "done", id=ids[key], label=net["label"])
        else:
            todo.append(net)
    sent = run.send("label", todo, lambda n: n["key"],
                    lambda n: leave_io.add_label_start(run.connection, ids[n["key"]],
                                                       n["label"]),
                    lambda n: {"id": ids[n["key"]], "label": n["label"], "before": None})
    for net in todo:
        outcome = sent.get(net["key"], (None, None))[0]
        if outcome is not None and outcome.state == "ok":
            run.record("label", net["key"], "done", id=ids[net["key"]], label=net["label"])
        elif outcome is not None:
            run.fail("label", net["key"], "label %s on network %s: %s" % (
                net["label"], net["name"], outcome.text or outcome.state))


def _attach(run: Run, plan: dict, ids: Dict[str, str], clusters, new_networks) -> None:
    todo = []
    for cluster in plan["clusters"]:
        for key in cluster["attach"]:
            cid = cluster["id"]
            if key in ids and ids[key] not in clusters[cid].network_ids:
                todo.append({"key": "%s/%s" % (cid, key), "cluster": cid,
                             "network": ids[key], "created": key in new_networks,
                             "name": "%s in cluster %s" % (key, cluster["name"])})
    sent = run.send("attach", todo, lambda a: a["key"],
                    lambda a: leave_io.attach_start(run.connection, a["cluster"],
                                                    a["network"]),
                    lambda a: {"cluster": a["cluster"], "id": a["network"],
                               "created_network": a["created"], "before": None})
    for item in todo:
        outcome = sent.get(item["key"], (None, None))[0]
        if outcome is not None and outcome.state == "ok":
            run.record("attach", item["key"], "done", cluster=item["cluster"],
                       id=item["network"], created_network=item["created"])
        elif outcome is not None:
            run.fail("attach", item["key"], "attach network %s: %s" % (
                item["name"], outcome.text or outcome.state))


# -- apply: VMs ----------------------------------------------------------------

def _changed(entry: dict, vm, targets: Dict[str, str]) -> Optional[str]:
    """Why the VM no longer is as the plan recorded it, None if it is."""
    devices = {nic.id: nic for nic in vm.devices}
    for nic in entry["nics"]:
        now = devices.get(nic["id"])
        if now is None:
            return "%s: NIC %s is gone" % (CHANGED, nic["name"])
        if now.profile_id not in (nic["from_profile_id"], targets.get(nic["profile"])):
            return "%s: NIC %s is on another vNIC profile" % (CHANGED, nic["name"])
    _, mapping, problem = current_map(vm)
    before = _parse_map(entry["map_before"])
    if problem or before is None:
        return "%s: its VM map is not what the plan read" % CHANGED
    moving = {nic["mac"] for nic in entry["nics"]}
    if {m: p for m, p in mapping.items() if m not in moving} != \
            {m: p for m, p in before.items() if m not in moving} or any(
                mapping.get(mac) not in (None, before.get(mac)) for mac in moving):
        return "%s: its VM map changed" % CHANGED
    return None


def _parse_map(text: str):
    from vdsm_hook_vmfex.common.vmfex_map import parse_vmfex_map

    try:
        return parse_vmfex_map(text) if text else {}
    except VmfexError:
        return None


def move_vms(run: Run, plan: dict, ids: Dict[str, str], batch: int,
             only: Optional[List[str]], running: str, err: TextIO) -> None:
    entries = [v for v in plan["vms"] if v["when"] in ("now", "replug", "skip")
               and (only is None or v["name"] in only)]
    progress = Progress(len(entries), "moving", err)
    try:
        _move_all(run, plan, entries, ids, batch, only, running, progress)
    finally:
        progress.close()


def _move_all(run: Run, plan: dict, entries: List[dict], ids: Dict[str, str], batch: int,
              only: Optional[List[str]], running: str, progress: Progress) -> None:
    for entry in plan["vms"]:
        if entry["when"] == "refused" and (only is None or entry["name"] in only):
            run.vms[entry["name"]] = ("refused", entry.get("reason"))
    for name in sorted(set(only or ()) - {v["name"] for v in plan["vms"]}):
        run.vms[name] = ("refused", "not in the plan")
    for start in range(0, len(entries), batch):
        if run.interrupted():
            for entry in entries[start:]:
                run.vms.setdefault(entry["name"], ("not attempted", run.stopped))
            break
        _move_batch(run, entries[start:start + batch], ids, running)
        for _ in entries[start:start + batch]:
            progress.step()


def _move_batch(run: Run, entries: List[dict], ids: Dict[str, str], running: str) -> None:
    conn = run.connection
    names = [e["name"] for e in entries]
    current = engine_client.read_vms(conn, names)
    moves, replug, ready = [], [], []
    for entry in entries:
        vm = current.get(entry["name"])
        if vm is None or vm.id != entry["id"]:
            run.vms[entry["name"]] = ("refused", "%s: the VM is not in the engine" % CHANGED)
            continue
        reason = _changed(entry, vm, ids)
        missing = [n["profile"] for n in entry["nics"] if n["profile"] not in ids]
        if reason is None and missing:
            reason = "vNIC profile %s was not created" % ", ".join(sorted(set(missing)))
        if reason is None and vm.status not in ("down", "image_locked"):
            if vm.status != "up":
                reason = "%s: the engine changes NICs only of VMs up or down" % vm.status
            elif running != "replug":
                reason = "running: left for a later run (--running skip)"
        if reason is not None:
            run.vms[entry["name"]] = ("skipped", reason)
            continue
        ready.append((entry, vm))
        devices = {nic.id: nic for nic in vm.devices}
        for nic in entry["nics"]:
            target = ids[nic["profile"]]
            if devices[nic["id"]].profile_id == target:
                continue
            item = {"key": leave_journal.nic_key(vm.id, nic["id"]), "vm": vm.name,
                    "vm_id": vm.id, "nic": nic["name"], "nic_id": nic["id"],
                    "before": nic["from_profile_id"], "after": target}
            moves.append(item)
            if vm.status == "up" and nic["id"] in (vm.plugged or ()):
                replug.append(item)
    sent = run.send("plug", replug, lambda m: m["key"],
                    lambda m: leave_io.plug_start(conn, m["vm_id"], m["nic_id"], False),
                    lambda m: {"vm": m["vm"], "nic": m["nic"], "before": True,
                               "after": False})
    unplug_failed = {k for k, (o, _) in sent.items() if o.state != "ok"}
    for key in sorted(unplug_failed):
        run.fail("plug", key, "unplug of %s: %s" % (key, sent[key][0].text))
    moves = [m for m in moves if m["key"] not in unplug_failed]
    sent = run.send("nic", moves, lambda m: m["key"],
                    lambda m: leave_io.nic_profile_start(conn, m["vm_id"], m["nic_id"],
                                                         m["after"]),
                    lambda m: {k: m[k] for k in ("vm", "nic", "before", "after")})
    replugged = [m for m in replug if m["key"] not in unplug_failed]
    plugged = run.send("plug", replugged, lambda m: m["key"],
                       lambda m: leave_io.plug_start(conn, m["vm_id"], m["nic_id"], True),
                       lambda m: {"vm": m["vm"], "nic": m["nic"], "before": False,
                                  "after": True})
    if not ready:
        return
    if run.stopped:
        # the engine is gone: the journal holds the intents, the next run
        # re-reads these VMs and finishes or records them
        for entry, _ in ready:
            run.vms[entry["name"]] = ("not attempted", run.stopped)
        return
    back = engine_client.read_back(conn, [e["name"] for e, _ in ready])
    run.reads_back += 1
    bad_vms = set()
    for move in moves:
        vm = back.get(move["vm"])
        now = {n.id: n.profile_id for n in vm.devices} if vm else {}
        if now.get(move["nic_id"]) == move["after"]:
            run.record("nic", move["key"], "done", vm=move["vm"], nic=move["nic"],
                       before=move["before"], after=move["after"])
        else:
            outcome = sent.get(move["key"], (None, None))[0]
            bad_vms.add(move["vm"])
            run.fail("nic", move["key"], "VM %s NIC %s: %s" % (
                move["vm"], move["nic"], outcome.text if outcome and outcome.text
                else "not on the new vNIC profile when read back"),
                vm=move["vm"], nic=move["nic"], before=move["before"], after=move["after"])
    for move in replugged:
        vm = back.get(move["vm"])
        if vm is not None and move["nic_id"] in (vm.plugged or ()):
            run.record("plug", move["key"], "done", vm=move["vm"], nic=move["nic"],
                       before=False, after=True)
        elif move["key"] in plugged or move["key"] in unplug_failed:
            bad_vms.add(move["vm"])
            run.fail("plug", move["key"], "VM %s NIC %s is unplugged: plug it (rollback or "
                     "the same apply again)" % (move["vm"], move["nic"]))
    _maps(run, [(e, back.get(e["name"])) for e, _ in ready if e["name"] not in bad_vms])
    for entry, _ in ready:
        if entry["name"] in bad_vms:
            run.vms[entry["name"]] = ("failed", "a NIC did not move; its map is left")
        else:
            run.vms.setdefault(entry["name"], ("moved", None))


def _maps(run: Run, ready) -> None:
    """Drop the moved NICs' MACs from each VM's map, re-read just before
    (the read-back of the batch); next_run for a running VM."""
    changes = []
    for entry, vm in ready:
        if vm is None:
            continue
        text, mapping, problem = current_map(vm)
        moved = {nic["mac"] for nic in entry["nics"]}
        if problem or not set(mapping) & moved:
            continue
        left = {m: p for m, p in mapping.items() if m not in moved}
        new_text = format_vmfex_map(left) if left else ""
        changes.append(Change(vm, text, mapping, left,
                              with_vmfex_value(vm.properties, new_text), is_running(vm)))
    if not changes or run.interrupted():
        return
    for change in changes:
        run.record("map", change.vm.id, "intent", vm=change.vm.name, before=change.old_text,
                   after=format_vmfex_map(change.new_map) if change.new_map else "")
    outcomes, stopped = engine_client.apply_changes(run.connection, changes)
    run.writes["map"] = run.writes.get("map", 0) + len(outcomes)
    if stopped:
        run.stopped = stopped
    back = engine_client.read_back(run.connection, [c.vm.name for c in changes])
    run.reads_back += 1
    for change in changes:
        after = format_vmfex_map(change.new_map) if change.new_map else ""
        vm = back.get(change.vm.name)
        if vm is not None and (vmfex_value(vm) or "") == after:
            run.record("map", change.vm.id, "done", vm=change.vm.name, before=change.old_text,
                       after=after, next_run=change.next_run)
        else:
            outcome = outcomes.get(change.vm.name)
            run.fail("map", change.vm.id, "VM %s map: %s" % (
                change.vm.name, outcome.text if outcome and outcome.text else
                "not as written when read back"), vm=change.vm.name,
                before=change.old_text, after=after)
            run.vms[change.vm.name] = ("failed", "its NICs moved, its map did not change")


def apply(plan: dict, plan_path: str, options, journal_path: str, batch: int,
          only: Optional[List[str]], running: Optional[str], as_json: bool,
          out: TextIO, err: TextIO) -> int:
    """Run `leave apply`; the exit code."""
    steps = leave_journal.replay(leave_journal.read(journal_path, missing_ok=True))
    running = running or plan.get("running") or "skip"
    journal = leave_journal.Journal(journal_path)
    try:
        with Signals() as signals, engine_client.session(options) as connection:
            run = Run(connection, journal, steps, signals)
            ids = create_objects(run, plan, plan_path)
            if not run.interrupted():
                move_vms(run, plan, ids, batch, only, running, err)
    finally:
        journal.close()
    return report(run, "apply", journal_path, as_json, out, err)


def report(run: Run, what: str, journal_path: str, as_json: bool, out: TextIO,
           err: TextIO) -> int:
    counts = {}
    for state, _ in run.vms.values():
        counts[state] = counts.get(state, 0) + 1
    # "left": rollback could not restore what someone changed since
    failed = bool(run.failed or run.stopped or counts.get("failed") or counts.get("left"))
    if as_json:
        out.write(json.dumps({
            "command": what, "journal": journal_path, "writes": run.writes,
            "writes_total": sum(run.writes.values()), "reads_back": run.reads_back,
            "vms": {name: {"state": s, "reason": r} for name, (s, r) in
                    sorted(run.vms.items())},
            "counts": counts, "failed": run.failed, "stopped": run.stopped,
            "ok": not failed}, indent=2, sort_keys=True) + "\n")
    else:
        for name, (state, reason) in sorted(run.vms.items()):
            out.write("%s: %s%s\n" % (name, state, ": %s" % reason if reason else ""))
        for line in run.failed:
            err.write("error: %s\n" % line)
        if run.stopped:
            err.write("%s stopped: %s; run the same command again to go on (journal %s)\n"
                      % (what, run.stopped, journal_path))
        out.write("summary: %d writes (%s), %s\n" % (
            sum(run.writes.values()), ", ".join("%s %d" % (k, v) for k, v in
                                                 sorted(run.writes.items())) or "none",
            ", ".join("%d VMs %s" % (v, k) for k, v in sorted(counts.items()))
            or "no VM"))
    return 1 if failed else 0


# -- rollback --------------------------------------------------------------------

def rollback(journal_path: str, options, as_json: bool, out: TextIO, err: TextIO) -> int:
    """Undo what the journal says was (or may have been) written."""
    steps = leave_journal.replay(leave_journal.read(journal_path))
    if not steps:
        raise VmfexError("journal %s is empty: nothing to roll back" % journal_path)
    journal = leave_journal.Journal(journal_path)
    try:
        with Signals() as signals, engine_client.session(options) as connection:
            run = Run(connection, journal, steps, signals)
            _undo_vms(run)
            if not run.interrupted():
                _undo_objects(run)
    finally:
        journal.close()
    return report(run, "rollback", journal_path, as_json, out, err)


def _live(steps, op: str) -> List[dict]:
    return [dict(step) for (o, _), step in steps.items()
            if o == op and step.get("phase") in ("intent", "done", "failed")]


def _undo_vms(run: Run) -> None:
    conn = run.connection
    nic_steps, plug_steps, map_steps = (_live(run.steps, op) for op in ("nic", "plug", "map"))
    names = sorted({s["vm"] for s in nic_steps + plug_steps + map_steps if s.get("vm")})
    if not names:
        return
    vms = engine_client.read_vms(conn, names)
    restore, plug = [], []
    for step in nic_steps:
        vm = vms.get(step["vm"])
        vm_id, nic_id = step["key"].split("/", 1)
        nic = next((n for n in vm.devices if n.id == nic_id), None) if vm else None
        if nic is None:
            run.vms[step["vm"]] = ("left", "VM or NIC %s gone" % step.get("nic"))
        elif nic.profile_id == step["after"] and step.get("before"):
            restore.append(dict(step, vm_id=vm_id, nic_id=nic_id))
        elif nic.profile_id == step.get("before"):
            run.record("nic", step["key"], "undone", vm=step["vm"], nic=step.get("nic"),
                       before=step.get("before"), after=step["after"])
        else:
            run.vms[step["vm"]] = ("left", "NIC %s: changed by someone else since the move"
                                   % step.get("nic"))
    for step in plug_steps:
        vm = vms.get(step["vm"])
        vm_id, nic_id = step["key"].split("/", 1)
        # plug only what this tool left unplugged (its last plug step did
        # not end with the NIC plugged)
        left_unplugged = step.get("after") is False or step.get("phase") != "done"
        if vm is not None and left_unplugged and nic_id not in (vm.plugged or ()) \
                and vm.status == "up":
            plug.append(dict(step, vm_id=vm_id, nic_id=nic_id))
    sent = run.send("nic", restore, lambda s: s["key"],
                    lambda s: leave_io.nic_profile_start(conn, s["vm_id"], s["nic_id"],
                                                         s["before"]))
    run.send("plug", plug, lambda s: s["key"],
             lambda s: leave_io.plug_start(conn, s["vm_id"], s["nic_id"], True))
    map_changes = []
    back_names = sorted({s["vm"] for s in restore + plug} | {s["vm"] for s in map_steps})
    back = engine_client.read_back(conn, back_names) if back_names else {}
    run.reads_back += 1 if back_names else 0
    for step in restore:
        vm = back.get(step["vm"])
        now = {n.id: n.profile_id for n in vm.devices} if vm else {}
        if now.get(step["nic_id"]) == step["before"]:
            run.record("nic", step["key"], "undone", vm=step["vm"], nic=step.get("nic"),
                       before=step["before"], after=step["after"])
            run.vms.setdefault(step["vm"], ("rolled back", None))
        else:
            outcome = sent.get(step["key"], (None, None))[0]
            run.failed.append("VM %s NIC %s not restored: %s" % (
                step["vm"], step.get("nic"), outcome.text if outcome else "not sent"))
            run.vms[step["vm"]] = ("failed", "a NIC was not restored")
    for step in map_steps:
        vm = back.get(step["vm"])
        if vm is None:
            continue
        now = vmfex_value(vm) or ""
        if now == (step.get("after") or "") and now != (step.get("before") or ""):
            map_changes.append((step, Change(vm, now, None, None, with_vmfex_value(
                vm.properties, step.get("before") or ""), is_running(vm))))
        elif now == (step.get("before") or ""):
            run.record("map", step["key"], "undone", vm=step["vm"], before=step.get("before"),
                       after=step.get("after"))
    if map_changes and not run.interrupted():
        outcomes, stopped = engine_client.apply_changes(conn, [c for _, c in map_changes])
        run.writes["map"] = run.writes.get("map", 0) + len(outcomes)
        run.stopped = run.stopped or stopped
        again = engine_client.read_back(conn, [c.vm.name for _, c in map_changes])
        run.reads_back += 1
        for step, change in map_changes:
            vm = again.get(change.vm.name)
            if vm is not None and (vmfex_value(vm) or "") == (step.get("before") or ""):
                run.record("map", step["key"], "undone", vm=step["vm"],
                           before=step.get("before"), after=step.get("after"))
                run.vms.setdefault(step["vm"], ("rolled back", None))
            else:
                run.failed.append("VM %s map not restored" % step["vm"])


def _remover(conn, kind: Optional[str]) -> Callable:
    if kind is None:
        return lambda step: leave_io.detach_start(conn, step["cluster"], step["id"])
    return lambda step: leave_io.remove_start(conn, kind, step["id"],
                                              step.get("data_center_id"))


def _undo_objects(run: Run) -> None:
    conn = run.connection
    for op, kind in (("profile", "profile"), ("qos", "qos"), ("attach", None),
                     ("network", "network")):
        steps = [s for s in _live(run.steps, op) if s.get("phase") == "done" and s.get("id")]
        if op == "attach":
            # a created network takes its cluster attachments with it
            steps = [s for s in steps if not s.get("created_network")]
        if not steps or run.interrupted():
            continue
        sent = run.send(op, steps, lambda s: s["key"], _remover(conn, kind))
        for step in steps:
            outcome = sent.get(step["key"], (None, None))[0]
            if outcome is not None and outcome.state == "ok":
                run.record(op, step["key"], "undone", id=step["id"], name=step.get("name"))
            elif outcome is not None and "not found" in (outcome.text or "").lower():
                run.record(op, step["key"], "undone", id=step["id"], name=step.get("name"))
            elif outcome is not None:
                run.failed.append("%s %s left: %s" % (op, step.get("name") or step["key"],
                                                      outcome.text))
