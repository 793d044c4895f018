"""Checking an edited `leave` plan whole: every problem with its path."""
import copy
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from engine_tools.model.leave_plan import plan_leave  # noqa: I001
from engine_tools.model.leave_plan_check import validate
from tests.engine.model.test_leave_plan import MAPPED, UCS, WEB, inventory

PLAN = plan_leave(UCS, inventory([WEB, MAPPED]), label="trunk")


def edited(change):
    plan = copy.deepcopy(PLAN)
    change(plan)
    return dict(validate(plan))


def test_the_planner_writes_valid_plans():
    assert validate(copy.deepcopy(PLAN)) == []


def test_every_problem_is_listed_with_its_path():
    def change(plan):
        plan["networks"][0]["vlan_id"] = 5000
        plan["profiles"][0]["name"] = "bad name!"
        plan["vms"][0]["nics"][0]["profile"] = "nowhere"
        plan["qos"][0]["outbound_peak"] = 1
    problems = edited(change)
    assert "0 to 4094" in problems["networks[0].vlan_id"]
    assert "invalid vNIC profile name" in problems["profiles[0].name"]
    assert "nowhere" in problems["vms[0].nics[0].profile"]
    assert "below average" in problems["qos[0].outbound_peak"]


def test_duplicates_are_refused():
    def change(plan):
        plan["vms"].append(copy.deepcopy(plan["vms"][0]))
        new = [n for n in plan["networks"] if n["id"] is None][0]
        plan["networks"].append(dict(new, key="other"))
    problems = edited(change)
    assert "twice" in problems["vms[2].name"]
    assert "NIC id twice" in problems["vms[2].nics[0].id"]
    assert "duplicate network name" in problems["networks[2].name"]


def test_a_plan_of_another_version_is_refused():
    problems = edited(lambda plan: plan.update(version=2))
    assert "expected 1" in problems["version"]


def test_types_are_checked():
    problems = edited(lambda plan: plan["networks"][0].update(mtu="1500", vlan_id=True))
    assert "whole number" in problems["networks[0].mtu"]
    assert "whole number" in problems["networks[0].vlan_id"]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_any_json_gives_problems_never_an_exception(document):
    problems = validate(document)
    assert problems and all(isinstance(p, str) and isinstance(m, str) for p, m in problems)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["networks", "qos", "profiles", "vms"]), st.integers(0, 1),
       st.sampled_from(["key", "name", "id", "network", "profile", "nics", "mtu"]), JSON)
def test_any_edited_field_gives_problems_or_none_never_an_exception(section, index, field,
                                                                    value):
    plan = json.loads(json.dumps(PLAN))
    if index < len(plan[section]):
        plan[section][index][field] = value
    for path, message in validate(plan):
        assert isinstance(path, str) and isinstance(message, str)
