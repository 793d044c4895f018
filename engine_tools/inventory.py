"""`export` and `check`: read-only views of the maps the engine holds (pure)."""
from typing import Dict, List

from engine_tools.plan import VmState, vmfex_value
from vdsm_hook_vmfex.errors import VmfexError
from vdsm_hook_vmfex.vmfex_map import parse_vmfex_map

CSV_HEADER = "vm,mac,profile"


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',"\n') or text != text.strip():
        return '"%s"' % text.replace('"', '""')
    return text


def export_lines(vms: Dict[str, VmState]) -> List[str]:
    """CSV lines (no newlines) for every VM with a vmfex map, sorted.

    A VM whose value the hook would reject becomes a `#` comment line, so
    assigning the exported file leaves it alone (and `check` reports it).
    """
    lines = [CSV_HEADER]
    for name in sorted(vms):
        text = vmfex_value(vms[name])
        if text is None:
            continue
        try:
            mapping = parse_vmfex_map(text)
        except VmfexError as e:
            lines.append("# %s: not exported, its vmfex value is invalid: %s"
                         % (name, " ".join(str(e).split())))
            continue
        for mac in sorted(mapping):
            lines.append(",".join(_csv_field(field) for field in (name, mac, mapping[mac])))
    return lines


def check_problems(vms: Dict[str, VmState]) -> List[str]:
    """One line per problem: invalid values, MACs not on their VM, MACs on two VMs."""
    problems = []
    owners = {}  # mac -> [vm names]
    for name in sorted(vms):
        vm = vms[name]
        text = vmfex_value(vm)
        if text is None:
            continue
        try:
            mapping = parse_vmfex_map(text)
        except VmfexError as e:
            problems.append("VM %r: the hook would refuse to start it: %s" % (name, e))
            continue
        nic_macs = {mac for _, mac in vm.nics}
        for mac in sorted(mapping):
            owners.setdefault(mac, []).append(name)
            if mac not in nic_macs:
                problems.append("VM %r: MAC %s (profile %r) is not on any of its NICs"
                                % (name, mac, mapping[mac]))
    for mac in sorted(owners):
        if len(owners[mac]) > 1:
            problems.append("MAC %s is mapped on %d VMs: %s"
                            % (mac, len(owners[mac]), ", ".join(owners[mac])))
    return problems
