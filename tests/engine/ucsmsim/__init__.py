"""A local UCS Manager XML API stand-in for tests (HTTPS, POST /nuova).

It answers what the real ``ucsmsdk`` sends for login, the port profile
query and logout, so the SDK can be pointed at it unchanged.  See
:mod:`tests.ucsmsim.server`.
"""

from .server import SimProfile, UcsmSimulator
from .service_profiles import SimDynamicPolicy, SimServiceProfile

__all__ = ["SimDynamicPolicy", "SimProfile", "SimServiceProfile", "UcsmSimulator"]
