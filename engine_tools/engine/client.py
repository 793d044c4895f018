"""The engine over its REST API (ovirtsdk4): connect, read VMs, send updates.

All network I/O of assign/export/check lives here. Requests run as SDK
futures (`wait=False`) through a bounded window, so many are in flight but a
big file never floods the engine.
"""
import configparser
import getpass
import math
import os
import re
import sys
import time
from collections import deque, namedtuple
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

from engine_tools.engine.bounded import Expired, call_within
from engine_tools.model.assign_plan import Change, VmState
from engine_tools.model.vnic_profiles import Network, Networking, NewProfile, Nic, Profile
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.needs import Absent

try:
    import ovirtsdk4
    import ovirtsdk4.types as types
except ImportError as err:
    # The parsers and --help work without the SDK (or its pycurl); connecting
    # says in one line what to install (MissingModule).
    ovirtsdk4 = Absent("ovirtsdk4", err, Error=type("Error", (Exception,), {}))
    types = Absent("ovirtsdk4", err)

API_PATH = "/ovirt-engine/api"
CONFIG_FILE = "~/.config/ovirt.conf"
#: Requests in flight at once (and TCP connections the SDK may open).
WINDOW = 8
#: VMs asked per list page; the engine may cap pages lower (then the loop
#: simply reads more pages: a short page is not the last one, an empty one is).
PAGE_SIZE = 100
#: Names per `name=a or name=b ...` search, and a bound on its length so the
#: request line stays far below common 8 KiB URL limits (names go up to 255).
NAMES_PER_SEARCH = 50
SEARCH_CHARS = 3000

#: Seconds one request may take, login and logout included. The SDK's own
#: default waits forever; an engine answers a page of VMs or an update in a
#: few seconds even when busy, so a minute without an answer means the engine
#: or the path to it is broken. It bounds connecting too (the SDK 4.6.3 has
#: no separate connect timeout: CURLOPT_TIMEOUT covers the whole request).
DEFAULT_TIMEOUT = 60
MAX_TIMEOUT = 86400

Options = namedtuple("Options", "url username password ca_file insecure timeout")
Options.__new__.__defaults__ = (DEFAULT_TIMEOUT,)


class Outcome(namedtuple("Outcome", "state text")):
    """What the engine answered to one update. state: "ok", "refused" (the
    engine answered with a fault: not written) or "unknown" (no answer or an
    unreadable one: maybe written)."""


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
    return url + API_PATH


