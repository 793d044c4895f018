"""UCS Manager XML API stand-in: HTTPS on 127.0.0.1, ``POST /nuova``.

Modelled on Cisco's UCS Manager XML API as ``ucsmsdk`` 0.9.27 uses it
(its method and managed-object metadata name every element and attribute
used here):

* Every request is one XML method element posted to ``/nuova``; the answer
  is the same element with ``response="yes"`` and either ``out*``
  attributes/children or ``errorCode``/``errorDescr`` (the SDK raises
  ``UcsException`` for any errorCode other than 0).  A body that is not a
  method document gets the ``<error .../>`` answer UCS Manager gives.
* ``aaaLogin`` (``inName``/``inPassword``): ``outCookie``,
  ``outRefreshPeriod``, ``outPriv``, ``outVersion`` (left out with
  ``version_in_login=False``, which makes the SDK ask for
  ``sys/mgmt/fw-system``); wrong credentials: errorCode 551
  "Authentication failed" (what UCS Manager answers, e.g. ucsmsdk issue
  #239).  ``aaaRefresh`` swaps the cookie, ``aaaLogout`` ends the session.
* Every other method needs a live ``cookie``, else errorCode 552
  "Authorization required".
* ``configResolveClass``: ``vnicProfile`` (``inHierarchical="true"`` nests
  the ``vnicEtherIf`` VLANs and ``vmVnicProfCl`` clients in each profile),
  ``networkElement`` (the two fabric interconnects the SDK's login checks
  for); any other class: errorCode 103 (the stand-in's code for an unknown
  class; the SDK only looks at errorCode/errorDescr).
* ``configResolveDn``: ``sys`` (``topSystem``) and the system firmware
  (``firmwareRunning``, see FIRMWARE_DNS); another dn gives an empty ``outConfig``.

Test controls: ``delay`` (seconds before every answer), ``trickle``
(seconds between the bytes of every answer: each byte arrives well within a
socket timeout, the whole answer much later), ``hang`` (True or
a set of method names: read the request, never answer until ``stop()``), ``responder`` (a
function ``(method, body) -> None | (status, bytes) | "drop"`` replacing
answers, for garbage/HTTP errors/dropped connections).  It records every
method received (``methods``), whether an ``aaaLogin`` ever arrived
(``login_seen``, even with a wrong password) and the live sessions.
"""

import secrets
import threading
import time
from collections import namedtuple

from lxml import etree

from tests.engine.https_server import Served, TlsHandler

#: vlans: [(vlan name, VLAN id, native?)]; clients: [client name]
#: qos_policy / nwctrl_policy: names of an epqosDefinition / nwctrlDefinition
#: ("" none), see policies.py.
SimProfile = namedtuple("SimProfile", "name max_ports vlans clients qos_policy nwctrl_policy")
SimProfile.__new__.__defaults__ = (64, (), ("All",), "", "")

PROFILES_DN = "fabric/lan/profiles"
ERR_AUTH_FAILED = ("551", "Authentication failed")
ERR_AUTH_REQUIRED = ("552", "Authorization required")
ERR_UNKNOWN_CLASS = "103"
# The system firmware: UCS Manager's model puts it under sys/mgmt; ucsmsdk
# 0.9.27 builds FirmwareRunning(TopSystem(), "system") and asks for
# sys/fw-system. Both are answered.
FIRMWARE_DNS = ("sys/mgmt/fw-system", "sys/fw-system")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _answer(method, cookie="", **attrs):
    elem = etree.Element(method, cookie=cookie, response="yes")
    for key, value in attrs.items():
        elem.set(key, value)
    return elem


def _error(method, cookie, code_descr):
    code, descr = code_descr
    return _answer(method, cookie, errorCode=code, invocationResult="unidentified-fail",
                   errorDescr=descr)


