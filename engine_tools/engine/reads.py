"""Reads: VMs (NICs, custom properties of their next start) and the vNIC
profile model (data centers, networks, vNIC profiles), through the window."""
import math
from typing import Callable, Dict, List, Optional, Tuple

from engine_tools.engine.sdk import ovirtsdk4, types
from engine_tools.engine.session import (
    Options,
    engine_error,
    options_of,
    session,
    timeout_of,
)
from engine_tools.engine.window import list_all, run_windowed, wait_answer
from engine_tools.model.assign_plan import VmState
from engine_tools.model.vnic_profiles import Network, Networking, Nic, Profile

#: VMs asked per list page; the engine may cap pages lower (then the loop
#: simply reads more pages: a short page is not the last one, an empty one is).
PAGE_SIZE = 100
#: Names per `name=a or name=b ...` search, and a bound on its length so the
#: request line stays far below common 8 KiB URL limits (names go up to 255).
NAMES_PER_SEARCH = 50
SEARCH_CHARS = 3000


class _NoBar(object):
    """The progress of a read nobody watches."""

    def step(self) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass


def no_progress(label: str, total: int) -> _NoBar:
    """The default `progress` of the reads: (label, total) -> a bar with
    step(), advance(count) and close() (commands.progress.bars draws one)."""
    return _NoBar()


def _state(vm: "types.Vm") -> VmState:
    properties = [(cp.name, cp.value or "") for cp in vm.custom_properties or ()]
    nics = [(nic.name, nic.mac.address.lower()) for nic in vm.nics or ()
            if nic.mac is not None and nic.mac.address]
    status = vm.status.value if vm.status is not None else "unknown"
    devices = [Nic(nic.id, nic.name, nic.mac.address.lower(),
                   nic.vnic_profile.id if nic.vnic_profile is not None else None)
               for nic in vm.nics or () if nic.mac is not None and nic.mac.address]
    plugged = frozenset(nic.id for nic in vm.nics or () if nic.plugged is not False)
    # The engine lists a running VM with the host it runs on (<host id=...>).
    return VmState(vm.id, vm.name, status, properties, nics, devices,
                   vm.cluster.id if vm.cluster is not None else None, plugged,
                   vm.host.id if vm.host is not None else None)


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
    api = wait_answer(connection.system_service().get(wait=False), timeout_of(connection))
    summary = api.summary
    if summary is None or summary.vms is None:
        return 0
    return summary.vms.total or 0


def _read_all(vms_service, total: int, timeout: float,
              progress: Callable = no_progress) -> List["types.Vm"]:
    # The API root told how many VMs there are: read that many pages at once,
    # then go on one page at a time until an empty page (a server-side cap
    # below PAGE_SIZE makes pages shorter, never wrong).
    guessed = max(1, math.ceil(total / PAGE_SIZE))
    found = []
    last_page_size = 0
    bar = progress("reading VMs", total)
    try:
        for _, page, error in run_windowed(
                ((n, _list_start(vms_service, "page %d" % n, PAGE_SIZE))
                 for n in range(1, guessed + 1)), timeout=timeout):
            if error is not None:
                raise error
            found.extend(page)
            bar.advance(len(page))
            last_page_size = len(page)
        number = guessed
        while last_page_size:
            number += 1
            page = wait_answer(_list_start(vms_service, "page %d" % number, PAGE_SIZE)(),
                               timeout)
            found.extend(page)
            bar.advance(len(page))
            last_page_size = len(page)
    finally:
        bar.close()
    return found


def _read_named(vms_service, names: List[str], timeout: float,
                progress: Callable = no_progress) -> List["types.Vm"]:
    wanted = set(names)
    found = []
    bar = progress("reading VMs", len(wanted))
    try:
        _read_batches(vms_service, names, timeout, wanted, found, bar)
    finally:
        bar.close()
    return found


def _read_batches(vms_service, names: List[str], timeout: float, wanted: set,
                  found: list, bar) -> None:
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
        bar.advance(len(batch))


