"""Helpers for the real-libvirtd tier: the commands as subprocesses, TCG
domains the qemu driver runs here, and NICs of every kind the hook rewrites."""
import os
import subprocess
import sys
from typing import Iterable, List, Optional

import libvirt
from lxml import etree

from tests.paths import DATA, ROOT

# libvirt-python prints every error on stderr by default; tests read them.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

# The host command, run as a subprocess: the one line to change when the
# layout moves it (python3 -m vdsm_hook_vmfex.pool).
POOL_COMMAND = [sys.executable, "-m", "vdsm_hook_vmfex.pool"]
HOOK_COMMAND = [sys.executable, "-m", "vdsm_hook_vmfex"]
NETWORK = "direct-pool"
REWRITABLE_TYPES = ("bridge", "network", "direct", "ethernet")

# libvirt's own words, asserted by the tests (libvirt 9.0).
PORT_PROFILE_FAILED = "sending of PortProfileRequest failed"
POOL_EXHAUSTED = ("network 'direct-pool' requires exclusive access to interfaces, "
                  "but none are available")
NO_NETWORK = "no network with matching name 'direct-pool'"
NOT_ACTIVE = "network 'direct-pool' is not active"

# A paused TCG guest without disks: qemu runs, no CPU time, no KVM needed.
SMALL_DOMAIN = """<domain type="qemu">
  <name>{name}</name>
  <memory unit="MiB">64</memory>
  <vcpu>1</vcpu>
  <os><type arch="x86_64" machine="q35">hvm</type></os>
  <devices>
{nics}    <memballoon model="none"/>
  </devices>
</domain>
"""
# VDSM gives every device its boot order; libvirt refuses a NIC's <boot order>
# on a domain that has none ("per-device boot elements cannot be used together
# with os/boot elements"): hotplug targets carry an empty cdrom with one, and
# spare pcie-root-ports (as VDSM adds on q35) for NICs plugged live.
HOTPLUG_DEVICES = """    <disk type="file" device="cdrom">
      <target dev="sdc" bus="sata"/>
      <readonly/>
      <boot order="100"/>
    </disk>
    <controller type="pci" index="0" model="pcie-root"/>
""" + "".join('    <controller type="pci" index="%d" model="pcie-root-port"/>\n' % i
              for i in range(1, 9))
PLAIN_POOL_NIC = """    <interface type="network">
      <mac address="{mac}"/>
      <source network="direct-pool"/>
      <model type="virtio"/>
    </interface>
"""


class Host(object):
    """The hook and `vmfex-direct-pool` run against the private daemon, with
    their settings file and lock in `tmp` (never /etc/vdsm or /run/vdsm)."""

    def __init__(self, daemon, tmp: str) -> None:
        self.daemon = daemon
        self.tmp = tmp
        self.conf = os.path.join(tmp, "vmfex.conf")
        with open(self.conf, "w") as out:
            out.write("[vmfex]\nnetwork = %s\nlock_file = %s\n"
                      % (NETWORK, os.path.join(tmp, "hook-vmfex.lock")))

    def env(self, **extra: str) -> dict:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": ROOT,
               "VMFEX_CONF": self.conf}
        env.update(self.daemon.env)
        env.update(extra)
        return env

    def pool(self, *args: str) -> subprocess.CompletedProcess:
        """`vmfex-direct-pool ARGS`; `define --dev` names the daemon's veths,
        which only its namespace's sysfs shows."""
        argv = POOL_COMMAND + list(args)
        if args[:1] == ("define",):
            argv += ["--sysfs-root", self.daemon.sysfs_root]
        return subprocess.run(argv, env=self.env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=120)

    def define_pool(self, devices: Optional[Iterable[str]] = None) -> None:
        devices = self.daemon.vnic_names if devices is None else devices
        args = ["define"]
        for dev in devices:
            args += ["--dev", dev]
        proc = self.pool(*args)
        assert proc.returncode == 0, proc.stderr

    def hook(self, hook_point: str, xml: str, vmfex: Optional[str],
             vm_id: str = "vm") -> "HookResult":
        """Run the hook as VDSM does: XML in a temp file, properties in env
        (`vmfex` None: the property is not set)."""
        path = os.path.join(self.tmp, "hook-domxml")
        with open(path, "w") as out:
            out.write(xml)
        env = self.env(_hook_domxml=path, vmId=vm_id)
        if vmfex is not None:
            env["vmfex"] = vmfex
        proc = subprocess.run(HOOK_COMMAND + [hook_point], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)
        with open(path) as result:
            return HookResult(proc.returncode, proc.stderr, result.read())


