"""The commands and example files of README.md's fenced blocks."""
import os
import re
import shlex
from collections import namedtuple

from tests.paths import ROOT

README = os.path.join(ROOT, "README.md")

#: A command of a ```console block (prompt `# ` or `$ `) or a ```sh block.
Command = namedtuple("Command", "line text argv")
#: A fenced block: its info string, first line number and text.
Block = namedtuple("Block", "info line text")

_FENCE = re.compile(r"^```(\S*)\s*$")


def blocks(path=README):
    found, current = [], None
    with open(path, encoding="utf-8") as readme:
        for number, line in enumerate(readme, 1):
            fence = _FENCE.match(line.rstrip("\n"))
            if fence and current is None:
                current = (fence.group(1), number + 1, [])
            elif line.rstrip("\n") == "```" and current is not None:
                found.append(Block(current[0], current[1], "".join(current[2])))
                current = None
            elif current is not None:
                current[2].append(line)
    return found


def _strip_comment(text):
    """`make demo     # says what` -> `make demo` (shell comments after a command)."""
    words, kept = shlex.shlex(text, posix=True, punctuation_chars=False), []
    words.whitespace_split = True
    words.commenters = "#"
    for word in words:
        kept.append(word)
    return kept


def commands(path=README):
    """Every command, in README order."""
    found = []
    for block in blocks(path):
        if block.info not in ("console", "sh"):
            continue
        pending, start = "", None
        for offset, line in enumerate(block.text.splitlines()):
            if block.info == "console":
                if not pending and not line.startswith(("# ", "$ ")):
                    continue  # the command's output
                text = line[2:] if not pending else line
            else:
                text = line
            if not text.strip() and not pending:
                continue
            start = start if pending else block.line + offset
            if text.rstrip().endswith("\\"):
                pending += text.rstrip()[:-1] + " "
                continue
            full = (pending + text).strip()
            pending = ""
            argv = _strip_comment(full)
            if argv:
                found.append(Command(start, full, argv))
    return found


def example_files(path=README):
    """Plain ``` blocks whose first line is a CSV header, by their header."""
    return [b.text for b in blocks(path) if b.info == "" and b.text.startswith("vm,")]


def links(path):
    """Relative link targets of a Markdown file."""
    with open(path, encoding="utf-8") as doc:
        text = doc.read()
    return [target for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
            if "://" not in target]
