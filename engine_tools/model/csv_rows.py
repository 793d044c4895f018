"""The assign CSV file: header `vm`, `mac` or `nic`, `profile` (pure).

`#` comment lines and blank lines are allowed anywhere; every problem is
reported with its line number so a file can be fixed in one pass.
"""
import csv
import re
from collections import namedtuple
from typing import List, Optional, Tuple

from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.rules import check_profile, normalize_mac

#: kind is "mac" (key: normalized MAC) or "nic" (key: vNIC name);
#: profile "" (only with --merge) removes the MAC from the map.
Row = namedtuple("Row", "line vm kind key profile")
Problem = namedtuple("Problem", "line message")

_REQUIRED = ("vm", "profile")
_KEYS = ("mac", "nic")
# VM names go into engine search queries; these would change their meaning.
_NAME_BREAKERS = set('"*\\')


# Only these end a row: str.splitlines would also split at \x0b \x0c \x1c-\x1e
# \x85 \u2028 \u2029, making two rows of one line and shifting line numbers.
_LINE_END = re.compile("\r\n|\r|\n")


def _fields(text: str) -> List[str]:
    """The stripped fields of one line; ValueError names what is wrong."""
    try:
        return [field.strip() for field in next(csv.reader([text]))]
    except csv.Error as e:
        # e.g. a field over csv.field_size_limit() (128 KiB)
        raise ValueError("not a CSV line: %s" % e) from None


#: Separators spreadsheets write instead of ',' (';' where ',' is the decimal mark).
_OTHER_SEPARATORS = (";", "\t")


def _other_separator(fields: List[str]) -> Optional[str]:
    """The separator a one-field header really uses, when its parts are columns."""
    if len(fields) != 1:
        return None
    for separator in _OTHER_SEPARATORS:
        parts = [part.strip().lower() for part in fields[0].split(separator)]
        if len(parts) > 1 and all(part in _REQUIRED + _KEYS for part in parts):
            return separator
    return None


def _header(fields: List[str], line: int) -> Tuple[dict, List[Problem]]:
    separator = _other_separator(fields)
    if separator is not None:
        return {}, [Problem(line, "header %r: the separator is ',', not %r: write e.g. "
                                  "'vm,mac,profile' (save the spreadsheet as CSV with "
                                  "',' as field separator)" % (fields[0], separator))]
    names = [name.lower() for name in fields]
    problems = []
    unknown = [name for name in names if name not in _REQUIRED + _KEYS]
    if unknown:
        problems.append(Problem(line, "unknown column(s) %s in the header: expected "
                                "vm, mac or nic, profile" % ", ".join(map(repr, unknown))))
    missing = [name for name in _REQUIRED if name not in names]
    keys = [name for name in _KEYS if name in names]
    if len(keys) != 1:
        missing.append("mac or nic" if not keys else "only one of mac and nic")
    if missing:
        problems.append(Problem(line, "header %r: missing column %s (expected e.g. "
                                "'vm,mac,profile' or 'vm,nic,profile')"
                                % (",".join(fields), ", ".join(missing))))
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        problems.append(Problem(line, "column(s) %s appear twice in the header"
                                % ", ".join(duplicated)))
    if problems:
        return {}, problems
    return {name: names.index(name) for name in names}, []


def _row(fields: List[str], columns: dict, line: int, merge: bool
         ) -> Tuple[Row, List[Problem]]:
    problems = []
    if len(fields) != len(columns):
        return None, [Problem(line, "expected %d fields, found %d: %r"
                              % (len(columns), len(fields), ",".join(fields)))]
    vm = fields[columns["vm"]]
    kind = "mac" if "mac" in columns else "nic"
    key = fields[columns[kind]]
    profile = fields[columns["profile"]]
    if not vm:
        problems.append(Problem(line, "empty VM name"))
    elif _NAME_BREAKERS & set(vm) or vm != " ".join(vm.split()):
        problems.append(Problem(line, "invalid VM name %r: quotes, '*', backslashes "
                                "and runs of spaces cannot be in a VM name" % vm))
    if kind == "mac":
        try:
            key = normalize_mac(key)
        except VmfexError as e:
            problems.append(Problem(line, str(e)))
    elif not key:
        problems.append(Problem(line, "empty NIC name"))
    if profile or not merge:
        try:
            check_profile(profile)
        except VmfexError as e:
            message = str(e)
            if not profile:
                message += " (an empty profile removes a MAC, only with --merge)"
            problems.append(Problem(line, message))
    if problems:
        return None, problems
    return Row(line, vm, kind, key, profile), []


def parse_rows(text: str, merge: bool = False) -> Tuple[List[Row], List[Problem]]:
    """Rows and problems of a CSV text; rows are valid on their own."""
    rows, problems = [], []
    columns = None
    for number, line in enumerate(_LINE_END.split(text), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            fields = _fields(line)
        except ValueError as e:
            problems.append(Problem(number, str(e)))
            if columns is None:
                return [], problems
            continue
        if columns is None:
            columns, header_problems = _header(fields, number)
            if header_problems:
                return [], header_problems
            continue
        row, row_problems = _row(fields, columns, number, merge)
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)
    if columns is None:
        problems.append(Problem(0, "no header line: expected e.g. 'vm,mac,profile'"))
    return rows, problems


def decode(data: bytes, source: str) -> str:
    """CSV bytes as text: UTF-8, with or without a byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise VmfexError("%s: not UTF-8 text (byte %d): save the file as UTF-8"
                         % (source, e.start + 1)) from None


def format_problem(source: str, problem: Problem) -> str:
    """`FILE:LINE: message` (no line number for whole-file problems)."""
    if problem.line:
        return "%s:%d: %s" % (source, problem.line, problem.message)
    return "%s: %s" % (source, problem.message)
