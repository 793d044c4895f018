"""`vmfex-engine ucs profiles`: the port profiles UCS Manager defines."""
import argparse
import json
import sys
from typing import Dict, List, Optional, TextIO

from engine_tools.engine.options import add_connection_arguments, connection_options
from engine_tools.ucsm import client as ucsm
from engine_tools.ucsm.client import PortProfile
from vdsm_hook_vmfex.common.cli import UsageError, add_command

EPILOG = """\
examples:
  vmfex-engine ucs profiles --ucsm ucsm.example.com --ucsm-username admin \\
      --ucsm-password-file ~/.ucsm-pw --ucsm-ca-file ucsm-ca.pem
  vmfex-engine ucs profiles --config production --json   # UCSM and engine keys

With engine options (--engine-url or an engine_url in the --config section)
the NICS column counts the oVirt NICs using each profile, both models: VM
map entries and NICs whose vNIC profile carries vmfex (a NIC both name
counts once).
exit codes: 0 ok, 1 failure, 2 usage
"""


def add_parser(subparsers) -> None:
    """Register `ucs` with its `profiles` subcommand."""
    ucs = add_command(
        subparsers, "ucs", help="read UCS Manager (read-only): 'ucs profiles'",
        description="Read what UCS Manager defines (nothing is ever written to it).")
    commands = ucs.add_subparsers(dest="ucs_command", metavar="COMMAND")
    commands.required = True
    profiles = add_command(
        commands, "profiles", help="list UCS Manager's port profiles",
        description="List the VM-FEX port profiles (vnicProfile) of UCS Manager: name, "
                    "VLANs (native marked), maxPorts and, with engine options, how many "
                    "oVirt NICs use each.",
        epilog=EPILOG)
    profiles.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ucsm.add_arguments(profiles)
    add_connection_arguments(profiles)
    profiles.set_defaults(run=run_profiles)


def _engine_users(args: argparse.Namespace) -> Optional[Dict[str, int]]:
    """NIC counts per profile from the engine, None without engine options."""
    if not args.engine_url:
        if not args.config:
            return None
        from engine_tools.engine.client import read_config

        if not read_config(args.config).get("engine_url"):
            return None
    from engine_tools.engine import client as engine_client
    from engine_tools.ucsm.checks import nic_users

    return nic_users(*engine_client.read_both_models(connection_options(args)))


def run_profiles(args: argparse.Namespace) -> int:
    options = ucsm.options_from_args(args)
    if options is None:
        raise UsageError("no UCS Manager: give --ucsm HOST (or ucsm = HOST in the "
                        "--config section)")
    profiles = ucsm.read_profiles(options, sys.stderr)
    users = _engine_users(args)
    if args.json:
        sys.stdout.write(json.dumps(profiles_json(profiles, users), indent=2) + "\n")
    else:
        write_table(profiles, users, sys.stdout)
    return 0


def _vlans(profile: PortProfile) -> str:
    return " ".join("%s(%s%s)" % (v.name, v.vlan_id if v.vlan_id is not None else "?",
                                  ", native" if v.native else "")
                    for v in profile.vlans) or "-"


def write_table(profiles: List[PortProfile], users: Optional[Dict[str, int]],
                out: TextIO) -> None:
    """One line per profile: NAME, MAX PORTS, [NICS,] VLANS."""
    header = ["NAME", "MAX PORTS"] + (["NICS"] if users is not None else []) + ["VLANS"]
    rows = [header]
    for p in profiles:
        row = [p.name, str(p.max_ports) if p.max_ports is not None else "-"]
        if users is not None:
            row.append(str(users.get(p.name, 0)))
        rows.append(row + [_vlans(p)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] + "\n")
    out.write("%d port profile(s)\n" % len(profiles))


def profiles_json(profiles: List[PortProfile], users: Optional[Dict[str, int]]) -> list:
    """The profiles as JSON data; "nics" is null without engine options."""
    return [{"name": p.name, "max_ports": p.max_ports,
             "vlans": [{"name": v.name, "id": v.vlan_id, "native": v.native}
                       for v in p.vlans],
             "clients": list(p.clients),
             "nics": users.get(p.name, 0) if users is not None else None}
            for p in profiles]
