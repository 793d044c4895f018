"""engine_tools.ucsm.client: the real ucsmsdk over HTTPS to the UCS Manager stand-in
(certificates, credentials, timeouts, logout, arbitrary answers) and the
pure name checks."""
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_tools.cli import main
from engine_tools.ucsm.client import (
    PortProfile,
    Vlan,
    check_profile_names,
    closest_names,
    overused_profiles,
    parse_address,
    profiles_from_answer,
)
from tests.engine.ucsm_helpers import (
    UCSM_PROFILES,
    WITHOUT_UCSMSDK,
    assert_logged_out,
    assert_one_line_error,
    error_lines,
    run_engine,
    ucsm_args,
)
from tests.engine.ucsmsim import UcsmSimulator
from vdsm_hook_vmfex.common.errors import VmfexError

PROFILES = ["ucs", "profiles"]


# -- certificates: refused before any credential is sent --------------------

def test_certificate_of_another_ca_refused_before_login(tmp_path):
    with UcsmSimulator(profiles=UCSM_PROFILES) as real, UcsmSimulator() as other:
        code, out, err = run_engine(PROFILES + ucsm_args(real, tmp_path,
                                                         ca_file=other.ca_file))
        assert_one_line_error(code, err, "certificate not trusted", real.address,
                              "nothing was sent")
        assert not real.login_seen and real.methods == []


def test_certificate_for_another_name_refused_before_login(tmp_path):
    # The stand-in's certificate names 127.0.0.1 and localhost only.
    with UcsmSimulator(profiles=UCSM_PROFILES, host="127.0.0.2") as sim:
        code, out, err = run_engine(PROFILES + ucsm_args(sim, tmp_path))
        assert_one_line_error(code, err, "certificate not trusted", "127.0.0.2")
        assert not sim.login_seen and sim.methods == []


def test_system_cas_do_not_trust_the_test_ca(ucsm_sim, ucsm_conn):
    without_ca = ucsm_conn[:6] + ucsm_conn[8:]
    code, out, err = run_engine(PROFILES + without_ca)
    assert_one_line_error(code, err, "certificate not trusted", "--ucsm-ca-file")
    assert not ucsm_sim.login_seen


def test_insecure_is_an_explicit_warned_opt_in(ucsm_sim, ucsm_conn):
    without_ca = ucsm_conn[:6] + ucsm_conn[8:]
    code, out, err = run_engine(PROFILES + without_ca + ["--ucsm-insecure"])
    assert code == 0, err
    assert err.startswith("WARNING: UCS Manager TLS verification is OFF (--ucsm-insecure)")
    assert "Profile1" in out
    assert_logged_out(ucsm_sim)


# -- credentials, reachability, timeouts ------------------------------------

def test_bad_credentials_one_line_without_the_password(ucsm_sim, tmp_path):
    code, out, err = run_engine(PROFILES + ucsm_args(ucsm_sim, tmp_path, password="nope"))
    assert_one_line_error(code, err, "refused the login of 'admin'", "Authentication failed")
    assert "nope" not in err
    assert ucsm_sim.sessions == set()


def test_unreachable_one_line(ucsm_sim, tmp_path):
    with UcsmSimulator() as gone:
        address = gone.address  # nothing listens there once it stopped
    args = ucsm_args(ucsm_sim, tmp_path)
    args[1] = address
    code, out, err = run_engine(PROFILES + args)
    assert_one_line_error(code, err, "connection to UCS Manager %s failed" % address)


def test_login_never_answered_is_bounded(ucsm_sim, ucsm_conn):
    ucsm_sim.hang = True
    code, out, err = run_engine(PROFILES + ucsm_conn[:-1] + ["1"])
    assert_one_line_error(code, err, "did not answer within 1 s")
    assert ucsm_sim.methods == ["aaaLogin"]


def test_query_never_answered_is_bounded_and_logout_tried_once(ucsm_sim, ucsm_conn):
    ucsm_sim.hang = {"configResolveClass"}
    code, out, err = run_engine(PROFILES + ucsm_conn[:-1] + ["1"])
    assert_one_line_error(code, err, "did not answer within 1 s")
    # the SDK's login checks networkElement: it hangs; one logout, no more
    assert ucsm_sim.methods == ["aaaLogin", "configResolveClass", "aaaLogout"]


def test_an_answer_trickled_one_byte_at_a_time_is_bounded_as_a_whole(ucsm_sim, ucsm_conn):
    # every byte comes well within the 1 s socket timeout; the login answer
    # (about 300 bytes) alone would take 15 s, and then it would succeed
    ucsm_sim.trickle = 0.05
    started = time.monotonic()
    code, out, err = run_engine(PROFILES + ucsm_conn[:-1] + ["1"])
    assert_one_line_error(code, err, "did not answer within 1 s")
    assert ucsm_sim.methods[0] == "aaaLogin"
    # The bound, not a speed: the login plus one logout are two timeouts;
    # reading the trickled answer to its end would take 15 s.
    assert time.monotonic() - started < 8


