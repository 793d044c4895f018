"""VmState records and problem lists for the pure engine-tool tests."""
from engine_tools.model.assign_plan import VmState
from tests.engine.helpers import MAC_A, MAC_B


def vm(name, status="down", properties=(), nics=((("nic1", MAC_A)), ("nic2", MAC_B))):
    return VmState("id-" + name, name, status, list(properties), list(nics))


def messages(problems):
    return [(p.line, p.message) for p in problems]
