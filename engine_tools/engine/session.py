"""The engine session (ovirtsdk4): connect and log in within the timeout,
log out, and translate SDK failures into one-line EngineErrors.

Below every other module of the engine client: the request window, the
reads and the writes build on it.
"""
import re
from collections import namedtuple
from contextlib import contextmanager
from typing import Iterator, Optional
from urllib.parse import urlsplit

from engine_tools.engine.bounded import Expired, call_within
from engine_tools.engine.sdk import ovirtsdk4
from engine_tools.engine.sdk_trust import pin_ca_file
from engine_tools.engine.sdk_waits import patient
from vdsm_hook_vmfex.common.errors import VmfexError

ENGINE_PATH = "/ovirt-engine"
API_PATH = ENGINE_PATH + "/api"
#: Requests in flight at once (and TCP connections the SDK may open).
WINDOW = 8

#: Seconds one request may take, login and logout included. The SDK's own
#: default waits forever; an engine answers a page of VMs or an update in a
#: few seconds even when busy, so a minute without an answer means the engine
#: or the path to it is broken. It bounds connecting too (the SDK 4.6.3 has
#: no separate connect timeout: CURLOPT_TIMEOUT covers the whole request).
DEFAULT_TIMEOUT = 60
MAX_TIMEOUT = 86400

Options = namedtuple("Options", "url username password ca_file insecure timeout")
Options.__new__.__defaults__ = (DEFAULT_TIMEOUT,)


class EngineError(VmfexError):
    """The engine could not be reached, refused the login, or failed a read."""


def api_url(url: str) -> str:
    """`https://engine.example.com` or the full API URL -> the API URL."""
    url = url.strip().rstrip("/")
    expected = "expected e.g. https://engine.example.com"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError as e:
        raise EngineError("invalid engine URL %r: %s; %s" % (url, e, expected)) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise EngineError("invalid engine URL %r: %s" % (url, expected))
    if not all(" " < ch < "\x7f" for ch in url):
        raise EngineError("invalid engine URL %r: spaces, control and non-ASCII "
                          "characters must be percent-encoded; %s" % (url, expected))
    if url.endswith(API_PATH):
        return url
    if parts.path == ENGINE_PATH:
        # the engine's welcome page (/ovirt-engine): its API is below it
        return url + "/api"
    return url + API_PATH

class UnreadableAnswer(ovirtsdk4.Error):
    """An answer that is not the engine's XML (a proxy's page, a cut answer)."""


class NoAnswer(ovirtsdk4.Error):
    """The engine did not answer within the timeout."""


class Interrupted(ovirtsdk4.Error):
    """A signal came while writing: no new request was sent."""


def connect(options: Options) -> "ovirtsdk4.Connection":
    """An SDK connection, logged in within the timeout."""
    pin_ca_file(ovirtsdk4)
    try:
        connection = ovirtsdk4.Connection(
            url=options.url, username=options.username, password=options.password,
            ca_file=options.ca_file, insecure=options.insecure,
            connections=WINDOW, pipeline=0, timeout=options.timeout)
    except (ovirtsdk4.Error, ValueError) as e:
        raise EngineError("cannot connect to %s: %s" % (options.url, e)) from None
    # What the readers below need to bound their waits and word their errors.
    connection.vmfex_options = options
    patient(connection)
    try:
        call_within(connection.authenticate, options.timeout)
    except Expired:
        close(connection, 0)
        raise EngineError(no_answer(options, "to the login")) from None
    except ovirtsdk4.Error as e:
        close(connection, 0)
        raise engine_error(e, options) from None
    except ValueError as e:
        # The SSO answered 200 with a body that is not JSON.
        close(connection, 0)
        raise EngineError("%s: the login answer is not the engine's SSO JSON (%s): "
                          "is a proxy in the way?" % (options.url, e)) from None
    return connection


def no_answer(options: Options, what: str) -> str:
    """The one-line message of an engine that did not answer in time."""
    return ("no answer from %s %s within %d s: is the engine up? (if it is only slow, "
            "raise --timeout or 'timeout' in ovirt.conf)" % (options.url, what,
                                                             options.timeout))


@contextmanager
def session(options: Options) -> Iterator["ovirtsdk4.Connection"]:
    """A logged-in connection for the `with` block: SDK errors (reads, a
    dropped connection) come out as one-line EngineErrors; it logs out at
    the end."""
    connection = connect(options)
    try:
        yield connection
    except ovirtsdk4.Error as e:
        raise engine_error(e, options) from None
    finally:
        close(connection, options.timeout)


