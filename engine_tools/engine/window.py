"""The request window: SDK futures (`wait=False`) run at most WINDOW at a
time, each wait bounded; send_all sends each write once and says what the
engine answered to each."""
import os
import sys
import time
from collections import deque, namedtuple
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from engine_tools.engine import interrupt
from engine_tools.engine.bounded import Expired, call_within
from engine_tools.engine.sdk import ovirtsdk4
from engine_tools.engine.sdk_waits import give_up
from engine_tools.engine.session import (
    DEFAULT_TIMEOUT,
    WINDOW,
    Interrupted,
    NoAnswer,
    UnreadableAnswer,
    engine_error,
    fault_text,
    is_transport,
    options_of,
    timeout_of,
    unreadable,
)


class Outcome(namedtuple("Outcome", "state text")):
    """What the engine answered to one update. state: "ok", "refused" (the
    engine answered with a fault: not written) or "unknown" (no answer or an
    unreadable one: maybe written)."""


@contextmanager
def _libxml2_quiet() -> Iterator[None]:
    # The SDK reads answers with libxml2's xmlTextReader, whose parser errors
    # go straight to file descriptor 2 as multi-line reports; the one line
    # the tool prints says what happened.
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def wait_answer(future, timeout: float, bound: Optional[float] = None):
    """The future's result. The SDK bounds the request; the deadline here
    (default: the request, a login and the repeated request) also bounds the
    login it repeats after a 401, which it does not bound."""
    try:
        with _libxml2_quiet():
            return call_within(future.wait, bound or 3 * timeout + 1)
    except Expired as e:
        give_up(future, e.thread)
        raise NoAnswer("no answer") from None
    except ovirtsdk4.Error as e:
        code = getattr(e, "code", None)
        if getattr(e, "fault", None) is None and (
                (code is None and "content type" in str(e)) or 200 <= (code or 0) < 300):
            # a success code, or a page that is no XML, without the engine's fault
            raise unreadable(e) from None
        raise
    except Exception as e:  # noqa: BLE001 - the SDK's XML reader raises bare Exception
        raise unreadable(e) from None


def run_windowed(starts: Iterable, window: int = WINDOW,
                 timeout: float = DEFAULT_TIMEOUT, drain: bool = False) -> Iterator:
    """Run (key, start) pairs, start() returning an SDK future, at most `window`
    at a time; yield (key, result, error) in start order.

    Per-request engine errors and unreadable answers are yielded;
    authentication and transport failures stop the whole run (every other
    request would fail the same way). With `drain`, the requests already
    sent are still waited for (and their errors yielded) before it stops.
    A signal received inside interrupt.deferred() stops it the same way
    (Interrupted, after the requests sent were waited for).
    """
    pending = deque()
    stopped = []
    deadline = []

    def finish(key, future):
        bound = None
        if deadline:
            # After a transport failure the SDK may have consumed the other
            # transfers' failures already: give the rest one shared timeout.
            bound = max(0.1, deadline[0] - time.monotonic())
        try:
            return key, wait_answer(future, timeout, bound), None
        except ovirtsdk4.Error as e:
            if isinstance(e, ovirtsdk4.AuthError) or is_transport(e):
                if not drain:
                    raise
                if not stopped:
                    deadline.append(time.monotonic() + timeout)
                stopped.append(e)
            return key, None, e

    signal_name = None
    for key, start in starts:
        signal_name = interrupt.requested() if interrupt.deferring() else None
        if signal_name:
            break
        pending.append((key, start()))
        if len(pending) >= window:
            yield finish(*pending.popleft())
            if stopped:
                break
    while pending:
        yield finish(*pending.popleft())
    if stopped:
        raise stopped[0]
    if signal_name:
        raise Interrupted("interrupted by %s: no new request sent, the ones sent were "
                          "waited for" % signal_name)


def list_all(connection, starts: Iterable) -> Dict:
    """{key: result} of (key, start) pairs of whole lists, in flight at once
    (run_windowed, the connection's timeout); the first error is raised."""
    found = {}
    for key, result, error in run_windowed(starts, timeout=timeout_of(connection)):
        if error is not None:
            raise error
        found[key] = result
    return found


def _outcome(error: Optional[Exception]) -> Outcome:
    if error is None:
        return Outcome("ok", "")
    if getattr(error, "fault", None) is not None:
        return Outcome("refused", fault_text(error))
    if isinstance(error, ovirtsdk4.AuthError) or is_transport(error):
        return Outcome("unknown", "sent, no answer")
    return Outcome("unknown", str(error) if isinstance(error, UnreadableAnswer)
                   else fault_text(error))


def send_all(connection, items: List, start: Callable, key: Callable,
             on_done: Callable = lambda item, outcome: None
             ) -> Tuple[Dict, Dict, Optional[str]]:
    """Send one write per item (start(item) -> SDK future), each once:
    ({key(item): Outcome} of the writes sent, {key(item): answer} of the
    ok ones, why the run stopped early or None). Items without an Outcome
    were not sent.

    An engine fault refuses one item; an unreadable answer leaves it unknown;
    a transport failure, a timeout or a failed login stops the run, and
    every write sent but not answered is unknown.
    """
    outcomes, answers = {}, {}
    try:
        for item, answer, error in run_windowed(
                ((item, lambda item=item: start(item)) for item in items),
                timeout=timeout_of(connection), drain=True):
            outcome = _outcome(error)
            outcomes[key(item)] = outcome
            if error is None:
                answers[key(item)] = answer
            on_done(item, outcome)
    except ovirtsdk4.Error as e:
        return outcomes, answers, str(engine_error(e, options_of(connection)))
    return outcomes, answers, None
