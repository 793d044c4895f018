"""The engine over its REST API (ovirtsdk4): connect, read VMs, send updates.

All network I/O of assign/export/check lives here. Requests run as SDK
futures (`wait=False`) through a bounded window, so many are in flight but a
big file never floods the engine.
"""
import configparser
import getpass
import math
import os
import sys
from collections import deque, namedtuple
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import ovirtsdk4
import ovirtsdk4.types as types

from engine_tools.plan import Change, VmState
from engine_tools.vnic_profiles import Network, Networking, NewProfile, Nic, Profile
from vdsm_hook_vmfex.common.errors import VmfexError

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

Options = namedtuple("Options", "url username password ca_file insecure")


class EngineError(VmfexError):
    """The engine could not be reached, refused the login, or failed a read."""


def api_url(url: str) -> str:
    """`https://engine.example.com` or the full API URL -> the API URL."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        raise EngineError("invalid engine URL %r: expected e.g. "
                          "https://engine.example.com" % url)
    if url.endswith(API_PATH):
        return url
    return url + API_PATH


def read_config(section: str, path: str = CONFIG_FILE) -> Dict[str, str]:
    """One section of an ovirt.conf file (keys engine_url, username, ...)."""
    path = os.path.expanduser(path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path) as f:
            parser.read_file(f)
    except OSError as e:
        raise EngineError("cannot read %s: %s" % (path, e.strerror)) from None
    except configparser.Error as e:
        raise EngineError("%s: %s" % (path, " ".join(str(e).split()))) from None
    if not parser.has_section(section):
        raise EngineError("%s has no section [%s] (sections: %s)"
                          % (path, section, ", ".join(parser.sections()) or "none"))
    return dict(parser.items(section))


def _read_password_file(path: str) -> str:
    try:
        with open(path) as f:
            line = f.readline()
    except OSError as e:
        raise EngineError("cannot read password file %s: %s" % (path, e.strerror)) from None
    password = line.rstrip("\r\n")
    if not password:
        raise EngineError("password file %s: first line is empty" % path)
    return password


def build_options(engine_url: Optional[str], username: Optional[str],
                  password_file: Optional[str], ca_file: Optional[str], insecure: bool,
                  config_section: Optional[str]) -> Options:
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
    return Options(api_url(url), user, password, ca, insecure)


def connect(options: Options) -> "ovirtsdk4.Connection":
    """An SDK connection (the login itself happens on the first request)."""
    return ovirtsdk4.Connection(
        url=options.url, username=options.username, password=options.password,
        ca_file=options.ca_file, insecure=options.insecure,
        connections=WINDOW, pipeline=0)


@contextmanager
def session(options: Options) -> Iterator["ovirtsdk4.Connection"]:
    """A connection for the `with` block: SDK errors (login, reads, a dropped
    connection) come out as one-line EngineErrors; it logs out at the end."""
    connection = connect(options)
    try:
        yield connection
    except ovirtsdk4.Error as e:
        raise engine_error(e, options) from None
    finally:
        close(connection)


def close(connection) -> None:
    """Log out; a failure here changes nothing for the user."""
    try:
        connection.close()
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
    if _is_transport(error):
        return EngineError("cannot connect to %s: %s" % (options.url, " ".join(str(error).split())))
    return EngineError("%s: %s" % (options.url, fault_text(error)))


def _is_transport(error: Exception) -> bool:
    # pycurl failures (refused connection, TLS verification) come back as a
    # plain Error with neither an HTTP code nor an engine fault.
    return isinstance(error, ovirtsdk4.ConnectionError) or (
        getattr(error, "code", None) is None and getattr(error, "fault", None) is None)


def run_windowed(starts: Iterable, window: int = WINDOW) -> Iterator:
    """Run (key, start) pairs, start() returning an SDK future, at most `window`
    at a time; yield (key, result, error) in start order.

    Per-request engine errors are yielded; authentication and transport
    failures stop the whole run (every other request would fail the same way).
    """
    pending = deque()

    def finish(key, future):
        try:
            return key, future.wait(), None
        except ovirtsdk4.AuthError:
            raise
        except ovirtsdk4.Error as e:
            if _is_transport(e):
                raise
            return key, None, e

    for key, start in starts:
        pending.append((key, start()))
        if len(pending) >= window:
            yield finish(*pending.popleft())
    while pending:
        yield finish(*pending.popleft())


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


def _vm_total(connection) -> int:
    summary = connection.system_service().get().summary
    if summary is None or summary.vms is None:
        return 0
    return summary.vms.total or 0


def _read_all(vms_service, total: int) -> List["types.Vm"]:
    # The API root told how many VMs there are: read that many pages at once,
    # then go on one page at a time until an empty page (a server-side cap
    # below PAGE_SIZE makes pages shorter, never wrong).
    guessed = max(1, math.ceil(total / PAGE_SIZE))
    found = []
    last_page_size = 0
    for _, page, error in run_windowed(
            (n, _list_start(vms_service, "page %d" % n, PAGE_SIZE))
            for n in range(1, guessed + 1)):
        if error is not None:
            raise error
        found.extend(page)
        last_page_size = len(page)
    number = guessed
    while last_page_size:
        number += 1
        page = vms_service.list(search="page %d" % number, max=PAGE_SIZE, follow="nics")
        found.extend(page)
        last_page_size = len(page)
    return found


def _read_named(vms_service, names: List[str]) -> List["types.Vm"]:
    wanted = set(names)
    found = []
    for (search, batch), page, error in run_windowed(
            ((s, batch), _list_start(vms_service, s, NAMES_PER_SEARCH))
            for s, batch in name_searches(names)):
        if error is not None:
            raise error
        found.extend(vm for vm in page if vm.name in wanted)
        # A page holds at most NAMES_PER_SEARCH VMs, but a server cap could
        # cut it: read further pages only while names are missing.
        missing = set(batch) - {vm.name for vm in page}
        number = 1
        while missing and page:
            number += 1
            page = vms_service.list(search="%s page %d" % (search, number),
                                    max=NAMES_PER_SEARCH, follow="nics")
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
    if names is None:
        listed = _read_all(vms_service, _vm_total(connection))
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
            listed = _read_named(vms_service, names)
        else:
            listed = _read_all(vms_service, total)
    vms = {vm.name: vm for vm in listed}
    if names is not None:
        vms = {name: vm for name, vm in vms.items() if name in set(names)}
    return _with_next_run(vms_service, vms)


def read_all_vms(options: Options) -> Dict[str, VmState]:
    """Every VM of the engine, in one session (export and check)."""
    with session(options) as connection:
        return read_vms(connection)


def read_both_models(options: Options) -> Tuple[Dict[str, VmState], Networking]:
    """Every VM and every vNIC profile and network, in one session."""
    with session(options) as connection:
        return read_vms(connection), read_networking(connection)


def _with_next_run(vms_service, vms: Dict[str, "types.Vm"]) -> Dict[str, VmState]:
    # A running VM updated with next_run shows its running configuration in
    # lists; what it gets at its next start (what the hook will see, and what
    # an update must build on) is read from GET /vms/{id}?next_run=true.
    states = {name: _state(vm) for name, vm in vms.items()}
    pending = [vm for vm in vms.values() if vm.next_run_configuration_exists]
    starts = ((vm.name, _get_next_run(vms_service, vm.id)) for vm in pending)
    for name, vm, error in run_windowed(starts):
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


def apply_changes(connection, changes: List[Change],
                  on_done: Callable = lambda change, error: None) -> Dict[str, str]:
    """Send every change; return {VM name: engine fault text} of the failed ones."""
    vms_service = connection.system_service().vms_service()
    failed = {}
    starts = ((change, _update_start(vms_service, change)) for change in changes)
    for change, _, error in run_windowed(starts):
        if error is not None:
            failed[change.vm.name] = fault_text(error)
        on_done(change, error)
    return failed


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
    for key, result, error in run_windowed(starts):
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
                 on_done: Callable = lambda item, error: None
                 ) -> Tuple[Dict[NewProfile, Profile], Dict[NewProfile, str]]:
    """Add vNIC profiles carrying vmfex and no network filter (an empty
    <network_filter/>: without it the engine sets vdsm-no-mac-spoofing, which
    libvirt refuses on a passthrough NIC). Returns (added, {item: fault})."""
    service = connection.system_service().vnic_profiles_service()

    def start(item: NewProfile) -> Callable:
        body = types.VnicProfile(
            name=item.name, description=description % item.ucs,
            network=types.Network(id=item.network_id),
            network_filter=types.NetworkFilter(),
            custom_properties=[types.CustomProperty(name="vmfex", value=item.ucs)])
        return lambda: service.add(body, wait=False)

    added, failed = {}, {}
    for item, result, error in run_windowed((item, start(item)) for item in new):
        if error is not None:
            failed[item] = fault_text(error)
        else:
            added[item] = _profile(result)
        on_done(item, error)
    return added, failed


def change_nic_profiles(connection, changes: List[Tuple[str, str, str]],
                        on_done: Callable = lambda item, error: None) -> Dict[Tuple, str]:
    """Give NICs new vNIC profiles: (VM id, NIC id, profile id) each, one PUT
    per NIC. Returns {change: engine fault text} of the failed ones."""
    vms_service = connection.system_service().vms_service()

    def start(change: Tuple[str, str, str]) -> Callable:
        vm_id, nic_id, profile_id = change
        nic = vms_service.vm_service(vm_id).nics_service().nic_service(nic_id)
        body = types.Nic(vnic_profile=types.VnicProfile(id=profile_id))
        return lambda: nic.update(body, wait=False)

    failed = {}
    for change, _, error in run_windowed((change, start(change)) for change in changes):
        if error is not None:
            failed[change] = fault_text(error)
        on_done(change, error)
    return failed
