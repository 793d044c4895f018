"""A fake sysfs tree laid out with real symlinks as in /sys."""
import os

ZERO = "00:00:00:00:00:00"


def _link(target: str, link: str) -> None:
    """A relative symlink, as the kernel's sysfs makes them."""
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(os.path.relpath(target, os.path.dirname(link)), link)


def add_pci_nic(root: str, name: str, pci: str, mac: str,
                driver: "str | None" = "enic") -> None:
    """class/net/NAME -> ../../devices/pci0000:00/0000:00:03.0/PCI/net/NAME,
    device -> ../../../PCI, PCI/driver -> ../../../../bus/pci/drivers/DRIVER."""
    device = os.path.join(root, "devices", "pci0000:00", "0000:00:03.0", pci)
    netdir = os.path.join(device, "net", name)
    os.makedirs(netdir)
    with open(os.path.join(netdir, "address"), "w") as address:
        address.write(mac + "\n")
    os.symlink("../../../" + pci, os.path.join(netdir, "device"))
    if driver and not os.path.exists(os.path.join(device, "driver")):
        os.makedirs(os.path.join(root, "bus", "pci", "drivers", driver), exist_ok=True)
        os.symlink("../../../../bus/pci/drivers/" + driver, os.path.join(device, "driver"))
    _link(netdir, os.path.join(root, "class", "net", name))


def add_virtual_nic(root: str, name: str, mac: str = ZERO) -> None:
    netdir = os.path.join(root, "devices", "virtual", "net", name)
    os.makedirs(netdir)
    with open(os.path.join(netdir, "address"), "w") as address:
        address.write(mac + "\n")
    _link(netdir, os.path.join(root, "class", "net", name))


def add_platform_nic(root: str, name: str, mac: str = ZERO) -> None:
    device = os.path.join(root, "devices", "platform", "ethernet.0")
    netdir = os.path.join(device, "net", name)
    os.makedirs(netdir)
    with open(os.path.join(netdir, "address"), "w") as address:
        address.write(mac + "\n")
    os.symlink("../../../ethernet.0", os.path.join(netdir, "device"))
    _link(netdir, os.path.join(root, "class", "net", name))


def vmfex_host(root: str) -> str:
    """Two free enic vNICs (eth3, eth10), one assigned, a management NIC, lo."""
    add_pci_nic(root, "eth0", "0000:06:00.0", "00:25:b5:00:00:0f")
    add_pci_nic(root, "eth10", "0000:0b:00.4", ZERO)
    add_pci_nic(root, "eth3", "0000:0b:00.1", ZERO)
    add_pci_nic(root, "eth4", "0000:0b:00.2", "00:1a:4a:16:01:57")  # given to a VM
    add_virtual_nic(root, "lo")
    return root
