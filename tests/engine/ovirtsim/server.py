"""oVirt Engine API v4 simulator: HTTPS server, SSO and a subset of /vms.

What ``ovirtsdk4`` sees of the engine, reproduced closely enough for the
real SDK (pycurl/libcurl underneath) to work against it unchanged:

* ``POST /ovirt-engine/sso/oauth/token`` (form: ``grant_type=password``,
  ``scope=ovirt-app-api``, ``username``, ``password``) answers JSON with an
  ``access_token``; wrong credentials answer the SSO error JSON, which the
  SDK turns into ``ovirtsdk4.AuthError``.
* ``POST``/``GET /ovirt-engine/services/sso-logout`` revokes the token and
  answers a JSON body (``Connection.close()`` requires JSON).
* Everything under ``/ovirt-engine/api`` needs ``Authorization: Bearer
  TOKEN`` (else 401 with a ``<fault>``) and, when present, ``Version: 4``.
  It is answered after ``delay`` seconds, each request in its own thread,
  over HTTP/1.1 keep-alive connections.

  - ``GET /ovirt-engine/api``: the API root with ``product_info``.
  - ``GET /vms?search=&max=&follow=nics&case_sensitive=``: see
    :meth:`OvirtSimulator.search` for the search subset and paging.
  - ``GET /vms/{id}[?follow=nics][&next_run=true]``,
    ``GET /vms/{id}/nics``, ``GET /vms/{id}/nics/{nic_id}``.
  - ``PUT /vms/{id}[?next_run=true]``: see :meth:`OvirtSimulator.apply_update`.
  - ``PUT /vms/{id}/nics/{nic_id}`` with ``<nic><vnic_profile id=.../></nic>``:
    see :meth:`OvirtSimulator.change_nic_profile`.
  - ``GET /datacenters``, ``GET /networks``, ``GET|POST /vnicprofiles``,
    ``GET|POST /networks/{id}/vnicprofiles``, ``GET|PUT /vnicprofiles/{id}``:
    see :meth:`OvirtSimulator.add_vnic_profile` for what an added profile gets.

Only the fields the vmfex tool cares about exist: VMs (id, name, status,
custom properties, NICs with name, MAC and vNIC profile), data centers and
networks (id, name), vNIC profiles (name, description, network, custom
properties, network filter). A new simulator holds the data center
``Default`` with the network ``ovirtmgmt`` and its vNIC profile
``ovirtmgmt``, as a fresh engine does; NICs added without a profile use it.
"""

import datetime
import json
import re
import secrets
import socket
import sys
import threading
import time
import traceback
import uuid
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.engine.https_server import Served, TlsHandler, TlsServer

API_PREFIX = "/ovirt-engine/api"
SSO_TOKEN_PATH = "/ovirt-engine/sso/oauth/token"
SSO_LOGOUT_PATH = "/ovirt-engine/services/sso-logout"

XML_CONTENT_TYPE = "application/xml;charset=UTF-8"
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

# The values of the API model's VmStatus enum.
VM_STATUSES = frozenset((
    "down", "image_locked", "migrating", "not_responding", "paused",
    "powering_down", "powering_up", "reboot_in_progress", "restoring_state",
    "saving_state", "suspended", "unassigned", "unknown", "up",
    "wait_for_launch",
))

# States in which the engine has no running configuration of the VM: an
# update with next_run=true simply applies to the VM's configuration.
NOT_RUNNING_STATUSES = frozenset(("down", "image_locked"))

STATS_KINDS = ("list", "get_vm", "nics", "update", "nic_update", "profiles",
               "profile_add", "profile_update", "other", "sso")
#: The kinds of request that change the engine.
WRITE_KINDS = frozenset(("update", "nic_update", "profile_add", "profile_update"))

# The engine's network filters (GET /networkfilters); a profile added without
# <network_filter> gets DEFAULT_FILTER, with an empty one none.
NETWORK_FILTERS = {
    "d2370ab4-fee3-11e9-a310-8c1645ce738e": "vdsm-no-mac-spoofing",
    "d2370f4b-fee3-11e9-a310-8c1645ce738e": "allow-dhcp",
}
DEFAULT_FILTER = "d2370ab4-fee3-11e9-a310-8c1645ce738e"
# ovirt-engine ValidationUtils.NO_SPECIAL_CHARACTERS_I18N, the rule of
# vNIC profile names, and their maximum length.
_PROFILE_NAME_RE = re.compile(r"[\w.-]+\Z")
PROFILE_NAME_MAX = 50
# AbstractVmInterfaceCommand.vmStatusLegal: NICs change only in these states.
NIC_EDIT_STATUSES = frozenset(("up", "down", "image_locked"))

_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


class _Dropped(Exception):
    """The engine dies while answering: close the connection, send nothing."""


class SimError(Exception):
    """An API error answered as ``<fault>`` with the given HTTP status."""

    def __init__(self, status, reason, detail):
        super().__init__("%s %s: %s" % (status, reason, detail))
        self.status = status
        self.reason = reason
        self.detail = detail


class SimDataCenter:
    def __init__(self, name, id=None):
        self.id = str(id) if id is not None else str(uuid.uuid4())
        self.name = name


class SimNetwork:
    def __init__(self, name, data_center_id, id=None):
        self.id = str(id) if id is not None else str(uuid.uuid4())
        self.name = name
        self.data_center_id = data_center_id


class SimVnicProfile:
    """A vNIC profile; ``network_filter_id`` None means no filter."""

    def __init__(self, name, network_id, custom_properties=None,
                 network_filter_id=None,
                 description=None, id=None):
        self.id = str(id) if id is not None else str(uuid.uuid4())
        self.name = name
        self.network_id = network_id
        self.custom_properties = dict(custom_properties or {})
        self.network_filter_id = network_filter_id
        self.description = description

    def __repr__(self):
        return "SimVnicProfile(name=%r, custom_properties=%r, filter=%r)" % (
            self.name, self.custom_properties,
            NETWORK_FILTERS.get(self.network_filter_id))