def _read_text(path: str, what: str) -> str:
    """A local file as UTF-8 text; errors name the file, never its content."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise EngineError("cannot read %s %s: %s" % (what, path, e.strerror)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise EngineError("%s %s is not UTF-8 text (byte %d): save it as UTF-8"
                          % (what, path, e.start + 1)) from None


def _config_error(path: str, error: configparser.Error) -> str:
    # configparser's messages quote whole lines, which may hold the password.
    line = getattr(error, "lineno", None)
    if isinstance(error, configparser.ParsingError) and getattr(error, "errors", None):
        line = error.errors[0][0]
    where = "%s line %d" % (path, line) if line else path
    if isinstance(error, configparser.MissingSectionHeaderError):
        return "%s: expected a [section] line before the first key" % where
    if isinstance(error, (configparser.DuplicateSectionError,
                          configparser.DuplicateOptionError)):
        return "%s: %s appears twice in [%s]" % (
            where, getattr(error, "option", None) or "the section", error.section)
    return "%s: expected 'key = value' or '[section]'" % where


def parse_timeout(text: str) -> int:
    """Whole seconds from 1 to MAX_TIMEOUT; ValueError otherwise."""
    seconds = int(text.strip())
    if not 1 <= seconds <= MAX_TIMEOUT:
        raise ValueError(text)
    return seconds


def read_config(section: str, path: str = CONFIG_FILE) -> Dict[str, str]:
    """One section of an ovirt.conf file (keys engine_url, username, ...)."""
    path = os.path.expanduser(path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(_read_text(path, "config file"), path)
    except configparser.Error as e:
        raise EngineError(_config_error(path, e)) from None
    if not parser.has_section(section):
        raise EngineError("%s has no section [%s] (sections: %s)"
                          % (path, section, ", ".join(parser.sections()) or "none"))
    return dict(parser.items(section))


def _read_password_file(path: str) -> str:
    if not os.path.lexists(path):
        # Not named: a value that is no file may be the password itself.
        raise EngineError("cannot read the --password-file: no such file (its name "
                          "is not shown, in case it is a password given by mistake)")
    line = _read_text(path, "password file").split("\n", 1)[0]
    password = line.rstrip("\r")
    if not password:
        raise EngineError("password file %s: first line is empty" % path)
    return password


def _timeout(given: Optional[int], config: Dict[str, str]) -> int:
    if given is not None:
        return given
    if "timeout" not in config:
        return DEFAULT_TIMEOUT
    try:
        return parse_timeout(config["timeout"])
    except ValueError:
        raise EngineError("%s: timeout = %r: expected whole seconds from 1 to %d"
                          % (CONFIG_FILE, config["timeout"], MAX_TIMEOUT)) from None


def _check_ca_file(path: str) -> None:
    # The SDK would raise its own error from inside the connection setup.
    try:
        with open(path, "rb"):
            pass
    except OSError as e:
        raise EngineError("cannot read CA file %s: %s" % (path, e.strerror)) from None


def build_options(engine_url: Optional[str], username: Optional[str],
                  password_file: Optional[str], ca_file: Optional[str], insecure: bool,
                  config_section: Optional[str], timeout: Optional[int] = None) -> Options:
    """Connection options from the command line, completed from ovirt.conf."""
    config = read_config(config_section) if config_section else {}
    url = engine_url or config.get("engine_url")
    user = username or config.get("username")
    if not url:
        raise EngineError("no engine URL: give --engine-url or --config SECTION")
    if not user:
        raise EngineError("no user name: give --username (e.g. admin@internal)")
    if password_file:
        password = _read_password_file(password_file)
    elif config.get("password"):
        password = config["password"]
    elif sys.stdin.isatty():
        password = getpass.getpass("Password for %s: " % user)
    else:
        raise EngineError("no password: give --password-file FILE, a password in "
                          "the --config section, or run on a terminal to be asked")
    ca = ca_file or config.get("cafile") or None
    if not insecure and config.get("secure", "").strip().lower() in ("false", "no", "0", "off"):
        insecure = True
    seconds = _timeout(timeout, config)
    url = api_url(url)
    if ca is not None:
        _check_ca_file(ca)
    return Options(url, user, password, ca, insecure, seconds)


class UnreadableAnswer(ovirtsdk4.Error):
    """An answer that is not the engine's XML (a proxy's page, a cut answer)."""


class NoAnswer(ovirtsdk4.Error):
    """The engine did not answer within the timeout."""


def connect(options: Options) -> "ovirtsdk4.Connection":
    """An SDK connection, logged in within the timeout."""
    try:
        connection = ovirtsdk4.Connection(
            url=options.url, username=options.username, password=options.password,
            ca_file=options.ca_file, insecure=options.insecure,
            connections=WINDOW, pipeline=0, timeout=options.timeout)
    except (ovirtsdk4.Error, ValueError) as e:
        raise EngineError("cannot connect to %s: %s" % (options.url, e)) from None
    # What the readers below need to bound their waits and word their errors.
    connection.vmfex_options = options
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
    if isinstance(error, ovirtsdk4.AuthError):
        return EngineError("authentication failed for %s at %s: %s"
                           % (options.username, options.url, fault_text(error)))
    if isinstance(error, NoAnswer) or _curl_code(error) == _CURL_TIMEOUT:
        return EngineError(no_answer(options, "to a request"))
    if isinstance(error, UnreadableAnswer):
        return EngineError("%s: %s" % (options.url, error))
    if _is_transport(error):
        return EngineError("cannot connect to %s: %s" % (options.url, transport_text(error)))
    return EngineError("%s: %s" % (options.url, fault_text(error)))


_CURL_TIMEOUT = 28  # CURLE_OPERATION_TIMEDOUT
# The SDK reports a failed transfer as the repr of libcurl's error list.
_CURL_FAILURE = re.compile(r"<pycurl\.Curl object at [^>]*>, (\d+), '(.*?)'\)")


def _curl_code(error: Exception) -> Optional[int]:
    if isinstance(error, ovirtsdk4.TimeoutError):
        return _CURL_TIMEOUT
    match = _CURL_FAILURE.search(str(error))
    return int(match.group(1)) if match else None


def transport_text(error: Exception) -> str:
    """libcurl's own words for a failed transfer, without the SDK's wrapping."""
    match = _CURL_FAILURE.search(str(error))
    return match.group(2) if match else " ".join(str(error).split())


def _is_transport(error: Exception) -> bool:
    # pycurl failures (refused connection, TLS verification) come back as a
    # plain Error with neither an HTTP code nor an engine fault.
    if isinstance(error, (UnreadableAnswer, NoAnswer)):
        return isinstance(error, NoAnswer)
    return isinstance(error, ovirtsdk4.ConnectionError) or (
        getattr(error, "code", None) is None and getattr(error, "fault", None) is None)


def _unreadable(error: Exception) -> UnreadableAnswer:
    return UnreadableAnswer("the answer is not the engine's XML (%s): is a proxy in "
                            "the way, or was the answer cut?" % " ".join(str(error).split()))


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
    except Expired:
        raise NoAnswer("no answer") from None
    except ovirtsdk4.Error as e:
        code = getattr(e, "code", None)
        if getattr(e, "fault", None) is None and (
                (code is None and "content type" in str(e)) or 200 <= (code or 0) < 300):
            # a success code, or a page that is no XML, without the engine's fault
            raise _unreadable(e) from None
        raise
    except Exception as e:  # noqa: BLE001 - the SDK's XML reader raises bare Exception
        raise _unreadable(e) from None


def run_windowed(starts: Iterable, window: int = WINDOW,
                 timeout: float = DEFAULT_TIMEOUT, drain: bool = False) -> Iterator:
    """Run (key, start) pairs, start() returning an SDK future, at most `window`
    at a time; yield (key, result, error) in start order.

    Per-request engine errors and unreadable answers are yielded;
    authentication and transport failures stop the whole run (every other
    request would fail the same way). With `drain`, the requests already
    sent are still waited for (and their errors yielded) before it stops.
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
            if isinstance(e, ovirtsdk4.AuthError) or _is_transport(e):
                if not drain:
                    raise
                if not stopped:
                    deadline.append(time.monotonic() + timeout)
                stopped.append(e)
            return key, None, e

    for key, start in starts:
        pending.append((key, start()))
        if len(pending) >= window:
            yield finish(*pending.popleft())
            if stopped:
                break
    while pending:
        yield finish(*pending.popleft())
    if stopped:
        raise stopped[0]


