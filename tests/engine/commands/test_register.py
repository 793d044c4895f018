"""`vmfex-engine register` against the stand-in engine-config (tests/engine/fakes)."""
import json
import os
import subprocess

import pytest

from engine_tools.cli import main
from engine_tools.model.regex import VMFEX_DEVICE_REGEX, VMFEX_REGEX

FAKES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fakes")
ENGINE_CONFIG = os.path.join(FAKES, "engine-config")
KEY = "UserDefinedVMProperties"
OURS = "vmfex=" + VMFEX_REGEX
SNDBUF = "sndbuf=^[0-9]+$"
VHOST = "vhost=^(([a-zA-Z0-9_]*):(true|false))(,(([a-zA-Z0-9_]*):(true|false)))*$"


@pytest.fixture
def state(tmp_path, monkeypatch):
    """Write the stand-in's state; returns a reader of the state afterwards."""
    path = tmp_path / "engine-config.json"

    def write(values):
        path.write_text(json.dumps({"values": {KEY: values, "OtherKey": {"general": "1"}}}))

    def read():
        return json.loads(path.read_text())

    monkeypatch.setenv("ENGINE_CONFIG_STATE", str(path))
    read.write = write
    return read


def run(capsys, *args):
    code = main(["register", "--engine-config", ENGINE_CONFIG] + list(args))
    out, err = capsys.readouterr()
    return code, out, err


def set_calls(state):
    return [call for call in state()["calls"] if call[0] == "-s"]


