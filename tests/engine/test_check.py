"""`vmfex-engine check` end to end."""
from tests.engine.helpers import MAC_A, run


def test_check_finds_stale_invalid_and_shared_macs(sim, conn, capsys):
    sim.vms["web02"].custom_properties = {"vmfex": "{'%s': 'P'}" % MAC_A}   # web01's MAC
    sim.vms["db01"].custom_properties = {"vmfex": "{'00:1a:4a': 'P'}"}
    code, out, _ = run(capsys, ["check"] + conn)
    assert code == 1
    assert "VM 'web02': MAC %s (profile 'P') is not on any of its NICs" % MAC_A in out
    assert "VM 'db01': the hook would refuse to start it" in out
    sim.vms["web01"].custom_properties = {"vmfex": "{'%s': 'Q'}" % MAC_A}
    code, out, _ = run(capsys, ["check"] + conn)
    assert "MAC %s is mapped on 2 VMs: web01, web02" % MAC_A in out
