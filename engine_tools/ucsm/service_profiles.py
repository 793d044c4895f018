"""UCS Manager's service profiles and the dynamic vNICs their policies grant.

Read-only, one configResolveClass per class (ucsmsdk 0.9.27 class metadata,
mometa/ls/LsServer.py and mometa/vnic/VnicDynamicConPolicy.py):

* lsServer: `uuid` (8-4-4-4-12 hex, or "derived"/"0" before one is
  assigned), `pnDn` (the blade it is bound to), `assocState`, `type`
  ("instance" or a template), `dynamicConPolicyName` (the name the
  administrator chose) and `operDynamicConPolicyName` (read-only, up to 256
  characters: the DN the name resolved to, e.g. org-root/dynamic-con-vmfex).
* vnicDynamicConPolicy, rn `dynamic-con-NAME` under an org: `dynamicEth`,
  a number of dynamic vNICs or "off".

A policy name resolves like every UCS Manager policy name: in the service
profile's org, then in each parent org up to org-root. The resolved DN is
used when UCS Manager gives it; the walk is the fallback for systems that
leave it empty.
"""
from typing import Dict, List, Optional, TextIO, Tuple

from engine_tools.model.capacity import ServiceProfile
from engine_tools.ucsm import client
from engine_tools.ucsm.client import PortProfile

CLASSES = ("lsServer", "vnicDynamicConPolicy")


def _orgs(dn: str) -> List[str]:
    """The org DNs a service profile's policy names resolve in, innermost first."""
    parts = dn.split("/")[:-1]
    orgs = []
    while parts and parts[-1].startswith("org-"):
        orgs.append("/".join(parts))
        parts = parts[:-1]
    return orgs or ["org-root"]


def granted_by(value: Optional[str]) -> Optional[int]:
    """dynamicEth -> number of dynamic vNICs ("off": 0), None if unreadable."""
    text = (value or "").strip().lower()
    if text == "off":
        return 0
    if text.isdigit():
        return int(text)
    return None


def _grant(server: Dict[str, str], policies: Dict[str, str]) -> Tuple[Optional[int], str]:
    """(dynamic vNICs the profile's policy grants or None, note)."""
    oper = (server.get("operDynamicConPolicyName") or "").strip()
    name = (server.get("dynamicConPolicyName") or "").strip()
    dn = oper if oper in policies else None
    if dn is None and name:
        dn = next((org + "/dynamic-con-" + name for org in _orgs(server.get("dn", ""))
                   if org + "/dynamic-con-" + name in policies), None)
    if dn is None:
        if oper or name:
            return None, "dynamic vNIC connection policy %r not found" % (oper or name)
        return 0, "no dynamic vNIC connection policy"
    granted = granted_by(policies[dn])
    if granted is None:
        return None, "%s: dynamicEth %r is not a number or 'off'" % (dn, policies[dn])
    return granted, dn


def service_profiles(servers: List[Dict[str, str]], policies: List[Dict[str, str]]
                     ) -> List[ServiceProfile]:
    """Service profile instances bound to a blade (pnDn set, associated),
    each with the dynamic vNICs it grants."""
    by_dn = {p.get("dn", ""): p.get("dynamicEth") for p in policies}
    found = []
    for server in servers:
        if (server.get("type") or "instance") != "instance":
            continue
        if not server.get("pnDn") or server.get("assocState") != "associated":
            continue
        granted, note = _grant(server, by_dn)
        found.append(ServiceProfile(server.get("dn") or server.get("name") or "?",
                                    server.get("uuid") or "", granted, note))
    return sorted(found, key=lambda p: p.name)


def read_service_profiles(options: client.UcsmOptions, err: TextIO) -> List[ServiceProfile]:
    """Every bound service profile with its grant: one session, one query per
    class. Raises UcsmError."""
    answers = client.read_classes(options, CLASSES, err)
    return service_profiles(answers["lsServer"], answers["vnicDynamicConPolicy"])


def read_with_port_profiles(options: client.UcsmOptions, err: TextIO, capacity: bool = True
                            ) -> Tuple[List[PortProfile], Optional[List[ServiceProfile]]]:
    """(port profiles, bound service profiles with their grants) in one
    session: assign and convert check names and capacity with one login.
    Without capacity only the port profiles are queried (service profiles None)."""
    profiles, answers = client.read_profiles_and_classes(
        options, CLASSES if capacity else (), err)
    if not capacity:
        return profiles, None
    return profiles, service_profiles(answers["lsServer"], answers["vnicDynamicConPolicy"])
