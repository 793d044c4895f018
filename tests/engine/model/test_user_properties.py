"""UserDefinedVMProperties values: our entry replaced, every other one kept."""
from engine_tools.model.regex import VMFEX_REGEX
from engine_tools.model.user_properties import with_vmfex

OURS = "vmfex=" + VMFEX_REGEX


def test_with_vmfex_keeps_entries_exactly():
    assert with_vmfex("a=x=y;b= z ") == "a=x=y;b= z ;" + OURS
    assert with_vmfex("vmfex=old;vmfex=older") == OURS
    assert with_vmfex(with_vmfex("a=1")) == with_vmfex("a=1")
