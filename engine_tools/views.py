"""`vmfex-engine export` and `check`: read every VM, write CSV or problems."""
from typing import Optional, TextIO

from engine_tools import engine_client
from engine_tools.inventory import check_problems, export_lines
from engine_tools.plan import vmfex_value
from vdsm_hook_vmfex.errors import VmfexError


def _read_all(options: engine_client.Options):
    with engine_client.session(options) as connection:
        return engine_client.read_vms(connection)


def export(output: Optional[str], options: engine_client.Options, out: TextIO,
           err: TextIO) -> int:
    """Write every VM's map as `vm,mac,profile` CSV to `output` (None: out)."""
    lines = export_lines(_read_all(options))
    text = "".join(line + "\n" for line in lines)
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise VmfexError("cannot write %s: %s" % (output, e.strerror)) from None
    else:
        out.write(text)
    skipped = sum(1 for line in lines if line.startswith("#"))
    rows = len(lines) - 1 - skipped
    err.write("exported %d rows%s\n" % (
        rows, ", %d VMs with an invalid map left out (see 'check')" % skipped if skipped else ""))
    return 0


def check(options: engine_client.Options, out: TextIO) -> int:
    """Print every problem of the maps the engine holds; 1 when there are any."""
    vms = _read_all(options)
    problems = check_problems(vms)
    for problem in problems:
        out.write(problem + "\n")
    mapped = sum(1 for vm in vms.values() if vmfex_value(vm) is not None)
    out.write("%d problem(s) in the maps of %d VMs (%d VMs read)\n"
              % (len(problems), mapped, len(vms)))
    return 1 if problems else 0
