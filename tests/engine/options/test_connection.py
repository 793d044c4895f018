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


def _conf(tmp_path, sim, monkeypatch):
    (tmp_path / ".config").mkdir(exist_ok=True)
    (tmp_path / ".config" / "ovirt.conf").write_text(
        "[production]\nengine_url = %s\nusername = admin@internal\npassword = secret\n"
        "cafile = %s\n[lab]\nengine_url = https://127.0.0.1:1\nusername = nobody\n"
        "password = x\n" % (sim.url, sim.ca_file))
    monkeypatch.setenv("HOME", str(tmp_path))


def test_c_production_selects_the_section(sim, tmp_path, monkeypatch, capsys):
    _conf(tmp_path, sim, monkeypatch)
    code, out, err = run(capsys, ["check", "-c", "production"])
    assert code == 0, err
    assert out.startswith("0 problem(s)") and sim.stats()["sso"] >= 1
    code, _, err = run(capsys, ["check", "-c", "lab", "--timeout", "2"])
    assert code == 1 and "127.0.0.1:1" in err


def test_old_ca_file_spelling_works_and_warns_once(sim, conn, capsys):
    old = conn[:-2] + ["--ca-file", conn[-1]]
    code, _, err = run(capsys, ["check"] + old)
    assert code == 0, err
    assert err == "vmfex-engine: warning: --ca-file is deprecated, use --cafile\n"


def test_old_c_with_a_ca_file_says_what_changed(sim, conn, tmp_path, monkeypatch, capsys):
    _conf(tmp_path, sim, monkeypatch)
    old = conn[:-2] + ["-c", sim.ca_file]
    code, _, err = run(capsys, ["check"] + old)
    assert code == 1 and err.count("\n") == 1
    assert "-c now means --config SECTION: give the CA file as --cafile" in err


def test_config_secure_false_means_insecure_and_the_command_line_wins(tmp_path, monkeypatch):
    from engine_tools.engine.client import Options
    from engine_tools.options.connection import engine_options
    from tests.engine.options.test_table import parser

    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "ovirt.conf").write_text(
        "[lab]\nengine_url = https://e.example.com\nusername = u@internal\n"
        "password = p%w\nsecure = false\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    options = engine_options(parser().parse_args(["-c", "lab"]))
    assert options == Options("https://e.example.com/ovirt-engine/api", "u@internal", "p%w",
                              None, True, 60)
    ca = tmp_path / "ca.pem"
    ca.write_text("")
    options = engine_options(parser().parse_args(["--config", "lab", "--username",
                                                  "other@internal", "--cafile", str(ca)]))
    assert options.username == "other@internal" and options.ca_file == str(ca)


def test_password_file_first_line_only(tmp_path):
    from engine_tools.options.connection import engine_options
    from tests.engine.options.test_table import parser

    path = tmp_path / "pw"
    path.write_text("s3cret\nignored\n")
    options = engine_options(parser().parse_args(["--engine-url", "https://e", "--username",
                                                  "u", "--password-file", str(path)]))
    assert options.password == "s3cret"
