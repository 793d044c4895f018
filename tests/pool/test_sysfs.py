"""VM-FEX vNIC detection on a fake sysfs tree laid out with real symlinks as in /sys."""
import os

from tests.sysfs_helpers import ZERO, add_pci_nic, add_platform_nic, add_virtual_nic, vmfex_host
from vdsm_hook_vmfex.pool.sysfs import choose_vmfex_devices, find_zero_mac_pci_nics


def names(nics):
    return [nic.name for nic in nics]


def test_real_sysfs_layout_resolves(tmp_path):
    root = vmfex_host(str(tmp_path))
    link = os.path.join(root, "class", "net", "eth3", "device")
    assert os.readlink(link) == "../../../0000:0b:00.1"
    assert os.readlink(os.path.dirname(link)) == (
        "../../devices/pci0000:00/0000:00:03.0/0000:0b:00.1/net/eth3")
    assert os.path.basename(os.path.realpath(os.path.join(link, "driver"))) == "enic"


def test_finds_zero_mac_pci_nics_in_natural_order(tmp_path):
    nics = find_zero_mac_pci_nics(vmfex_host(str(tmp_path)))
    assert names(nics) == ["eth3", "eth10"]
    assert [(n.pci_address, n.driver) for n in nics] == [("0000:0b:00.1", "enic"),
                                                          ("0000:0b:00.4", "enic")]
    assert nics[0].describe() == "eth3 (PCI 0000:0b:00.1, driver enic)"


def test_skips_virtual_and_non_pci_devices_with_zero_mac(tmp_path):
    root = str(tmp_path)
    add_virtual_nic(root, "virbr0")
    add_platform_nic(root, "end0")
    assert find_zero_mac_pci_nics(root) == []


def test_pci_in_the_root_path_is_not_mistaken_for_a_pci_device(tmp_path):
    root = str(tmp_path / "pci0000:00" / "sys")
    add_platform_nic(root, "end0")
    assert find_zero_mac_pci_nics(root) == []


def test_mac_is_compared_case_and_whitespace_insensitively(tmp_path):
    root = str(tmp_path)
    add_pci_nic(root, "eth5", "0000:0b:00.3", "  00:00:00:00:00:00 ")
    add_pci_nic(root, "eth6", "0000:0b:00.5", "00:00:00:00:00:0A")
    assert names(find_zero_mac_pci_nics(root)) == ["eth5"]


def test_device_without_a_driver_is_reported_without_one(tmp_path):
    root = str(tmp_path)
    add_pci_nic(root, "eth3", "0000:0b:00.1", ZERO, driver=None)
    [nic] = find_zero_mac_pci_nics(root)
    assert nic.driver is None
    assert nic.describe() == "eth3 (PCI 0000:0b:00.1, driver none)"


def test_missing_sysfs_finds_nothing(tmp_path):
    assert find_zero_mac_pci_nics(str(tmp_path / "nowhere")) == []


def test_enic_nics_are_preferred_and_others_named_in_a_warning(tmp_path):
    root = str(tmp_path)
    add_pci_nic(root, "eth3", "0000:0b:00.1", ZERO)
    add_pci_nic(root, "ens1f0v0", "0000:3b:02.0", ZERO, driver="ixgbevf")
    chosen, warning = choose_vmfex_devices(find_zero_mac_pci_nics(root))
    assert names(chosen) == ["eth3"]
    assert warning == ("ignoring zero-MAC PCI interface(s) not driven by enic: "
                       "ens1f0v0 (PCI 0000:3b:02.0, driver ixgbevf)")


def test_without_enic_the_others_are_used_with_a_warning(tmp_path):
    root = str(tmp_path)
    add_pci_nic(root, "ens1f0v0", "0000:3b:02.0", ZERO, driver="ixgbevf")
    chosen, warning = choose_vmfex_devices(find_zero_mac_pci_nics(root))
    assert names(chosen) == ["ens1f0v0"]
    assert "no zero-MAC interface uses the enic driver" in warning
    assert "name them with --dev" in warning


def test_only_enic_means_no_warning(tmp_path):
    chosen, warning = choose_vmfex_devices(find_zero_mac_pci_nics(vmfex_host(str(tmp_path))))
    assert (names(chosen), warning) == (["eth3", "eth10"], "")
    assert choose_vmfex_devices([]) == ([], "")
