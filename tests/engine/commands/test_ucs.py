"""`vmfex-engine ucs profiles`: the real ucsmsdk against the UCS Manager stand-in."""
import json
import os

from tests.engine.ucsm_helpers import assert_logged_out, assert_one_line_error, run_engine


def test_table_with_engine_nic_counts(sim, conn, ucsm_sim, ucsm_conn):
    sim.add_vm("app01", custom_properties={"vmfex": "{'00:1a:4a:16:05:01': 'Profile1'}"},
               nics=[("nic1", "00:1a:4a:16:05:01")])
    code, out, err = run_engine(["ucs", "profiles"] + ucsm_conn + conn)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "MAX", "PORTS", "NICS", "VLANS"]
    assert lines[1].split() == ["Profile1", "1", "1", "vlan100(100,", "native)",
                                "vlan200(200)"]
    assert lines[2].split() == ["Profile2", "64", "0", "vlan300(300)"]
    assert lines[3].split() == ["db-net", "8", "0", "-"]
    assert lines[4] == "3 port profile(s)"
    assert sim.stats()["update"] == 0
    assert_logged_out(ucsm_sim)


def test_table_without_engine_has_no_counts(ucsm_sim, ucsm_conn):
    code, out, err = run_engine(["ucs", "profiles"] + ucsm_conn)
    assert code == 0, err
    assert out.splitlines()[0].split() == ["NAME", "MAX", "PORTS", "VLANS"]


def test_json_from_config_section(ucsm_sim, tmp_path):
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / ".config" / "ovirt.conf").write_text(
        "[lab]\nucsm = %s\nucsm_username = admin\nucsm_password = secret\n"
        "ucsm_ca_file = %s\nucsm_timeout = 5\n" % (ucsm_sim.address, ucsm_sim.ca_file))
    env = dict(os.environ, HOME=str(home))
    code, out, err = run_engine(["ucs", "profiles", "--json", "--config", "lab"], env=env)
    assert code == 0, err
    data = json.loads(out)
    assert data[0] == {"name": "Profile1", "max_ports": 1, "clients": ["All"], "nics": None,
                       "vlans": [{"name": "vlan100", "id": 100, "native": True},
                                 {"name": "vlan200", "id": 200, "native": False}]}
    assert [p["name"] for p in data] == ["Profile1", "Profile2", "db-net"]


def test_without_ucsm_is_a_usage_error():
    code, out, err = run_engine(["ucs", "profiles"])
    assert_one_line_error(code, err, "no UCS Manager", exit_code=2)


def test_without_subcommand_is_a_usage_error():
    code, out, err = run_engine(["ucs"])
    assert code == 2 and "required" in err
