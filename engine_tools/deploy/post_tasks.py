"""The engine's host deploy post-tasks file, edited as text: add or remove one
marked include of the vmfex role, every other byte kept (pure: text in, text out).

ovirt-engine's ovirt-host-deploy.yml ends its tasks with
`include_tasks: "{{ host_deploy_post_tasks }}"` when that file exists
(AnsibleConstants.HOST_DEPLOY_POST_TASKS_FILE_PATH,
/etc/ovirt-engine/ansible/ovirt-host-deploy-post-tasks.yml): a YAML list of
tasks the administrator keeps, run on every host the engine deploys or
reinstalls, after which the engine sets up the host's networks.
"""
import json
import re
from typing import List, Optional, Tuple

import yaml

from vdsm_hook_vmfex.common.errors import VmfexError

BEGIN = "# BEGIN vdsm-hook-vmfex"
END = "# END vdsm-hook-vmfex"
TASK_NAME = "Set up VM-FEX on the host (vdsm-hook-vmfex)"
INCLUDE_MODULE = "ansible.builtin.include_role"
# Task keys that include other tasks or a role, with and without collection.
_INCLUDES = ("include_role", "import_role", "include_tasks", "import_tasks", "include")
INCLUDE_KEYS = frozenset(_INCLUDES + tuple("ansible.builtin." + k for k in _INCLUDES)
                         + tuple("ansible.legacy." + k for k in _INCLUDES))
NESTED_KEYS = ("block", "rescue", "always")
SHIPPED_MARK = "vdsm-hook-vmfex/ansible/"
NEW_FILE_HEADER = (
    "---\n"
    "# Tasks the oVirt engine runs on every host it deploys or reinstalls\n"
    "# (its ovirt-host-deploy.yml includes this file after its own roles).\n")


class NotATaskList(VmfexError):
    """The file is not a YAML list of tasks: nothing is written."""


class CannotEdit(VmfexError):
    """The change cannot be made safely by appending or removing lines."""


class Include(object):
    """A task that includes the shipped vmfex tasks, and where it is."""

    def __init__(self, line: int, target: str, task: dict) -> None:
        self.line = line  # 1-based
        self.target = target
        self.task = task


class Parsed(object):
    """The tasks of a post-tasks file, our includes in it, its marked blocks."""

    def __init__(self, tasks: list, includes: "List[Include]", column: int,
                 blocks: "List[Tuple[int, int]]") -> None:
        self.tasks = tasks
        self.includes = includes
        self.column = column  # of the top-level '-' indicators
        self.blocks = blocks  # (first, last) 0-based line indexes of marked blocks


def include_task(role: str) -> dict:
    """The task `enable` adds."""
    return {"name": TASK_NAME, INCLUDE_MODULE: {"name": role}}


def include_block(role: str, column: int = 0, eol: str = "\n") -> str:
    """The marked lines `enable` appends (the path JSON-quoted: valid YAML)."""
    lines = [BEGIN + ": added by 'vmfex-engine host-deploy enable'; "
             "remove with 'vmfex-engine host-deploy disable'",
             "- name: " + TASK_NAME,
             "  %s:" % INCLUDE_MODULE,
             "    name: " + json.dumps(role),
             END]
    return "".join(" " * column + line + eol for line in lines)


def one_line_task(role: str) -> str:
    """The task `enable` adds, as one line of flow-style YAML."""
    return "- {name: %s, %s: {name: %s}}" % (json.dumps(TASK_NAME), INCLUDE_MODULE,
                                              json.dumps(role))


