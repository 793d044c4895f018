"""UCS Manager, read-only, for `leave plan`: port profiles with their VLANs,
QoS and network control policies, ONE configResolveClass per class.

Class and attribute names are ucsmsdk 0.9.27's mometa: vnicProfile
(qosPolicyName, nwCtrlPolicyName, maxPorts; children vnicEtherIf: name,
defaultNet), fabricVlan (name, id, switchId), epqosDefinition (name; child
epqosEgress: rate "line-rate" or 8-100000000 kbps, burst 0-65535 bytes,
prio), nwctrlDefinition (name; child dpsecMac: forge allow/deny).
"""
from collections import namedtuple
from typing import Dict, List, TextIO

from engine_tools.ucsm import client
from engine_tools.ucsm.client import UcsmError, UcsmOptions

#: One vnicProfile: name, [(VLAN name, native?)], QoS and network control
#: policy names ("" when none), maxPorts.
LeaveProfile = namedtuple("LeaveProfile", "name vlans qos_policy nwctrl_policy max_ports")
#: epqosEgress of one epqosDefinition: rate "line-rate" or kbps text, burst
#: bytes (None if absent), prio.
QosPolicy = namedtuple("QosPolicy", "name rate burst prio")
#: What UCS Manager holds: [LeaveProfile], {VLAN name: id}, {name: QosPolicy},
#: {network control policy name: forged MACs allowed?}.
UcsmView = namedtuple("UcsmView", "profiles vlans qos forge_allowed")

#: (class, hierarchical?) asked, one query each.
QUERIES = (("vnicProfile", True), ("fabricVlan", False), ("epqosDefinition", True),
           ("nwctrlDefinition", True))


def _resolve(handle, class_id: str, hierarchical: bool) -> str:
    from ucsmsdk import ucsmethodfactory, ucsxmlcodec

    request = ucsmethodfactory.config_resolve_class(
        cookie=handle.cookie, class_id=class_id, in_filter=None,
        in_hierarchical=hierarchical)
    return handle.post_xml(ucsxmlcodec.to_xml_str(request))


def read_view(options: UcsmOptions, err: TextIO) -> UcsmView:
    """Login, the four queries, logout (on every path). Raises UcsmError."""
    _, ucsexception = client._import_sdk()
    if options.insecure:
        err.write("WARNING: UCS Manager TLS verification is OFF (--ucsm-insecure): "
                  "%s is not authenticated and its password can be intercepted\n"
                  % client._where(options))
    handle = client.verified_handle(options)
    answers = {}
    try:
        try:
            handle.login()
            for class_id, hierarchical in QUERIES:
                answers[class_id] = _resolve(handle, class_id, hierarchical)
        finally:
            client._logout(handle)
    except Exception as e:  # noqa: BLE001 - every SDK failure becomes one line
        raise (handle.vmfex_error or client._sdk_error(e, options, ucsexception)) from None
    try:
        return view_from_answers(answers)
    except ucsexception.UcsException as e:
        raise client._sdk_error(e, options, ucsexception) from None
    except ValueError as e:
        raise UcsmError("UCS Manager %s: unexpected answer (%s)" % (
            client._where(options), " ".join(str(e).split())[:200])) from None


def _configs(text: str, class_id: str):
    root = client._parse(text)
    if root.get("errorCode", "0") != "0" or root.tag == "error":
        from ucsmsdk.ucsexception import UcsException

        raise UcsException(root.get("errorCode", "?"), root.get("errorDescr", ""))
    configs = root.find("outConfigs")
    if root.tag != "configResolveClass" or configs is None:
        raise ValueError("<%s> without outConfigs to the %s query" % (root.tag, class_id))
    return configs.findall(class_id)


def view_from_answers(answers: Dict[str, str]) -> UcsmView:
    """The UcsmView of the four raw answers (keyed by class)."""
    profiles = []
    for elem in _configs(answers["vnicProfile"], "vnicProfile"):
        vlans = sorted((v.get("name") or "?", client._yes(v.get("defaultNet")))
                       for v in elem.findall("vnicEtherIf"))
        profiles.append(LeaveProfile(elem.get("name") or "?", vlans,
                                     elem.get("qosPolicyName") or "",
                                     elem.get("nwCtrlPolicyName") or "",
                                     client._int(elem.get("maxPorts"))))
    vlans = {}
    for elem in _configs(answers["fabricVlan"], "fabricVlan"):
        # A VLAN name may exist globally (fabric/lan/net-X) and per fabric
        # (fabric/lan/A/net-X); port profiles name the global one.
        name, vlan_id = elem.get("name"), client._int(elem.get("id"))
        if name and vlan_id is not None and (name not in vlans
                                             or "/A/" not in (elem.get("dn") or "")
                                             and "/B/" not in (elem.get("dn") or "")):
            vlans[name] = vlan_id
    qos = {}
    for elem in _configs(answers["epqosDefinition"], "epqosDefinition"):
        egress = elem.find("epqosEgress")
        if egress is None:
            qos[elem.get("name")] = QosPolicy(elem.get("name"), "line-rate", None, "")
        else:
            qos[elem.get("name")] = QosPolicy(elem.get("name"), egress.get("rate") or "",
                                              client._int(egress.get("burst")),
                                              egress.get("prio") or "")
    forge = {}
    for elem in _configs(answers["nwctrlDefinition"], "nwctrlDefinition"):
        mac = elem.find("dpsecMac")
        # UCS Manager's default MAC security is forge=allow.
        forge[elem.get("name")] = mac is None or (mac.get("forge") or "allow") == "allow"
    return UcsmView(sorted(profiles, key=lambda p: p.name), vlans, qos, forge)


def as_plan_input(view: UcsmView) -> List[dict]:
    """The view as plain dicts for the pure planner (model/leave_plan)."""
    result = []
    for p in view.profiles:
        qos = view.qos.get(p.qos_policy) if p.qos_policy else None
        result.append({
            "name": p.name,
            "vlans": [{"name": n, "id": view.vlans.get(n), "native": native}
                      for n, native in p.vlans],
            "qos_policy": p.qos_policy or None,
            "qos": None if qos is None else {"rate": qos.rate, "burst": qos.burst,
                                             "prio": qos.prio},
            "qos_missing": bool(p.qos_policy) and qos is None,
            "nwctrl_policy": p.nwctrl_policy or None,
            # no policy: UCS Manager's default policy allows forged MACs
            "forge_allowed": view.forge_allowed.get(p.nwctrl_policy, True),
        })
    return result
