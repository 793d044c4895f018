"""Shared by the vmfex-engine tests: sample MACs and in-process runners."""
import contextlib
import io

from engine_tools.cli import main

MAC_A, MAC_B = "00:1a:4a:16:01:b0", "00:1a:4a:16:01:b1"
MAC_C, MAC_D = "00:1a:4a:16:02:01", "00:1a:4a:16:03:01"


EXISTING = "{'%s': 'Old'}" % MAC_D


MAPS = "vm,mac,profile\nweb01,%s,P1\nweb01,%s,P2\nweb02,%s,P3\n" % (MAC_A, MAC_B, MAC_C)


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_main(argv):
    """(exit code, stdout, stderr) of main(argv) in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()

#: The top-level keys of every write command's --json document (docs/json.md).
WRITE_KEYS = ["command", "dry_run", "items", "problems", "readback_error", "stopped",
              "summary"]
