"""Run the oVirt Engine API simulator in the foreground.

    python -m tests.engine.ovirtsim --vms 200 --delay-ms 20 --info-file /tmp/sim.json

Once listening it writes the info file (atomically) with
``{"url", "ca_file", "username", "password", "pid"}``; it serves until
SIGTERM or SIGINT, then removes the info file and its TLS files and exits 0.
"""

import argparse
import json
import os
import signal
import sys
import threading

from .server import OvirtSimulator


def _write_atomically(path, data):
    path = os.path.abspath(path)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tests.engine.ovirtsim",
        description="Local oVirt Engine API v4 simulator (HTTPS).")
    parser.add_argument("--vms", type=int, default=0,
                        help="number of sample VMs vm00001.. (default 0)")
    parser.add_argument("--nics-per-vm", type=int, default=2)
    parser.add_argument("--delay-ms", type=float, default=0.0,
                        help="delay before every API answer (default 0)")
    parser.add_argument("--page-cap", type=int, default=100,
                        help="server-side cap per list page; 0: no cap "
                             "(default 100)")
    parser.add_argument("--seed-json", metavar="FILE",
                        help="JSON list of VMs: [{name, status, "
                             "custom_properties, nics: [[name, mac], ..]}]")
    parser.add_argument("--info-file", metavar="FILE",
                        help="write url/ca_file/credentials/pid here once "
                             "listening")
    parser.add_argument("--username", default="admin@internal")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--port", type=int, default=0,
                        help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--verbose", action="store_true",
                        help="log every request to stderr")
    args = parser.parse_args(argv)

    sim = OvirtSimulator(
        delay=args.delay_ms / 1000.0,
        page_cap=args.page_cap if args.page_cap > 0 else None,
        username=args.username, password=args.password,
        port=args.port, verbose=args.verbose)
    if args.seed_json:
        with open(args.seed_json) as f:
            sim.load_seed(json.load(f))
    if args.vms:
        sim.add_sample_vms(args.vms, nics_per_vm=args.nics_per_vm)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sim.start()
    try:
        if args.info_file:
            _write_atomically(args.info_file, {
                "url": sim.url,
                "ca_file": sim.ca_file,
                "username": sim.username,
                "password": sim.password,
                "pid": os.getpid(),
            })
        sys.stderr.write("ovirtsim: %d VMs at %s (CA %s)\n" % (
            len(sim.vms), sim.url, sim.ca_file))
        sys.stderr.flush()
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
        if args.info_file:
            try:
                os.unlink(args.info_file)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
