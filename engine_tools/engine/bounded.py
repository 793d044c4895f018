"""Run one blocking call with a deadline.

ovirtsdk4 4.6.3 applies its `timeout` (libcurl's CURLOPT_TIMEOUT) to API
requests only: the SSO login and logout requests it sends by itself have no
timeout at all, so an engine that accepts TCP and never answers would hold
the tool forever. Calls that may log in run here, in a daemon thread the
process does not wait for at exit.
"""
import threading
from typing import Callable, TypeVar

T = TypeVar("T")


class Expired(Exception):
    """The call did not return within its deadline; `thread` may still be
    running it."""

    def __init__(self, thread: threading.Thread) -> None:
        Exception.__init__(self, "no answer within the deadline")
        self.thread = thread


def call_within(function: Callable[[], T], seconds: float) -> T:
    """function()'s result or exception; Expired after `seconds`."""
    box = {}

    def target() -> None:
        try:
            box["result"] = function()
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            box["error"] = e

    thread = threading.Thread(target=target, name="bounded-call", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise Expired(thread)
    if "error" in box:
        raise box["error"]
    return box["result"]
