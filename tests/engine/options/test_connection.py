"""Connecting to the engine: credentials, TLS and ovirt.conf sections, end to end."""
import io
import sys

from tests.engine.helpers import MAPS, run


def test_wrong_password_is_one_line(sim, conn, tmp_path, capsys, csv_file):
    (tmp_path / "password").write_text("wrong\n")
    code, _, err = run(capsys, ["assign", csv_file(MAPS)] + conn)
    assert code == 1
    assert err.count("\n") == 1 and "authentication failed for admin@internal" in err


def test_tls_is_verified_by_default(sim, conn, csv_file, capsys):
    without_ca = conn[:-2]
    code, _, err = run(capsys, ["check"] + without_ca)
    assert code == 1 and "cannot connect" in err and err.count("\n") == 1
    code, _, err = run(capsys, ["check", "--insecure"] + without_ca)
    assert code == 0 and "WARNING: TLS verification is OFF" in err


def test_config_section(sim, tmp_path, monkeypatch, capsys):
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "ovirt.conf").write_text(
        "[lab]\nengine_url = %s\nusername = admin@internal\npassword = secret\n"
        "cafile = %s\n" % (sim.url.replace("/ovirt-engine/api", ""), sim.ca_file))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert run(capsys, ["check", "--config", "lab"])[0] == 0
    code, _, err = run(capsys, ["check", "--config", "prod"])
    assert code == 1 and "no section [prod]" in err


def test_no_password_without_a_terminal(sim, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _, err = run(capsys, ["check", "--engine-url", sim.url, "--username", "u"])
    assert code == 1 and "--password-file" in err
