"""Make tests.ovirtsim report `next_run_configuration_exists` as the engine does.

The real engine marks, in every VM it returns, whether a configuration for
the VM's next start is pending; vmfex-engine reads the pending custom
properties of exactly those VMs. The simulator does not emit the element
yet (reported to the lead); this wraps its VM writer until it does.
"""
from lxml import etree

from tests.ovirtsim import server

_ELEMENT = "next_run_configuration_exists"


def install() -> None:
    """Patch the simulator module once per process (idempotent)."""
    original = server._vm_element
    if getattr(original, "with_next_run_flag", False):
        return

    def vm_element(parent, vm, follow_nics=False, properties=None):
        element = original(parent, vm, follow_nics, properties)
        if element.find(_ELEMENT) is None:
            flag = etree.SubElement(element, _ELEMENT)
            flag.text = "true" if vm.next_run_properties is not None else "false"
        return element

    vm_element.with_next_run_flag = True
    server._vm_element = vm_element
