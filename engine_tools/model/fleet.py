"""The fleet capacity file (`capacity --hosts FILE`), parsed (pure).

The shipped Ansible content writes it from `vmfex-direct-pool status --json`
on every host:

    {"format": "vmfex-fleet-capacity", "version": 1,
     "hosts": [{"host": "<inventory_hostname>", "cluster": "<name or null>",
                "network": "direct-pool", "ready": true,
                "total": 9, "used": 3, "free": 6,
                "users": [{"domain": "vm1", "mac": "00:1a:4a:16:01:b0"}],
                "missing": [], "not_vmfex": [], "error": null}]}
"""
import json
from collections import namedtuple
from typing import List, Optional, Tuple

from vdsm_hook_vmfex.common.errors import VmfexError

FORMAT = "vmfex-fleet-capacity"
VERSION = 1

#: One host of the file. total/used/free are None when the host could not
#: report them (then `error` says why); a host that answered but whose pool
#: is not ready (its network inactive, say) keeps its numbers, ready False.
FleetHost = namedtuple("FleetHost", "host cluster ready total used free error")


class FleetError(VmfexError):
    """The file as a whole cannot be used (not JSON, another format or version)."""


def _count(entry: dict, key: str) -> Optional[int]:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _host(entry, index: int, source: str) -> Tuple[Optional[FleetHost], Optional[str]]:
    where = "%s: hosts[%d]" % (source, index)
    if not isinstance(entry, dict):
        return None, "%s: expected an object, got %s" % (where, type(entry).__name__)
    name = entry.get("host")
    if not isinstance(name, str) or not name.strip():
        return None, "%s: expected \"host\" to be a host name, got %r" % (where, name)
    cluster = entry.get("cluster")
    cluster = cluster if isinstance(cluster, str) and cluster else None
    error = entry.get("error")
    error = " ".join(str(error).split()) if error not in (None, "") else None
    ready = entry.get("ready") is True
    counts = [_count(entry, key) for key in ("total", "used", "free")]
    if error is None and None in counts:
        bad = [key for key, value in zip(("total", "used", "free"), counts) if value is None]
        error = "%s: expected whole numbers >= 0 for %s" % (where, ", ".join(bad))
    if error is not None:
        counts = [None, None, None]
    return FleetHost(name.strip(), cluster, ready, counts[0], counts[1], counts[2],
                     error), None


def parse_fleet(text: str, source: str) -> Tuple[List[FleetHost], List[str]]:
    """(hosts, one line per entry that names no host) of a fleet file's text.
    Raises FleetError when the file is not this format's version 1."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise FleetError("%s is not JSON (%s): expected the fleet capacity file the "
                         "fleet playbook writes" % (source, e)) from None
    if not isinstance(data, dict):
        raise FleetError("%s: expected a JSON object with \"format\": %r" % (source, FORMAT))
    if data.get("format") != FORMAT:
        raise FleetError("%s: format %r is not %r: expected the fleet capacity file the "
                         "fleet playbook writes" % (source, data.get("format"), FORMAT))
    version = data.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise FleetError("%s: version %r of %s is not supported: expected version %d"
                         % (source, version, FORMAT, VERSION))
    entries = data.get("hosts")
    if not isinstance(entries, list):
        raise FleetError("%s: expected \"hosts\" to be a list" % source)
    hosts, problems = [], []
    for index, entry in enumerate(entries):
        host, problem = _host(entry, index, source)
        if host is not None:
            hosts.append(host)
        else:
            problems.append(problem)
    return hosts, problems
