"""The import graph of research_kit, read from the source with :mod:`ast`.

A test helper: it lists every import between research_kit modules (top-level and inside
functions, relative imports resolved), the imports of another module's private names, and
the import cycles. ``tests/test_architecture.py`` builds on it.

Examples
--------
>>> from pathlib import Path
>>> root = Path(__file__).resolve().parents[1] / "research_kit"
>>> edges = module_imports(root)
>>> all(importer.startswith("research_kit") for importer, *_ in edges)
True
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple


class Import(NamedTuple):
    """One import statement's link from one research_kit module to another."""

    importer: str
    imported: str
    names: tuple[str, ...]
    file: Path
    line: int


def _module_name(path: Path, root: Path) -> str:
    """The dotted module name of ``path`` inside the package folder ``root``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _all_modules(root: Path) -> dict[str, Path]:
    return {_module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def _resolve_from(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module named by a ``from … import`` statement in ``importer``."""
    if node.level == 0:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def module_imports(root: Path | str) -> list[Import]:
    """Every import from one module of the package at ``root`` to another of its modules.

    Imports inside functions and classes count as much as top-level ones. ``from pkg import
    name`` where ``pkg.name`` is itself a module is recorded as an import of that module.

    Parameters
    ----------
    root : Path or str
        The package folder, e.g. ``research_kit/``.

    Returns
    -------
    list of Import
        ``(importer, imported, names, file, line)``; ``names`` is empty for ``import x``.
    """
    root = Path(root).resolve()
    modules = _all_modules(root)
    package = root.name
    edges: list[Import] = []
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == package:
                        target = _nearest_module(alias.name, modules)
                        edges.append(Import(importer, target, (), path, node.lineno))
            elif isinstance(node, ast.ImportFrom):
                target = _resolve_from(node, importer, is_package)
                if target.split(".")[0] != package:
                    continue
                plain: list[str] = []
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    if submodule in modules:
                        edges.append(Import(importer, submodule, (), path, node.lineno))
                    else:
                        plain.append(alias.name)
                if plain or not node.names:
                    resolved = _nearest_module(target, modules)
                    edges.append(Import(importer, resolved, tuple(plain), path, node.lineno))
    return edges


def _nearest_module(name: str, modules: dict[str, Path]) -> str:
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or name


def private_imports(edges: Iterable[Import]) -> list[Import]:
    """The imports that take another module's private (``_``-prefixed) names.

    A private module (its file name starts with ``_``) may be imported by its own package:
    its public names are the package's shared internals. Its ``_`` names stay its own, and
    another package may not import it at all.

    Parameters
    ----------
    edges : iterable of Import
        As returned by :func:`module_imports`.

    Returns
    -------
    list of Import
        The offending imports, with ``names`` narrowed to the private ones.
    """
    found: list[Import] = []
    for edge in edges:
        if edge.importer == edge.imported:
            continue
        private = tuple(
            name for name in edge.names if name.startswith("_") and not name.startswith("__")
        )
        if private:
            found.append(edge._replace(names=private))
            continue
        owner = _private_module_owner(edge.imported)
        if owner is not None and not (edge.importer + ".").startswith(owner + "."):
            found.append(edge)
    return found


def _private_module_owner(module: str) -> str | None:
    """The package that owns ``module`` if some part of its dotted name is private."""
    parts = module.split(".")
    for index, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:index])
    return None


def cycles(edges: Iterable[Import]) -> list[list[str]]:
    """The import cycles among the modules: each strongly connected group of two or more.

    A package's ``__init__`` importing its own modules, which then import names from the
    package itself, is a cycle too: it is reported like any other.

    Parameters
    ----------
    edges : iterable of Import
        As returned by :func:`module_imports`.

    Returns
    -------
    list of list of str
        Each group of modules that reach each other, sorted, the groups sorted.
    """
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if edge.importer != edge.imported:
            graph.setdefault(edge.importer, set()).add(edge.imported)
            graph.setdefault(edge.imported, set())
    return sorted(sorted(group) for group in _strongly_connected(graph) if len(group) > 1)


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so a deep graph cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


if __name__ == "__main__":
    _root = Path(__file__).resolve().parents[1] / "research_kit"
    _edges = module_imports(_root)
    for _edge in private_imports(_edges):
        print(f"{_edge.file}:{_edge.line}: {_edge.importer} -> {_edge.imported} {_edge.names}")
    for _group in cycles(_edges):
        print("cycle:", " ".join(_group))
