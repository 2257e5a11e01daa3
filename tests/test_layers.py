"""The package's layers, as its folders show them: a lower layer never imports a higher one.

core (pure models and decisions) < load (files to models) < store, report, ruletools, roster
< api (the library entry point) < cli (typer). Imports inside functions and under TYPE_CHECKING
count too: a cycle closed by a late import is still a cycle.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "marenew"
RANK = {"core": 0, "load": 1, "store": 2, "report": 2, "ruletools": 3, "roster": 3, "api": 4, "cli": 5}
# What the pure core may import from outside the standard library.
CORE_MAY_IMPORT = {"pydantic", "dateutil", "marenew"}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "marenew" and parts[1] in RANK else None


def imports(path: Path) -> list[tuple[int, str]]:
    return list(_imports(path, path.read_text(encoding="utf-8")))


@functools.cache
def _imports(path: Path, text: str) -> tuple[tuple[int, str], ...]:
    # parsed once per text: every module is walked by several tests
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((node.lineno, name))
            # `from marenew import cli`, `from marenew.core import dates`: the name may be a module
            out += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return tuple(out)


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path):
    own = layer_of(".".join(("marenew", *path.relative_to(PACKAGE).with_suffix("").parts)))
    if own is None:
        return  # marenew/__init__.py, __main__.py: entry points above every layer
    wrong = [
        f"line {line}: {name} ({layer_of(name)})"
        for line, name in imports(path)
        if layer_of(name) is not None and RANK[layer_of(name)] > RANK[own]
    ]
    assert not wrong, f"{path.relative_to(PACKAGE)} is in `{own}` but imports a higher layer: {wrong}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_is_pure(path):
    """No I/O libraries, no environment, no clock, no terminal in the core."""
    import sys

    found = [(line, name) for line, name in imports(path)]
    third_party = [
        n for _, n in found if n.split(".")[0] not in sys.stdlib_module_names and n.split(".")[0] not in CORE_MAY_IMPORT
    ]
    assert not third_party, f"core/{path.name} imports {third_party}"
    io_modules = {"os", "sys", "subprocess", "shutil", "tempfile", "socket", "pathlib"}
    assert not [n for _, n in found if n.split(".")[0] in io_modules], f"core/{path.name} does I/O"
    text = path.read_text(encoding="utf-8")
    for clock in ("date.today(", "datetime.now(", "time.time("):
        assert clock not in text, f"core/{path.name} reads the clock ({clock})"


def test_the_rule_checker_does_not_import_the_loader():
    names = [n for _, n in imports(PACKAGE / "load" / "rulecheck.py")]
    assert "marenew.load.rules" not in names and "marenew.load.credentials" not in names


def test_a_lower_layer_importing_a_higher_one_is_caught(tmp_path):
    """The check itself: a core module that imports the CLI is reported."""
    fake = PACKAGE / "core" / "_layer_probe.py"
    try:
        fake.write_text("def f():\n    from marenew.cli.common import console\n", encoding="utf-8")
        with pytest.raises(AssertionError, match="imports a higher layer"):
            test_no_module_imports_a_higher_layer(fake)
    finally:
        fake.unlink()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycle():
    """No two modules import each other, directly or round a loop (late imports included)."""
    names = {_module_name(p): p for p in MODULES}
    graph = {
        name: {
            target
            for _, imported in imports(path)
            for target in (imported, imported.rpartition(".")[0])
            if target in names and target != name
        }
        for name, path in names.items()
    }
    # a package's __init__ importing its own modules is how packages work, not a cycle
    graph = {
        name: {
            t
            for t in targets
            if not (t.startswith(name + ".") or name.startswith(t + ".") and names[t].name == "__init__.py")
        }
        for name, targets in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert not cycles, f"import cycles: {cycles}"


def test_a_cycle_is_caught():
    """The check itself: two modules that import each other (one of them late) are reported."""
    first, second = PACKAGE / "core" / "_cycle_a.py", PACKAGE / "core" / "_cycle_b.py"
    try:
        first.write_text("def f():\n    from marenew.core import _cycle_b\n", encoding="utf-8")
        second.write_text("from marenew.core import _cycle_a\n", encoding="utf-8")
        MODULES.extend([first, second])
        with pytest.raises(AssertionError, match="_cycle_a"):
            test_no_import_cycle()
    finally:
        MODULES.remove(first) if first in MODULES else None
        MODULES.remove(second) if second in MODULES else None
        first.unlink(missing_ok=True)
        second.unlink(missing_ok=True)