class SimVm:
    """One simulated VM.

    ``custom_properties`` is an insertion-ordered dict name -> value, empty
    (falsy) when the VM has none; the API then omits ``<custom_properties>``
    so the SDK reports ``vm.custom_properties`` as ``None``.
    ``nics`` is a list of ``(name, mac)`` tuples. ``next_run_properties`` is
    ``None`` unless an update with ``next_run=True`` on a running VM stored
    a pending configuration (see :meth:`OvirtSimulator.apply_update`).
    """

    def __init__(self, name, status="down", custom_properties=None, nics=None,
                 id=None):
        if status not in VM_STATUSES:
            raise ValueError("unknown VM status %r" % (status,))
        self.id = str(id) if id is not None else str(uuid.uuid4())
        self.name = name
        self.status = status
        self.custom_properties = {
            str(k): "" if v is None else str(v)
            for k, v in (custom_properties or {}).items()}
        self.nics = []
        self.nic_ids = []
        #: vNIC profile id of each NIC (None: the NIC has no network).
        self.nic_profiles = []
        for nic in nics or ():
            nic_name, mac = nic[0], nic[1]
            mac = str(mac).lower()
            if not _MAC_RE.match(mac):
                raise ValueError("bad MAC address %r" % (mac,))
            self.nics.append((str(nic_name), mac))
            self.nic_ids.append(str(uuid.uuid4()))
            self.nic_profiles.append(nic[2] if len(nic) > 2 else None)
        self.next_run_properties = None

    @property
    def running(self):
        return self.status not in NOT_RUNNING_STATUSES

    def __repr__(self):
        return ("SimVm(name=%r, id=%r, status=%r, custom_properties=%r, "
                "nics=%r, next_run_properties=%r)" % (
                    self.name, self.id, self.status, self.custom_properties,
                    self.nics, self.next_run_properties))


# --------------------------------------------------------------------------
# XML


