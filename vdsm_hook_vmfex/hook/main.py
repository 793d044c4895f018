"""The VDSM hook: read the environment and the XML file, rewrite, exit.

VDSM runs hooks with the XML file named by $_hook_domxml and VM custom
properties as environment variables. Exit 0 = success, 2 = failed and stop
(for before_vm_start any non-zero code fails the start).

Module-level imports stay minimal: this runs on every VM start on every host,
and most VMs have no `vmfex` property.
"""
import os
import sys

from vdsm_hook_vmfex.common.property import PROPERTY_NAME, SPACE

# Hook points that get the whole domain, and those that get one device with
# that device's custom properties in the environment (VDSM hooks.py).
DOMAIN_HOOK_POINTS = ("before_vm_start", "before_vm_migrate_destination")
DEVICE_HOOK_POINTS = ("before_device_create", "before_nic_hotplug",
                      "before_update_device", "before_device_migrate_destination")
HOOK_POINTS = DOMAIN_HOOK_POINTS + DEVICE_HOOK_POINTS
EXIT_OK = 0
EXIT_STOP = 2
PREFIX = "vmfex: "
LOCK_TIMEOUT_SECONDS = 30


def _say(message: str) -> None:
    # VDSM copies stderr into vdsm.log: every line carries the prefix, also
    # the later lines of a multi-line libxml2 or libvirt message.
    sys.stderr.write("".join(PREFIX + line + "\n"
                             for line in message.splitlines() or [""]))


def run(hook_point: str, environ: dict) -> int:
    """Run the hook for `hook_point`; return the exit code for VDSM."""
    if hook_point not in HOOK_POINTS:
        _say("unknown hook point %r: expected one of %s"
             % (hook_point, ", ".join(HOOK_POINTS)))
        return EXIT_STOP
    value = environ.get(PROPERTY_NAME, "")
    original = None
    # Empty exactly as the map parser sees it: str.strip() would also take
    # U+00A0 or VT for nothing, which the parser refuses.
    if hook_point in DOMAIN_HOOK_POINTS and not value.strip(SPACE):
        # No VM map; NICs may still carry a vNIC profile's vmfex in the
        # metadata. A byte search keeps VMs without any vmfex off lxml.
        original = _read_if_mentions_vmfex(environ.get("_hook_domxml"))
        if original is None:
            return EXIT_OK
    elif not value:
        return EXIT_OK
    try:
        return _run_mapped(hook_point, value, environ, original)
    except Exception as err:  # mapped to exit codes below
        from vdsm_hook_vmfex.common.errors import VmfexError
        from vdsm_hook_vmfex.common.needs import missing_message, missing_module
        if isinstance(err, VmfexError):
            _say(str(err))
        elif missing_module(err) is not None:
            _say(missing_message(missing_module(err), err))
        elif isinstance(err, OSError):
            _say("%s: %s" % (err.filename or "I/O error", err.strerror or err))
        else:
            import traceback
            _say("internal error (a bug in the vmfex hook, please report it), "
                 "refusing to go on: %r" % (err,))
            _say(traceback.format_exc())
        return EXIT_STOP


def _read_if_mentions_vmfex(path: "str | None") -> "bytes | None":
    """The XML file's bytes if they hold 'vmfex' anywhere, else None (also
    when unreadable: a hook with nothing to do never fails a VM)."""
    if not path:
        return None
    try:
        with open(path, "rb") as xml_file:
            data = xml_file.read()
    except OSError:
        return None
    return data if PROPERTY_NAME.encode() in data else None


