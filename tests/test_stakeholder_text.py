"""What stakeholders read: the brief notebooks' own words carry no researcher's commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

BRIEFS = sorted((Path(__file__).resolve().parent.parent / "notebooks" / "briefs").glob("*.ipynb"))
# A command a researcher types: the CLI, make, python, pip, or a shell prompt.
COMMAND = re.compile(r"`[^`]*\b(research-kit|make|python|pip)\b[^`]*`|^\s*\$ ", re.MULTILINE)


@pytest.mark.parametrize("notebook", BRIEFS, ids=[path.name for path in BRIEFS])
def test_brief_text_names_no_command_line(notebook: Path) -> None:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    text = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]
    assert text, f"{notebook.name} has no text cells"
    found = [match.group(0) for cell in text for match in COMMAND.finditer(cell)]
    assert found == [], f"{notebook.name} shows stakeholders a command line: {found}"
