"""Checking a `leave` plan file (pure), edited or not, whole: every problem
as (path.to.field, message), before anything is written."""
import re
from typing import List, Tuple

from engine_tools.model.leave_plan import (
    MAX_AVERAGE_MBPS,
    MAX_BURST_MB,
    MAX_PEAK_MBPS,
    NO_SPOOFING,
    PLAN_FORMAT,
    PLAN_VERSION,
    RUNNING_MODES,
    VLAN_MAX,
    WHEN,
)
from engine_tools.model.vnic_profiles import check_name

_NETWORK_NAME = re.compile(r"[\w.-]{1,256}\Z")
LABEL = re.compile(r"[\w-]{1,50}\Z")
_MAC = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}\Z")
Problem = Tuple[str, str]


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker(object):
    def __init__(self) -> None:
        self.problems = []  # type: List[Problem]

    def add(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def field(self, item: dict, path: str, name: str, kind, optional: bool = False):
        """item[name] if it has type `kind` (None allowed when optional)."""
        if name not in item:
            self.add("%s.%s" % (path, name), "missing")
            return None
        value = item[name]
        if value is None and optional:
            return None
        ok = _int(value) if kind is int else isinstance(value, kind)
        if not ok:
            self.add("%s.%s" % (path, name), "expected %s, got %s" % (
                {int: "a whole number", str: "text", bool: "true or false",
                 list: "a list", dict: "an object"}[kind], _shown(value)))
            return None
        return value

    def items(self, plan: dict, name: str) -> List[Tuple[str, dict]]:
        value = self.field(plan, "plan", name, list)
        found = []
        for index, item in enumerate(value or ()):
            path = "%s[%d]" % (name, index)
            if not isinstance(item, dict):
                self.add(path, "expected an object, got %s" % _shown(item))
            else:
                found.append((path, item))
        return found


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def validate(plan) -> List[Problem]:
    """Every problem of a plan document, [] when it can be applied."""
    check = _Checker()
    if not isinstance(plan, dict):
        return [("plan", "expected a JSON object (a plan written by 'leave plan --output')")]
    if plan.get("format") != PLAN_FORMAT:
        check.add("format", "expected %r" % PLAN_FORMAT)
    if plan.get("version") != PLAN_VERSION:
        check.add("version", "expected %d, got %s (write a new plan with this version of "
                             "vmfex-engine)" % (PLAN_VERSION, _shown(plan.get("version"))))
    label = check.field(plan, "plan", "label", str, optional=True)
    if label is not None and not LABEL.match(label):
        check.add("label", "invalid network label %r: expected 1 to 50 letters, digits, "
                           "'_' or '-'" % label)
    if plan.get("running") not in RUNNING_MODES:
        check.add("running", "expected one of %s, got %s" % (", ".join(RUNNING_MODES),
                                                             _shown(plan.get("running"))))
    networks = _networks(check, plan)
    qos = _qos(check, plan)
    profiles = _profiles(check, plan, networks, qos)
    _vms(check, plan, profiles)
    _clusters(check, plan, networks)
    return check.problems


def _clusters(check: _Checker, plan: dict, networks: dict) -> None:
    for path, item in check.items(plan, "clusters"):
        check.field(item, path, "id", str)
        check.field(item, path, "name", str)
        for index, key in enumerate(check.field(item, path, "attach", list) or ()):
            if not isinstance(key, str) or key not in networks:
                check.add("%s.attach[%d]" % (path, index), "no network with key %s in "
                          "networks" % _shown(key))


def _networks(check: _Checker, plan: dict) -> dict:
    keys, names, vlans = {}, {}, {}
    for path, item in check.items(plan, "networks"):
        key = check.field(item, path, "key", str)
        name = check.field(item, path, "name", str)
        vlan = check.field(item, path, "vlan_id", int)
        mtu = check.field(item, path, "mtu", int)
        dc = check.field(item, path, "data_center_id", str)
        existing = check.field(item, path, "id", str, optional=True)
        label = check.field(item, path, "label", str, optional=True)
        if key is not None:
            if key in keys:
                check.add(path + ".key", "duplicate key %r (also %s)" % (key, keys[key][0]))
            keys[key] = (path, item)
        if name is not None and not _NETWORK_NAME.match(name):
            check.add(path + ".name", "invalid network name %r: expected 1 to 256 letters, "
                                      "digits, '_', '.' or '-'" % name)
        if vlan is not None and not 0 <= vlan <= VLAN_MAX:
            check.add(path + ".vlan_id", "VLAN id %d: the engine accepts 0 to %d"
                      % (vlan, VLAN_MAX))
        if mtu is not None and not (mtu == 0 or 68 <= mtu <= 65520):
            check.add(path + ".mtu", "MTU %d: expected 0 (the engine's default) or 68 to "
                                     "65520" % mtu)
        if label is not None and not LABEL.match(label):
            check.add(path + ".label", "invalid network label %r" % label)
        if existing is None and name is not None and dc is not None:
            if (dc, name) in names:
                check.add(path + ".name", "duplicate network name %r in data center %s "
                          "(also %s)" % (name, item.get("data_center") or dc,
                                         names[(dc, name)]))
            names[(dc, name)] = path
            if vlan is not None:
                if (dc, vlan) in vlans:
                    check.add(path + ".vlan_id", "VLAN %d twice in data center %s (also "
                              "%s): one network per VLAN" % (vlan, item.get("data_center")
                                                             or dc, vlans[(dc, vlan)]))
                vlans[(dc, vlan)] = path
    return {k: v[1] for k, v in keys.items()}


def _qos(check: _Checker, plan: dict) -> dict:
    keys = {}
    for path, item in check.items(plan, "qos"):
        key = check.field(item, path, "key", str)
        check.field(item, path, "name", str)
        check.field(item, path, "data_center_id", str)
        check.field(item, path, "id", str, optional=True)
        values = {}
        for name, top in (("outbound_average", MAX_AVERAGE_MBPS),
                          ("outbound_peak", MAX_PEAK_MBPS), ("outbound_burst", MAX_BURST_MB)):
            value = check.field(item, path, name, int)
            if value is not None and not 1 <= value <= top:
                check.add("%s.%s" % (path, name), "%d: the engine accepts 1 to %d"
                          % (value, top))
            values[name] = value
        if None not in values.values() and values["outbound_peak"] < values["outbound_average"]:
            check.add(path + ".outbound_peak", "peak %d below average %d: the engine "
                      "refuses it" % (values["outbound_peak"], values["outbound_average"]))
        if key is not None:
            if key in keys:
                check.add(path + ".key", "duplicate key %r" % key)
            keys[key] = item
    return keys


def _profiles(check: _Checker, plan: dict, networks: dict, qos: dict) -> dict:
    keys, names = {}, {}
    for path, item in check.items(plan, "profiles"):
        key = check.field(item, path, "key", str)
        check.field(item, path, "port_profile", str)
        name = check.field(item, path, "name", str)
        net = check.field(item, path, "network", str)
        qos_key = check.field(item, path, "qos", str, optional=True)
        filt = check.field(item, path, "network_filter", str, optional=True)
        check.field(item, path, "id", str, optional=True)
        if name is not None and check_name(name):
            check.add(path + ".name", check_name(name))
        if net is not None and net not in networks:
            check.add(path + ".network", "no network with key %r in networks" % net)
        if qos_key is not None:
            if qos_key not in qos:
                check.add(path + ".qos", "no QoS with key %r in qos" % qos_key)
            elif net in networks and qos[qos_key].get("data_center_id") != \
                    networks[net].get("data_center_id"):
                check.add(path + ".qos", "QoS %r is in another data center than network "
                                         "%r" % (qos_key, net))
        if filt not in (None, NO_SPOOFING):
            check.add(path + ".network_filter", "expected %r or null, got %s"
                      % (NO_SPOOFING, _shown(filt)))
        if name is not None and net is not None and item.get("id") is None:
            if (net, name) in names:
                check.add(path + ".name", "duplicate vNIC profile name %r on network %r "
                          "(also %s)" % (name, net, names[(net, name)]))
            names[(net, name)] = path
        if key is not None:
            if key in keys:
                check.add(path + ".key", "duplicate key %r" % key)
            keys[key] = item
    return keys


def _vms(check: _Checker, plan: dict, profiles: dict) -> None:
    names, nic_ids = {}, {}
    for path, item in check.items(plan, "vms"):
        name = check.field(item, path, "name", str)
        check.field(item, path, "id", str)
        when = check.field(item, path, "when", str)
        check.field(item, path, "map_before", str)
        check.field(item, path, "map_after", str)
        props = check.field(item, path, "properties_before", list)
        for index, prop in enumerate(props or ()):
            if not (isinstance(prop, list) and len(prop) == 2
                    and all(isinstance(p, str) for p in prop)):
                check.add("%s.properties_before[%d]" % (path, index),
                          "expected [name, value]")
        if when is not None and when not in WHEN:
            check.add(path + ".when", "expected one of %s, got %r" % (", ".join(WHEN), when))
        if name is not None:
            if name in names:
                check.add(path + ".name", "VM %r twice (also %s)" % (name, names[name]))
            names[name] = path
        nics = check.field(item, path, "nics", list) or []
        for index, nic in enumerate(nics):
            npath = "%s.nics[%d]" % (path, index)
            if not isinstance(nic, dict):
                check.add(npath, "expected an object, got %s" % _shown(nic))
                continue
            nic_id = check.field(nic, npath, "id", str)
            check.field(nic, npath, "name", str)
            mac = check.field(nic, npath, "mac", str)
            check.field(nic, npath, "from_profile_id", str)
            profile = check.field(nic, npath, "profile", str)
            if mac is not None and not _MAC.match(mac):
                check.add(npath + ".mac", "expected a lower-case MAC, got %r" % mac)
            if profile is not None and profile not in profiles:
                check.add(npath + ".profile", "no vNIC profile with key %r in profiles"
                          % profile)
            if nic_id is not None:
                if nic_id in nic_ids:
                    check.add(npath + ".id", "NIC id twice (also %s)" % nic_ids[nic_id])
                nic_ids[nic_id] = npath
