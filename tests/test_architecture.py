"""The folder tree is the architecture: read the imports of both packages
(every `import`, also those inside functions) and fail on any cycle between
modules or between sibling subpackages ("rooms")."""
import ast
import glob
import os

import pytest

from tests.paths import ROOT

PACKAGES = ("vdsm_hook_vmfex", "engine_tools")


def _modules():
    """{dotted module name: path} of both packages."""
    found = {}
    for package in PACKAGES:
        for folder, _dirs, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if not name.endswith(".py"):
                    continue
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                if dotted.endswith(".__init__"):
                    dotted = dotted[:-len(".__init__")]
                found[dotted] = path
    return found


def _imports(path, modules):
    """The modules of both packages that the file at `path` imports."""
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), path)
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from pkg import mod` imports the module pkg.mod when there is one.
            names = [node.module] + ["%s.%s" % (node.module, a.name) for a in node.names]
        else:
            continue
        targets.update(name for name in names if name in modules)
    return targets


def import_graph():
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _cycles(graph):
    """The strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def room_of(module):
    """The room a module lives in: its package below the top-level package
    (`engine_tools.model`), or the top-level package for its own modules."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or _is_package(module) else parts[0]


def _is_package(module):
    return os.path.isdir(os.path.join(ROOT, *module.split(".")))


def room_graph(graph):
    rooms = {}
    for module, targets in graph.items():
        here = room_of(module)
        rooms.setdefault(here, set()).update(
            room_of(t) for t in targets if room_of(t) != here)
    return rooms


def test_the_graph_is_read():
    graph = import_graph()
    # Guards against a reader that finds nothing (and so no cycle).
    assert "engine_tools.ucsm.checks" in graph
    assert "engine_tools.ucsm.client" in graph["engine_tools.ucsm.checks"]
    assert "vdsm_hook_vmfex.host.virt" in graph["vdsm_hook_vmfex.pool.status"]


def test_no_cycle_between_modules():
    assert _cycles(import_graph()) == []


def test_no_cycle_between_rooms():
    rooms = room_graph(import_graph())
    assert {"engine_tools.commands", "engine_tools.model", "vdsm_hook_vmfex.host",
            "vdsm_hook_vmfex.hook", "vdsm_hook_vmfex.pool"} <= set(rooms)
    assert _cycles(rooms) == []


def test_the_host_side_never_imports_the_engine_side():
    for module, targets in import_graph().items():
        if module.startswith("vdsm_hook_vmfex"):
            assert not [t for t in targets if t.startswith("engine_tools")], module


def test_pure_rooms_do_no_io():
    """model/, deploy/ and hook/models import no client, SDK or libvirt."""
    heavy = ("ovirtsdk4", "ucsmsdk", "libvirt", "pycurl", "subprocess", "socket")
    for module, path in _modules().items():
        if not (module.startswith(("engine_tools.model", "engine_tools.deploy"))
                or module == "vdsm_hook_vmfex.hook.models"):
            continue
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read(), path)
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in heavy, (module, name)
                assert not name.startswith(("engine_tools.engine", "engine_tools.ucsm")), \
                    (module, name)


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected


def _starts_domains_marked(node) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "STARTS_DOMAINS" for n in ast.walk(node))


def test_every_test_that_starts_a_domain_runs_on_one_libvirtd_worker():
    """Two workers' domains would share macvtap device nodes
    (tests/libvirtd/fixtures.py STARTS_DOMAINS)."""
    starts = {"start_paused", "createWithFlags", "create"}
    unmarked = []
    for folder in ("libvirtd", "ansible"):
        for path in sorted(glob.glob(os.path.join(ROOT, "tests", folder, "test_*.py"))):
            with open(path) as src:
                tree = ast.parse(src.read())
            module_marked = any(
                isinstance(node, ast.Assign) and _starts_domains_marked(node)
                and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
                for node in tree.body)
            for node in tree.body:
                if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                    continue
                calls = {getattr(c.func, "attr", getattr(c.func, "id", None))
                         for c in ast.walk(node) if isinstance(c, ast.Call)}
                marked = module_marked or any(_starts_domains_marked(d)
                                              for d in node.decorator_list)
                if calls & starts and not marked:
                    unmarked.append("%s::%s" % (os.path.relpath(path, ROOT), node.name))
    assert unmarked == []
