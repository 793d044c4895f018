"""SIGINT and SIGTERM while a command writes: recorded, not raised.

Inside `deferred()` the request window sends no new request once a signal
came; the requests in flight are still answered (each wait bounded by the
timeout), so every write sent has a known outcome, and the command ends
with the summary a failed run gives. Outside it the signals stop the
program at once (nothing is being written then).
"""
import signal
import threading
from contextlib import contextmanager
from typing import Iterator, List, Optional

NAMES = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}

_received: List[str] = []
_deferring: List[bool] = []


def requested() -> Optional[str]:
    """The signal received during the current (or last) deferred block, or None."""
    return _received[0] if _received else None


def deferring() -> bool:
    return bool(_deferring)


@contextmanager
def deferred() -> Iterator[None]:
    """SIGINT and SIGTERM only recorded within the block (main thread only:
    elsewhere Python cannot install handlers, and nothing changes)."""
    del _received[:]
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def record(signum, frame) -> None:
        _received.append(NAMES.get(signum, "signal %d" % signum))

    previous = {number: signal.signal(number, record) for number in NAMES}
    _deferring.append(True)
    try:
        yield
    finally:
        _deferring.pop()
        for number, handler in previous.items():
            signal.signal(number, handler)
