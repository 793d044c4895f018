"""A one-line progress bar on stderr, drawn only on a terminal."""
import sys
from typing import Callable, Optional, TextIO

#: Below this many updates a run is over before a bar would help.
MIN_ITEMS = 20
_WIDTH = 30


class Progress(object):
    """`Progress(total).step()` per item, `.close()` at the end."""

    def __init__(self, total: int, label: str, stream: Optional[TextIO] = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.label = label
        self.done = 0
        self.enabled = total >= MIN_ITEMS and self.stream.isatty()

    def step(self) -> None:
        self.advance(1)

    def advance(self, count: int) -> None:
        """`count` more items done (a page of VMs read at once)."""
        before, self.done = self.done, self.done + count
        if self.done >= self.total or self.done // 10 != before // 10:
            self._draw()

    def print_line(self, out: TextIO, line: str) -> None:
        """Write a result line to `out` without tearing the bar on a terminal."""
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
        out.write(line)
        if self.enabled and self.done:
            out.flush()
            self._draw()

    def _draw(self) -> None:
        if self.enabled:
            filled = _WIDTH * min(self.done, self.total) // self.total
            self.stream.write("\r%s [%s%s] %d/%d" % (self.label, "#" * filled,
                                                   "." * (_WIDTH - filled),
                                                   self.done, self.total))
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def bars(stream: Optional[TextIO] = None) -> Callable[[str, int], Progress]:
    """The `progress` the engine reads take: (label, total) -> a Progress on
    `stream` (stderr), drawn only on a terminal, like the writes' bar."""
    return lambda label, total: Progress(total, label, stream)