def _state(vm: "types.Vm") -> VmState:
    properties = [(cp.name, cp.value or "") for cp in vm.custom_properties or ()]
    nics = [(nic.name, nic.mac.address.lower()) for nic in vm.nics or ()
            if nic.mac is not None and nic.mac.address]
    status = vm.status.value if vm.status is not None else "unknown"
    devices = [Nic(nic.id, nic.name, nic.mac.address.lower(),
                   nic.vnic_profile.id if nic.vnic_profile is not None else None)
               for nic in vm.nics or () if nic.mac is not None and nic.mac.address]
    return VmState(vm.id, vm.name, status, properties, nics, devices)


def _search_term(name: str) -> str:
    if all(ch.isalnum() or ch in "_.-" for ch in name):
        return "name=%s" % name
    return 'name="%s"' % name


def name_searches(names: List[str]) -> List[Tuple[str, List[str]]]:
    """(`name=a or name=b ...` query, the names it asks for) covering `names`,
    each query bounded in size."""
    searches, terms, batch, length = [], [], [], 0
    for name in sorted(set(names)):
        term = _search_term(name)
        if terms and (len(terms) >= NAMES_PER_SEARCH or length + len(term) > SEARCH_CHARS):
            searches.append((" or ".join(terms), batch))
            terms, batch, length = [], [], 0
        terms.append(term)
        batch.append(name)
        length += len(term) + 4
    if terms:
        searches.append((" or ".join(terms), batch))
    return searches


def _list_start(vms_service, search: str, size: int) -> Callable:
    return lambda: vms_service.list(search=search, max=size, follow="nics", wait=False)


def _options_of(connection) -> Options:
    return connection.vmfex_options


def _timeout_of(connection) -> float:
    return _options_of(connection).timeout


def _vm_total(connection) -> int:
    api = wait_answer(connection.system_service().get(wait=False), _timeout_of(connection))
    summary = api.summary
    if summary is None or summary.vms is None:
        return 0
    return summary.vms.total or 0


def _read_all(vms_service, total: int, timeout: float) -> List["types.Vm"]:
    # The API root told how many VMs there are: read that many pages at once,
    # then go on one page at a time until an empty page (a server-side cap
    # below PAGE_SIZE makes pages shorter, never wrong).
    guessed = max(1, math.ceil(total / PAGE_SIZE))
    found = []
    last_page_size = 0
    for _, page, error in run_windowed(
            ((n, _list_start(vms_service, "page %d" % n, PAGE_SIZE))
             for n in range(1, guessed + 1)), timeout=timeout):
        if error is not None:
            raise error
        found.extend(page)
        last_page_size = len(page)
    number = guessed
    while last_page_size:
        number += 1
        page = wait_answer(_list_start(vms_service, "page %d" % number, PAGE_SIZE)(),
                           timeout)
        found.extend(page)
        last_page_size = len(page)
    return found


