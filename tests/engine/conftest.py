"""Fixtures of the engine-side tests: the oVirt API simulator and the UCS
Manager stand-in, both over HTTPS."""
import pytest

from tests.engine.helpers import EXISTING, MAC_A, MAC_B, MAC_C, MAC_D
from tests.engine.ovirtsim import OvirtSimulator
from tests.engine.ucsm_helpers import UCSM_PROFILES, ucsm_args
from tests.engine.ucsmsim import UcsmSimulator


@pytest.fixture
def sim():
    with OvirtSimulator() as sim:
        sim.add_vm("web01", status="up", custom_properties={"sap_agent": "true"},
                   nics=[("nic1", MAC_A), ("nic2", MAC_B)])
        sim.add_vm("web02", status="down", nics=[("nic1", MAC_C)])
        sim.add_vm("web03", status="down", custom_properties={"vmfex": EXISTING, "x": "1"},
                   nics=[("nic1", MAC_D)])
        sim.add_vm("db01", status="up", custom_properties={"other": "y"},
                   nics=[("nic1", "00:1a:4a:16:04:01")])
        sim.reset_counters()
        yield sim


@pytest.fixture
def conn(sim, tmp_path):
    password = tmp_path / "password"
    password.write_text("secret\n")
    return ["--engine-url", sim.url, "--username", "admin@internal",
            "--password-file", str(password), "--cafile", sim.ca_file]


@pytest.fixture
def csv_file(tmp_path):
    def write(text, name="maps.csv"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


@pytest.fixture
def ucsm_sim():
    """The UCS Manager stand-in with the port profiles of helpers.UCSM_PROFILES."""
    with UcsmSimulator(profiles=UCSM_PROFILES) as ucsm:
        yield ucsm


@pytest.fixture
def ucsm_conn(ucsm_sim, tmp_path):
    """--ucsm options for ucsm_sim (verified with its CA, 5 s timeout)."""
    return ucsm_args(ucsm_sim, tmp_path)