def _sub(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        el.text = text
    return el


def _to_bytes(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                          standalone=True)


def fault_xml(reason, detail):
    root = etree.Element("fault")
    _sub(root, "detail", detail)
    _sub(root, "reason", reason)
    return _to_bytes(root)


def _vm_href(vm):
    return "%s/vms/%s" % (API_PREFIX, vm.id)


def _nic_element(parent, vm, index):
    name, mac = vm.nics[index]
    nic_id = vm.nic_ids[index]
    nic = _sub(parent, "nic", href="%s/nics/%s" % (_vm_href(vm), nic_id),
               id=nic_id)
    _sub(nic, "name", name)
    _sub(nic, "interface", "virtio")
    _sub(nic, "linked", "true")
    mac_el = _sub(nic, "mac")
    _sub(mac_el, "address", mac)
    _sub(nic, "plugged", "false" if nic_id in getattr(vm, "unplugged", ()) else "true")
    profile_id = vm.nic_profiles[index]
    if profile_id is not None:
        _sub(nic, "vnic_profile", href="%s/vnicprofiles/%s" % (API_PREFIX, profile_id),
             id=profile_id)
    _sub(nic, "vm", href=_vm_href(vm), id=vm.id)
    return nic


def _nics_element(parent, vm):
    nics = etree.Element("nics") if parent is None else _sub(parent, "nics")
    for index in range(len(vm.nics)):
        _nic_element(nics, vm, index)
    return nics


def _vm_element(parent, vm, follow_nics=False, properties=None):
    href = _vm_href(vm)
    if parent is None:
        el = etree.Element("vm", href=href, id=vm.id)
    else:
        el = _sub(parent, "vm", href=href, id=vm.id)
    _sub(el, "name", vm.name)
    _sub(el, "link", href="%s/nics" % href, rel="nics")
    _sub(el, "status", vm.status)
    if getattr(vm, "cluster_id", None):  # set by networking.py
        _sub(el, "cluster", href="%s/clusters/%s" % (API_PREFIX, vm.cluster_id), id=vm.cluster_id)
    # The engine marks every VM whose next start has pending changes.
    _sub(el, "next_run_configuration_exists",
         "true" if vm.next_run_properties is not None else "false")
    props = vm.custom_properties if properties is None else properties
    if props:
        cps = _sub(el, "custom_properties")
        for name, value in props.items():
            cp = _sub(cps, "custom_property")
            _sub(cp, "name", name)
            _sub(cp, "value", value)
    if follow_nics:
        _nics_element(el, vm)
    return el


def _data_center_element(parent, dc):
    el = _sub(parent, "data_center", href="%s/datacenters/%s" % (API_PREFIX, dc.id),
              id=dc.id)
    _sub(el, "name", dc.name)
    return el


def _network_element(parent, network):
    href = "%s/networks/%s" % (API_PREFIX, network.id)
    el = _sub(parent, "network", href=href, id=network.id)
    _sub(el, "name", network.name)
    _sub(el, "link", href="%s/vnicprofiles" % href, rel="vnicprofiles")
    _sub(el, "data_center", href="%s/datacenters/%s" % (API_PREFIX, network.data_center_id),
         id=network.data_center_id)
    return el


def _profile_element(parent, profile):
    href = "%s/vnicprofiles/%s" % (API_PREFIX, profile.id)
    if parent is None:
        el = etree.Element("vnic_profile", href=href, id=profile.id)
    else:
        el = _sub(parent, "vnic_profile", href=href, id=profile.id)
    _sub(el, "name", profile.name)
    if profile.description:
        _sub(el, "description", profile.description)
    if profile.custom_properties:
        cps = _sub(el, "custom_properties")
        for name, value in profile.custom_properties.items():
            cp = _sub(cps, "custom_property")
            _sub(cp, "name", name)
            _sub(cp, "value", value)
    _sub(el, "link", href="%s/permissions" % href, rel="permissions")
    mode = _sub(el, "pass_through")
    _sub(mode, "mode", "disabled")
    _sub(el, "port_mirroring", "false")
    _sub(el, "network", href="%s/networks/%s" % (API_PREFIX, profile.network_id),
         id=profile.network_id)
    if profile.network_filter_id is not None:
        _sub(el, "network_filter", href="%s/networkfilters/%s" % (
            API_PREFIX, profile.network_filter_id), id=profile.network_filter_id)
    return el


def _parse_body(body, tag):
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:
        raise SimError(400, "Bad Request",
                       "Failed to parse the request body: %s" % e) from None
    if root.tag != tag:
        raise SimError(400, "Bad Request",
                       "Expected a '%s' element, got '%s'." % (tag, root.tag))
    return root


def _custom_properties(root, action):
    """name -> value of a body's <custom_properties>, None when absent."""
    cps = root.find("custom_properties")
    if cps is None:
        return None
    properties = {}
    for cp in cps.findall("custom_property"):
        name = (cp.findtext("name") or "").strip()
        if not name:
            raise SimError(400, "Operation Failed",
                           "[Cannot %s. Custom property without a name.]" % action)
        properties[name] = cp.findtext("value") or ""
    return properties


# --------------------------------------------------------------------------
# Search


_PAGE_RE = re.compile(r"(?:^|\s)page\s+(\d+)\s*$", re.IGNORECASE)
_SORT_RE = re.compile(r"(?:^|\s)sortby\s+([a-z_]+)(?:\s+(asc|desc))?\s*$",
                      re.IGNORECASE)
_PREFIX_RE = re.compile(r"^\s*vms?\s*:\s*", re.IGNORECASE)
_OR_RE = re.compile(r"\s+or\s+", re.IGNORECASE)
_COND_RE = re.compile(
    r'\s*([a-z_][a-z0-9_]*)\s*(!=|=)\s*("[^"]*"|[^\s"]+)\s*', re.IGNORECASE)
_AND_RE = re.compile(r"\s*and\s+", re.IGNORECASE)
_SEARCH_FIELDS = ("name", "status", "id")


def _search_error(query):
    return SimError(
        400, "Operation Failed",
        "[Cannot search VMs. Invalid search query: '%s'.]" % query)


def parse_search(query):
    """Parse the supported subset of the engine's search language.

    Returns ``(groups, sort_field, descending, page)`` where ``groups`` is a
    list (OR) of lists (AND) of ``(field, negate, pattern)``; an empty list
    means "all VMs". Raises :class:`SimError` (400) on anything else.
    """
    text = _PREFIX_RE.sub("", query or "").strip()
    page = 1
    m = _PAGE_RE.search(text)
    if m:
        page = int(m.group(1))
        text = text[:m.start()].strip()
    sort_field, descending = "name", False
    m = _SORT_RE.search(text)
    if m:
        sort_field = m.group(1).lower()
        descending = (m.group(2) or "asc").lower() == "desc"
        text = text[:m.start()].strip()
        if sort_field not in _SEARCH_FIELDS:
            raise _search_error(query)
    groups = []
    if text:
        for part in _OR_RE.split(text):
            conds = []
            pos = 0
            part = part.strip()
            while pos < len(part):
                if conds:
                    m = _AND_RE.match(part, pos)
                    if m:
                        pos = m.end()
                m = _COND_RE.match(part, pos)
                if not m:
                    raise _search_error(query)
                field = m.group(1).lower()
                if field not in _SEARCH_FIELDS:
                    raise _search_error(query)
                value = m.group(3)
                if value.startswith('"'):
                    value = value[1:-1]
                conds.append((field, m.group(2) == "!=", value))
                pos = m.end()
            if not conds:
                raise _search_error(query)
            groups.append(conds)
    return groups, sort_field, descending, page


def _wildcard_match(pattern, value):
    """Engine-style match: ``*`` is the only wildcard."""
    if "*" not in pattern:
        return value == pattern
    regex = ".*".join(re.escape(p) for p in pattern.split("*"))
    return re.match(regex + r"\Z", value, re.DOTALL) is not None


def _matches(vm, conds, case_sensitive):
    for field, negate, pattern in conds:
        value = getattr(vm, field)
        if field == "status" or not case_sensitive:
            value, pattern = value.lower(), pattern.lower()
        if _wildcard_match(pattern, value) == negate:
            return False
    return True


# --------------------------------------------------------------------------
# HTTP


class _Server(TlsServer):
    def accepted(self):
        with self.sim.lock:
            self.sim.connections_opened += 1


class _Handler(TlsHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ovirtsim/1.0"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 120

    def setup(self):
        sim = self.server.sim
        if sim.never_answer:
            # A black hole: TCP accepted, not even the TLS handshake answered.
            sim.stopped.wait()
            raise ConnectionAbortedError("simulator stopped")
        if sim.dead:
            raise ConnectionAbortedError("engine is dead")
        TlsHandler.setup(self)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _send_fault(self, status, reason, detail):
        self.send_answer(status, fault_xml(reason, detail), XML_CONTENT_TYPE)

    def _dispatch(self, method):
        try:
            self._answer(method)
        except _Dropped:
            # The engine died with this request: no answer, connection gone.
            self.close_connection = True
            self.request.shutdown(socket.SHUT_RDWR)
        except OSError:
            raise
        except Exception:
            # A simulator bug: say so in a fault rather than drop the
            # connection, and show the traceback on stderr.
            traceback.print_exc()
            self.close_connection = True
            self._send_fault(500, "Internal Server Error",
                             "ovirtsim failed: %s" % sys.exc_info()[1])

    def _answer(self, method):
        sim = self.server.sim
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(
            parts.query, keep_blank_values=True).items()}
        body = self.read_body()
        if sim.dead:
            raise _Dropped()
        if path == SSO_TOKEN_PATH:
            sim._count_sso()
            if method != "POST":
                self.send_answer(405, json.dumps({
                    "error_code": "invalid_request",
                    "error": "Method not allowed"}).encode(),
                    JSON_CONTENT_TYPE)
                return
            status, data = sim.sso_token(_form(body))
            self.send_answer(status, json.dumps(data).encode(), JSON_CONTENT_TYPE)
        elif path == SSO_LOGOUT_PATH:
            sim._count_sso()
            params = dict(query)
            params.update(_form(body))
            status, data = sim.sso_logout(params)
            self.send_answer(status, json.dumps(data).encode(), JSON_CONTENT_TYPE)
        elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            status, payload = sim.handle_api(
                method, path, query, body, self.headers)
            content_type = XML_CONTENT_TYPE
            if isinstance(payload, tuple):
                content_type, payload = payload
            self.send_answer(status, payload, content_type)
        else:
            self._send_fault(404, "Not Found",
                             "The resource '%s' doesn't exist." % path)


def _form(body):
    text = body.decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(
        text, keep_blank_values=True).items()}


