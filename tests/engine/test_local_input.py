"""vmfex-engine on bad local input (issue 10): one line, no traceback, no secret echoed."""
import json
import os

from engine_tools.model.csv_rows import parse_rows
from tests.engine.helpers import MAC_A, MAC_B, MAC_C, MAPS
from tests.engine.tool import vmfex_engine

FAKES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fakes")


def one_line(err):
    return err.count("\n") == 1 and "Traceback" not in err


def test_csv_field_over_the_csv_module_limit(sim, conn, csv_file, tmp_path):
    text = "vm,mac,profile\nweb01,%s,P1\nweb02,%s,%s\n" % (MAC_A, MAC_C, "x" * (129 * 1024))
    code, _, err = vmfex_engine(["assign", csv_file(text)] + conn, tmp_path)
    assert code == 1 and "Traceback" not in err
    assert "maps.csv:3: not a CSV line: field larger than field limit" in err
    assert sim.stats()["update"] == 0


def test_password_file_not_utf8(sim, conn, csv_file, tmp_path):
    (tmp_path / "password").write_bytes(b"s\xe9cret\n")
    code, _, err = vmfex_engine(["assign", csv_file(MAPS)] + conn, tmp_path)
    assert code == 1 and one_line(err), err
    assert "password file %s is not UTF-8" % (tmp_path / "password") in err
    assert "s\xe9cret" not in err and "cret" not in err


def test_ovirt_conf_not_utf8_and_broken_lines_never_echo_the_password(sim, tmp_path):
    (tmp_path / ".config").mkdir()
    conf = tmp_path / ".config" / "ovirt.conf"
    conf.write_bytes(b"[lab]\nengine_url = https://e\nusername = u\npassword = p\xe4ss\n")
    code, _, err = vmfex_engine(["check", "--config", "lab"], tmp_path)
    assert code == 1 and one_line(err) and "ovirt.conf is not UTF-8 text (byte 55)" in err, err
    for text in ("password = hunter2\n[lab]\n",            # no section header
                 "[lab]\npassword = a\npassword = hunter2\n",  # duplicate key
                 "[lab]\nhunter2\n"):                    # not key = value
        conf.write_text(text)
        code, _, err = vmfex_engine(["check", "--config", "lab"], tmp_path)
        assert code == 1 and one_line(err) and "ovirt.conf line" in err, err
        assert "hunter2" not in err


def test_missing_ca_file(sim, conn, tmp_path):
    code, _, err = vmfex_engine(["check"] + conn[:-1] + [str(tmp_path / "nope.pem")],
                                tmp_path)
    assert code == 1 and one_line(err)
    assert "cannot read CA file %s: No such file or directory" % (tmp_path / "nope.pem") in err


def test_engine_urls_that_are_no_urls(sim, conn, tmp_path):
    for url, expected in (("https://[::1", "Invalid IPv6 URL"),
                          ("https://e.example.com:https", "Port could not be cast"),
                          ("ftp://e.example.com", "expected e.g. https://"),
                          ("https://e.example.com/\u00e9", "non-ASCII")):
        code, _, err = vmfex_engine(["check"] + conn[2:] + ["--engine-url", url], tmp_path)
        assert code == 1 and one_line(err), (url, err)
        assert "invalid engine URL %r" % url in err and expected in err, err


def test_engine_config_printing_latin1(tmp_path, capsys):
    state = tmp_path / "engine-config.json"
    state.write_text(json.dumps({"values": {"UserDefinedVMProperties": {
        "4.7": "caf\u00e9=^[0-9]+$"}}}))
    code, out, err = vmfex_engine(
        ["register", "--engine-config", os.path.join(FAKES, "engine-config")], tmp_path,
        env={"ENGINE_CONFIG_STATE": str(state), "ENGINE_CONFIG_ENCODING": "latin-1"})
    assert code == 1 and one_line(err), err
    assert "printed text that is not UTF-8" in err
    # nothing was written back
    assert not [c for c in json.loads(state.read_text())["calls"] if c[0] == "-s"]


def test_only_cr_lf_and_crlf_end_a_row():
    breakers = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    text = ("vm,mac,profile\r\n"
            "web01,%s,P%s1\r"
            "web01,%s,P2\n"
            "web0%s2,%s,P3\n") % (MAC_A, breakers, MAC_B, breakers[0], MAC_C)
    rows, problems = parse_rows(text)
    # line 2: the profile holds the break characters; line 4: so does the name
    assert [p.line for p in problems] == [2, 4]
    assert [(r.line, r.vm) for r in rows] == [(3, "web01")]


def test_password_given_on_the_command_line_is_refused_unechoed(sim, conn, csv_file,
                                                               tmp_path):
    for secret_args in (["--password", "Hunter2Secret"], ["--password=Hunter2Secret"],
                        ["--passw", "Hunter2Secret"], ["--pass=Hunter2Secret", "x"]):
        code, out, err = vmfex_engine(["assign", csv_file(MAPS)] + conn + secret_args,
                                      tmp_path)
        assert code == 2, err
        assert "Hunter2Secret" not in out + err and "Traceback" not in err
        assert "unrecognized arguments: " + secret_args[0].split("=")[0] in err
    assert sim.stats()["update"] == 0


def test_password_file_that_does_not_exist_is_not_named(sim, conn, csv_file, tmp_path):
    args = conn[:conn.index("--password-file")] + ["--password-file", "Hunter2Secret"]
    code, _, err = vmfex_engine(["check"] + args, tmp_path)
    assert code == 1 and one_line(err) and "Hunter2Secret" not in err
    assert "--password-file" in err
