"""The rules of docs/architecture.md that import-linter's contracts cannot state.

import-linter (run by `make test` before pytest) checks the layers and that the modules of one
package form no cycle. These tests add: no import cycle between any two modules of the project,
function-level imports only for Celery enqueues, and no private name used across modules.
They read the source only (no database, no Django).
"""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("helpdesk", "workspaces", "conversations", "routing", "flows", "csat")


def _sources() -> dict[str, Path]:
    """module name -> file, for every module of the project's packages (migrations included)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


SOURCES = _sources()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The module an ImportFrom names, with relative imports resolved against `module`."""
    if not node.level:
        return node.module or ""
    is_package = SOURCES[module].name == "__init__.py"
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _function_level_imports(module: str) -> list[tuple[int, str, str]]:
    """(line, imported module, source line) of imports inside functions, TYPE_CHECKING blocks excluded."""
    tree = ast.parse(SOURCES[module].read_text())
    lines = SOURCES[module].read_text().splitlines()
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if in_function and isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name, lines[child.lineno - 1].strip()) for alias in child.names)
            elif in_function and isinstance(child, ast.ImportFrom):
                found.append((child.lineno, _absolute(module, child), lines[child.lineno - 1].strip()))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


def _is_celery_enqueue(imported: str, line: str) -> bool:
    """The accepted function-level import: a service enqueuing a task whose module imports it back."""
    return imported.endswith(".tasks") and "# Celery:" in line


# Imports of the project's own modules that stay inside a function, each with its reason.
OPTIONAL_IMPORTS = {
    # The assistant engine runs outside the project too (python -m conversations.assistant.train in a
    # bare checkout); importing the helpdesk package at module level would also start Celery's app.
    ("conversations.assistant.models", "helpdesk.embedded_paths"),
    # Django's place for signal wiring: models may be imported only once the app registry is ready.
    ("conversations.apps", "conversations.services"),
    ("conversations.apps", "routing.models"),
    ("conversations.apps", "routing"),
    ("flows.apps", "flows.services"),
    ("flows.apps", "routing.models"),
    ("flows.apps", "routing"),
}


def test_function_level_imports_are_only_celery_enqueues_and_say_why():
    # Third-party imports inside functions (openai, threadpoolctl) defer optional heavy packages;
    # the rule is about the project's own modules, where such an import hides a cycle.
    offenders = [f"{module}:{lineno}: {line}" for module in SOURCES if ".migrations" not in module
                 for lineno, imported, line in _function_level_imports(module)
                 if imported.split(".")[0] in PACKAGES and not _is_celery_enqueue(imported, line)
                 and (module, imported) not in OPTIONAL_IMPORTS]
    assert offenders == [], "function-level imports other than Celery enqueues:\n" + "\n".join(offenders)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def test_no_import_cycle_between_any_two_modules(graph):
    # A Celery enqueue imports the task module that imports the service back; only that edge is dropped.
    for module in SOURCES:
        if module in graph.modules:
            for lineno, imported, line in _function_level_imports(module):
                if _is_celery_enqueue(imported, line) and graph.direct_import_exists(importer=module, imported=imported):
                    graph.remove_import(importer=module, imported=imported)
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle(graph):
    """The check above can fail: a payload module importing csat's selectors closes a loop."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    graph.add_import(importer="conversations.payloads", imported="csat.selectors")
    assert any({"conversations.payloads", "csat.selectors"} <= set(c) for c in _cycles(graph))


def _private_uses(module: str) -> list[str]:
    """`from x import _name` and `x._name` where x is another project module."""
    tree = ast.parse(SOURCES[module].read_text())
    project_aliases: dict[str, str] = {}
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            if source.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if full in SOURCES:
                    project_aliases[alias.asname or alias.name] = full
                elif alias.name.startswith("_") and not alias.name.startswith("__") and source != module:
                    uses.append(f"{module}:{node.lineno}: from {source} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES and alias.asname:
                    project_aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in project_aliases and project_aliases[node.value.id] != module
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            uses.append(f"{module}:{node.lineno}: {node.value.id}.{node.attr}")
    return uses


def test_no_private_name_is_used_across_modules():
    offenders = [use for module in SOURCES if ".migrations" not in module for use in _private_uses(module)]
    assert offenders == []