def _run_mapped(hook_point: str, value: str, environ: dict,
                original: "bytes | None" = None) -> int:
    from vdsm_hook_vmfex.common.errors import VmfexError
    from vdsm_hook_vmfex.hook import domxml, models
    from vdsm_hook_vmfex.host.config import load_settings

    path = environ.get("_hook_domxml")
    if not path:
        raise VmfexError("$_hook_domxml is not set: expected the path of the XML "
                         "file VDSM passes to hooks")
    vm = environ.get("vmId") or "?"
    if original is None:
        with open(path, "rb") as xml_file:
            original = xml_file.read()
    if hook_point in DOMAIN_HOOK_POINTS:
        root = domxml.parse_xml(original)
        resolved = models.resolve_domain(value, domxml.metadata_vmfex_entries(root), vm)
    else:
        root = domxml.parse_xml(original, any_root=True)
        mac = domxml.interface_mac(root) if root.tag == "interface" else None
        decision = models.decide_device(hook_point, value, root.tag, mac, vm)
        if decision.note:
            _say(decision.note)
        resolved = decision.resolved
    if not resolved:
        return EXIT_OK
    settings = load_settings(environ, warn=_say)
    mapping = {mac: profile for mac, (profile, _) in resolved.items()}

    if hook_point == "before_vm_migrate_destination":
        # VDSM ignores XML written back here: only check this host can serve.
        return _check_destination(root, mapping, settings, vm)

    rewrites, missing = domxml.attach_port_profiles(root, mapping, settings.network)
    if hook_point == "before_vm_start":
        for mac in missing:
            if resolved[mac][1] != models.VNIC_PROFILE:
                _say("VM %s: warning: MAC %s (profile %r) is not a NIC of this VM; "
                     "nothing to do for it now" % (vm, mac, mapping[mac]))
    if any(nic.changed for nic in rewrites):
        write_atomically(path, domxml.serialize_xml(root, original))
    for nic in rewrites:
        _say("VM %s: NIC %s: %s -> network %s, port profile %r from the %s%s"
             % (vm, nic.mac, nic.previous, settings.network, nic.profile,
                resolved[nic.mac][1], "" if nic.changed else " (already set)"))
    return EXIT_OK


def _check_destination(root, mapping: dict, settings, vm: str) -> int:
    from vdsm_hook_vmfex.hook.domxml import find_interfaces, interface_mac
    from vdsm_hook_vmfex.host.lock import hold_lock
    from vdsm_hook_vmfex.host.virt import check_network_ready_within

    needed = sum(1 for iface in find_interfaces(root)
                 if interface_mac(iface) in mapping)
    if needed:
        # Under the lock `vmfex-direct-pool define/remove` take: never judge
        # the network half-way through its redefinition. Both waits bounded:
        # a hung libvirtd refuses the migration instead of stalling it.
        with hold_lock(settings.lock_path, timeout=LOCK_TIMEOUT_SECONDS,
                       on_wait=_say):
            state = check_network_ready_within(settings.libvirt_timeout,
                                               settings.network, needed)
        _say("VM %s: network %s ready for %d VM-FEX NIC(s), %d vNIC(s) free"
             % (vm, settings.network, needed, len(state.free)))
    return EXIT_OK


def write_atomically(path: str, data: bytes) -> None:
    """Replace `path` by a fully written temp file in the same directory;
    VmfexError naming `path` if that fails (then `path` is unchanged)."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    # os.open with O_EXCL rather than tempfile: tempfile's imports cost the
    # hook 2 ms on every VM start.
    tmp_path = os.path.join(directory, ".vmfex-%d-%s.tmp"
                            % (os.getpid(), os.path.basename(path)))
    try:
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as err:
        raise _write_failed(path, tmp_path, err) from None
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, path)
    except BaseException as err:
        try:
            os.unlink(tmp_path)
        except OSError:
            pass
        if isinstance(err, OSError):
            raise _write_failed(path, tmp_path, err) from None
        raise


def _write_failed(path: str, tmp_path: str, err: OSError):
    from vdsm_hook_vmfex.common.errors import VmfexError
    return VmfexError("cannot write %s (through the temporary file %s): %s; %s is "
                      "unchanged" % (path, tmp_path, err.strerror or err, path))


def main(argv: "list" = None) -> int:
    """`python3 -m vdsm_hook_vmfex HOOK_POINT`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        sys.stderr.write("usage: python3 -m vdsm_hook_vmfex {%s}\n"
                         "Runs the vmfex VDSM hook as VDSM would; see README.md.\n"
                         % ",".join(HOOK_POINTS))
        return EXIT_OK if args[:1] in (["-h"], ["--help"]) else EXIT_STOP
    return run(args[0], os.environ)


def launch(launcher_path: str) -> None:
    """Entry of the installed hook files: the hook point is their directory."""
    hook_point = os.path.basename(os.path.dirname(os.path.abspath(launcher_path)))
    sys.exit(run(hook_point, os.environ))