def profile_element(profile, hierarchical):
    """A ``vnicProfile`` element as UCS Manager lists it."""
    dn = "%s/vnic-%s" % (PROFILES_DN, profile.name)
    elem = etree.Element("vnicProfile", dn=dn, rn="vnic-%s" % profile.name,
                         name=profile.name, maxPorts=str(profile.max_ports),
                         descr="", hostNwIOPerf="none", policyOwner="local",
                         nwCtrlPolicyName=profile.nwctrl_policy,
                         qosPolicyName=profile.qos_policy, pinToGroupName="",
                         configQualifier="", type="regular")
    if hierarchical:
        for vlan, vlan_id, native in profile.vlans:
            etree.SubElement(elem, "vnicEtherIf", dn="%s/if-%s" % (dn, vlan),
                             rn="if-%s" % vlan, name=vlan, vnet=str(vlan_id),
                             defaultNet="yes" if native else "no", addr="derived",
                             switchId="A", type="ether", owner="policy")
        for client in profile.clients:
            etree.SubElement(elem, "vmVnicProfCl", dn="%s/cl-%s" % (dn, client),
                             rn="cl-%s" % client, name=client, dcName="All",
                             orgPath="All", swName="All", descr="", policyOwner="local")
    return elem


def _method(body):
    """The method name of a request body, None if it is not XML."""
    try:
        return etree.fromstring(body, _PARSER).tag
    except etree.XMLSyntaxError:
        return None


class _Handler(TlsHandler):
    # UCS Manager closes the connection after each answer; ucsmsdk opens a
    # new one per request anyway.
    protocol_version = "HTTP/1.0"
    server_version = "ucsmsim/1.0"

    def do_GET(self):
        self.send_answer(405, b"method not allowed\n", "text/plain")

    def send_answer(self, status, body, content_type):
        sim = self.server.sim
        if not sim.trickle:
            TlsHandler.send_answer(self, status, body, content_type)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n")
        data = b"".join(self._headers_buffer) + body
        self._headers_buffer = []
        for index in range(len(data)):
            if sim.stopped.wait(sim.trickle):
                return
            self.wfile.write(data[index:index + 1])

    def do_POST(self):
        sim = self.server.sim
        body = self.read_body()
        if self.path.split("?")[0] != "/nuova":
            self.send_answer(404, b"not found\n", "text/plain")
            return
        if sim.hang is True or (sim.hang and _method(body) in sim.hang):
            sim.handle(body)  # recorded, never answered
            sim.stopped.wait()
            return
        if sim.delay:
            sim.stopped.wait(sim.delay)
        if sim.responder is not None:
            tag = _method(body)
            override = sim.responder(tag, body)
            if override is not None:
                with sim.lock:
                    sim.methods.append(tag)
                    sim.login_seen = sim.login_seen or tag == "aaaLogin"
                if override != "drop":
                    self.send_answer(override[0], override[1], "text/xml")
                return
        self.send_answer(200, sim.handle(body), "text/xml")


