"""The `leave` journal: one JSON object per line, appended and fsync'd
before (intent, with the previous state) and after (done or failed) each
write, so a stopped run is resumed or undone from it; `replay` (pure) tells
what each step came to.

Record: {"op": network|label|attach|qos|profile|nic|map, "key": ..., "phase":
intent|done|failed|undone, "before": previous state, "after": what is
written, "id": engine id of a created object, "vm": VM name, "nic": NIC
name, "error": text}. An "undone" record is written by rollback.
"""
import json
import os
from collections import OrderedDict
from typing import Dict, Iterable, List, Optional, Tuple

from vdsm_hook_vmfex.common.errors import VmfexError

JOURNAL_VERSION = 1
OPS = ("network", "label", "attach", "qos", "profile", "nic", "plug", "map")
PHASES = ("intent", "done", "failed", "undone")


class JournalError(VmfexError):
    """A journal that cannot be read or written."""


class Journal(object):
    """An open journal file: `append` writes one record and fsyncs it."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._file = open(path, "a", encoding="utf-8")
        except OSError as e:
            raise JournalError("cannot open journal %s: %s" % (path, e.strerror)) from None

    def append(self, record: dict) -> None:
        try:
            self._file.write(json.dumps(record, sort_keys=True, ensure_ascii=True) + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as e:
            raise JournalError("cannot write journal %s: %s" % (self.path, e.strerror)) \
                from None

    def close(self) -> None:
        self._file.close()


def read(path: str, missing_ok: bool = False) -> List[dict]:
    """The records of a journal file ([] for a missing one when missing_ok).
    A cut last line (the machine stopped while writing it) is ignored."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        if missing_ok and isinstance(e, FileNotFoundError):
            return []
        raise JournalError("cannot read journal %s: %s" % (path, e.strerror)) from None
    return parse(data, path)


def parse(data: bytes, path: str = "journal") -> List[dict]:
    """Records of a journal's bytes; JournalError names the bad line."""
    lines = data.split(b"\n")
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
            if not isinstance(record, dict) or record.get("op") not in OPS \
                    or record.get("phase") not in PHASES or not isinstance(
                        record.get("key"), str):
                raise ValueError("not a journal record")
        except ValueError as e:
            if number == len(lines) or (number == len(lines) - 1 and not lines[-1]):
                if not data.endswith(b"\n"):
                    break  # the cut last line of a stopped run
            raise JournalError("%s line %d: %s: not written by 'vmfex-engine leave'"
                               % (path, number, str(e).split(":")[0])) from None
        records.append(record)
    return records


def replay(records: Iterable[dict]) -> Dict[Tuple[str, str], dict]:
    """{(op, key): the step as it stands}: the intent's fields updated by
    later records, "phase" the latest one, in first-seen order."""
    steps = OrderedDict()
    for record in records:
        step = steps.setdefault((record["op"], record["key"]), {})
        if record["phase"] == "intent" and step.get("phase") in ("done", "undone"):
            # a new run redoes an undone step (or re-checks a done one)
            step.clear()
        step.update(record)
    return steps


def created(steps: Dict[Tuple[str, str], dict], op: str) -> Dict[str, str]:
    """{plan key: engine id} of the objects of `op` this journal created."""
    return {key: step["id"] for (o, key), step in steps.items()
            if o == op and step.get("phase") == "done" and step.get("id")}


def phase(steps: Dict[Tuple[str, str], dict], op: str, key: str) -> Optional[str]:
    step = steps.get((op, key))
    return None if step is None else step.get("phase")


def nic_key(vm_id: str, nic_id: str) -> str:
    return "%s/%s" % (vm_id, nic_id)
