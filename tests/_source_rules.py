"""House rules read from the source with :mod:`ast`, beyond the import graph.

A test helper for ``tests/test_architecture.py``: where a result hides its meaning in
``DataFrame.attrs`` (pandas drops it on the first assignment), where YAML is parsed outside
``yamlfiles`` (which keeps line numbers for error messages, and so is the only parser), and
which modules have grown past the size the house aims for. Each finding names file and line.

Examples
--------
>>> from pathlib import Path
>>> root = Path(__file__).resolve().parents[1] / "research_kit"
>>> all(finding.file.suffix == ".py" for finding in yaml_parsed_outside(root, allowed=()))
True
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

#: The :mod:`yaml` functions that parse text (dumping is not parsing).
YAML_PARSERS = frozenset({"safe_load", "load", "full_load", "unsafe_load", "load_all"})


class Finding(NamedTuple):
    """One place in the source that breaks a rule."""

    file: Path
    line: int
    what: str


def python_files(root: Path | str) -> list[Path]:
    """Every ``.py`` file under ``root``, sorted."""
    return sorted(Path(root).rglob("*.py"))


def attrs_uses(root: Path | str) -> list[Finding]:
    """Every ``something.attrs`` in the source under ``root`` (read or written)."""
    return [
        Finding(path, node.lineno, f"{ast.unparse(node)}")
        for path, tree in _trees(root)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "attrs"
    ]


def yaml_parsed_outside(root: Path | str, *, allowed: Iterable[str]) -> list[Finding]:
    """Calls of ``yaml.safe_load`` and its kin in files whose name is not in ``allowed``."""
    allowed = set(allowed)
    found = []
    for path, tree in _trees(root):
        if path.name in allowed:
            continue
        for node in ast.walk(tree):
            if _is_yaml_parse(node):
                found.append(Finding(path, node.lineno, ast.unparse(node.func)))
    return found


def long_modules(root: Path | str, *, limit: int) -> list[Finding]:
    """Modules with more than ``limit`` lines."""
    found = []
    for path in python_files(root):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(Finding(path, lines, f"{lines} lines"))
    return found


def _trees(root: Path | str) -> Iterator[tuple[Path, ast.Module]]:
    for path in python_files(root):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_yaml_parse(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr in YAML_PARSERS and ast.unparse(func.value) == "yaml"
    return False
