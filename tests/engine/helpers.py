"""Shared by the vmfex-engine tests: sample MACs and in-process runners."""
from engine_tools.cli import main
from tests.engine.tool import in_process

MAC_A, MAC_B = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1"
MAC_C, MAC_D = "00:1a:4a:16:02:01", "00:1a:4a:16:03:01"


EXISTING = "{'%s': 'Old'}" % MAC_D


MAPS = "vm,mac,profile\nweb01,%s,P1\nweb01,%s,P2\nweb02,%s,P3\n" % (MAC_A, MAC_B, MAC_C)


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_main(argv):
    """(exit code, stdout, stderr) of main(argv) in this process (tool.in_process)."""
    return in_process(argv)

#: The top-level keys of every write command's --json document (docs/json.md).
WRITE_KEYS = ["command", "dry_run", "items", "problems", "readback_error", "stopped",
              "summary"]


def sample_maps(sim, count):
    """`count` sample VMs, down, each with a map of its first NIC to 'P' and
    one other property; their names."""
    sim.add_sample_vms(count)
    names = sorted(name for name in sim.vms if name.startswith("vm"))
    with sim.lock:
        for name in names:
            sim.set_status(name, "down")
            vm = sim.vms[name]
            vm.custom_properties = {"vmfex": "{'%s': 'P'}" % vm.nics[0][1], "keep": "1"}
    return names
