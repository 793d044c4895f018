"""libvirt access for the hook and `vmfex-direct-pool`: one place, few calls."""
from vdsm_hook_vmfex.common.errors import LibvirtFailure, NetworkNotReady
from vdsm_hook_vmfex.host.netxml import PoolState, read_pool_state


def _silence_libvirt_stderr(libvirt) -> None:
    # libvirt-python prints every error to stderr by default; our messages
    # carry the error text already.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def open_connection(uri: "str | None" = None):
    """Connect to libvirtd.

    With no URI, use VDSM's connection when VDSM is installed: libvirtd on an
    oVirt host requires VDSM's SASL credentials. Elsewhere libvirt's own URI
    resolution applies ($LIBVIRT_DEFAULT_URI, which tests point at test:///).
    """
    import libvirt
    _silence_libvirt_stderr(libvirt)
    if uri is None:
        try:
            from vdsm.common import libvirtconnection
        except ImportError:
            pass
        else:
            try:
                return libvirtconnection.get()
            except libvirt.libvirtError as err:
                raise LibvirtFailure("cannot connect to libvirt through VDSM: %s"
                                     % err.get_error_message()) from None
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as err:
        raise LibvirtFailure("cannot connect to libvirt at %s: %s"
                             % (uri or "the default URI", err.get_error_message())) from None


def _failure(what: str, name: str, err) -> LibvirtFailure:
    return LibvirtFailure("cannot %s libvirt network %r: %s"
                          % (what, name, err.get_error_message()))


def _lookup(conn, name: str):
    """The libvirt network `name`, or None when no network has this name."""
    import libvirt
    try:
        return conn.networkLookupByName(name)
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_NETWORK:
            return None
        raise _failure("look up", name, err) from None


def require_ready(name: str, network: "NetworkInfo | None",
                  nics_needed: int = 1) -> PoolState:
    """The rule for serving VM-FEX NICs, on what libvirt said about `network`
    (None: not defined): an active passthrough network with `nics_needed`
    free devices. Returns its live state; raises NetworkNotReady."""
    fix = "run 'vmfex-direct-pool define' on this host"
    if network is None:
        raise NetworkNotReady("libvirt network %r is not defined on this host: %s"
                              % (name, fix))
    live = network.live
    if not network.active or live is None:
        raise NetworkNotReady("libvirt network %r is defined but not active: %s"
                              % (name, fix))
    if live.mode != "passthrough":
        raise NetworkNotReady("libvirt network %r has forward mode %r, expected "
                              "'passthrough' over the VM-FEX vNICs: %s"
                              % (name, live.mode, fix))
    if len(live.free) < nics_needed:
        raise NetworkNotReady(
            "libvirt network %r has %d free VM-FEX vNIC(s) of %d, this VM needs "
            "%d: if vNICs were added to this host's service profile, %s; else "
            "free vNICs on this host or choose another host"
            % (name, len(live.free), len(live.devices), nics_needed, fix))
    return live


def check_network_ready(conn, name: str, nics_needed: int = 1) -> PoolState:
    """require_ready() on network `name`, read in three libvirt calls whatever
    runs on the host (only what the rule needs: no flags, no definition)."""
    import libvirt
    net = _lookup(conn, name)
    if net is None:
        return require_ready(name, None, nics_needed)
    try:
        active = bool(net.isActive())
        live = read_pool_state(net.XMLDesc(0)) if active else None
    except libvirt.libvirtError as err:
        raise _failure("read", name, err) from None
    return require_ready(name, NetworkInfo(name, active=active, live=live), nics_needed)


def check_network_ready_within(seconds: float, name: str, nics_needed: int = 1,
                               uri: "str | None" = None) -> PoolState:
    """open_connection() then check_network_ready(), bounded as a whole by
    `seconds`: LibvirtFailure when libvirt has not answered by then.

    libvirt's client has no timeout of its own before a connection is open
    (keepalive starts only after it), and a blocked call cannot be
    interrupted: it runs in a daemon thread left behind when the bound
    passes, and ends with the process."""
    import threading
    outcome = {}

    def check() -> None:
        try:
            outcome["state"] = check_network_ready(open_connection(uri), name, nics_needed)
        except BaseException as err:  # handed to the waiting thread
            outcome["error"] = err

    worker = threading.Thread(target=check, name="vmfex-libvirt-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise LibvirtFailure(
            "libvirt did not answer within %g s while connecting and reading network "
            "%r: check libvirtd on this host (systemctl status libvirtd)" % (seconds, name))
    if "error" in outcome:
        raise outcome["error"]
    return outcome["state"]


