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


def find_zero_mac_pci_nics(sysfs_root: str = "/sys") -> "List[NetDevice]":
    """Interfaces in <root>/class/net whose device is on PCI and whose MAC is all zeros."""
    net_dir = os.path.join(sysfs_root, "class", "net")
    root = os.path.realpath(sysfs_root)
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
        device_link = os.path.join(net_dir, name, "device")
        if not os.path.exists(device_link):
            continue  # virtual: lo, bridges, bonds, macvtaps
        device = os.path.realpath(device_link)
        # Judge the path inside sysfs only: the root itself may contain "/pci".
        inside = os.path.relpath(device, root)
        if "/pci" not in "/" + inside:
            continue
        if _read_mac(os.path.join(net_dir, name, "address")) != ZERO_MAC:
            continue
        driver_link = os.path.join(device_link, "driver")
        driver = (os.path.basename(os.path.realpath(driver_link))
                  if os.path.exists(driver_link) else None)
        found.append(NetDevice(name, os.path.basename(device), driver))
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