def read_vms(connection, names: Optional[List[str]] = None,
             progress: Callable = no_progress) -> Dict[str, VmState]:
    """VMs by name with NICs and the custom properties of their next start.

    names None: every VM, page by page. Otherwise only those VMs, through
    name searches, unless the file names so many VMs that paging through
    all of them takes fewer requests. progress(label, total): a bar per
    phase (see no_progress).
    """
    vms_service = connection.system_service().vms_service()
    timeout = timeout_of(connection)
    if names is None:
        listed = _read_all(vms_service, _vm_total(connection), timeout, progress)
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
            listed = _read_named(vms_service, names, timeout, progress)
        else:
            listed = _read_all(vms_service, total, timeout, progress)
    vms = {vm.name: vm for vm in listed}
    if names is not None:
        vms = {name: vm for name, vm in vms.items() if name in set(names)}
    return _with_next_run(vms_service, vms, timeout, progress)


def read_all_vms(options: Options, progress: Callable = no_progress) -> Dict[str, VmState]:
    """Every VM of the engine, in one session (export and check)."""
    with session(options) as connection:
        return read_vms(connection, progress=progress)


def read_both_models(options: Options, progress: Callable = no_progress
                     ) -> Tuple[Dict[str, VmState], Networking]:
    """Every VM and every vNIC profile and network, in one session."""
    with session(options) as connection:
        return read_vms(connection, progress=progress), read_networking(connection)


def _with_next_run(vms_service, vms: Dict[str, "types.Vm"], timeout: float,
                   progress: Callable = no_progress) -> Dict[str, VmState]:
    # A running VM updated with next_run shows its running configuration in
    # lists; what it gets at its next start (what the hook will see, and what
    # an update must build on) is read from GET /vms/{id}?next_run=true.
    states = {name: _state(vm) for name, vm in vms.items()}
    pending = [vm for vm in vms.values() if vm.next_run_configuration_exists]
    starts = ((vm.name, _get_next_run(vms_service, vm.id)) for vm in pending)
    bar = progress("reading next-start configurations", len(pending))
    try:
        for name, vm, error in run_windowed(starts, timeout=timeout):
            if error is not None:
                raise error
            state = states[name]
            properties = [(cp.name, cp.value or "") for cp in vm.custom_properties or ()]
            states[name] = state._replace(properties=properties)
            bar.step()
    finally:
        bar.close()
    return states


def _get_next_run(vms_service, vm_id: str) -> Callable:
    return lambda: vms_service.vm_service(vm_id).get(next_run=True, wait=False)

def read_back(connection, names: List[str],
              progress: Callable = no_progress) -> Dict[str, VmState]:
    """The VMs `names` as the engine holds them now (next start and NICs'
    vNIC profiles included), for comparing with what was written; errors
    come out as EngineError."""
    try:
        return read_vms(connection, names, progress)
    except ovirtsdk4.Error as e:
        raise engine_error(e, options_of(connection)) from None


def read_back_networking(connection) -> Networking:
    """The vNIC profiles and networks as the engine holds them now (to verify
    profiles added); errors come out as EngineError."""
    try:
        return read_networking(connection)
    except ovirtsdk4.Error as e:
        raise engine_error(e, options_of(connection)) from None


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
    found = list_all(connection, starts)
    dc_names = {dc.id: dc.name for dc in found["dcs"]}
    networks = {}
    for net in found["networks"]:
        dc_id = net.data_center.id if net.data_center is not None else None
        networks[net.id] = Network(net.id, net.name, dc_names.get(dc_id, dc_id or "?"))
    profiles = {p.id: profile_of(p) for p in found["profiles"]}
    return Networking(profiles, networks)


def profile_of(profile: "types.VnicProfile") -> Profile:
    properties = [(cp.name, cp.value or "") for cp in profile.custom_properties or ()]
    network_id = profile.network.id if profile.network is not None else None
    has_filter = profile.network_filter is not None and bool(profile.network_filter.id)
    return Profile(profile.id, profile.name, network_id, properties, has_filter)
