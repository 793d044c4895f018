"""UCS Manager, read-only: the VM-FEX port profiles it defines (ucsmsdk).

The only module that talks to UCS Manager. `ucsmsdk` is imported only when
UCSM options are used, so the engine tool works without it.

TLS: ucsmsdk 0.9.27's driver (ucsdriver.TLSConnection) wraps its socket in
an SSLContext that checks neither certificate nor host name, and on any
error mentioning "SSL" it switches for good to TLS1Handler (unverified
TLSv1) and retries. We therefore never let that driver send anything:
`_verified_handle_class` subclasses UcsHandle and overrides its public
`post(uri, data, read, timeout)` (UcsSession.post, through which
post_elem -> post_xml send every XML API request) with one HTTPS POST over
a verifying SSLContext, no retry, no fallback, no redirect, no proxy.
Before the SDK builds its aaaLogin, `_precheck` completes a TLS handshake
with the same context, so a certificate that does not verify (or a name
that does not match) stops the run before any credential is sent.
"""
import difflib
import http.client
import socket
import ssl
import threading
import urllib.error
import urllib.parse
from collections import namedtuple
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    TextIO,
    Tuple,
)
from xml.etree import ElementTree

from vdsm_hook_vmfex.common.cli import UsageError
from vdsm_hook_vmfex.common.errors import VmfexError
from vdsm_hook_vmfex.common.needs import install_hint

DEFAULT_PORT = 443
INSTALL_HINT = install_hint("ucsmsdk")

UcsmOptions = namedtuple("UcsmOptions", "host port username password ca_file insecure timeout")
Vlan = namedtuple("Vlan", "name vlan_id native")
#: One vnicProfile: name, [Vlan], maxPorts (None if UCSM gives none),
#: [profile client names] (vmVnicProfCl).
PortProfile = namedtuple("PortProfile", "name vlans max_ports clients")


class UcsmError(VmfexError):
    """UCS Manager could not be reached, refused the login or a query."""


# -- options ---------------------------------------------------------------

def parse_address(text: str) -> Tuple[str, int]:
    """`host`, `host:port`, `[v6]` or `[v6]:port` -> (host, port)."""
    value = text.strip()
    host, port, valid = value, None, True
    if value.startswith("["):
        host, closed, rest = value[1:].partition("]")
        valid = bool(closed) and (not rest or rest.startswith(":"))
        port = rest[1:] if rest else None
    elif value.count(":") == 1:
        host, port = value.split(":")
    valid = valid and bool(host) and not any(ch in host for ch in "/@?#[] ")
    if not valid or (port is not None and not port.isdigit()):
        raise UsageError("invalid --ucsm %r: expected HOST or HOST:PORT, e.g. "
                        "ucsm.example.com:443" % text)
    number = int(port) if port else DEFAULT_PORT
    if not 0 < number < 65536:
        raise UsageError("invalid --ucsm %r: port %d is not in 1-65535" % (text, number))
    return host, number


# -- TLS -------------------------------------------------------------------

def _where(options: UcsmOptions) -> str:
    host = "[%s]" % options.host if ":" in options.host else options.host
    return "%s:%d" % (host, options.port)


def tls_context(options: UcsmOptions) -> ssl.SSLContext:
    """A verifying client context (CA file or system CAs, host name checked);
    without verification only with --ucsm-insecure."""
    if options.insecure:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=options.ca_file)
    except (OSError, ssl.SSLError) as e:
        raise UcsmError("cannot load UCS Manager CA file %s: %s"
                        % (options.ca_file, getattr(e, "strerror", None) or e)) from None


