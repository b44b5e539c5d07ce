"""Packaging: pyproject.toml and environment.yml install the same things; the CLI is declared."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
_NAME = re.compile(r"^([A-Za-z0-9_.\-]+)\s*(.*)$")


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = _NAME.match(requirement.strip()).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_matches_pyproject_dependencies():
    project = _pyproject()["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    conda_set = {_normalise(d) for d in conda if _normalise(d)[0] not in {"python", "pip"}}
    assert conda_set == {_normalise(d) for d in project["dependencies"]}
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pip_section == ['-e ".[dev]"'] or pip_section == ["-e .[dev]"]
    python = next(d for d in conda if d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]


def test_console_script_and_core_packages_are_declared():
    project = _pyproject()["project"]
    assert project["scripts"]["research-kit"] == "research_kit.cli:main"
    names = {_normalise(d)[0] for d in project["dependencies"]}
    core = {"jupyterlab", "pandas", "scikit-learn", "spacy", "ipywidgets", "voila", "seaborn"}
    assert core <= names
    assert "torch" not in names, "embeddings stay an optional extra"
    assert {"pytest", "ruff", "playwright"} <= {
        _normalise(d)[0] for d in project["optional-dependencies"]["dev"]
    }


def test_migrations_ship_inside_the_package():
    import research_kit

    package = Path(research_kit.__file__).parent
    assert (package / "migrations" / "env.py").exists()
    assert list((package / "migrations" / "versions").glob("0001_*.py"))