def _read_named(vms_service, names: List[str], timeout: float) -> List["types.Vm"]:
    wanted = set(names)
    found = []
    for (search, batch), page, error in run_windowed(
            (((s, batch), _list_start(vms_service, s, NAMES_PER_SEARCH))
             for s, batch in name_searches(names)), timeout=timeout):
        if error is not None:
            raise error
        found.extend(vm for vm in page if vm.name in wanted)
        # A page holds at most NAMES_PER_SEARCH VMs, but a server cap could
        # cut it: read further pages only while names are missing.
        missing = set(batch) - {vm.name for vm in page}
        number = 1
        while missing and page:
            number += 1
            start = _list_start(vms_service, "%s page %d" % (search, number),
                                NAMES_PER_SEARCH)
            page = wait_answer(start(), timeout)
            found.extend(vm for vm in page if vm.name in wanted)
            missing -= {vm.name for vm in page}
    return found


def read_vms(connection, names: Optional[List[str]] = None) -> Dict[str, VmState]:
    """VMs by name with NICs and the custom properties of their next start.

    names None: every VM, page by page. Otherwise only those VMs, through
    name searches, unless the file names so many VMs that paging through
    all of them takes fewer requests.
    """
    vms_service = connection.system_service().vms_service()
    timeout = _timeout_of(connection)
    if names is None:
        listed = _read_all(vms_service, _vm_total(connection), timeout)
    else:
        searches = len(name_searches(names))
        if not searches:
            return {}
        # Name searches cost one request per NAMES_PER_SEARCH names, paging
        # one per PAGE_SIZE VMs of the whole engine (+1 for the empty last
        # page): take the cheaper. Two searches never lose, so small files
        # skip reading the VM count from the API root.
        total = _vm_total(connection) if searches > 2 else 0
        if searches <= 2 or searches <= math.ceil(total / PAGE_SIZE) + 1:
            listed = _read_named(vms_service, names, timeout)
        else:
            listed = _read_all(vms_service, total, timeout)
    vms = {vm.name: vm for vm in listed}
    if names is not None:
        vms = {name: vm for name, vm in vms.items() if name in set(names)}
    return _with_next_run(vms_service, vms, timeout)


def read_all_vms(options: Options) -> Dict[str, VmState]:
    """Every VM of the engine, in one session (export and check)."""
    with session(options) as connection:
        return read_vms(connection)


def read_both_models(options: Options) -> Tuple[Dict[str, VmState], Networking]:
    """Every VM and every vNIC profile and network, in one session."""
    with session(options) as connection:
        return read_vms(connection), read_networking(connection)


def _with_next_run(vms_service, vms: Dict[str, "types.Vm"],
                   timeout: float) -> Dict[str, VmState]:
    # A running VM updated with next_run shows its running configuration in
    # lists; what it gets at its next start (what the hook will see, and what
    # an update must build on) is read from GET /vms/{id}?next_run=true.
    states = {name: _state(vm) for name, vm in vms.items()}
    pending = [vm for vm in vms.values() if vm.next_run_configuration_exists]
    starts = ((vm.name, _get_next_run(vms_service, vm.id)) for vm in pending)
    for name, vm, error in run_windowed(starts, timeout=timeout):
        if error is not None:
            raise error
        state = states[name]
        properties = [(cp.name, cp.value or "") for cp in vm.custom_properties or ()]
        states[name] = state._replace(properties=properties)
    return states


def _get_next_run(vms_service, vm_id: str) -> Callable:
    return lambda: vms_service.vm_service(vm_id).get(next_run=True, wait=False)


def _update_start(vms_service, change: Change) -> Callable:
    vm = types.Vm(custom_properties=[types.CustomProperty(name=name, value=value)
                                     for name, value in change.properties])
    next_run = True if change.next_run else None
    return lambda: vms_service.vm_service(change.vm.id).update(vm, next_run=next_run,
                                                                wait=False)


def _outcome(error: Optional[Exception]) -> Outcome:
    if error is None:
        return Outcome("ok", "")
    if getattr(error, "fault", None) is not None:
        return Outcome("refused", fault_text(error))
    if isinstance(error, ovirtsdk4.AuthError) or _is_transport(error):
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
                timeout=_timeout_of(connection), drain=True):
            outcome = _outcome(error)
            outcomes[key(item)] = outcome
            if error is None:
                answers[key(item)] = answer
            on_done(item, outcome)
    except ovirtsdk4.Error as e:
        return outcomes, answers, str(engine_error(e, _options_of(connection)))
    return outcomes, answers, None


