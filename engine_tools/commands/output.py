"""What every vmfex-engine command prints: human tables in one style, and
the one `--json` document (docs/json.md).

Tables: a header of upper-case words, columns two spaces apart, each
padded to its widest cell except the last. JSON: one document on stdout,
nothing else there; errors stay one line on stderr.
"""
import argparse
import io
import json
from typing import Dict, Iterable, List, Optional, Sequence, TextIO

#: The outcome of one item of a write command.
CHANGED, UNCHANGED, FAILED = "changed", "unchanged", "failed"
NOT_ATTEMPTED, NOT_KNOWN = "not_attempted", "not_known"
OUTCOMES = (CHANGED, UNCHANGED, FAILED, NOT_ATTEMPTED, NOT_KNOWN)


def table_lines(header: Sequence[str], rows: Iterable[Sequence[str]]) -> List[str]:
    """The lines of a table: the header (upper-cased) and the rows."""
    cells = [[word.upper() for word in header]] + [[str(cell) for cell in row]
                                                  for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    return ["  ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]])
            for row in cells]


def write_table(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write table_lines to `out`."""
    for line in table_lines(header, rows):
        out.write(line + "\n")


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    """--json: one JSON document on stdout instead of the human output."""
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document on stdout (docs/json.md) instead "
                             "of text; errors stay on stderr, exit codes the same")


def write_json(out: TextIO, document) -> None:
    """The document, ASCII-only (it survives any locale), then a newline."""
    out.write(json.dumps(document, indent=2, sort_keys=False, ensure_ascii=True) + "\n")
    out.flush()


def human(out: TextIO, as_json: bool) -> TextIO:
    """Where the human result lines go: `out`, or nowhere under --json (the
    document says it all; error lines still go to stderr)."""
    return io.StringIO() if as_json else out


def item(outcome: str, reason: Optional[str] = None, **keys) -> Dict:
    """One item of a write command: its keys, outcome and reason (None when
    there is nothing to explain)."""
    assert outcome in OUTCOMES, outcome
    found = dict(keys)
    found["outcome"] = outcome
    found["reason"] = reason
    return found


def summary(items: Iterable[Dict], **extra) -> Dict[str, int]:
    """Counts of every outcome (zeros included), then `extra` counts."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for entry in items:
        counts[entry["outcome"]] += 1
    counts.update(extra)
    return counts


def write_document(out: TextIO, command: str, items: List[Dict], dry_run: bool = False,
                   problems: Optional[List[str]] = None, stopped: Optional[str] = None,
                   readback_error: Optional[str] = None, **extra) -> None:
    """The document of a write command, always with the same keys: command,
    dry_run, summary, items, problems (why nothing was written), stopped (why
    the run stopped early), readback_error (why the writes were not read
    back); then `extra` keys of that command."""
    document = {"command": command, "dry_run": dry_run, "summary": summary(items),
                "items": items, "problems": problems or [], "stopped": stopped,
                "readback_error": readback_error}
    document.update(extra)
    write_json(out, document)
