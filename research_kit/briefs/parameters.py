"""A brief notebook's parameters (which study, which audience), read without running it.

A brief notebook starts with a parameters cell such as::

    STUDY = os.environ.get("RESEARCH_KIT_STUDY", "../../interview_data")
    AUDIENCE = "public"

so that the same notebook serves another study. ``research-kit brief export`` reads that cell
(safely, with :mod:`ast`: nothing in the notebook is executed) to build the PDF or HTML from
the same study the dashboard shows. Relative paths are taken from the notebook's folder, as
Voila and JupyterLab run notebooks there.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from research_kit.errors import InputError

STUDY_ENV = "RESEARCH_KIT_STUDY"


class BriefNotebookError(InputError):
    """A brief notebook cannot be read or has no usable parameters cell."""


@dataclass(frozen=True)
class BriefParameters:
    """The study folder and audience a brief notebook is set up for."""

    study: Path
    audience: str = "public"


def brief_parameters(notebook: Path | str) -> BriefParameters:
    """Read ``STUDY`` and ``AUDIENCE`` from a brief notebook's parameters cell.

    ``STUDY`` may be a string or ``os.environ.get("RESEARCH_KIT_STUDY", "<default>")``; the
    environment variable wins when it is set, as it does when the notebook runs.

    Examples
    --------
    >>> import tempfile, pathlib, nbformat
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cell = nbformat.v4.new_code_cell(
    ...     'import os\\nSTUDY = os.environ.get("RESEARCH_KIT_STUDY", "../study")\\n'
    ...     'AUDIENCE = "council"')
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), folder / "brief.ipynb")
    >>> parameters = brief_parameters(folder / "brief.ipynb")
    >>> parameters.study == (folder / "../study").resolve(), parameters.audience
    (True, 'council')
    """
    path = Path(notebook)
    try:
        document = nbformat.read(path, as_version=4)
    except FileNotFoundError as exc:
        raise BriefNotebookError("notebook not found", path=path, hint="check the path") from exc
    except Exception as exc:  # nbformat raises several kinds for a damaged file
        raise BriefNotebookError(
            f"is not a readable notebook ({exc})", path=path, hint="open it in JupyterLab"
        ) from exc
    values: dict[str, str] = {}
    for cell in document.cells:
        if cell.cell_type == "code":
            values |= _assignments(cell.source)
        if "STUDY" in values:
            break
    if "STUDY" not in values:
        raise BriefNotebookError(
            "has no parameters cell setting STUDY",
            path=path,
            hint='start the notebook with STUDY = os.environ.get("RESEARCH_KIT_STUDY", "…")',
        )
    study = Path(values["STUDY"])
    if not study.is_absolute():
        study = (path.parent / study).resolve()
    return BriefParameters(study=study, audience=values.get("AUDIENCE", "public"))


def _assignments(source: str) -> dict[str, str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in {"STUDY", "AUDIENCE"}:
                value = _value(node.value)
                if value is not None:
                    found[target.id] = value
    return found


def _value(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and len(node.args) == 2:  # os.environ.get(NAME, default)
        name, default = (_value(arg) for arg in node.args)
        if name is not None and default is not None:
            return os.environ.get(name, default)
    return None
