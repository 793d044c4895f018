"""`vmfex-engine ucs profiles`: the port profiles UCS Manager defines."""
import argparse
import sys
from typing import Dict, List, Optional, TextIO

from engine_tools.commands import output
from engine_tools.commands.output import add_json_argument, write_json
from engine_tools.options.connection import (
    add_connection_arguments,
    engine_options,
    has_engine,
    ucsm_options,
)
from engine_tools.ucsm import client as ucsm
from engine_tools.ucsm.client import PortProfile
from vdsm_hook_vmfex.common.cli import UsageError, add_command, add_verbs

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
    profiles = add_command(
        add_verbs(ucs, "ucs_command"), "profiles", help="list UCS Manager's port profiles",
        description="List the VM-FEX port profiles (vnicProfile) of UCS Manager: name, "
                    "VLANs (native marked), maxPorts and, with engine options, how many "
                    "oVirt NICs use each.",
        epilog=EPILOG)
    add_json_argument(profiles)
    add_connection_arguments(profiles, ucsm=True)
    profiles.set_defaults(run=run_profiles)


def _engine_users(args: argparse.Namespace) -> Optional[Dict[str, int]]:
    """NIC counts per profile from the engine, None without engine options."""
    if not has_engine(args):
        return None
    from engine_tools.engine import client as engine_client
    from engine_tools.ucsm.checks import nic_users

    return nic_users(*engine_client.read_both_models(engine_options(args)))


def run_profiles(args: argparse.Namespace) -> int:
    options = ucsm_options(args)
    if options is None:
        raise UsageError("no UCS Manager: give --ucsm HOST (or ucsm = HOST in the "
                        "--config section)")
    profiles = ucsm.read_profiles(options, sys.stderr)
    users = _engine_users(args)
    if args.json:
        write_json(sys.stdout, profiles_json(profiles, users))
    else:
        write_profiles(profiles, users, sys.stdout)
    return 0


def _vlans(profile: PortProfile) -> str:
    return " ".join("%s(%s%s)" % (v.name, v.vlan_id if v.vlan_id is not None else "?",
                                  ", native" if v.native else "")
                    for v in profile.vlans) or "-"


def write_profiles(profiles: List[PortProfile], users: Optional[Dict[str, int]],
                out: TextIO) -> None:
    """One line per profile: NAME, MAX PORTS, [NICS,] VLANS."""
    header = ["name", "max ports"] + (["nics"] if users is not None else []) + ["vlans"]
    rows = []
    for p in profiles:
        row = [p.name, str(p.max_ports) if p.max_ports is not None else "-"]
        if users is not None:
            row.append(str(users.get(p.name, 0)))
        rows.append(row + [_vlans(p)])
    output.write_table(out, header, rows)
    out.write("%d port profile(s)\n" % len(profiles))


def profiles_json(profiles: List[PortProfile], users: Optional[Dict[str, int]]) -> list:
    """The profiles as JSON data; "nics" is null without engine options."""
    return [{"name": p.name, "max_ports": p.max_ports,
             "vlans": [{"name": v.name, "id": v.vlan_id, "native": v.native}
                       for v in p.vlans],
             "clients": list(p.clients),
             "nics": users.get(p.name, 0) if users is not None else None}
            for p in profiles]
