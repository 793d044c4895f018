"""engine.session: the engine URL, and a certificate no CA vouches for."""
import pytest

from engine_tools.engine.session import api_url
from tests.engine.helpers import run_main


@pytest.mark.parametrize("given", [
    "https://e.example.com/ovirt-engine",
    "https://e.example.com/ovirt-engine/",
    "https://e.example.com/ovirt-engine/api",
])
def test_the_engines_own_path_is_accepted(given):
    assert api_url(given) == "https://e.example.com/ovirt-engine/api"


def test_engine_url_ending_in_ovirt_engine_works(sim, tmp_path):
    (tmp_path / "pw").write_text("secret\n")
    code, out, err = run_main([
        "export", "--engine-url", sim.url[:-len("/api")], "--username", "admin@internal",
        "--password-file", str(tmp_path / "pw"), "--ca-file", sim.ca_file])
    assert sim.url.endswith("/ovirt-engine/api")
    assert code == 0 and "web03," in out, err


def test_no_ca_file_says_where_the_engines_ca_is(sim, tmp_path):
    (tmp_path / "pw").write_text("secret\n")
    code, out, err = run_main(["check", "--engine-url", sim.url, "--username",
                               "admin@internal", "--password-file", str(tmp_path / "pw")])
    host = sim.url.split("/")[2]
    assert code == 1 and out == "" and err.count("\n") == 1
    # libcurl's own words in between depend on its TLS library
    assert err.startswith("vmfex-engine: error: cannot connect to %s: " % sim.url)
    assert "(60," not in err
    assert err.endswith(
        "; give the engine's CA with --cafile FILE: /etc/pki/ovirt-engine/ca.pem on the "
        "engine machine, also served at https://%s/ovirt-engine/services/pki-resource?"
        "resource=ca-certificate&format=X509-PEM-CA\n" % host)
