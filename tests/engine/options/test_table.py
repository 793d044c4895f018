"""The option table without an engine: argparse, ovirt.conf sections, precedence."""
import argparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine_tools.options import table
from engine_tools.options.connection import add_connection_arguments
from vdsm_hook_vmfex.common.cli import UsageError


def parser():
    found = argparse.ArgumentParser(prog="vmfex-engine check", allow_abbrev=False)
    add_connection_arguments(found, ucsm=True)
    return found


def test_every_option_once_in_help_and_old_spellings_hidden():
    text = parser().format_help()
    for entry in table.ENGINE + table.UCSM:
        for flag in entry.flags:
            assert text.count(flag + " ") >= 1, flag
    assert "-c SECTION, --config SECTION" in text
    assert "--ca-file" not in text.replace("--ucsm-ca-file", "")


def test_c_is_config_and_ca_file_is_a_warned_alias(capsys):
    args = parser().parse_args(["-c", "production", "--ca-file", "ca.pem"])
    assert args.config == "production" and args.ca_file == "ca.pem"
    assert capsys.readouterr().err == ("vmfex-engine: warning: --ca-file is deprecated, "
                                       "use --cafile\n")
    args = parser().parse_args(["--cafile", "ca.pem"])
    assert args.ca_file == "ca.pem" and capsys.readouterr().err == ""


def test_command_line_wins_over_the_section_and_the_section_over_defaults():
    args = parser().parse_args(["--username", "cli@internal", "--timeout", "5"])
    values = table.resolve(table.ENGINE, args, {"username": "conf", "timeout": "7",
                                                "cafile": "/ca.pem", "secure": "no"})
    assert values["username"] == "cli@internal" and values["timeout"] == 5
    assert values["ca_file"] == "/ca.pem" and values["insecure"] is True
    values = table.resolve(table.ENGINE, parser().parse_args([]), {})
    assert values["timeout"] == 60 and values["insecure"] is False
    assert table.resolve(table.UCSM, parser().parse_args([]), {})["ucsm_timeout"] == 30.0


@pytest.mark.parametrize("argv, words", [
    (["--timeout", "0"], ["invalid --timeout '0'", "whole seconds from 1 to 86400"]),
    (["--ucsm-timeout", "x"], ["invalid --ucsm-timeout 'x'", "at most 3600"]),
])
def test_a_bad_command_line_value_is_a_usage_error(argv, words):
    with pytest.raises(UsageError) as error:
        table.resolve(table.ENGINE + table.UCSM, parser().parse_args(argv), {})
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize("config, words", [
    ({"timeout": "soon"}, ["timeout = 'soon'", "whole seconds"]),
    ({"secure": "maybe"}, ["secure = 'maybe'", "true or false"]),
    ({"ucsm_insecure": "perhaps"}, ["ucsm_insecure = 'perhaps'"]),
])
def test_a_bad_config_value_names_the_key(config, words):
    with pytest.raises(table.OptionError) as error:
        table.resolve(table.ENGINE + table.UCSM, parser().parse_args([]), config)
    for word in words:
        assert word in str(error.value)


def test_a_secret_value_is_never_shown():
    secret = table.option("pw", ("--pw",), "a secret", key="pw", parse=table.engine_seconds,
                          secret=True)
    with pytest.raises(table.OptionError) as error:
        table.resolve([secret], argparse.Namespace(pw=None), {"pw": "Hunter2"})
    assert "Hunter2" not in str(error.value) and "(not shown)" in str(error.value)


def test_the_config_reader_hints_at_the_old_meaning_of_c(tmp_path):
    path = tmp_path / "ovirt.conf"
    path.write_text("[lab]\nengine_url = https://e\n")
    assert table.read_config("lab", str(path)) == {"engine_url": "https://e"}
    with pytest.raises(table.OptionError) as error:
        table.read_config("/etc/pki/ovirt-engine/ca.pem", str(path))
    assert "no section [/etc/pki/ovirt-engine/ca.pem]" in str(error.value)
    assert "-c now means --config SECTION" in str(error.value)


SECRET = "Hunter2Secret"


@settings(max_examples=200, deadline=None)
@given(config=st.dictionaries(
    st.sampled_from(table.config_keys(table.ENGINE + table.UCSM) + ["other"]),
    st.one_of(st.text(max_size=20), st.sampled_from(["0", "1", "no", "true", " ", "nan",
                                                      "1e9", "-5", SECRET]))),
       argv=st.lists(st.sampled_from(["--timeout", "--ucsm-timeout", "--insecure",
                                      "--ucsm-insecure", "--ca-file", "--cafile", "5", "0",
                                      "x", "inf"]), max_size=4))
def test_any_section_and_values_resolve_or_fail_in_one_line(config, argv):
    try:
        args, _ = parser().parse_known_args(argv)
    except SystemExit:
        return
    try:
        values = table.resolve(table.ENGINE + table.UCSM, args, config)
    except (UsageError, table.OptionError) as error:
        assert "\n" not in str(error)
        # a secret key's value never shows (other keys' values may, named)
        shown = {v for k, v in config.items() if k not in ("password", "ucsm_password")}
        if SECRET not in shown:
            assert SECRET not in str(error)
        return
    assert 1 <= values["timeout"] <= table.MAX_ENGINE_SECONDS
    assert 0 < values["ucsm_timeout"] <= table.MAX_UCSM_SECONDS
    assert isinstance(values["insecure"], bool) and isinstance(values["ucsm_insecure"], bool)


def test_the_hint_also_comes_without_any_config_file(tmp_path):
    with pytest.raises(table.OptionError) as error:
        table.read_config("ca.pem", str(tmp_path / "missing.conf"))
    assert "cannot read config file" in str(error.value)
    assert "give the CA file as --cafile" in str(error.value)