def apply_changes(connection, changes: List[Change],
                  on_done: Callable = lambda change, outcome: None
                  ) -> Tuple[Dict[str, Outcome], Optional[str]]:
    """Send each VM property change once (send_all): ({VM name: Outcome},
    why the run stopped early or None)."""
    vms_service = connection.system_service().vms_service()
    outcomes, _, stopped = send_all(
        connection, changes, lambda change: _update_start(vms_service, change)(),
        lambda change: change.vm.name, on_done)
    return outcomes, stopped


def read_back(connection, names: List[str]) -> Dict[str, VmState]:
    """The VMs `names` as the engine holds them now (next start and NICs'
    vNIC profiles included), for comparing with what was written; errors
    come out as EngineError."""
    try:
        return read_vms(connection, names)
    except ovirtsdk4.Error as e:
        raise engine_error(e, _options_of(connection)) from None


def read_back_networking(connection) -> Networking:
    """The vNIC profiles and networks as the engine holds them now (to verify
    profiles added); errors come out as EngineError."""
    try:
        return read_networking(connection)
    except ovirtsdk4.Error as e:
        raise engine_error(e, _options_of(connection)) from None


# --- the vNIC-profile model: data centers, networks, vNIC profiles, NICs ---

def read_networking(connection) -> Networking:
    """Every vNIC profile and network, with data center names: three lists
    in flight at once (the engine returns each whole, unpaged)."""
    system = connection.system_service()
    starts = [
        ("dcs", lambda: system.data_centers_service().list(wait=False)),
        ("networks", lambda: system.networks_service().list(wait=False)),
        ("profiles", lambda: system.vnic_profiles_service().list(wait=False)),
    ]
    found = {}
    for key, result, error in run_windowed(starts, timeout=_timeout_of(connection)):
        if error is not None:
            raise error
        found[key] = result
    dc_names = {dc.id: dc.name for dc in found["dcs"]}
    networks = {}
    for net in found["networks"]:
        dc_id = net.data_center.id if net.data_center is not None else None
        networks[net.id] = Network(net.id, net.name, dc_names.get(dc_id, dc_id or "?"))
    profiles = {p.id: _profile(p) for p in found["profiles"]}
    return Networking(profiles, networks)


def _profile(profile: "types.VnicProfile") -> Profile:
    properties = [(cp.name, cp.value or "") for cp in profile.custom_properties or ()]
    network_id = profile.network.id if profile.network is not None else None
    has_filter = profile.network_filter is not None and bool(profile.network_filter.id)
    return Profile(profile.id, profile.name, network_id, properties, has_filter)


def add_profiles(connection, new: List[NewProfile], description: str,
                 on_done: Callable = lambda item, outcome: None
                 ) -> Tuple[Dict[NewProfile, Outcome], Dict[NewProfile, Profile],
                            Optional[str]]:
    """Add vNIC profiles carrying vmfex and no network filter (an empty
    <network_filter/>: without it the engine sets vdsm-no-mac-spoofing, which
    libvirt refuses on a passthrough NIC), each once (send_all): ({item:
    Outcome}, {item: Profile added}, why the run stopped early or None)."""
    service = connection.system_service().vnic_profiles_service()

    def start(item: NewProfile):
        body = types.VnicProfile(
            name=item.name, description=description % item.ucs,
            network=types.Network(id=item.network_id),
            network_filter=types.NetworkFilter(),
            custom_properties=[types.CustomProperty(name="vmfex", value=item.ucs)])
        return service.add(body, wait=False)

    outcomes, answers, stopped = send_all(connection, new, start, lambda item: item, on_done)
    return outcomes, {item: _profile(answer) for item, answer in answers.items()}, stopped


def change_nic_profiles(connection, changes: List[Tuple[str, str, str]],
                        on_done: Callable = lambda item, outcome: None
                        ) -> Tuple[Dict[Tuple, Outcome], Optional[str]]:
    """Give NICs new vNIC profiles: (VM id, NIC id, profile id) each, one PUT
    per NIC, each once (send_all): ({change: Outcome}, why the run stopped
    early or None)."""
    vms_service = connection.system_service().vms_service()

    def start(change: Tuple[str, str, str]):
        vm_id, nic_id, profile_id = change
        nic = vms_service.vm_service(vm_id).nics_service().nic_service(nic_id)
        return nic.update(types.Nic(vnic_profile=types.VnicProfile(id=profile_id)),
                          wait=False)

    outcomes, _, stopped = send_all(connection, changes, start, lambda change: change,
                                    on_done)
    return outcomes, stopped