def split_lines(text: str) -> "List[str]":
    """Lines with their '\\n' ends (only '\\n' ends a line here, '\\r' stays)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def _marker_blocks(lines: "List[str]") -> "List[Tuple[int, int]]":
    blocks = []
    start = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if start is not None:
                raise CannotEdit("a second %r at line %d before the %r of line %d: "
                                 "expected one marked block; fix the file by hand"
                                 % (BEGIN, index + 1, END, start + 1))
            start = index
        elif stripped.startswith(END):
            if start is None:
                raise CannotEdit("%r at line %d without a %r before it: fix the file "
                                 "by hand" % (END, index + 1, BEGIN))
            blocks.append((start, index))
            start = None
    if start is not None:
        raise CannotEdit("%r at line %d has no %r after it: fix the file by hand"
                         % (BEGIN, start + 1, END))
    return blocks


def _include_target(node) -> Optional[str]:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if (isinstance(key, yaml.ScalarNode) and key.value in ("name", "file", "_raw_params")
                    and isinstance(value, yaml.ScalarNode)):
                return str(value.value)
    return None


def _is_ours(target: str, role: str) -> bool:
    return target.rstrip("/") == role.rstrip("/") or SHIPPED_MARK in target


def _find_includes(seq, tasks: list, role: str, seen: set) -> "List[Include]":
    """Tasks (also inside block/rescue/always) including the vmfex tasks."""
    found = []
    if id(seq) in seen:  # an alias of a list already walked
        return found
    seen.add(id(seq))
    for item, task in zip(seq.value, tasks):
        if not isinstance(item, yaml.MappingNode) or not isinstance(task, dict):
            continue
        for key, value in item.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            if key.value in INCLUDE_KEYS:
                target = _include_target(value)
                if target is not None and _is_ours(target, role):
                    found.append(Include(key.start_mark.line + 1, target, task))
            elif (key.value in NESTED_KEYS and isinstance(value, yaml.SequenceNode)
                  and isinstance(task.get(key.value), list)):
                found += _find_includes(value, task[key.value], role, seen)
    return found


def _yaml_problem(err: Exception) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    if mark is not None:
        return "line %d, column %d: %s" % (mark.line + 1, mark.column + 1, problem)
    return problem


def parse(text: str, role: str) -> Parsed:
    """Check `text` is a YAML list of tasks; find our includes and marks.

    Raises NotATaskList or CannotEdit."""
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        raise NotATaskList("not valid YAML (%s)" % _yaml_problem(err)) from None
    except (ValueError, OverflowError) as err:  # e.g. a timestamp like 2024-13-45
        raise NotATaskList("a value YAML cannot read (%s)" % err) from None
    except RecursionError:
        raise NotATaskList("nested too deeply to read") from None
    if data is None:
        return Parsed([], [], 0, _marker_blocks(split_lines(text)))
    if not isinstance(data, list):
        raise NotATaskList("its top level is a %s, not a list of tasks"
                           % type(data).__name__.replace("dict", "mapping"))
    for index, task in enumerate(data):
        if not isinstance(task, dict):
            raise NotATaskList("item %d is a %s, not a task (a mapping such as "
                               "'- name: ...')" % (index + 1, type(task).__name__))
        if "hosts" in task or any(str(key).endswith("import_playbook") for key in task):
            raise NotATaskList("item %d is a play (it has 'hosts' or imports a playbook): "
                               "this file holds tasks, not a playbook" % (index + 1))
    try:
        includes = _find_includes(node, data, role, set())
    except RecursionError:
        raise NotATaskList("nested too deeply to read") from None
    column = node.start_mark.column if data else 0
    if node.flow_style:
        column = -1  # a flow list ('[...]'): lines cannot be appended to it
    return Parsed(data, includes, column, _marker_blocks(split_lines(text)))


def _lines_of(blocks: "List[Tuple[int, int]]") -> str:
    return ", ".join("%d-%d" % (a + 1, b + 1) for a, b in blocks)


def _parse_once(text: str, role: str) -> Parsed:
    """parse(), then CannotEdit when the include or our block is there twice."""
    parsed = parse(text, role)
    if len(parsed.includes) > 1:
        raise CannotEdit("it includes the vmfex tasks %d times (lines %s): expected at "
                         "most once; remove the extra includes by hand"
                         % (len(parsed.includes),
                            ", ".join(str(i.line) for i in parsed.includes)))
    if len(parsed.blocks) > 1:
        raise CannotEdit("it has %d blocks marked %r (lines %s): expected at most one; "
                         "remove the extra ones by hand"
                         % (len(parsed.blocks), BEGIN, _lines_of(parsed.blocks)))
    return parsed


def _inside(include: Include, block: "Tuple[int, int]") -> bool:
    return block[0] < include.line - 1 <= block[1]


def _reparse(new: str, role: str, why: str) -> "Tuple[Optional[Parsed], str]":
    """(the edited text parsed, `why` it may still be wrong); (None, the
    reason) when it no longer parses."""
    try:
        return parse(new, role), why
    except VmfexError as err:
        return None, str(err)


def _same(new: list, expected: list) -> bool:
    try:
        return new == expected
    except RecursionError:
        return False


def enable(text: Optional[str], role: str) -> "Tuple[Optional[str], str]":
    """(new text, or None when nothing changes; what was done or found).
    `text` None: the file does not exist."""
    if text is None:
        return NEW_FILE_HEADER + include_block(role), "created with the include of " + role
    parsed = _parse_once(text, role)
    if parsed.includes:
        include = parsed.includes[0]
        if parsed.blocks and _inside(include, parsed.blocks[0]):
            return None, "already includes the vmfex tasks (line %d)" % include.line
        return None, ("already includes the vmfex tasks at line %d (%s), outside a "
                      "block marked %r: left as it is" % (include.line, include.target, BEGIN))
    if parsed.blocks:
        raise CannotEdit("its block marked %r (lines %s) does not include the vmfex "
                         "tasks: fix or remove it by hand"
                         % (BEGIN, _lines_of(parsed.blocks)))
    if parsed.column < 0:
        raise CannotEdit("its tasks are a flow-style list ('[...]'), which lines cannot "
                         "be added to: write it as a block list ('- name: ...')")
    eol = "\r\n" if "\r\n" in text else "\n"
    block = include_block(role, parsed.column, eol)
    if text and not text.endswith("\n"):
        # The file keeps having no final newline: the line break moves before
        # the block, which disable takes away with it (byte-identical).
        block = eol + block[:-len(eol)]
    new = text + block
    after, why = _reparse(new, role, "the result would not be the same tasks plus the include")
    if after is None or not _same(after.tasks, parsed.tasks + [include_task(role)]) \
            or len(after.includes) != 1:
        raise CannotEdit("appending the include would change its meaning (%s): add "
                         "this task by hand: %s" % (why, one_line_task(role)))
    return new, "added the include of " + role


def disable(text: Optional[str], role: str) -> "Tuple[Optional[str], str]":
    """(new text, or None when nothing changes; what was done or found)."""
    if text is None:
        return None, "does not exist: nothing to disable"
    parsed = _parse_once(text, role)
    if not parsed.blocks:
        if parsed.includes:
            include = parsed.includes[0]
            raise CannotEdit("it includes the vmfex tasks at line %d outside a block "
                             "marked %r (not added by vmfex-engine): remove it by hand"
                             % (include.line, BEGIN))
        return None, "does not include the vmfex tasks: nothing to disable"
    first, last = parsed.blocks[0]
    lines = split_lines(text)
    if first > 0 and last == len(lines) - 1 and not lines[last].endswith("\n"):
        # enable's block on a file without a final newline: the line break
        # before it is enable's too, ended as the block's own lines are (a
        # file ending in '\r' got '\n' and reads '\r\n' now)
        eol = "\r\n" if lines[first].endswith("\r\n") else "\n"
        lines[first - 1] = lines[first - 1][:-len(eol)]
    new = "".join(lines[:first] + lines[last + 1:])
    after, why = _reparse(new, role, "other tasks would change")
    ours = [i.task for i in parsed.includes]
    expected = [t for t in parsed.tasks if not any(t is o for o in ours)]
    if after is None or after.includes or not _same(after.tasks, expected):
        raise CannotEdit("removing lines %d-%d would change more than the include "
                         "(%s): edit the file by hand" % (first + 1, last + 1, why))
    return new, "removed the include of the vmfex tasks (lines %d-%d)" % (first + 1, last + 1)


def status(text: Optional[str], role: str) -> "Tuple[bool, str]":
    """(enabled, one line saying why)."""
    if text is None:
        return False, "does not exist: hosts deployed or reinstalled do not get VM-FEX"
    parsed = _parse_once(text, role)
    if not parsed.includes:
        return False, ("does not include the vmfex tasks: hosts deployed or reinstalled "
                       "do not get VM-FEX")
    include = parsed.includes[0]
    return True, ("includes %s at line %d: every host the engine deploys or reinstalls "
                  "gets VM-FEX" % (include.target, include.line))
