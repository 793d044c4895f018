"""Two corrections to how ovirtsdk4 4.6 waits for its answers (both in
Connection.__wait, which loops: curl_multi_perform, curl_multi_info_read,
then CurlMulti.select(1.0) until the future's transfer is reported done).

- pycurl's select() returns at once when curl has no socket to watch, and
  after a transfer failed that happens until the wait's deadline: the loop
  spins a core for up to --timeout seconds. `patient` makes it sleep instead.
- A transfer's failure can be consumed by another future's wait (below):
  `give_up` ends a wait nobody waits for any more.

Both touch the SDK's private attributes; an SDK without them is left as is.
"""
import time


class _PatientMulti(object):
    """A CurlMulti whose select() sleeps when curl has no socket to watch."""

    def __init__(self, multi) -> None:
        self._multi = multi

    def select(self, timeout: float) -> int:
        if any(self._multi.fdset()):
            return self._multi.select(timeout)
        # curl's own timer (milliseconds, -1: none) says when it has work again
        wanted = self._multi.timeout()
        time.sleep(timeout if wanted < 0 else min(timeout, wanted / 1000.0))
        return 0

    def __getattr__(self, name: str):
        return getattr(self._multi, name)


def patient(connection) -> None:
    """Make the connection's waits sleep instead of spinning."""
    multi = getattr(connection, "_multi", None)
    if multi is not None and hasattr(multi, "fdset") and hasattr(multi, "timeout"):
        connection._multi = _PatientMulti(multi)


def give_up(future, waiter) -> None:
    """End the SDK's wait for a request nobody waits for any more.

    __wait reads the finished transfers of all futures at once
    (curl_multi_info_read) and raises on the first failed one: the others'
    failures are consumed with it, and their waits would loop until the
    process exits (a thread each, left behind by bounded.call_within).
    Marking the transfer finished, as __wait itself does (Connection._curls),
    lets that loop detach it and end.
    """
    context = getattr(future, "_context", None)
    connection = getattr(future, "_connection", None)
    finished = getattr(connection, "_curls", None)
    if not context or not isinstance(finished, set):
        return
    for _ in range(5):
        # __wait rebinds _curls (a union) on each turn: an add between its
        # read and its store is lost, so look again.
        connection._curls.add(context[0])
        waiter.join(0.01)
        if not waiter.is_alive() or context[0] in connection._curls:
            return
