"""`export` and `check`: read-only views of the maps the engine holds (pure)."""
from typing import Dict, List, Tuple

from engine_tools.plan import VmState, current_map

CSV_HEADER = "vm,mac,profile"


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',"\n') or text != text.strip():
        return '"%s"' % text.replace('"', '""')
    return text


def export_lines(vms: Dict[str, VmState]) -> Tuple[List[str], int]:
    """(CSV lines without newlines, VMs skipped) for every VM with a vmfex map,
    sorted.

    A VM whose value the hook would reject is skipped as a `#` comment line,
    so assigning the exported file leaves it alone (and `check` reports it).
    """
    lines = [CSV_HEADER]
    skipped = 0
    for name in sorted(vms):
        text, mapping, problem = current_map(vms[name])
        if text is None:
            continue
        if problem:
            lines.append("# %s: not exported, its vmfex value is invalid: %s"
                         % (name, " ".join(problem.split())))
            skipped += 1
            continue
        for mac in sorted(mapping):
            lines.append(",".join(_csv_field(field) for field in (name, mac, mapping[mac])))
    return lines, skipped


def check_problems(vms: Dict[str, VmState]) -> List[str]:
    """One line per problem: invalid values, MACs not on their VM, MACs on two VMs."""
    problems = []
    owners = {}  # mac -> [vm names]
    for name in sorted(vms):
        vm = vms[name]
        text, mapping, problem = current_map(vm)
        if text is None:
            continue
        if problem:
            problems.append("VM %r: the hook would refuse to start it: %s" % (name, problem))
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