def _is_certificate_error(error: BaseException) -> bool:
    # Python 3.6 raises ssl.CertificateError (a ValueError) for a wrong host
    # name; 3.7+ raises SSLCertVerificationError (a subclass of both).
    return isinstance(error, ssl.CertificateError) or (
        isinstance(error, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(error))


def _transport_error(error: BaseException, options: UcsmOptions) -> UcsmError:
    """One line for a failure below the XML API (TCP, TLS, HTTP)."""
    where = _where(options)
    if isinstance(error, urllib.error.URLError) and not isinstance(
            error, urllib.error.HTTPError) and isinstance(error.reason, BaseException):
        error = error.reason
    if isinstance(error, urllib.error.HTTPError):
        return UcsmError("UCS Manager %s answered HTTP %d %s" % (where, error.code,
                                                                  error.reason))
    if isinstance(error, socket.timeout):
        return UcsmError("UCS Manager %s did not answer within %g s (--ucsm-timeout)"
                         % (where, options.timeout))
    if _is_certificate_error(error):
        detail = getattr(error, "verify_message", None) or str(error)
        return UcsmError("UCS Manager %s: certificate not trusted (%s); nothing was "
                         "sent: give its CA with --ucsm-ca-file, or --ucsm-insecure"
                         % (where, " ".join(detail.split())))
    if isinstance(error, ssl.SSLError):
        return UcsmError("UCS Manager %s: TLS failed: %s" % (
            where, getattr(error, "reason", None) or " ".join(str(error).split())))
    if isinstance(error, http.client.HTTPException):
        return UcsmError("UCS Manager %s: broken HTTP answer (%s)"
                         % (where, type(error).__name__))
    if isinstance(error, OSError):
        return UcsmError("connection to UCS Manager %s failed: %s" % (
            where, error.strerror or " ".join(str(error).split()) or type(error).__name__))
    return UcsmError("UCS Manager %s: %s" % (where, " ".join(str(error).split())
                                              or type(error).__name__))


def _precheck(options: UcsmOptions, context: ssl.SSLContext) -> None:
    """Complete one TLS handshake (certificate and host name checked) before
    the SDK is given the credentials."""
    with _Deadline(options.timeout) as deadline:
        try:
            sock = socket.create_connection((options.host, options.port), options.timeout)
            deadline.watch(sock)
            try:
                tls = context.wrap_socket(sock, server_hostname=options.host)
                tls.close()
            finally:
                sock.close()
        except (OSError, ValueError) as e:
            raise _transport_error(socket.timeout("timed out") if deadline.expired else e,
                                   options) from None


# -- ucsmsdk ---------------------------------------------------------------

def _import_sdk():
    try:
        from ucsmsdk import ucsexception, ucshandle
    except ImportError as e:
        raise UcsmError("the UCS Manager options need the Python module ucsmsdk (%s): %s"
                        % (" ".join(str(e).split()), INSTALL_HINT)) from None
    return ucshandle, ucsexception


class _Deadline(object):
    """A bound on a whole exchange: when it passes, the watched socket is shut
    down, which ends any read or handshake waiting on it. Socket timeouts
    bound each read only: an answer trickled one byte at a time would never
    end (libcurl's CURLOPT_TIMEOUT bounds the whole request on the engine
    side; this is the same for UCS Manager)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets = []

    def watch(self, sock: socket.socket) -> None:
        # A duplicate: ssl's wrap_socket detaches the socket it wraps, and
        # shutting down a detached socket fails (EBADF) and ends nothing.
        # Both descriptors name one connection, which shutdown() ends.
        with self._lock:
            self._sockets.append(sock.dup())
            if self.expired:
                _shut(self._sockets[-1])

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Connection(http.client.HTTPSConnection):
    """HTTPS to UCS Manager with its socket watched by a _Deadline; no proxy,
    and (http.client follows none) no redirect, which would carry the
    aaaLogin (password) to another address."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext, timeout: float,
                 deadline: _Deadline) -> None:
        http.client.HTTPSConnection.__init__(self, host, port, timeout=timeout,
                                             context=context)
        self.vmfex_context = context
        self.vmfex_deadline = deadline

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.vmfex_deadline.watch(sock)
        # as http.client does: no Nagle delay on the small request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self.vmfex_context.wrap_socket(sock, server_hostname=self.host)


