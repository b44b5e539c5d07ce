"""No module imports another's private names, and no modules import each other.

Read from the source by :mod:`tests._import_graph`, imports inside functions included.
"""

from __future__ import annotations

from pathlib import Path

from tests._import_graph import Import, cycles, module_imports, private_imports

ROOT = Path(__file__).resolve().parents[1] / "research_kit"

# issue 15 item 1, removed when Study is thin: Study still reaches up into the rooms (its
# documents, codebook, QDPX shortcuts …), which import it back for type hints and opening.
ALLOWED_THROUGH = "research_kit.study"


def _edges() -> list[Import]:
    return module_imports(ROOT)


def test_no_module_imports_another_modules_private_names() -> None:
    found = [
        f"{edge.file.relative_to(ROOT.parent)}:{edge.line}: {edge.importer} takes "
        f"{', '.join(edge.names) or 'the private module'} from {edge.imported}"
        for edge in private_imports(_edges())
    ]
    assert not found, "\n".join(found)


def test_no_import_cycles_except_through_study() -> None:
    edges = [edge for edge in _edges() if ALLOWED_THROUGH not in (edge.importer, edge.imported)]
    found = [" <-> ".join(group) for group in cycles(edges)]
    assert not found, "\n".join(found)


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