def close(connection, seconds: float) -> None:
    """Log out (within `seconds`; 0: only release); a failure here changes
    nothing for the user."""
    try:
        call_within(lambda: connection.close(logout=seconds > 0), max(seconds, 1))
    except Exception:  # noqa: BLE001 - logging out is best effort
        pass


def fault_text(error: "ovirtsdk4.Error") -> str:
    """The engine's own words for a failed request."""
    fault = getattr(error, "fault", None)
    if fault is not None and (fault.detail or fault.reason):
        text = "%s: %s" % (fault.reason or "Error", fault.detail or "")
    else:
        text = str(error)
    if getattr(error, "code", None):
        text += " (HTTP %d)" % error.code
    return " ".join(text.split())


def engine_error(error: Exception, options: Options) -> EngineError:
    """A one-line EngineError for an SDK exception raised by a read or the login."""
    if isinstance(error, Interrupted):
        return EngineError(str(error))
    if isinstance(error, ovirtsdk4.AuthError):
        return EngineError("authentication failed for %s at %s: %s"
                           % (options.username, options.url, fault_text(error)))
    if isinstance(error, NoAnswer) or _curl_code(error) == _CURL_TIMEOUT:
        return EngineError(no_answer(options, "to a request"))
    if isinstance(error, UnreadableAnswer):
        return EngineError("%s: %s" % (options.url, error))
    if is_transport(error):
        return EngineError("cannot connect to %s: %s%s" % (
            options.url, transport_text(error), trust_hint(error, options)))
    return EngineError("%s: %s" % (options.url, fault_text(error)))


#: libcurl's codes for a certificate no CA given vouches for
#: (CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE).
_CURL_UNTRUSTED = (60, 77)


def trust_hint(error: Exception, options: Options) -> str:
    """What to do about an engine certificate that is not trusted ("" for
    any other failure): the engine's own CA, from the engine machine or
    from the engine's PKI resource URL (ovirt-engine PKIResourceServlet)."""
    if _curl_code(error) not in _CURL_UNTRUSTED or "name" in transport_text(error):
        return ""
    parts = urlsplit(options.url)
    return ("; give the engine's CA with --cafile FILE: /etc/pki/ovirt-engine/ca.pem "
            "on the engine machine, also served at %s://%s/ovirt-engine/services/"
            "pki-resource?resource=ca-certificate&format=X509-PEM-CA" % (
                parts.scheme, parts.netloc))


_CURL_TIMEOUT = 28  # CURLE_OPERATION_TIMEDOUT
# The SDK reports a failed transfer as the repr of libcurl's error list,
# and a failed login as "Error while sending HTTP request: (CODE, 'TEXT')".
_CURL_FAILURE = re.compile(r"<pycurl\.Curl object at [^>]*>, (\d+), '(.*?)'\)")
_CURL_LOGIN_FAILURE = re.compile(r"^Error while sending HTTP request: \((\d+), '(.*?)'\)$")


def _curl_match(error: Exception):
    text = str(error)
    return _CURL_FAILURE.search(text) or _CURL_LOGIN_FAILURE.search(text)


def _curl_code(error: Exception) -> Optional[int]:
    if isinstance(error, ovirtsdk4.TimeoutError):
        return _CURL_TIMEOUT
    match = _curl_match(error)
    return int(match.group(1)) if match else None


def transport_text(error: Exception) -> str:
    """libcurl's own words for a failed transfer, without the SDK's wrapping."""
    match = _curl_match(error)
    return match.group(2) if match else " ".join(str(error).split())


def is_transport(error: Exception) -> bool:
    # pycurl failures (refused connection, TLS verification) come back as a
    # plain Error with neither an HTTP code nor an engine fault.
    if isinstance(error, (UnreadableAnswer, NoAnswer, Interrupted)):
        return isinstance(error, NoAnswer)
    return isinstance(error, ovirtsdk4.ConnectionError) or (
        getattr(error, "code", None) is None and getattr(error, "fault", None) is None)


def unreadable(error: Exception) -> UnreadableAnswer:
    return UnreadableAnswer("the answer is not the engine's XML (%s): is a proxy in "
                            "the way, or was the answer cut?" % " ".join(str(error).split()))


def options_of(connection) -> Options:
    return connection.vmfex_options


def timeout_of(connection) -> float:
    return options_of(connection).timeout
