"""A local oVirt Engine API v4 simulator for tests.

It speaks HTTPS with a generated CA, answers the SSO endpoints and the small
part of the REST API that the vmfex engine tool uses (listing VMs with their
NICs and custom properties, reading and updating one VM), so the real
``ovirtsdk4`` can be pointed at it.  See :mod:`tests.engine.ovirtsim.server`.
"""

from .server import OvirtSimulator, SimVm

__all__ = ["OvirtSimulator", "SimVm"]
