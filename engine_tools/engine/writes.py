"""Writes: VM custom properties, vNIC profiles added, NICs moved to other
vNIC profiles; each sent once through the window (send_all)."""
from collections import namedtuple
from typing import Callable, Dict, List, Optional, Tuple

from engine_tools.engine.reads import NAMES_PER_SEARCH, profile_of, read_back
from engine_tools.engine.sdk import types
from engine_tools.engine.session import WINDOW
from engine_tools.engine.window import Outcome, send_all
from engine_tools.model.assign_plan import Change
from engine_tools.model.map_rebase import rebase
from engine_tools.model.vnic_profiles import NewProfile, Profile
from vdsm_hook_vmfex.common.errors import VmfexError

#: What write_maps did. changes: the changes as sent, or as planned for the
#: ones not reached (not attempted); outcomes: {VM name: Outcome} of those
#: sent; skipped: {VM name: why} of the ones another run changed meanwhile;
#: stopped: why the run stopped early, or None.
MapWrites = namedtuple("MapWrites", "changes outcomes skipped stopped")

#: VMs re-read together right before their maps are written: one name search
#: per request of the window, all in flight at once. Smaller batches drain
#: the window more often; larger ones leave more time between a VM's
#: re-read and its write.
REREAD_BATCH = NAMES_PER_SEARCH * WINDOW


def _update_start(vms_service, change: Change) -> Callable:
    vm = types.Vm(custom_properties=[types.CustomProperty(name=name, value=value)
                                     for name, value in change.properties])
    next_run = True if change.next_run else None
    return lambda: vms_service.vm_service(change.vm.id).update(vm, next_run=next_run,
                                                                wait=False)


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
    return outcomes, {item: profile_of(answer) for item, answer in answers.items()}, stopped


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


def write_maps(connection, changes: List[Change], whole_map: bool,
               on_done: Callable = lambda change, outcome: None) -> MapWrites:
    """Write VM maps (custom properties), each over what the VM holds right
    before it is written: the VMs are re-read in batches (REREAD_BATCH)
    just before their batch is sent, and each change is redone over what
    was read (model.map_rebase.rebase; whole_map: plain assign). A change
    another run made to the same entries skips the VM. Every map writer
    goes through here."""
    sent, outcomes, skipped = [], {}, {}
    for first in range(0, len(changes), REREAD_BATCH):
        batch = changes[first:first + REREAD_BATCH]
        try:
            now = read_back(connection, [change.vm.name for change in batch])
        except VmfexError as e:
            return MapWrites(sent + changes[first:], outcomes, skipped, str(e))
        to_send = []
        for change in batch:
            rebased, why = rebase(change, now.get(change.vm.name), whole_map)
            if rebased is None:
                skipped[change.vm.name] = why
                on_done(change, Outcome("skipped", why))
            else:
                to_send.append(rebased)
        batch_outcomes, stopped = apply_changes(connection, to_send, on_done)
        outcomes.update(batch_outcomes)
        sent.extend(to_send)
        if stopped is not None:
            rest = changes[first + len(batch):]
            return MapWrites(sent + rest, outcomes, skipped, stopped)
    return MapWrites(sent, outcomes, skipped, None)