class HookResult(object):
    def __init__(self, code: int, stderr: str, xml: str) -> None:
        self.code = code
        self.stderr = stderr
        self.xml = xml


def vmfex_map(profiles: dict) -> str:
    return "{%s}" % ", ".join("'%s': '%s'" % kv for kv in sorted(profiles.items()))


def mac(index: int, prefix: str = "00:1a:4a:16") -> str:
    return "%s:%02x:%02x" % (prefix, index // 256, index % 256)


def tcg_sample(name: str = "vdsm-domain.xml") -> str:
    """A VDSM sample domain with what only a RHEL KVM host has swapped out:
    machine type q35 (not pc-q35-rhel8.6.0), TCG and a CPU TCG provides.
    vdsm-domain.xml maps NICs with the VM's `vmfex`, vdsm-domain-vnic-profiles.xml
    with the NICs' vNIC profiles (device custom properties in the metadata)."""
    root = etree.parse(os.path.join(DATA, name)).getroot()
    root.set("type", "qemu")
    root.find("os/type").set("machine", "q35")
    root.find("cpu/model").text = "qemu64"
    return etree.tostring(root, encoding="unicode")


ADDRESS = """      <address type="pci" domain="0x0000" bus="0x%02x" slot="0x00" function="0x0"/>
"""


def rich_nic(index: int, kind: str, bus: Optional[int]) -> str:
    """A VDSM-style NIC of type `kind` carrying everything the hook must
    drop or keep: filterref, vlan, port isolated, mtu, bandwidth, queues,
    boot order, alias and a PCI address on `bus` (None: none, as a NIC
    plugged into a running VM mostly comes)."""
    source = {
        "bridge": '<source bridge="ovirtmgmt"/>',
        "network": '<source network="ovirtmgmt"/>',
        "direct": '<source dev="eth%d" mode="bridge"/>' % index,
        "ethernet": '<target dev="vnet%d"/>' % index,
    }[kind]
    return """    <interface type="{kind}">
      <mac address="{mac}"/>
      <model type="virtio"/>
      <driver name="vhost" queues="4"/>
      {source}
      <filterref filter="vdsm-no-mac-spoofing"/>
      <vlan><tag id="{vlan}"/></vlan>
      <port isolated="yes"/>
      <link state="up"/>
      <mtu size="9000"/>
      <bandwidth><outbound average="1000" peak="2000" burst="1024"/></bandwidth>
      <boot order="{boot}"/>
      <alias name="ua-{index:08x}-8fd2-4b2d-a0b4-2d2e0d3b1f3a"/>
{address}    </interface>
""".format(kind=kind, mac=mac(index), source=source, vlan=100 + index, boot=index + 1,
           index=index, address="" if bus is None else ADDRESS % bus)


def rich_domain(name: str, nics: int) -> str:
    """A TCG domain with `nics` rich NICs cycling through every rewritable type."""
    body = "".join(rich_nic(i, REWRITABLE_TYPES[i % len(REWRITABLE_TYPES)], i + 1)
                   for i in range(nics))
    return SMALL_DOMAIN.format(name=name, nics=body)


def hotplug_target(name: str) -> str:
    """A TCG domain without NICs, booting from its cdrom as VDSM writes it."""
    return SMALL_DOMAIN.format(name=name, nics=HOTPLUG_DEVICES)


def small_domain(name: str, macs: Iterable[str]) -> str:
    """A TCG domain whose NICs sit on the pool without a port profile: they
    start on veths, so they hold pool devices the way VM-FEX NICs do."""
    return SMALL_DOMAIN.format(name=name, nics="".join(PLAIN_POOL_NIC.format(mac=m)
                                                       for m in macs))


def start_paused(conn, xml: str):
    dom = conn.defineXML(xml)
    dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
    return dom


def interfaces(xml: str) -> List[etree._Element]:
    return etree.fromstring(xml.encode()).findall("devices/interface")