# --------------------------------------------------------------------------
# Simulator


class OvirtSimulator(Served):
    """A local oVirt Engine (API v4) the real ``ovirtsdk4`` can talk to.

    :param delay: seconds every API request (not SSO) waits before it is
        answered, as a real engine busy with its database would.
    :param page_cap: server-side cap on the VMs of one list page, applied
        whatever ``max`` the client asks for (``None``: no cap).
    :param username, password: the only credentials SSO accepts.
    :param host, port: where to listen (port 0: a free port).
    :param verbose: log every request to stderr.
    """

    thread_name = "ovirtsim"
    server_class = _Server
    handler_class = _Handler
    alpn = ("http/1.1",)

    def __init__(self, delay=0.0, page_cap=100, username="admin@internal",
                 password="secret", host="127.0.0.1", port=0, verbose=False):
        self.delay = float(delay)
        self.page_cap = page_cap
        self.username = username
        self.password = password
        self.host = host
        self.port = port
        self.verbose = verbose
        #: name -> SimVm; live objects, mutate them only while no request
        #: is being answered (or under :attr:`lock`).
        self.vms = {}
        self._by_id = {}
        #: name -> (http_status, reason, detail): updates of that VM fail.
        self.fail_updates = {}
        # -- faults (tests/engine/test_faults.py) --
        #: Accept TCP connections and never answer (no TLS handshake either).
        self.never_answer = False
        #: Set by stop(): wakes handlers parked by never_answer.
        self.stopped = threading.Event()
        #: kind ("list", "get_vm", "update", ...) -> (status, content_type,
        #: body): API requests of that kind get this answer instead (after
        #: an update is applied), as a proxy's error page or a truncated
        #: answer would arrive.
        self.answers = {}
        #: After this many updates have been applied the engine dies: the
        #: next update and every later request get their connection closed
        #: without an answer (None: never).
        self.die_after_updates = None
        #: The same for every write (VM update, NIC update, vNIC profile
        #: add/update) as convert and `profiles create` send them, counted
        #: as they arrive.
        self.die_after_writes = None
        #: True once the engine died (also settable directly).
        self.dead = False
        #: hook(stage, kind, vm_name): called in the answering thread
        #: "before" and "after" each API request is processed (vm_name None
        #: for lists), so a test can interleave two clients deterministically.
        self.hook = None
        self._updates_applied = 0
        self._writes_admitted = 0
        #: (VM name, NIC name) -> (http_status, reason, detail): NIC updates fail.
        self.fail_nic_updates = {}
        #: Guards all simulator state; reentrant.
        self.lock = threading.RLock()
        self._tokens = set()
        self._requests = []
        self._stats = dict.fromkeys(STATS_KINDS, 0)
        self._stats["unauthorized"] = 0
        self._in_flight = 0
        #: Highest number of API requests being answered at the same time.
        self.peak_in_flight = 0
        #: TCP connections accepted (SSO requests included).
        self.connections_opened = 0
        self._mac_counter = 0
        self._sample_counter = 0
        self.url = None
        #: id -> SimDataCenter / SimNetwork / SimVnicProfile.
        self.data_centers = {}
        self.networks = {}
        self.vnic_profiles = {}
        #: (vm name, nic name, old profile id, new profile id) of every NIC
        #: whose profile changed while its VM was up: the engine updates such
        #: a NIC live (UpdateVmInterfaceCommand, RequiredAction.UPDATE_VM_DEVICE:
        #: VDSM's updateDevice, hook point before_update_device).
        self.hot_updates = []
        #: Extensions (networking.py): route(sim, method, segs, query, body)
        #: answers or returns None; classify(method, segs) -> kind or None.
        self.routes, self.classifiers = [], []
        self.write_kinds = set(WRITE_KINDS)
        self.add_data_center("Default")
        self.add_network("ovirtmgmt", "Default")
        self.default_profile = self.add_vnic_profile("ovirtmgmt", "ovirtmgmt")
        from tests.engine.ovirtsim import networking  # it imports this module
        networking.install(self)

    # -- inventory ---------------------------------------------------------

    def add_data_center(self, name):
        with self.lock:
            dc = SimDataCenter(name)
            self.data_centers[dc.id] = dc
            return dc

    def add_network(self, name, data_center="Default"):
        """Add a network to the data center named ``data_center``."""
        with self.lock:
            dcs = [dc for dc in self.data_centers.values() if dc.name == data_center]
            if not dcs:
                raise ValueError("no data center %r" % (data_center,))
            if any(n.name == name and n.data_center_id == dcs[0].id
                   for n in self.networks.values()):
                raise ValueError("network %r exists in %r" % (name, data_center))
            network = SimNetwork(name, dcs[0].id)
            self.networks[network.id] = network
            return network

    def network(self, name, data_center=None):
        """The network named ``name`` (in ``data_center`` if given)."""
        with self.lock:
            found = [n for n in self.networks.values() if n.name == name and (
                data_center is None
                or self.data_centers[n.data_center_id].name == data_center)]
        if len(found) != 1:
            raise ValueError("%d networks named %r" % (len(found), name))
        return found[0]

    def add_vnic_profile(self, name, network, custom_properties=None,
                         network_filter="vdsm-no-mac-spoofing", description=None,
                         data_center=None):
        """Add a vNIC profile to the network named ``network``; the filter
        is given by name (None: no filter). Returns it."""
        net = self.network(network, data_center)
        filter_id = None
        if network_filter is not None:
            filter_id = [i for i, n in NETWORK_FILTERS.items() if n == network_filter][0]
        profile = SimVnicProfile(name, net.id, custom_properties, filter_id, description)
        with self.lock:
            self._check_new_profile(profile)
            self.vnic_profiles[profile.id] = profile
        return profile

    def profile(self, name, network=None):
        """The vNIC profile named ``name`` (on ``network`` if given)."""
        with self.lock:
            found = [p for p in self.vnic_profiles.values() if p.name == name and (
                network is None or self.networks[p.network_id].name == network)]
        if len(found) != 1:
            raise ValueError("%d vNIC profiles named %r" % (len(found), name))
        return found[0]

    def nic_profile(self, vm_name, nic_name):
        """The SimVnicProfile of a VM's NIC (None: no profile)."""
        with self.lock:
            vm = self.vms[vm_name]
            index = [n for n, _ in vm.nics].index(nic_name)
            profile_id = vm.nic_profiles[index]
            return None if profile_id is None else self.vnic_profiles[profile_id]

    def _check_new_profile(self, profile):
        action = "Cannot add VM network interface profile"
        if not profile.name:
            raise SimError(400, "Bad Request", "[%s. Name is required.]" % action)
        if not _PROFILE_NAME_RE.match(profile.name) or len(profile.name) > PROFILE_NAME_MAX:
            raise SimError(400, "Operation Failed", "[%s. The given name contains "
                           "special characters or is too long. Only lower-case and "
                           "upper-case letters, numbers, '_', '-', '.' are allowed.]"
                           % action)
        if profile.network_id not in self.networks:
            raise SimError(404, "Not Found", "Entity not found: Network with id %s"
                           % profile.network_id)
        if any(p.name == profile.name and p.network_id == profile.network_id
               for p in self.vnic_profiles.values()):
            raise SimError(409, "Operation Failed", "[%s. The VM network interface "
                           "profile's name is already used by an existing profile for "
                           "the same network. -Please choose a different name.]" % action)

    def add_vm(self, name, status="down", custom_properties=None, nics=None,
               id=None):
        """Add a VM; ``nics`` is a list of ``(name, mac)`` or ``(name, mac,
        profile)`` (a SimVnicProfile, or None for no network); without a
        profile a NIC uses the ``ovirtmgmt`` profile. Returns it."""
        nics = [(n[0], n[1], n[2].id if n[2] is not None else None) if len(n) > 2
                else (n[0], n[1], self.default_profile.id) for n in nics or ()]
        vm = SimVm(name, status=status, custom_properties=custom_properties,
                   nics=nics, id=id)
        with self.lock:
            if name in self.vms:
                raise ValueError("a VM named %r already exists" % (name,))
            if self.vm_by_id(vm.id) is not None:
                raise ValueError("a VM with id %r already exists" % (vm.id,))
            self.vms[name] = vm
            self._by_id[vm.id] = vm
        return vm

    def _used_macs(self):
        return {mac for vm in self.vms.values() for _, mac in vm.nics}

    def _next_mac(self, used):
        while True:
            self._mac_counter += 1
            n = 0x160000 + self._mac_counter
            if n > 0xFFFFFF:
                raise ValueError("out of sample MAC addresses")
            mac = "00:1a:4a:%02x:%02x:%02x" % (
                (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF)
            if mac not in used:
                used.add(mac)
                return mac

    def add_sample_vms(self, count, nics_per_vm=2):
        """Add ``count`` VMs named vm00001, vm00002, ... (continuing after
        earlier calls), each with NICs nic1..nicN whose MACs
        (00:1a:4a:16:xx:xx upwards) are unique among all VMs of the
        simulator. Deterministic: every third VM (vm00003, vm00006, ...) is
        down, the others up; every fourth VM already has the custom property
        ``sap_agent=true`` (a property the vmfex tool must preserve).
        Returns the new VMs."""
        added = []
        with self.lock:
            used = self._used_macs()
            for _ in range(count):
                self._sample_counter += 1
                i = self._sample_counter
                name = "vm%05d" % i
                while name in self.vms:
                    self._sample_counter += 1
                    i = self._sample_counter
                    name = "vm%05d" % i
                nics = [("nic%d" % (k + 1), self._next_mac(used))
                        for k in range(nics_per_vm)]
                added.append(self.add_vm(
                    name, status="down" if i % 3 == 0 else "up",
                    custom_properties={"sap_agent": "true"} if i % 4 == 0
                    else None,
                    nics=nics))
        return added

    def load_seed(self, entries):
        """Add VMs from a list of dicts (the ``--seed-json`` format)."""
        for entry in entries:
            self.add_vm(entry["name"], status=entry.get("status", "down"),
                        custom_properties=entry.get("custom_properties"),
                        nics=[tuple(n) for n in entry.get("nics", ())],
                        id=entry.get("id"))

    def set_status(self, name, status):
        """Change a VM's status. A VM that goes down gets its pending
        next-run configuration applied, as the engine does."""
        if status not in VM_STATUSES:
            raise ValueError("unknown VM status %r" % (status,))
        with self.lock:
            vm = self.vms[name]
            vm.status = status
            if not vm.running and vm.next_run_properties is not None:
                vm.custom_properties = vm.next_run_properties
                vm.next_run_properties = None

    def vm_by_id(self, vm_id):
        with self.lock:
            vm = self._by_id.get(vm_id)
            if vm is not None and self.vms.get(vm.name) is vm:
                return vm
            # sim.vms was changed directly: rebuild the index.
            self._by_id = {v.id: v for v in self.vms.values()}
            return self._by_id.get(vm_id)

    # -- counters ----------------------------------------------------------

    @property
    def requests(self):
        """Snapshot list of ``(method, path, query_dict)`` of the
        authenticated API requests received (SSO requests excluded)."""
        with self.lock:
            return list(self._requests)

    def stats(self):
        """Counts of authenticated API requests by kind ("list", "get_vm",
        "nics", "update", "other"), SSO requests ("sso": logins and
        logouts) and API requests refused with 401 ("unauthorized")."""
        with self.lock:
            return dict(self._stats)

    def reset_counters(self):
        with self.lock:
            del self._requests[:]
            for key in self._stats:
                self._stats[key] = 0
            self.peak_in_flight = self._in_flight
            self.connections_opened = 0

    def _count_sso(self):
        with self.lock:
            self._stats["sso"] += 1

    # -- SSO ---------------------------------------------------------------

    def revoke_tokens(self):
        """Forget every issued token, as if the SSO sessions expired; the
        SDK's next request gets a 401 and logs in again."""
        with self.lock:
            self._tokens.clear()

    def sso_token(self, form):
        """Answer the SSO token endpoint: ``(http_status, json_data)``.

        Errors use the engine SSO's shape ``{"error_code": CODE, "error":
        MESSAGE}``; the SDK raises ``AuthError`` for any reply that has an
        ``error`` key, whatever the HTTP status.
        """
        if form.get("grant_type") != "password":
            return 400, {
                "error_code": "unsupported_grant_type",
                "error": "The grant type '%s' is not supported." %
                         form.get("grant_type")}
        if "ovirt-app-api" not in (form.get("scope") or "").split():
            return 400, {"error_code": "invalid_scope",
                         "error": "The requested scope is invalid."}
        username = form.get("username") or ""
        if username != self.username or form.get("password") != self.password:
            return 400, {
                "error_code": "access_denied",
                "error": "Cannot authenticate user '%s': The username or "
                         "password is incorrect.." % username}
        token = secrets.token_urlsafe(48)
        with self.lock:
            self._tokens.add(token)
        return 200, {
            "access_token": token,
            "scope": "ovirt-app-api ovirt-ext=token-info:authz-search "
                     "ovirt-ext=token-info:public-authz-search "
                     "ovirt-ext=token-info:validate "
                     "ovirt-ext=token:password-access",
            "exp": str(int((time.time() + 10 * 3600) * 1000)),
            "token_type": "Bearer",
        }

    def sso_logout(self, params):
        with self.lock:
            self._tokens.discard(params.get("token"))
        return 200, {}

    # -- API ---------------------------------------------------------------

    def _classify(self, method, segs):
        for classify in self.classifiers:
            kind = classify(method, segs)
            if kind is not None:
                return kind
        if segs == ["vms"] and method == "GET":
            return "list"
        if len(segs) == 2 and segs[0] == "vms":
            if method == "GET":
                return "get_vm"
            if method == "PUT":
                return "update"
        if len(segs) in (3, 4) and segs[0] == "vms" and segs[2] == "nics":
            if method == "GET":
                return "nics"
            if method == "PUT" and len(segs) == 4:
                return "nic_update"
        if segs and segs[0] in ("datacenters", "networks", "vnicprofiles"):
            if method == "GET":
                return "profiles"
            if method == "POST" and segs[-1] == "vnicprofiles":
                return "profile_add"
            if method == "PUT" and segs[0] == "vnicprofiles":
                return "profile_update"
        return "other"

    def handle_api(self, method, path, query, body, headers):
        """Answer one API request: ``(http_status, xml_bytes)``."""
        auth = headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        with self.lock:
            authorized = token is not None and token in self._tokens
            if not authorized:
                self._stats["unauthorized"] += 1
        if not authorized:
            return 401, fault_xml(
                "Operation Failed",
                "[Access denied: missing, invalid or expired access token.]")

        rest = path[len(API_PREFIX):]
        if rest == "/v4" or rest.startswith("/v4/"):
            rest = rest[3:]
        segs = [s for s in rest.split("/") if s]
        kind = self._classify(method, segs)
        with self.lock:
            self._requests.append((method, path, dict(query)))
            self._stats[kind] = self._stats.get(kind, 0) + 1
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        vm_name = None
        if len(segs) >= 2 and segs[0] == "vms":
            vm = self.vm_by_id(segs[1])
            vm_name = vm.name if vm is not None else None
        try:
            if self.delay > 0:
                time.sleep(self.delay)
            if self.hook is not None:
                self.hook("before", kind, vm_name)
            with self.lock:
                if kind == "update" and self.die_after_updates is not None \
                        and self._updates_applied >= self.die_after_updates:
                    self.dead = True
                if kind in self.write_kinds and self.die_after_writes is not None \
                        and not self.dead:
                    # counted when let in, so writes in flight together never
                    # pass the limit
                    if self._writes_admitted >= self.die_after_writes:
                        self.dead = True
                    else:
                        self._writes_admitted += 1
                if self.dead:
                    raise _Dropped()
            version = headers.get("Version")
            if version is not None and version.strip() != "4":
                raise SimError(400, "Bad Request",
                               "Version '%s' of the API isn't supported."
                               % version)
            result = self._route(method, segs, query, body)
            answer = result if isinstance(result, tuple) else (200, result)
            if kind == "update":
                with self.lock:
                    self._updates_applied += 1
            if self.hook is not None:
                self.hook("after", kind, vm_name)
            with self.lock:
                override = self.answers.get(kind)
            if override is not None:
                status, content_type, payload = override
                return status, (content_type, payload)
            return answer
        except SimError as e:
            return e.status, fault_xml(e.reason, e.detail)
        finally:
            with self.lock:
                self._in_flight -= 1

    def _route(self, method, segs, query, body):
        for route in self.routes:
            answer = route(self, method, segs, query, body)
            if answer is not None:
                return answer
        if not segs:
            self._allow(method, "GET")
            return self._api_root()
        if segs[0] == "vms":
            if len(segs) == 1:
                self._allow(method, "GET")
                return self._list_vms(query)
            vm = self.vm_by_id(segs[1])
            if vm is None:
                raise SimError(404, "Not Found",
                               "Entity not found: VM with id %s" % segs[1])
            if len(segs) == 2:
                if method == "PUT":
                    return self._update_vm(vm, query, body)
                self._allow(method, "GET")
                with self.lock:
                    props = None
                    if _flag(query, "next_run") and \
                            vm.next_run_properties is not None:
                        props = vm.next_run_properties
                    root = _vm_element(None, vm, _follows_nics(query), props)
                return _to_bytes(root)
            if segs[2] == "nics" and len(segs) == 4 and method == "PUT":
                return self._update_nic(vm, segs[3], body)
            if segs[2] == "nics" and len(segs) in (3, 4):
                self._allow(method, "GET")
                with self.lock:
                    if len(segs) == 3:
                        return _to_bytes(_nics_element(None, vm))
                    if segs[3] in vm.nic_ids:
                        tmp = etree.Element("tmp")
                        _nic_element(tmp, vm, vm.nic_ids.index(segs[3]))
                        return _to_bytes(tmp[0])
                raise SimError(404, "Not Found",
                               "Entity not found: NIC with id %s" % segs[3])
        if segs[0] in ("datacenters", "networks", "vnicprofiles"):
            return self._route_networking(method, segs, body)
        raise SimError(404, "Not Found",
                       "The resource '%s/%s' doesn't exist." % (
                           API_PREFIX, "/".join(segs)))

    def _route_networking(self, method, segs, body):
        table = {"datacenters": (self.data_centers, _data_center_element,
                                 "data_centers", "Data Center"),
                 "networks": (self.networks, _network_element, "networks", "Network"),
                 "vnicprofiles": (self.vnic_profiles, _profile_element,
                                  "vnic_profiles", "VNIC Profile")}
        items, element, plural, title = table[segs[0]]
        if len(segs) == 1 or (segs[0] == "networks" and len(segs) == 3
                              and segs[2] == "vnicprofiles"):
            network_id = segs[1] if len(segs) == 3 else None
            if network_id is not None:
                if network_id not in self.networks:
                    raise SimError(404, "Not Found",
                                   "Entity not found: Network with id %s" % network_id)
                items, element, plural = (self.vnic_profiles, _profile_element,
                                          "vnic_profiles")
            if method == "POST" and element is _profile_element:
                return 201, self._add_profile(body, network_id)
            self._allow(method, "GET")
            root = etree.Element(plural)
            with self.lock:
                for item in items.values():
                    if network_id is None or item.network_id == network_id:
                        element(root, item)
            return _to_bytes(root)
        if len(segs) == 2:
            with self.lock:
                item = items.get(segs[1])
            if item is None:
                raise SimError(404, "Not Found",
                               "Entity not found: %s with id %s" % (title, segs[1]))
            if method == "PUT" and segs[0] == "vnicprofiles":
                return self._update_profile(item, body)
            self._allow(method, "GET")
            with self.lock:
                tmp = etree.Element("tmp")
                element(tmp, item)
                return _to_bytes(tmp[0])
        raise SimError(404, "Not Found", "The resource '%s/%s' doesn't exist."
                       % (API_PREFIX, "/".join(segs)))

    def _filter_from(self, root, default):
        el = root.find("network_filter")
        if el is None:
            return default
        filter_id = el.get("id")
        if not filter_id:
            return None  # an empty <network_filter/> means no filter
        if filter_id not in NETWORK_FILTERS:
            raise SimError(404, "Not Found",
                           "Entity not found: Network Filter with id %s" % filter_id)
        return filter_id

    def _add_profile(self, body, network_id):
        root = _parse_body(body, "vnic_profile")
        if network_id is None:
            net = root.find("network")
            network_id = net.get("id") if net is not None else None
            if not network_id:
                raise SimError(400, "Bad Request", "[Cannot add VM network interface "
                               "profile. Network is required.]")
        profile = SimVnicProfile(
            (root.findtext("name") or ""), network_id,
            _custom_properties(root, "add VM network interface profile"),
            self._filter_from(root, DEFAULT_FILTER), root.findtext("description"))
        with self.lock:
            self._check_new_profile(profile)
            self.vnic_profiles[profile.id] = profile
            return _to_bytes(_profile_element(None, profile))

    def _update_profile(self, profile, body):
        root = _parse_body(body, "vnic_profile")
        with self.lock:
            name = root.findtext("name")
            if name is not None and name != profile.name:
                clash = SimVnicProfile(name, profile.network_id)
                self._check_new_profile(clash)
                profile.name = name
            properties = _custom_properties(root, "edit VM network interface profile")
            if properties is not None:
                profile.custom_properties = properties
            if root.find("description") is not None:
                profile.description = root.findtext("description")
            profile.network_filter_id = self._filter_from(root, profile.network_filter_id)
            return _to_bytes(_profile_element(None, profile))

    def change_nic_profile(self, vm, index, profile_id):
        """Give NIC ``index`` of ``vm`` a new vNIC profile (None: no
        network), as UpdateVmInterfaceCommand does: only when the VM is up,
        down or image locked (else 409); on an up VM the change is applied
        live (recorded in :attr:`hot_updates`), never deferred to the next
        start."""
        with self.lock:
            if vm.status not in NIC_EDIT_STATUSES:
                raise SimError(409, "Operation Failed", "[Cannot edit Interface. "
                               "VM's status must be Up, Down or Image Locked.]")
            if profile_id is not None and profile_id not in self.vnic_profiles:
                raise SimError(404, "Not Found",
                               "Entity not found: VNIC Profile with id %s" % profile_id)
            old = vm.nic_profiles[index]
            vm.nic_profiles[index] = profile_id
            if vm.status == "up" and old != profile_id \
                    and vm.nic_ids[index] not in getattr(vm, "unplugged", ()):
                self.hot_updates.append((vm.name, vm.nics[index][0], old, profile_id))

    def _update_nic(self, vm, nic_id, body):
        if nic_id not in vm.nic_ids:
            raise SimError(404, "Not Found", "Entity not found: NIC with id %s" % nic_id)
        index = vm.nic_ids.index(nic_id)
        with self.lock:
            failure = self.fail_nic_updates.get((vm.name, vm.nics[index][0]))
        if failure is not None:
            raise SimError(*failure)
        root = _parse_body(body, "nic")
        el = root.find("vnic_profile")
        if el is not None:
            self.change_nic_profile(vm, index, el.get("id") or None)
        with self.lock:
            tmp = etree.Element("tmp")
            _nic_element(tmp, vm, index)
            return _to_bytes(tmp[0])

    @staticmethod
    def _allow(method, *allowed):
        if method not in allowed:
            raise SimError(405, "Method Not Allowed",
                           "HTTP method %s isn't supported here." % method)

    def _api_root(self):
        root = etree.Element("api")
        for rel in ("vms", "vms/search", "datacenters", "networks", "vnicprofiles"):
            href = "%s/%s" % (API_PREFIX, rel.split("/")[0])
            if rel.endswith("search"):
                href += "?search={query}"
            _sub(root, "link", href=href, rel=rel)
        info = _sub(root, "product_info")
        _sub(info, "instance_id", "00000000-0000-0000-0000-000000000000")
        _sub(info, "name", "oVirt Engine")
        _sub(info, "vendor", "ovirt.org")
        version = _sub(info, "version")
        _sub(version, "build", "6")
        _sub(version, "full_version", "4.5.6-1.el9 (ovirtsim)")
        _sub(version, "major", "4")
        _sub(version, "minor", "5")
        _sub(version, "revision", "0")
        summary = _sub(root, "summary")
        with self.lock:
            total = len(self.vms)
            active = sum(1 for vm in self.vms.values() if vm.running)
        vms = _sub(summary, "vms")
        _sub(vms, "active", str(active))
        _sub(vms, "total", str(total))
        _sub(root, "time", datetime.datetime.now(datetime.timezone.utc)
             .strftime("%Y-%m-%dT%H:%M:%S.000+00:00"))
        return _to_bytes(root)

    def search(self, search=None, max=None, case_sensitive=True):
        """The VMs one ``GET /vms`` returns, in order.

        Supported search subset: empty or absent (all VMs), conditions
        ``name=VALUE``, ``status=VALUE``, ``id=VALUE`` (also ``!=``; ``*`` is
        a wildcard, values may be double-quoted), joined by whitespace or
        ``and``, groups joined by ``or``; an optional ``Vms:`` prefix, an
        optional ``sortby name|status|id [asc|desc]`` and an optional
        trailing ``page N`` (1-based). Results are sorted by name unless
        ``sortby`` says otherwise.

        Paging: the page size is ``max`` capped by ``page_cap`` (either may
        be absent), so page N holds items ``[(N-1)*size : N*size]``; a page
        can be shorter than ``max`` without being the last one.
        """
        groups, sort_field, descending, page = parse_search(search)
        with self.lock:
            vms = [vm for vm in self.vms.values()
                   if not groups or any(_matches(vm, g, case_sensitive)
                                        for g in groups)]
        vms.sort(key=lambda vm: (getattr(vm, sort_field), vm.name),
                 reverse=descending)
        size = None
        if max is not None and max >= 0:
            size = max
        if self.page_cap is not None:
            size = self.page_cap if size is None else min(size, self.page_cap)
        if size is None:
            return vms if page == 1 else []
        start = (page - 1) * size
        return vms[start:start + size]

    def _list_vms(self, query):
        max_ = query.get("max")
        if max_ is not None:
            try:
                max_ = int(max_)
            except ValueError:
                raise SimError(400, "Bad Request",
                               "Value '%s' of parameter 'max' isn't a valid "
                               "integer." % max_) from None
        case_sensitive = query.get("case_sensitive", "true").lower() != "false"
        vms = self.search(query.get("search"), max_, case_sensitive)
        follow = _follows_nics(query)
        root = etree.Element("vms")
        with self.lock:
            for vm in vms:
                _vm_element(root, vm, follow)
        return _to_bytes(root)

    def apply_update(self, vm, properties, next_run):
        """Store a new custom property list (``None``: the update did not
        mention custom properties) for ``vm``.

        The list replaces the VM's whole list, as in the engine (an empty
        ``<custom_properties/>`` clears them).

        With ``next_run=True`` on a running VM (any status but down or
        image_locked) the change goes to ``next_run_properties`` — the
        configuration the VM gets at its next start — and
        ``custom_properties``, what the running configuration shows (and
        what ``GET /vms`` returns), is left unchanged;
        ``GET /vms/{id}?next_run=true`` shows the pending configuration, and
        :meth:`set_status` to "down" applies it. On a VM that is not running,
        ``next_run=True`` applies at once. Without ``next_run`` the change
        applies to ``custom_properties`` at once whatever the status (the
        running VM would still only see it at its next start) and any
        pending next-run configuration is left alone.
        """
        if properties is None:
            return
        with self.lock:
            if next_run and vm.running:
                vm.next_run_properties = dict(properties)
            else:
                vm.custom_properties = dict(properties)

    def _update_vm(self, vm, query, body):
        with self.lock:
            failure = self.fail_updates.get(vm.name)
        if failure is not None:
            status, reason, detail = failure
            raise SimError(status, reason, detail)
        root = _parse_body(body, "vm")
        properties = _custom_properties(root, "edit VM")
        self.apply_update(vm, properties, _flag(query, "next_run"))
        with self.lock:
            return _to_bytes(_vm_element(None, vm))

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        """Serve (see :meth:`Served.start`); :attr:`url` is then the API's URL."""
        Served.start(self)
        self.url = "https://%s:%d%s" % (self.host, self.port, API_PREFIX)
        return self


def _flag(query, name):
    """A boolean query parameter; present without a value means true."""
    value = query.get(name)
    if value is None:
        return False
    return value.strip().lower() in ("", "true")


def _follows_nics(query):
    follow = query.get("follow") or ""
    return any(item.strip().split(".")[0] == "nics"
               for item in follow.split(","))