def test_login_answer_without_version_reads_the_firmware(tmp_path):
    with UcsmSimulator(profiles=UCSM_PROFILES, version_in_login=False) as sim:
        code, out, err = run_engine(PROFILES + ucsm_args(sim, tmp_path))
        assert code == 0, err
        assert sim.methods.count("configResolveDn") == 2
        assert_logged_out(sim)


# -- logout on error paths -------------------------------------------------

def _on_profile_query(answer):
    def responder(method, body):
        if method == "configResolveClass" and b'classId="vnicProfile"' in body:
            return answer
        return None
    return responder


def test_query_fault_logs_out(ucsm_sim, ucsm_conn):
    ucsm_sim.responder = _on_profile_query((200, (
        b'<configResolveClass cookie="" response="yes" errorCode="552" '
        b'invocationResult="unidentified-fail" errorDescr="Authorization required"/>')))
    code, out, err = run_engine(PROFILES + ucsm_conn)
    assert_one_line_error(code, err, "error 552: Authorization required")
    assert ucsm_sim.logouts == 1
    assert_logged_out(ucsm_sim)


def test_query_garbage_logs_out(ucsm_sim, ucsm_conn):
    ucsm_sim.responder = _on_profile_query((200, b"<html>busy</html"))
    code, out, err = run_engine(PROFILES + ucsm_conn)
    assert_one_line_error(code, err, "unexpected answer")
    assert_logged_out(ucsm_sim)


def test_query_http_error_logs_out(ucsm_sim, ucsm_conn):
    ucsm_sim.responder = _on_profile_query((503, b"busy"))
    code, out, err = run_engine(PROFILES + ucsm_conn)
    assert_one_line_error(code, err, "answered HTTP 503")
    assert_logged_out(ucsm_sim)


def test_missing_ucsmsdk_one_line(ucsm_sim, ucsm_conn):
    code, out, err = run_engine(PROFILES + ucsm_conn, prelude=WITHOUT_UCSMSDK)
    assert_one_line_error(code, err, "need the Python module ucsmsdk", "pip3 install ucsmsdk")
    assert not ucsm_sim.login_seen


# -- options ---------------------------------------------------------------

@pytest.mark.parametrize("argv, words, exit_code", [
    (["--ucsm", "host:99999"], ["port 99999"], 2),
    (["--ucsm", "a/b"], ["invalid --ucsm 'a/b'"], 2),
    (["--ucsm", "h", "--ucsm-username", "u", "--ucsm-timeout", "0"], ["--ucsm-timeout"], 2),
    (["--ucsm-username", "u"], ["--ucsm-username needs --ucsm HOST"], 2),
    (["--ucsm", "h"], ["no UCS Manager user"], 1),
    (["--ucsm", "h", "--ucsm-username", "u", "--ucsm-password-file", "/nonexistent"],
     ["cannot read UCS Manager password file"], 1),
    (["--ucsm", "h", "--ucsm-username", "u"], ["no UCS Manager password"], 1),
])
def test_bad_options_one_line(argv, words, exit_code):
    code, out, err = run_engine(PROFILES + argv)
    assert_one_line_error(code, err, *words, exit_code=exit_code)


# -- arbitrary answers: never a traceback ----------------------------------

ANSWERS = st.one_of(
    st.tuples(st.sampled_from([200, 400, 401, 403, 404, 500, 502, 503]),
              st.binary(max_size=200)),
    st.tuples(st.just(200), st.text(max_size=200).map(lambda t: t.encode("utf-8"))),
    st.tuples(st.just(200), st.sampled_from([
        b'<aaaLogin response="yes" outCookie="c" outRefreshPeriod="x"/>',
        b'<aaaLogin response="yes" errorCode="1" errorDescr="&#0;"/>',
        b'<configResolveClass response="yes"><outConfigs><vnicProfile/></outConfigs>'
        b'</configResolveClass>',
        b'<configResolveClass response="yes"><outConfigs><vnicProfile dn="x" '
        b'maxPorts="lots"/><vnicEtherIf dn="x/if-a" vnet="?"/></outConfigs>'
        b'</configResolveClass>',
        b'<error errorCode="ERR" errorDescr="no"/>', b"<", b""])),
    st.just("drop"),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["aaaLogin", "configResolveClass", "configResolveDn",
                               "aaaLogout"]), answer=ANSWERS)
