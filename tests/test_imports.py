"""The import structure of the package, read from the source (ast): the layers of docs/design.md's
*Layout* (no subpackage imports one above it), no import cycle — imports inside functions included,
since they only put off loading heavy or optional parts (numba, juliacall, Dask) — and the engines do
not import each other. Imports under ``if TYPE_CHECKING:`` never run and are not counted.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "linnet_cli"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.Module, load_time_only: bool) -> list[ast.Import | ast.ImportFrom]:
    """Import statements of a module: all of them, or only those that run when it is loaded."""
    out: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if load_time_only and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.append(child)
            visit(child)
    visit(tree)
    return out


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package's modules an import statement loads (with their parent packages)."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            is_package = MODULES[module].name == "__init__.py"
            anchor = module.split(".")[: len(module.split(".")) - node.level + is_package]
            base = ".".join(anchor + ([base] if base else []))
        names = [base] + [f"{base}.{a.name}" for a in node.names]
    found = set()
    for name in names:
        parts = name.split(".")
        for k in range(1, len(parts) + 1):
            prefix = ".".join(parts[:k])
            # a module's own packages load before it whatever it imports: no edge of the design
            if prefix in MODULES and prefix != PACKAGE and not module.startswith(prefix + "."):
                found.add(prefix)
    return found


def import_graph(load_time_only: bool) -> dict[str, set[str]]:
    """module → the package's modules it imports."""
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[module] = set().union(*(_targets(module, n) for n in _import_nodes(tree, load_time_only))) - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}      # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_sees_the_package():
    graph = import_graph(load_time_only=True)
    assert "linnet_cli.engines.native" in graph and "linnet_cli.model.patterns" in graph["linnet_cli.engines.native"]
    assert "linnet_cli.engines.base" in graph["linnet_cli.engines.native"]


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_at_load_time():
    cycle = find_cycle(import_graph(load_time_only=True))
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_no_import_cycles_counting_imports_inside_functions():
    cycle = find_cycle(import_graph(load_time_only=False))
    assert cycle is None, "import cycle: " + " → ".join(cycle)


#: The layers, bottom first: a module may import its own layer and those below. The top-level modules
#: are the shared ground (errors, arguments, progress, files and text written) or sit between the engines
#: and the studies (solve, its result, the cost estimate).
LAYERS = {"errors": 0, "validate": 0, "progress": 0, "output_files": 0, "export": 0,
          "model": 1, "homotopy": 2, "checks": 3, "engines": 4,
          "solver": 5, "result": 5, "cost": 5, "studies": 6, "atlas": 7, "cli": 8}


def layer(module: str) -> int:
    return LAYERS[module.split(".")[1]]


def test_every_module_has_a_layer():
    for module in MODULES:
        if module != PACKAGE:
            assert module.split(".")[1] in LAYERS, f"{module} is in no layer"


def test_no_module_imports_a_layer_above_its_own():
    graph = import_graph(load_time_only=False)
    upward = sorted(f"{a} → {b}" for a, targets in graph.items() if a != PACKAGE
                    for b in targets if layer(b) > layer(a))
    assert not upward, "imports of a higher layer:\n" + "\n".join(upward)


@pytest.mark.parametrize("a,b", [("native", "julia"), ("julia", "native")])
def test_engines_do_not_import_each_other(a, b):
    graph = import_graph(load_time_only=False)
    assert f"linnet_cli.engines.{b}" not in graph[f"linnet_cli.engines.{a}"]


def test_the_engine_interface_and_return_codes_load_without_numba():
    """The light modules every engine and the CLI's checks use must not pull in the compiled tracker."""
    graph = import_graph(load_time_only=True)
    seen, todo = set(), ["linnet_cli.engines.base", "linnet_cli.homotopy.return_code", "linnet_cli.progress"]
    while todo:
        m = todo.pop()
        if m in seen or m not in MODULES:
            continue
        seen.add(m)
        todo.extend(graph[m])
    assert "linnet_cli.homotopy.tracker" not in seen
    for m in seen:
        tree = ast.parse(MODULES[m].read_text(encoding="utf-8"))
        for node in _import_nodes(tree, load_time_only=True):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not any(n.split(".")[0] == "numba" for n in names), f"{m} imports numba"


def test_every_subpackage_is_packaged():
    """pyproject.toml lists the packages explicitly: a new subpackage left out would be missing from a
    (non-editable) install."""
    import tomllib
    listed = set(tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {module_name(p) for p in ROOT.rglob("__init__.py")}
    assert packages <= listed


def test_the_tracker_loads_numba_without_scipy_linalg():
    """numba's BLAS probe (an import of scipy.linalg, ~0.2 s) is skipped when the tracker loads it, and
    SciPy's linalg can still be imported afterwards."""
    import subprocess
    import sys
    code = ("import sys, linnet_cli.homotopy.tracker; assert 'scipy.linalg' not in sys.modules, 'probed'; "
            "import scipy.linalg.cython_blas; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
