"""Running `engine-config` (the engine machine's configuration tool).

Facts relied on: `-g KEY` prints `KEY: VALUE version: V` per cluster
version, `-g KEY --cver=V` prints only the value, `-s KEY=VALUE --cver=V`
replaces the whole value (without `--cver` it would prompt for a version, so
it is always given).
"""
import subprocess
from typing import List

from vdsm_hook_vmfex.common.errors import VmfexError

KEY = "UserDefinedVMProperties"
DEVICE_KEY = "CustomDeviceProperties"
DEFAULT_PATH = "engine-config"


class EngineConfigError(VmfexError):
    """engine-config is missing or failed."""


def _run(path: str, args: List[str]) -> str:
    command = [path] + args
    shown = " ".join(command)
    try:
        # stderr apart: warnings there (e.g. from the JVM) must not end up
        # in a value that is written back.
        done = subprocess.run(command, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise EngineConfigError("cannot run %r: %s (run this on the engine "
                                "machine or give --engine-config PATH)"
                                % (shown, e.strerror or e)) from None
    if done.returncode != 0:
        output = " ".join((done.stdout + b" " + done.stderr).decode("utf-8", "replace")
                          .split()) or "no output"
        raise EngineConfigError("%r failed with exit code %d: %s"
                                % (shown, done.returncode, output))
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError as e:
        # A value read in a guessed encoding would be written back changed.
        raise EngineConfigError("%r printed text that is not UTF-8 (byte %d): run it "
                                "with a UTF-8 locale, e.g. LANG=C.UTF-8"
                                % (shown, e.start + 1)) from None


def parse_versions(output: str, key: str = KEY) -> List[str]:
    """Cluster versions listed in `engine-config -g KEY` output."""
    versions = []
    prefix = key + ":"
    for line in output.split("\n"):
        line = line.rstrip("\r")
        if line.startswith(prefix) and " version: " in line:
            version = line.rsplit(" version: ", 1)[1].strip()
            if version and version not in versions:
                versions.append(version)
    return versions


def list_versions(path: str = DEFAULT_PATH, key: str = KEY) -> List[str]:
    """Every cluster version engine-config knows a value of `key` for."""
    output = _run(path, ["-g", key])
    versions = parse_versions(output, key)
    if not versions:
        raise EngineConfigError("'%s -g %s' listed no version: %s"
                                % (path, key, " ".join(output.split()) or "no output"))
    return versions


def get_value(version: str, path: str = DEFAULT_PATH, key: str = KEY) -> str:
    """The value of `key` for one cluster version."""
    return _run(path, ["-g", key, "--cver=%s" % version]).rstrip("\r\n")


def set_value(version: str, value: str, path: str = DEFAULT_PATH, key: str = KEY) -> None:
    """Replace the whole value of `key` for one cluster version."""
    _run(path, ["-s", "%s=%s" % (key, value), "--cver=%s" % version])
