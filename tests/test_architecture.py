"""The house checks itself: floors, one-way imports, no cycles, no private names across modules.

``../shared/DESIGN.md`` puts every module on a floor; a room imports only rooms on lower floors,
also inside functions. The import graph is read from the source (:mod:`tests._import_graph`),
so an import hidden in a function counts as much as one at the top. Each failure names the file
and line of the offending import.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._import_graph import Import, cycles, module_imports, private_imports
from tests._source_rules import Finding, attrs_uses, long_modules, yaml_parsed_outside

ROOT = Path(__file__).resolve().parents[1] / "research_kit"

#: The size the house aims for: a module past it holds more than one concept (split it at
#: a real seam, not at a line count).
MODULE_LINES = 600

#: DESIGN.md's floors, from the ground up. A module not named falls under its package.
FLOORS: dict[str, int] = {
    "research_kit.errors": 1,
    "research_kit.schema": 1,
    "research_kit.privacy": 1,
    "research_kit.viz": 1,
    "research_kit.text": 1,
    "research_kit.store": 1,
    "research_kit.staging": 1,
    "research_kit.settings": 1,
    "research_kit.rawfiles": 1,
    "research_kit.tables": 1,
    "research_kit.yamlfiles": 1,
    "research_kit.deprecation": 1,
    "research_kit.version": 1,
    "research_kit.resources": 1,
    "research_kit.migrations": 1,
    "research_kit.study": 2,
    "research_kit.interviews": 3,
    "research_kit.survey": 3,
    "research_kit.process": 3,
    "research_kit.measures": 4,
    "research_kit.places": 4,
    "research_kit.widgets": 5,
    "research_kit.briefs": 5,
    "research_kit.checks": 6,
    "research_kit.cli": 6,
    "research_kit": 6,
}


def floor_of(module: str) -> tuple[int, str]:
    """The floor of ``module`` and the room it belongs to (its nearest named ancestor)."""
    parts = module.split(".")
    while parts:
        name = ".".join(parts)
        if name in FLOORS:
            return FLOORS[name], name
        parts.pop()
    raise KeyError(f"{module} is on no floor: add it to FLOORS (and to DESIGN.md)")


#: Floors whose rooms never import each other (the ground floor's modules and the top floor's
#: commands may use their neighbours, as long as no cycle forms).
ROOM_FLOORS = {3, 4, 5}


def upward_imports(edges: list[Import]) -> list[Import]:
    """Imports of a higher floor, or of another room on the same floor of rooms."""
    found = []
    for edge in edges:
        floor, room = floor_of(edge.importer)
        target_floor, target_room = floor_of(edge.imported)
        if room == target_room:
            continue  # within a room
        if target_floor > floor or (target_floor == floor and floor in ROOM_FLOORS):
            found.append(edge)
    return found


def _where(edge: Import) -> str:
    return f"{edge.file.relative_to(ROOT.parent)}:{edge.line}: {edge.importer} → {edge.imported}"


@pytest.fixture(scope="module")
def edges() -> list[Import]:
    return module_imports(ROOT)


def test_every_module_is_on_a_floor(edges):
    modules = {edge.importer for edge in edges} | {edge.imported for edge in edges}
    for module in sorted(modules):
        floor_of(module)  # raises, naming the module, when it is on no floor


def test_no_room_imports_a_higher_room_or_a_neighbour(edges):
    found = [_where(edge) for edge in upward_imports(edges)]
    assert not found, "imports that go up or sideways:\n" + "\n".join(found)


def test_no_import_cycles(edges):
    found = [" → ".join(group) for group in cycles(edges)]
    assert not found, "modules that import each other:\n" + "\n".join(found)


def test_no_module_imports_another_modules_private_names(edges):
    found = [f"{_where(edge)} takes {', '.join(edge.names)}" for edge in private_imports(edges)]
    assert not found, "\n".join(found)


def _place(finding: Finding) -> str:
    return f"{finding.file.relative_to(ROOT.parent)}:{finding.line}: {finding.what}"


def test_no_result_keeps_its_meaning_in_attrs():
    # pandas drops DataFrame.attrs on the first assignment: meaning lives in columns or in a
    # small result dataclass, never in attrs.
    found = [_place(finding) for finding in attrs_uses(ROOT)]
    assert not found, "meaning kept in .attrs:\n" + "\n".join(found)


def test_yaml_is_parsed_only_by_yamlfiles():
    # One parser keeps line numbers for every message; study.yml is read only by settings.py.
    found = [_place(f) for f in yaml_parsed_outside(ROOT, allowed={"yamlfiles.py"})]
    assert not found, "YAML parsed outside yamlfiles.py:\n" + "\n".join(found)


def test_modules_stay_under_the_size_the_house_aims_for():
    found = [_place(finding) for finding in long_modules(ROOT, limit=MODULE_LINES)]
    assert not found, f"modules over {MODULE_LINES} lines:\n" + "\n".join(found)


def test_the_checks_fail_on_each_kind_of_problem(tmp_path):
    # A tiny package that breaks every rule once, laid out like research_kit.
    package = tmp_path / "research_kit"
    for room in ("interviews", "survey"):
        (package / room).mkdir(parents=True)
        (package / room / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "store.py").write_text("def open_():\n    from research_kit.study import Study\n")
    (package / "study.py").write_text("from research_kit.store import open_\n")
    (package / "interviews" / "coding.py").write_text("from research_kit.survey.ingest import x\n")
    (package / "survey" / "ingest.py").write_text("x = 1\n_hidden = 2\n")
    (package / "survey" / "themes.py").write_text(
        "from research_kit.survey.ingest import _hidden\n"
    )
    edges = module_imports(package)
    upward = {(edge.importer, edge.imported) for edge in upward_imports(edges)}
    assert ("research_kit.store", "research_kit.study") in upward  # up, inside a function
    assert ("research_kit.interviews.coding", "research_kit.survey.ingest") in upward  # sideways
    assert cycles(edges) == [["research_kit.store", "research_kit.study"]]
    assert [edge.names for edge in private_imports(edges)] == [("_hidden",)]
    (package / "survey" / "likert.py").write_text(
        "import yaml\n\n\ndef read(frame, text):\n"
        "    frame.attrs['scale'] = yaml.safe_load(text)\n    return frame\n" + "\n" * 10
    )
    assert [(f.file.name, f.line) for f in attrs_uses(package)] == [("likert.py", 5)]
    assert [f.what for f in yaml_parsed_outside(package, allowed=())] == ["yaml.safe_load"]
    assert [f.file.name for f in long_modules(package, limit=12)] == ["likert.py"]


def test_the_helper_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from pkg.b import _hidden\n")
    (package / "b.py").write_text("from .a import f\n_hidden = 1\n")
    (package / "sub" / "_inner.py").write_text("from ..a import f\n")
    (package / "sub" / "c.py").write_text("from . import _inner\n")
    (package / "d.py").write_text("from pkg.sub import _inner\n")
    edges = module_imports(package)
    assert ("pkg.a", "pkg.b", ("_hidden",)) in [e[:3] for e in edges]
    assert ("pkg.sub._inner", "pkg.a", ("f",)) in [e[:3] for e in edges]
    assert [(e.importer, e.imported) for e in private_imports(edges)] == [
        ("pkg.a", "pkg.b"),
        ("pkg.d", "pkg.sub._inner"),
    ]
    assert cycles(edges) == [["pkg.a", "pkg.b"]]