def test_arbitrary_answers_give_one_line_never_a_traceback(ucsm_sim, ucsm_conn, capsys,
                                                           method, answer):
    ucsm_sim.responder = lambda tag, body: answer if tag == method else None
    code = main(PROFILES + ucsm_conn[:-1] + ["2"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code == 0:  # e.g. a broken logout answer: the profiles were read
        assert out.endswith(" port profile(s)\n")
    else:
        assert code == 1
        assert len(error_lines(err)) == 1 and len(err.splitlines()) == 1, err


# -- pure checks -----------------------------------------------------------

NAMES = st.text(alphabet="abcPQ1_-.:", min_size=1, max_size=12)


def test_unknown_names_listed_per_use_with_suggestions():
    wanted = {"Profle1": [3, 7], "Profile2": [4], "web": ["VM 'a' MAC m"]}
    problems = check_profile_names(wanted, ["Profile1", "Profile2", "Web"])
    typo = ("port profile 'Profle1' is not defined on UCS Manager (closest: 'Profile1', "
            "'Profile2')")
    assert problems == [
        (3, typo), (7, typo),
        ("VM 'a' MAC m", "port profile 'web' is not defined on UCS Manager (closest: 'Web')"),
    ]


def test_no_similar_name():
    assert check_profile_names({"zzzz": [1]}, ["Profile1"]) == [
        (1, "port profile 'zzzz' is not defined on UCS Manager (no similar name among "
            "its 1 port profiles)")]


@given(wanted=st.dictionaries(NAMES, st.lists(st.integers(), min_size=1, max_size=3)),
       known=st.sets(NAMES, max_size=8))
def test_check_profile_names_properties(wanted, known):
    problems = check_profile_names(wanted, known)
    unknown = {name for name in wanted if name not in known}
    # one problem per use of an unknown name (case-sensitive), none for known names
    assert len(problems) == sum(len(wanted[name]) for name in unknown)
    assert sorted(where for where, _ in problems) == sorted(
        where for name in unknown for where in wanted[name])
    for name in unknown:
        assert set(closest_names(name, known)) <= known - {name}


def test_closest_prefers_the_same_name_in_another_case():
    assert closest_names("profile1", ["Profile1", "profile2"])[0] == "Profile1"


def test_overused_profiles():
    profiles = [PortProfile("A", [], 2, []), PortProfile("B", [], None, []),
                PortProfile("C", [], 5, [])]
    assert overused_profiles(profiles, {"A": 3, "B": 100, "C": 5}) == [
        "port profile 'A': 3 oVirt NICs use it, UCS Manager allows 2 (maxPorts)"]


@pytest.mark.parametrize("text, expected", [
    ("ucsm.example.com", ("ucsm.example.com", 443)),
    ("10.0.0.1:8443", ("10.0.0.1", 8443)),
    ("[fd00::1]:444", ("fd00::1", 444)),
    ("[fd00::1]", ("fd00::1", 443)),
    ("fd00::1", ("fd00::1", 443)),
])
def test_parse_address(text, expected):
    assert parse_address(text) == expected


@given(st.text(max_size=40))
def test_parse_address_one_line_error_or_a_valid_address(text):
    try:
        host, port = parse_address(text)
    except VmfexError as e:
        assert "\n" not in str(e)
        return
    assert host and 0 < port < 65536


ANSWER = ('<configResolveClass cookie="c" response="yes" classId="vnicProfile"><outConfigs>'
          '<vnicProfile dn="fabric/lan/profiles/vnic-P" name="P" maxPorts="12">'
          '<vnicEtherIf dn="fabric/lan/profiles/vnic-P/if-b" name="b" vnet="20" '
          'defaultNet="no"/><vnicEtherIf name="a" vnet="10" defaultNet="yes"/>'
          '<vmVnicProfCl name="cl"/></vnicProfile></outConfigs></configResolveClass>')


def test_profiles_from_answer_reads_nested_children():
    assert profiles_from_answer(ANSWER) == [
        PortProfile("P", [Vlan("a", 10, True), Vlan("b", 20, False)], 12, ["cl"])]


@pytest.mark.parametrize("text", [
    '<!DOCTYPE x [<!ENTITY a "aaaa">]><configResolveClass><outConfigs/></configResolveClass>',
    "<configResolveClass/>", "<aaaLogin><outConfigs/></aaaLogin>", "", "\x00",
])
def test_profiles_from_answer_refuses_what_is_not_an_answer(text):
    with pytest.raises(ValueError):
        profiles_from_answer(text)


def test_profiles_from_answer_raises_the_sdk_exception_for_error_codes():
    from ucsmsdk.ucsexception import UcsException

    with pytest.raises(UcsException):
        profiles_from_answer('<configResolveClass errorCode="552" errorDescr="no"/>')


@given(st.text(max_size=300))
def test_profiles_from_answer_never_anything_else(text):
    from ucsmsdk.ucsexception import UcsException

    try:
        profiles_from_answer(text)
    except (ValueError, UcsException):
        pass