class UcsmSimulator(Served):
    """A UCS Manager the real ``ucsmsdk`` can log in to and query (read-only)."""

    thread_name = "ucsmsim"
    handler_class = _Handler

    def __init__(self, username="admin", password="secret", profiles=(), delay=0.0,
                 version="4.2(3d)", version_in_login=True, name="ucs-sim", host="127.0.0.1"):
        self.host = host
        self.port = 0
        self.username = username
        self.password = password
        self.profiles = list(profiles)
        #: classId -> answer(sim, outConfigs element, hierarchical): more
        #: classes (registered by policies.py and others).
        self.classes = {}
        from tests.engine.ucsmsim import policies  # it builds on this module
        policies.install(self)  # a UCS Manager answers these classes, even empty
        self.delay = delay
        self.trickle = 0.0
        self.hang = False
        self.responder = None
        self.version = version
        self.version_in_login = version_in_login
        self.name = name
        self.lock = threading.Lock()
        self.methods = []
        self.class_queries = []  # (classId, inHierarchical) of configResolveClass
        self.login_seen = False
        self.sessions = set()
        self.logouts = 0
        #: Set by stop(): releases hanging and delayed requests.
        self.stopped = threading.Event()

    # -- the XML API -------------------------------------------------------

    def handle(self, body):
        """The answer (bytes) to one request body."""
        try:
            request = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError:
            request = None
        if request is None or not isinstance(request.tag, str):
            with self.lock:
                self.methods.append(None)
            return etree.tostring(_error("error", "", ("ERR-xml-parse-error",
                                                       "malformed request")))
        method = request.tag
        with self.lock:
            self.methods.append(method)
        cookie = request.get("cookie", "")
        if method == "aaaLogin":
            answer = self._login(request)
        elif method == "aaaRefresh":
            answer = self._refresh(request)
        elif method == "aaaLogout":
            answer = self._logout(request)
        elif cookie not in self.sessions:
            answer = _error(method, cookie, ERR_AUTH_REQUIRED)
        elif method == "configResolveClass":
            answer = self._resolve_class(request)
        elif method == "configResolveDn":
            answer = self._resolve_dn(request)
        else:
            answer = _error(method, cookie, ("ERR-xml-parse-error",
                                             "unknown method %s" % method))
        return etree.tostring(answer)

    def _new_session(self):
        cookie = "%d/%s" % (int(time.time()), secrets.token_hex(16))
        with self.lock:
            self.sessions.add(cookie)
        return cookie

    def _login(self, request):
        with self.lock:
            self.login_seen = True
        if (request.get("inName"), request.get("inPassword")) != (self.username,
                                                                  self.password):
            return _error("aaaLogin", "", ERR_AUTH_FAILED)
        attrs = dict(outCookie=self._new_session(), outRefreshPeriod="600",
                     outPriv="read-only", outDomains="", outChannel="noencssl",
                     outEvtChannel="noencssl", outSessionId="", outName=self.username)
        if self.version_in_login:
            attrs["outVersion"] = self.version
        return _answer("aaaLogin", "", **attrs)

    def _refresh(self, request):
        old = request.get("inCookie", "")
        if old not in self.sessions or (request.get("inName"), request.get(
                "inPassword")) != (self.username, self.password):
            return _error("aaaRefresh", "", ERR_AUTH_REQUIRED)
        with self.lock:
            self.sessions.discard(old)
        return _answer("aaaRefresh", "", outCookie=self._new_session(),
                       outRefreshPeriod="600", outPriv="read-only", outDomains="",
                       outChannel="noencssl", outEvtChannel="noencssl")

    def _logout(self, request):
        cookie = request.get("inCookie", "")
        with self.lock:
            known = cookie in self.sessions
            self.sessions.discard(cookie)
            if known:
                self.logouts += 1
        if not known:
            return _error("aaaLogout", "", ("555", "Session not found"))
        return _answer("aaaLogout", "", outStatus="success")

    def _resolve_class(self, request):
        cookie = request.get("cookie")
        class_id = request.get("classId", "")
        hierarchical = request.get("inHierarchical", "false") in ("true", "yes")
        with self.lock:
            self.class_queries.append((class_id, hierarchical))
        answer = _answer("configResolveClass", cookie, classId=class_id)
        configs = etree.SubElement(answer, "outConfigs")
        if class_id == "vnicProfile":
            for profile in self.profiles:
                configs.append(profile_element(profile, hierarchical))
        elif class_id == "networkElement":
            for fabric in ("A", "B"):
                etree.SubElement(configs, "networkElement", dn="sys/switch-%s" % fabric,
                                 rn="switch-%s" % fabric, id=fabric, operability="operable",
                                 oobIfIp="127.0.0.1", model="UCS-FI-6454")
        elif class_id in self.classes:
            self.classes[class_id](self, configs, hierarchical)
        else:
            return _error("configResolveClass", cookie, (
                ERR_UNKNOWN_CLASS, "class %s not found" % class_id))
        return answer

    def _resolve_dn(self, request):
        cookie = request.get("cookie")
        dn = request.get("dn", "")
        answer = _answer("configResolveDn", cookie, dn=dn)
        config = etree.SubElement(answer, "outConfig")
        if dn == "sys":
            etree.SubElement(config, "topSystem", dn="sys", rn="sys", name=self.name,
                             address="127.0.0.1", mode="cluster", site="", owner="")
        elif dn in FIRMWARE_DNS:
            etree.SubElement(config, "firmwareRunning", dn=dn, rn="fw-system",
                             deployment="system", type="system", version=self.version,
                             packageVersion="")
        return answer

    # -- lifecycle ---------------------------------------------------------

    @property
    def address(self):
        """HOST:PORT as --ucsm takes it."""
        return "%s:%d" % (self.host, self.port)