def test_stand_in_behaves_like_engine_config(state):
    state.write({"4.6": SNDBUF, "4.7": ""})
    env = dict(os.environ)
    listing = subprocess.run([ENGINE_CONFIG, "-g", KEY], stdout=subprocess.PIPE,
                             universal_newlines=True, env=env, check=True).stdout
    assert listing.splitlines() == ["%s: %s version: 4.6" % (KEY, SNDBUF),
                                    "%s:  version: 4.7" % KEY]
    one = subprocess.run([ENGINE_CONFIG, "-g", KEY, "--cver=4.6"], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    assert one == SNDBUF + "\n"
    # -s without --cver asks which version on stdin
    asked = subprocess.run([ENGINE_CONFIG, "-s", KEY + "=a=b"], input="2\n",
                           stdout=subprocess.PIPE, universal_newlines=True, check=True)
    assert "version" in asked.stdout
    assert state()["values"][KEY] == {"4.6": SNDBUF, "4.7": "a=b"}
    unknown = subprocess.run([ENGINE_CONFIG, "-g", "NoSuchKey"], stderr=subprocess.PIPE,
                             universal_newlines=True)
    assert unknown.returncode != 0 and "NoSuchKey" in unknown.stderr


def test_registers_every_version_keeping_other_properties(state, capsys):
    state.write({"4.6": SNDBUF + ";" + VHOST, "4.7": "", "4.8": SNDBUF})
    code, out, _ = run(capsys)
    assert code == 0
    values = state()["values"][KEY]
    assert values == {"4.6": SNDBUF + ";" + VHOST + ";" + OURS, "4.7": OURS,
                      "4.8": SNDBUF + ";" + OURS}
    assert "systemctl restart ovirt-engine" in out
    assert all("--cver=" in " ".join(call) for call in set_calls(state))


def test_replaces_an_old_vmfex_entry_in_place(state, capsys):
    state.write({"4.7": SNDBUF + ";vmfex=^.*$;" + VHOST})
    assert run(capsys)[0] == 0
    assert state()["values"][KEY]["4.7"] == SNDBUF + ";" + OURS + ";" + VHOST


def test_rerun_is_a_noop_that_says_so(state, capsys):
    state.write({"4.6": SNDBUF, "4.7": ""})
    run(capsys)
    writes = len(set_calls(state))
    code, out, _ = run(capsys)
    assert code == 0
    assert len(set_calls(state)) == writes == 2
    assert out.count("already registered, nothing to do") == 2
    assert "nothing changed" in out


def test_only_the_versions_given(state, capsys):
    state.write({"4.6": SNDBUF, "4.7": SNDBUF})
    assert run(capsys, "--cver", "4.7")[0] == 0
    assert state()["values"][KEY] == {"4.6": SNDBUF, "4.7": SNDBUF + ";" + OURS}


def test_dry_run_shows_old_and_new_and_writes_nothing(state, capsys):
    state.write({"4.6": SNDBUF})
    code, out, _ = run(capsys, "--dry-run")
    assert code == 0
    assert "old: " + SNDBUF in out and "new: " + SNDBUF + ";" + OURS in out
    assert set_calls(state) == []
    assert state()["values"][KEY]["4.6"] == SNDBUF


def test_restart_runs_systemctl(state, capsys, tmp_path, monkeypatch):
    log = tmp_path / "systemctl.log"
    monkeypatch.setenv("PATH", FAKES + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("FAKE_SYSTEMCTL_LOG", str(log))
    state.write({"4.7": ""})
    assert run(capsys, "--restart")[0] == 0
    assert log.read_text() == "restart ovirt-engine\n"
    monkeypatch.setenv("FAKE_SYSTEMCTL_EXIT", "1")
    code, _, err = run(capsys, "--restart")
    assert code == 1 and "systemctl restart ovirt-engine" in err


def test_missing_engine_config_is_named(state, capsys, tmp_path):
    code, _, err = run(capsys, "--engine-config", str(tmp_path / "nope"))
    assert code == 1
    assert "nope" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_failing_engine_config_shows_command_and_output(state, capsys, monkeypatch):
    state.write({"4.7": ""})
    monkeypatch.setenv("ENGINE_CONFIG_FAIL", "Error: cannot connect to the database")
    code, _, err = run(capsys)
    assert code == 1
    assert "engine-config -g UserDefinedVMProperties" in err
    assert "cannot connect to the database" in err


def test_warnings_on_stderr_do_not_end_up_in_the_value(state, capsys, monkeypatch):
    state.write({"4.7": SNDBUF})
    monkeypatch.setenv("ENGINE_CONFIG_WARN", "Picked up _JAVA_OPTIONS: -Xmx1g")
    assert run(capsys)[0] == 0
    assert state()["values"][KEY]["4.7"] == SNDBUF + ";" + OURS


def test_unknown_version_fails_cleanly(state, capsys):
    state.write({"4.7": ""})
    code, _, err = run(capsys, "--cver", "9.9")
    assert code == 1 and "9.9" in err
    assert set_calls(state) == []


# --- register --device: CustomDeviceProperties (the vNIC profile model) ------

DEVICE_KEY = "CustomDeviceProperties"
DEVICE_OURS = "vmfex=" + VMFEX_DEVICE_REGEX
SECURITY_GROUPS = (
    "SecurityGroups=^(?:(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}, *)*"
    "[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|)$")


def test_stand_in_has_the_engine_default_and_refuses_merge(state):
    state.write({"4.6": "", "4.7": ""})
    value = subprocess.run([ENGINE_CONFIG, "-g", DEVICE_KEY, "--cver=4.7"],
                           stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    assert value == "{type=interface;prop={%s}}\n" % SECURITY_GROUPS
    merge = subprocess.run([ENGINE_CONFIG, "-m", DEVICE_KEY + "={type=interface;prop={a=b}}",
                            "--cver=4.7"], stderr=subprocess.PIPE, universal_newlines=True)
    assert merge.returncode == 1 and "merge" in merge.stderr
    assert state()["values"][DEVICE_KEY]["4.7"] == "{type=interface;prop={%s}}" % SECURITY_GROUPS


def test_device_registers_next_to_security_groups_in_every_version(state, capsys):
    state.write({"4.6": SNDBUF, "4.7": ""})
    code, out, _ = run(capsys, "--device")
    assert code == 0
    values = state()["values"]
    expected = "{type=interface;prop={%s;%s}}" % (SECURITY_GROUPS, DEVICE_OURS)
    assert values[DEVICE_KEY] == {"4.6": expected, "4.7": expected}
    assert values[KEY] == {"4.6": SNDBUF, "4.7": ""}          # the VM property untouched
    assert "other interface properties kept: SecurityGroups" in out
    assert all(call[1].startswith(DEVICE_KEY) for call in set_calls(state))
    # re-run: nothing written
    writes = len(set_calls(state))
    code, out, _ = run(capsys, "--device")
    assert code == 0 and len(set_calls(state)) == writes
    assert out.count("already registered") == 2


def test_device_keeps_other_device_types(state, capsys, tmp_path):
    path = tmp_path / "engine-config.json"
    other = "{type=disk;prop={d=^x$}};{type=video;prop={v=^[0-9]{2}$}}"
    path.write_text(json.dumps({"values": {KEY: {"4.7": ""}, DEVICE_KEY: {"4.7": other}}}))
    assert run(capsys, "--device")[0] == 0
    assert state()["values"][DEVICE_KEY]["4.7"] == (
        "{type=disk;prop={d=^x$}};{type=interface;prop={%s}};{type=video;prop={v=^[0-9]{2}$}}"
        % DEVICE_OURS)


def test_device_dry_run_and_unreadable_value_write_nothing(state, capsys, tmp_path):
    path = tmp_path / "engine-config.json"
    path.write_text(json.dumps({"values": {KEY: {"4.6": "", "4.7": ""},
                                           DEVICE_KEY: {"4.6": "", "4.7": "{type=x"}}}))
    code, out, err = run(capsys, "--device")
    assert code == 1 and set_calls(state) == []
    assert "version 4.7" in err and "{type=x" in err and "nothing written" in err
    assert len(err.splitlines()) == 1
    code, out, _ = run(capsys, "--device", "--cver", "4.6", "--dry-run")
    assert code == 0 and set_calls(state) == []
    assert "would change CustomDeviceProperties" in out and "new: {type=interface" in out


def test_json_per_version(state, capsys):
    state.write({"4.6": SNDBUF, "4.7": OURS})
    code, out, err = run(capsys, "--json", "--dry-run")
    data = json.loads(out)
    assert code == 0 and data["dry_run"] is True and set_calls(state) == []
    code, out, err = run(capsys, "--json")
    data = json.loads(out)
    assert code == 0, err
    assert sorted(data) == ["command", "dry_run", "items", "problems", "readback_error",
                            "restarted", "stopped", "summary"]
    assert data["command"] == "register" and data["restarted"] is False
    assert [(e["version"], e["outcome"]) for e in data["items"]] == [
        ("4.6", "changed"), ("4.7", "unchanged")]
    assert data["items"][0]["key"] == KEY and data["items"][0]["old"] == SNDBUF
    assert data["summary"]["changed"] == 1 and data["summary"]["unchanged"] == 1


def test_json_restart_keeps_systemctl_output_off_stdout(state, capfd, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", FAKES + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("FAKE_SYSTEMCTL_LOG", str(tmp_path / "systemctl.log"))
    monkeypatch.setenv("FAKE_SYSTEMCTL_SAY", "systemctl chatter\n")
    state.write({"4.7": ""})
    code = main(["register", "--engine-config", ENGINE_CONFIG, "--restart", "--json"])
    out, err = capfd.readouterr()
    assert code == 0 and "systemctl chatter" in err
    assert json.loads(out)["restarted"] is True