class NetworkInfo(object):
    """What libvirt says about one network: flags, persistent and live devices.
    Fields a caller did not read stay None."""

    def __init__(self, name: str, uuid: "str | None" = None,
                 persistent: "bool | None" = None, active: bool = False,
                 autostart: "bool | None" = None, config: "PoolState | None" = None,
                 live: "PoolState | None" = None) -> None:
        self.name = name
        self.uuid = uuid
        self.persistent = persistent
        self.active = active
        self.autostart = autostart
        self.config = config  # the definition the next start uses
        self.live = live  # the running network, None when inactive


# --- For `vmfex-direct-pool`: never on the hook's path. ---------------------

def _config_xml(net) -> str:
    """The definition the next start uses (the live XML differs after a
    define on a running network)."""
    import libvirt
    try:
        return net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
    except libvirt.libvirtError as err:
        # libvirt's test driver rejects the flag: it keeps one definition.
        if err.get_error_code() != libvirt.VIR_ERR_INVALID_ARG:
            raise
        return net.XMLDesc(0)


def read_network(conn, name: str) -> "NetworkInfo | None":
    """The network's state, or None when no network has this name."""
    import libvirt
    net = _lookup(conn, name)
    if net is None:
        return None
    try:
        persistent = bool(net.isPersistent())
        active = bool(net.isActive())
        autostart = bool(net.autostart()) if persistent else False
        live_xml = net.XMLDesc(0) if active else None
        # A transient network is always active: its live XML is its definition.
        config_xml = _config_xml(net) if persistent else live_xml
        uuid = net.UUIDString()
    except libvirt.libvirtError as err:
        raise _failure("read", name, err) from None
    return NetworkInfo(name, uuid, persistent, active, autostart,
                       read_pool_state(config_xml),
                       read_pool_state(live_xml) if live_xml else None)


def list_network_users(conn, name: str) -> list:
    """The NICs of running domains whose source is network `name`
    (a list of domainxml.NicOnNetwork). One XMLDesc per running domain."""
    import libvirt

    from vdsm_hook_vmfex.host.domainxml import nics_on_network
    try:
        domains = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
    except libvirt.libvirtError as err:
        raise LibvirtFailure("cannot list running domains to find users of network "
                             "%r: %s" % (name, err.get_error_message())) from None
    users = []
    for dom in domains:
        try:
            xml = dom.XMLDesc(0)
        except libvirt.libvirtError as err:
            if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                continue  # stopped since the listing
            raise LibvirtFailure("cannot read domain %r to find users of network %r: %s"
                                 % (dom.name(), name, err.get_error_message())) from None
        users.extend(nics_on_network(xml, name))
    return sorted(users, key=lambda nic: (nic.domain, nic.mac or ""))


def change_network(conn, name: str, step: str, xml: "str | None" = None) -> None:
    """Apply one step to network `name`: 'define' (with `xml`), 'start',
    'autostart', 'destroy' or 'undefine'."""
    import libvirt
    verbs = {"define": "define", "start": "start", "autostart": "set autostart on",
             "destroy": "stop (destroy)", "undefine": "undefine"}
    if step not in verbs:
        raise ValueError("unknown network step %r" % step)
    try:
        if step == "define":
            conn.networkDefineXML(xml)
            return
        net = conn.networkLookupByName(name)
        if step == "start":
            net.create()
        elif step == "autostart":
            net.setAutostart(1)
        elif step == "destroy":
            net.destroy()
        else:
            net.undefine()
    except libvirt.libvirtError as err:
        raise _failure(verbs[step], name, err) from None


def devices_in_other_networks(conn, devices: "list", name: str) -> dict:
    """{device: [other network, ...]} for the `devices` that another libvirt
    network also forwards to: two pools handing out one vNIC would give it to
    two VMs."""
    import libvirt
    try:
        networks = conn.listAllNetworks()
    except libvirt.libvirtError as err:
        raise LibvirtFailure("cannot list libvirt networks: %s"
                             % err.get_error_message()) from None
    shared = {}
    for net in networks:
        try:
            other = net.name()
            if other == name:
                continue
            state = read_pool_state(net.XMLDesc(0))
        except libvirt.libvirtError:
            continue  # undefined since the listing
        for dev in devices:
            if dev in state.devices:
                shared.setdefault(dev, []).append(other)
    return shared
