"""Find the host's unassigned VM-FEX dynamic vNICs in sysfs.

A dynamic vNIC the UCS has not given to a VM yet is a PCI network device
with an all-zero MAC; VDSM treats such a NIC as VM-FEX when its driver is
`enic` (other SR-IOV VFs can show a zero MAC too).
"""
import os
import re
from typing import List, Optional, Tuple

from vdsm_hook_vmfex.common.errors import InvalidName
from vdsm_hook_vmfex.common.rules import check_ifname

ZERO_MAC = "00:00:00:00:00:00"
VMFEX_DRIVER = "enic"


class NetDevice(object):
    """A zero-MAC PCI network interface found in sysfs."""

    def __init__(self, name: str, pci_address: str, driver: Optional[str]) -> None:
        self.name = name
        self.pci_address = pci_address
        self.driver = driver

    def describe(self) -> str:
        return "%s (PCI %s, driver %s)" % (self.name, self.pci_address,
                                            self.driver or "none")

    def __repr__(self) -> str:
        return "NetDevice(%r, %r, %r)" % (self.name, self.pci_address, self.driver)


def natural_key(name: str) -> list:
    """Sort eth2 before eth10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _read_mac(path: str) -> Optional[str]:
    """The MAC in an `address` file; None when unreadable or not ASCII text
    (then it is no zero MAC either)."""
    try:
        with open(path, "rb") as address:
            data = address.read(4096)  # a sysfs attribute is at most a page
        return data.decode("ascii").strip().lower()
    except (OSError, UnicodeDecodeError):
        return None


class Interface(object):
    """What sysfs says about one interface name: whether it exists, whether
    its device is on PCI, its driver and its MAC (None when unknown)."""

    def __init__(self, name: str, present: bool, pci_address: Optional[str] = None,
                 driver: Optional[str] = None, mac: Optional[str] = None) -> None:
        self.name = name
        self.present = present
        self.pci_address = pci_address  # None: not on PCI (or absent)
        self.driver = driver
        self.mac = mac

    def is_vmfex(self, in_use: bool = False) -> bool:
        """A VM-FEX dynamic vNIC: on PCI, driven by enic, and its MAC all zeros
        unless a VM holds it (a passthrough NIC puts the VM's MAC on it)."""
        return (self.pci_address is not None and self.driver == VMFEX_DRIVER
                and (in_use or self.mac == ZERO_MAC))


def read_interface(sysfs_root: str, name: str) -> Interface:
    """<root>/class/net/NAME as an Interface (present False when absent)."""
    net_dir = os.path.join(sysfs_root, "class", "net")
    if not os.path.exists(os.path.join(net_dir, name)):
        return Interface(name, False)
    device_link = os.path.join(net_dir, name, "device")
    mac = _read_mac(os.path.join(net_dir, name, "address"))
    if not os.path.exists(device_link):
        return Interface(name, True, mac=mac)  # virtual: lo, bridges, bonds, macvtaps
    device = os.path.realpath(device_link)
    # Judge the path inside sysfs only: the root itself may contain "/pci".
    inside = os.path.relpath(device, os.path.realpath(sysfs_root))
    if "/pci" not in "/" + inside:
        return Interface(name, True, mac=mac)
    driver_link = os.path.join(device_link, "driver")
    driver = (os.path.basename(os.path.realpath(driver_link))
              if os.path.exists(driver_link) else None)
    return Interface(name, True, os.path.basename(device), driver, mac)


def find_zero_mac_pci_nics(sysfs_root: str = "/sys") -> "List[NetDevice]":
    """Interfaces in <root>/class/net whose device is on PCI and whose MAC is all zeros."""
    net_dir = os.path.join(sysfs_root, "class", "net")
    try:
        names = os.listdir(net_dir)
    except OSError:
        return []
    found = []
    for name in sorted(names, key=natural_key):
        try:
            check_ifname(name)
        except InvalidName:
            continue  # libvirt XML cannot name it (e.g. undecodable bytes)
        iface = read_interface(sysfs_root, name)
        if iface.pci_address is None or iface.mac != ZERO_MAC:
            continue
        found.append(NetDevice(name, iface.pci_address, iface.driver))
    return found


def choose_vmfex_devices(nics: "List[NetDevice]") -> "Tuple[List[NetDevice], str]":
    """The enic NICs when there are any, else all of them with a warning.

    Returns (devices, warning); warning is '' when nothing is doubtful.
    """
    enic = [nic for nic in nics if nic.driver == VMFEX_DRIVER]
    others = [nic for nic in nics if nic.driver != VMFEX_DRIVER]
    if enic:
        warning = ("ignoring zero-MAC PCI interface(s) not driven by %s: %s"
                   % (VMFEX_DRIVER, ", ".join(nic.describe() for nic in others))
                   if others else "")
        return enic, warning
    if others:
        return others, ("no zero-MAC interface uses the %s driver; using %s: check "
                        "they are VM-FEX dynamic vNICs, or name them with --dev"
                        % (VMFEX_DRIVER, ", ".join(nic.describe() for nic in others)))
    return [], ""