def post_within(uri: str, data: Optional[bytes], context: ssl.SSLContext,
                seconds: float) -> str:
    """One HTTPS POST whose whole exchange (connect, TLS, send, the complete
    answer) takes at most `seconds`: the answer's text; socket.timeout when
    the time ran out, urllib's HTTPError for an HTTP status other than 2xx."""
    parts = urllib.parse.urlsplit(uri)
    path = parts.path + ("?" + parts.query if parts.query else "")
    with _Deadline(seconds) as deadline:
        connection = _Connection(parts.hostname, parts.port or DEFAULT_PORT, context,
                                 seconds, deadline)
        try:
            connection.request("POST", path or "/", body=data or b"", headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Connection": "close"})
            answer = connection.getresponse()
            body = answer.read()
        except (OSError, ValueError, http.client.HTTPException):
            if deadline.expired:
                raise socket.timeout("timed out") from None
            raise
        finally:
            connection.close()
        if deadline.expired:
            raise socket.timeout("timed out")
    if not 200 <= answer.status < 300:
        raise urllib.error.HTTPError(uri, answer.status, answer.reason, answer.msg, None)
    return body.decode("utf-8")


def _verified_handle_class(ucshandle):
    """UcsHandle whose every request goes through post_within (verified,
    bounded as a whole)."""

    class VerifiedUcsHandle(ucshandle.UcsHandle):
        def __init__(self, options: UcsmOptions, context: ssl.SSLContext):
            host = "[%s]" % options.host if ":" in options.host else options.host
            ucshandle.UcsHandle.__init__(self, host, options.username, options.password,
                                         port=options.port, secure=True,
                                         timeout=options.timeout)
            self.vmfex_options = options
            self.vmfex_error = None  # the first transport failure
            self.vmfex_logout_tried = False
            self.vmfex_context = context

        def post(self, uri, data=None, read=True, timeout=None):
            """UcsSession.post: one HTTPS POST, verified, bounded, no retry."""
            # After a timeout or a dropped connection only one logout is
            # still tried, so a dead server costs at most two timeouts.
            if self.vmfex_error is not None:
                if self.vmfex_logout_tried or not (data or b"").lstrip().startswith(
                        b"<aaaLogout"):
                    raise self.vmfex_error
                self.vmfex_logout_tried = True
            try:
                return post_within(uri, data, self.vmfex_context,
                                   self.vmfex_options.timeout)
            except (OSError, ValueError, http.client.HTTPException) as e:
                error = _transport_error(e, self.vmfex_options)
                if self.vmfex_error is None:
                    self.vmfex_error = error
                raise error from None

    return VerifiedUcsHandle


def _sdk_error(error: Exception, options: UcsmOptions, ucsexception) -> UcsmError:
    where = _where(options)
    if isinstance(error, UcsmError):
        return error
    if isinstance(error, ucsexception.UcsException):
        code = str(error.error_code)
        descr = " ".join(str(error.error_descr or "").split())
        if code == "551":
            return UcsmError("UCS Manager %s refused the login of %r: %s (error 551)"
                             % (where, options.username, descr))
        return UcsmError("UCS Manager %s: error %s: %s" % (where, code, descr))
    if isinstance(error, ucsexception.UcsLoginError):
        return UcsmError("%s does not answer as a UCS Manager (its networkElement "
                         "query failed)" % where)
    text = " ".join(str(error).split()) or type(error).__name__
    return UcsmError("UCS Manager %s: unexpected answer (%s: %s)"
                     % (where, type(error).__name__, text[:200]))


def _logout(handle) -> None:
    try:
        handle.logout()
    except Exception:  # noqa: BLE001 - best effort: the session also expires on UCSM
        pass


def _query_class(handle, class_id: str, hierarchical: bool) -> str:
    """The raw answer of ONE configResolveClass (the SDK's own request)."""
    from ucsmsdk import ucsmethodfactory, ucsxmlcodec

    request = ucsmethodfactory.config_resolve_class(
        cookie=handle.cookie, class_id=class_id, in_filter=None,
        in_hierarchical=hierarchical)
    return handle.post_xml(ucsxmlcodec.to_xml_str(request))


def _query_profiles(handle) -> str:
    """The raw answer of ONE hierarchical configResolveClass vnicProfile.

    The request is the SDK's own (ucsmethodfactory.config_resolve_class, sent
    by the session's post_xml); the answer is read by profiles_from_answer
    instead of query_classid's object mapper: ucsmsdk 0.9.27 builds each
    object through ManagedObject.__setattr__, which calls dir() for every
    attribute (~1.5 ms per object, 3 s for 300 profiles with their VLANs).
    """
    return _query_class(handle, "vnicProfile", True)


def verified_handle(options: UcsmOptions):
    """A ucsmsdk UcsHandle, not logged in yet, whose every request goes
    through the verifying transport; the TLS pre-check already passed."""
    ucshandle, _ = _import_sdk()
    context = tls_context(options)
    _precheck(options, context)
    return _verified_handle_class(ucshandle)(options, context)


def _in_session(options: UcsmOptions, err: TextIO, queries: Callable[[Any], Any]):
    """queries(handle)'s result between a login and a logout (on every
    path); every failure comes out as one UcsmError."""
    _, ucsexception = _import_sdk()
    if options.insecure:
        err.write("WARNING: UCS Manager TLS verification is OFF (--ucsm-insecure): "
                  "%s is not authenticated and its password can be intercepted\n"
                  % _where(options))
    handle = verified_handle(options)
    try:
        try:
            handle.login()
            return queries(handle)
        finally:
            _logout(handle)
    except Exception as e:  # noqa: BLE001 - every SDK failure becomes one line
        # The SDK's login swallows a transport failure in its networkElement
        # check ("Not a supported server"): report what really happened.
        raise (handle.vmfex_error or _sdk_error(e, options, ucsexception)) from None


def read_classes(options: UcsmOptions, class_ids: Sequence[str], err: TextIO
                 ) -> Dict[str, List[Dict[str, str]]]:
    """{class id: [attributes of each object]}: ONE non-hierarchical
    configResolveClass per class, all in one session. Raises UcsmError."""
    return read_profiles_and_classes(options, class_ids, err, with_profiles=False)[1]


def read_profiles(options: UcsmOptions, err: TextIO) -> List[PortProfile]:
    """Every vnicProfile of UCS Manager: login, ONE hierarchical
    configResolveClass, logout (on every path). Raises UcsmError."""
    return read_profiles_and_classes(options, (), err)[0]


def read_profiles_and_classes(options: UcsmOptions, class_ids: Sequence[str], err: TextIO,
                              with_profiles: bool = True
                              ) -> Tuple[List[PortProfile], Dict[str, List[Dict[str, str]]]]:
    """(every vnicProfile, {class id: [attributes of each object]}) in ONE
    session: one hierarchical query of vnicProfile (unless not
    with_profiles), one plain query per class. Raises UcsmError."""
    _, ucsexception = _import_sdk()

    def queries(handle):
        profiles = _query_profiles(handle) if with_profiles else None
        return profiles, [_query_class(handle, class_id, False) for class_id in class_ids]

    profiles_answer, answers = _in_session(options, err, queries)
    what = "port profile"
    try:
        profiles = profiles_from_answer(profiles_answer) if with_profiles else []
        found = {}
        for class_id, answer in zip(class_ids, answers):
            what = class_id
            found[class_id] = [dict(elem.attrib) for elem in
                               _out_configs(answer).findall(class_id)]
    except ucsexception.UcsException as e:
        raise _sdk_error(e, options, ucsexception) from None
    except ValueError as e:
        raise UcsmError("UCS Manager %s: unexpected answer to the %s query (%s)"
                        % (_where(options), what, " ".join(str(e).split())[:200])) from None
    return profiles, found


def _yes(value) -> bool:
    return str(value or "").strip().lower() in ("yes", "true")


def _int(value) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse(text: str):
    # UCS Manager never sends a DTD; refusing one rules out entity expansion
    # whatever the expat version (EL8's Python 3.6).
    if "<!" in text:
        raise ValueError("a DTD or comment in the answer")
    try:
        return ElementTree.fromstring(text)
    except ElementTree.ParseError as e:
        raise ValueError("not XML: %s" % e) from None


def _out_configs(text: str):
    """The outConfigs element of a configResolveClass answer; UcsException
    for an errorCode answer (as the SDK raises), ValueError otherwise."""
    root = _parse(text)
    if root.get("errorCode", "0") != "0" or root.tag == "error":
        from ucsmsdk.ucsexception import UcsException

        raise UcsException(root.get("errorCode", "?"), root.get("errorDescr", ""))
    configs = root.find("outConfigs")
    if root.tag != "configResolveClass" or configs is None:
        raise ValueError("<%s> without outConfigs" % root.tag)
    return configs


def profiles_from_answer(text: str) -> List[PortProfile]:
    """PortProfiles from a hierarchical configResolveClass vnicProfile answer
    (vnicEtherIf VLANs and vmVnicProfCl clients nested in each vnicProfile).

    Raises ucsmsdk's UcsException for an errorCode answer (as the SDK does)
    and ValueError for anything that is not such an answer.
    """
    configs = _out_configs(text)
    profiles = []
    for elem in configs.findall("vnicProfile"):
        name = elem.get("name")
        if not name:
            raise ValueError("a vnicProfile without a name")
        vlans = sorted(Vlan(v.get("name") or "?", _int(v.get("vnet")), _yes(v.get("defaultNet")))
                       for v in elem.findall("vnicEtherIf"))
        clients = sorted(c.get("name") or "?" for c in elem.findall("vmVnicProfCl"))
        profiles.append(PortProfile(name, vlans, _int(elem.get("maxPorts")), clients))
    return sorted(profiles, key=lambda p: p.name)


# -- checks (pure) ---------------------------------------------------------

def closest_names(name: str, known: Iterable[str], limit: int = 3) -> List[str]:
    """Up to `limit` existing names closest to `name`: same name in another
    case first, then difflib's best matches."""
    known = sorted(set(known))
    same_case = [k for k in known if k.lower() == name.lower()]
    close = difflib.get_close_matches(name, known, n=limit, cutoff=0.6)
    result = []
    for candidate in same_case + close:
        if candidate not in result and candidate != name:
            result.append(candidate)
    return result[:limit]


def check_profile_names(wanted: Mapping[str, Sequence[Any]], known: Iterable[str]
                        ) -> List[Tuple[Any, str]]:
    """Port profile names a run would write or rely on, checked against the
    names UCS Manager defines (exact, case-sensitive, as VM-FEX matches them).

    wanted: {profile name: [where, ...]}; `where` is whatever the caller uses
    to point at a use (a CSV line number, "VM web01 NIC nic1", ...) and is
    handed back untouched. Returns [(where, message)], one per use of an
    unknown name, by name then in the given order; [] when all exist. The
    message names the profile and the closest existing names, e.g.
    "port profile 'Profle1' is not defined on UCS Manager (closest: 'Profile1')".
    """
    known = set(known)
    problems = []
    for name in sorted(wanted):
        if name in known:
            continue
        close = closest_names(name, known)
        if close:
            hint = "closest: %s" % ", ".join(repr(c) for c in close)
        else:
            hint = "no similar name among its %d port profiles" % len(known)
        message = "port profile %r is not defined on UCS Manager (%s)" % (name, hint)
        for where in wanted[name]:
            problems.append((where, message))
    return problems


def overused_profiles(profiles: Iterable[PortProfile], users: Mapping[str, int]
                      ) -> List[str]:
    """One line per port profile with more oVirt NICs than its maxPorts."""
    lines = []
    for profile in profiles:
        count = users.get(profile.name, 0)
        if profile.max_ports is not None and count > profile.max_ports:
            lines.append("port profile %r: %d oVirt NICs use it, UCS Manager allows "
                         "%d (maxPorts)" % (profile.name, count, profile.max_ports))
    return lines
