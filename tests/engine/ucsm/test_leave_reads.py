"""engine_tools.ucsm.leave_reads: the real ucsmsdk against the stand-in, one
configResolveClass per class, and the view built from the answers."""
import io

import pytest

from engine_tools.ucsm.client import UcsmError, UcsmOptions
from engine_tools.ucsm.leave_reads import QUERIES, as_plan_input, read_view
from tests.engine.leave_fixture import ucsm_simulator
from tests.engine.ucsm_helpers import assert_logged_out


def options(sim):
    return UcsmOptions("127.0.0.1", sim.port, "admin", "secret", sim.ca_file, False, 5.0)


def test_one_query_per_class_then_logout():
    with ucsm_simulator() as sim:
        view = read_view(options(sim), io.StringIO())
        assert [q for q in sim.class_queries if q[0] != "networkElement"] == list(QUERIES)
        assert_logged_out(sim)
    assert view.vlans == {"vlan100": 100, "vlan200": 200, "vlan300": 300}
    assert view.qos["gold"].rate == "100000" and view.qos["gold"].burst == 10240
    assert view.forge_allowed == {"strict": False, "open": True}
    profiles = {p["name"]: p for p in as_plan_input(view)}
    assert profiles["Profile1"]["vlans"] == [{"name": "vlan100", "id": 100, "native": True}]
    assert profiles["Profile1"]["qos"]["prio"] == "gold"
    assert profiles["Profile1"]["forge_allowed"] is False
    assert profiles["Profile2"]["forge_allowed"] is True and profiles["Profile2"]["qos"] is None
    assert len(profiles["Trunk"]["vlans"]) == 2


def test_a_refused_class_query_is_one_error_and_logs_out():
    with ucsm_simulator() as sim:
        del sim.classes["epqosDefinition"]
        with pytest.raises(UcsmError, match="error 103"):
            read_view(options(sim), io.StringIO())
        assert_logged_out(sim)


def test_a_missing_qos_policy_is_said_not_guessed():
    with ucsm_simulator() as sim:
        sim.qos_policies = []
        profiles = {p["name"]: p for p in as_plan_input(read_view(options(sim),
                                                                  io.StringIO()))}
    assert profiles["Profile1"]["qos_missing"] is True
