"""The codebook: codes, their hierarchy and definitions, read from YAML and validated.

A codebook is a YAML file with a flat list of codes; a code without a ``parent`` is a top-level
code (a theme), any other names its parent's id. Each code has an id (stable, used by codings;
made from the name when absent), a name, a definition, inclusion and exclusion notes, an example,
a colour, optionally the id of the process step it is about, and whether it can be applied to
text (``codable: false`` marks a code that only groups others, REFI-QDA's ``isCodable``).
Validation reports every problem with its line so that a researcher can fix the file in one
pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from research_kit.errors import CodebookError, Problem, did_you_mean, raise_first_error
from research_kit.rawfiles import read_text
from research_kit.yamlfiles import YamlList, YamlMap, parse_yaml

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
CODE_FIELDS = (
    "id",
    "name",
    "parent",
    "definition",
    "include",
    "exclude",
    "example",
    "colour",
    "process_step",
    "codable",
)
_FIELD_ALIASES = {"color": "colour", "description": "definition"}


@dataclass(frozen=True)
class Code:
    """One code of a codebook (see the module docstring for the fields)."""

    id: str
    name: str
    parent: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    colour: str | None = None
    process_step: str | None = None
    line: int | None = None
    codable: bool = True


@dataclass
class Codebook:
    """A validated codebook.

    Attributes
    ----------
    codes : dict of str to Code
        Codes by id, in file order.
    path : Path or None
        The file it was read from.
    version : int or str or None
        The ``version`` the file declares.
    """

    codes: dict[str, Code] = field(default_factory=dict)
    path: Path | None = None
    version: int | str | None = None

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self):
        return iter(self.codes.values())

    def __getitem__(self, code_id: str) -> Code:
        return self.codes[code_id]

    @property
    def themes(self) -> list[Code]:
        """Top-level codes (codes without a parent)."""
        return [code for code in self if code.parent is None]

    def children(self, code_id: str) -> list[Code]:
        """Codes whose parent is ``code_id``."""
        return [code for code in self if code.parent == code_id]

    def theme_of(self, code_id: str) -> Code:
        """The top-level ancestor of a code (the code itself for a theme)."""
        code = self.codes[code_id]
        while code.parent is not None:
            code = self.codes[code.parent]
        return code

    def in_tree_order(self) -> list[tuple[Code, int]]:
        """``(code, depth)`` pairs: each theme followed by its codes, depth first, file order.

        Walked with a stack, not recursion, so a hierarchy deeper than Python's recursion limit
        is as fine as a flat one. A code whose parent is not in the codebook starts a tree of
        its own (depth 0).

        Examples
        --------
        >>> book = parse_codebook(
        ...     "codes:\\n- name: A\\n- name: B\\n"
        ...     "- {name: A1, parent: a}\\n- {name: A1x, parent: a1}\\n"
        ... )
        >>> [(code.id, depth) for code, depth in book.in_tree_order()]
        [('a', 0), ('a1', 1), ('a1x', 2), ('b', 0)]
        """
        children: dict[str, list[Code]] = {}
        roots = []
        for code in self:
            if code.parent is None or code.parent not in self.codes:
                roots.append(code)
            else:
                children.setdefault(code.parent, []).append(code)
        ordered = []
        stack = [(code, 0) for code in reversed(roots)]
        while stack:
            code, depth = stack.pop()
            ordered.append((code, depth))
            stack.extend((child, depth + 1) for child in reversed(children.get(code.id, [])))
        return ordered

    def leaf_codes(self) -> list[Code]:
        """Codes with no children (the ones applied to text, usually)."""
        parents = {code.parent for code in self}
        return [code for code in self if code.id not in parents]

    def to_frame(self) -> pd.DataFrame:
        """Return one row per code with its theme and depth (a tidy codebook table).

        Examples
        --------
        >>> text = "codes:\\n- name: Waiting\\n- name: Backlog\\n  parent: waiting\\n"
        >>> book = parse_codebook(text)
        >>> book.to_frame()[["code_id", "theme_id", "depth"]].values.tolist()
        [['waiting', 'waiting', 0], ['backlog', 'waiting', 1]]
        """
        lineage = self._lineage()
        rows = []
        for code in self:
            rows.append(
                {
                    "code_id": code.id,
                    "name": code.name,
                    "parent_id": code.parent,
                    "theme_id": lineage[code.id][0],
                    "depth": lineage[code.id][1],
                    "definition": code.definition,
                    "include": code.include,
                    "exclude": code.exclude,
                    "example": code.example,
                    "colour": code.colour,
                    "process_step": code.process_step,
                    "codable": code.codable,
                }
            )
        return pd.DataFrame(rows, columns=list(_FRAME_COLUMNS))

    def _lineage(self) -> dict[str, tuple[str, int]]:
        """Each code's theme id and depth, in one pass over the parent chains.

        Iterative and remembering what it found, so a chain of thousands of parents costs as
        much as a flat codebook (no recursion limit, no walk per code to the top).
        """
        found: dict[str, tuple[str, int]] = {}
        for code in self:
            chain = []
            current = code
            while current.id not in found and current.parent is not None:
                chain.append(current)
                if len(chain) > len(self.codes):
                    raise CodebookError(
                        f"code {code.id!r} is its own ancestor (a loop of parents)",
                        path=self.path,
                        line=code.line,
                        hint="break the loop: one code in it must have another parent or none",
                    )
                current = self.codes[current.parent]
            theme, depth = found.setdefault(current.id, (current.id, 0))
            for step in reversed(chain):  # from just below the known code down to ``code``
                depth += 1
                found[step.id] = (theme, depth)
        return found


_FRAME_COLUMNS = (
    "code_id",
    "name",
    "parent_id",
    "theme_id",
    "depth",
    "definition",
    "include",
    "exclude",
    "example",
    "colour",
    "process_step",
    "codable",
)


def slugify(name: str) -> str:
    """Make a code id from a name.

    Examples
    --------
    >>> slugify("Plan-review backlog (weeks)")
    'plan_review_backlog_weeks'
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def read_codebook(path: Path | str) -> Codebook:
    """Read and validate a codebook YAML file.

    Raises
    ------
    CodebookError
        For the first error found (``research-kit check`` lists them all).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "codebook.yml"
    >>> _ = path.write_text("codes:\\n  - name: Waiting\\n    definition: Time lost.\\n")
    >>> [code.id for code in read_codebook(path)]
    ['waiting']
    """
    codebook, problems = validate_codebook(path)
    raise_first_error(problems, CodebookError)
    return codebook


def parse_codebook(text: str, path: Path | str = "<codebook>") -> Codebook:
    """Parse and validate codebook YAML text (see :func:`read_codebook`)."""
    codebook, problems = _validate_text(text, Path(path))
    raise_first_error(problems, CodebookError)
    return codebook


def validate_codebook(path: Path | str) -> tuple[Codebook, list[Problem]]:
    """Read a codebook and return it with every problem found (errors and warnings)."""
    path = Path(path)
    try:
        raw = read_text(path, error_class=CodebookError)
    except CodebookError as exc:
        return Codebook(path=path), [exc.as_problem()]
    return _validate_text(raw.text, path)


def _validate_text(text: str, path: Path) -> tuple[Codebook, list[Problem]]:
    try:
        data = parse_yaml(text, path, error_class=CodebookError)
    except CodebookError as exc:
        return Codebook(path=path), [exc.as_problem()]
    entries, version, problems = _code_entries(data, path)
    codes: dict[str, Code] = {}
    names: dict[str, Code] = {}
    for index, entry in enumerate(entries):
        line = entries.item_lines[index] if isinstance(entries, YamlList) else None
        code, entry_problems = _read_code(entry, path, line)
        problems += entry_problems
        if code is None:
            continue
        problems += _duplicate_problems(code, codes, names, path)
        codes.setdefault(code.id, code)
        names.setdefault(code.name.casefold(), code)
    problems += _hierarchy_problems(codes, path)
    if not codes and not any(p.severity == "error" for p in problems):
        problems.append(
            Problem(path, "has no codes", "list codes under 'codes:' (see the sample codebook)")
        )
    broken = {p.line for p in problems if p.severity == "error"}
    valid = {code_id: code for code_id, code in codes.items() if code.line not in broken}
    return Codebook(valid, path, version), problems


def _code_entries(data: object, path: Path) -> tuple[list, object, list[Problem]]:
    if isinstance(data, list):
        return data, None, []
    if isinstance(data, dict) and isinstance(data.get("codes"), list):
        return data["codes"], data.get("version"), []
    line = data.line_of("codes") if isinstance(data, YamlMap) else 1
    problem = Problem(
        path,
        "has no list of codes",
        "start the file with 'codes:' followed by '- name: …' entries",
        line=line,
    )
    return [], None, [problem]


def _read_code(entry: object, path: Path, line: int | None) -> tuple[Code | None, list[Problem]]:
    if not isinstance(entry, dict):
        return None, [
            Problem(path, "a code entry is not a mapping", "write '- name: …' entries", line=line)
        ]
    fields = {_FIELD_ALIASES.get(str(key), str(key)): value for key, value in entry.items()}
    problems = [
        Problem(
            path,
            f"unknown field {key!r} in a code",
            f"use one of: {', '.join(CODE_FIELDS)}" + did_you_mean(key, CODE_FIELDS),
            line=entry.line_of(key) if isinstance(entry, YamlMap) else line,
            severity="warning",
        )
        for key in fields
        if key not in CODE_FIELDS
    ]
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip():
        return None, [
            *problems,
            Problem(path, "a code has no name", "give every code a 'name:'", line=line),
        ]
    code_id = str(fields.get("id") or slugify(name))
    if not _ID.match(code_id):
        problems.append(
            Problem(
                path,
                f"code id {code_id!r} has spaces or symbols",
                "use letters, digits and underscores, e.g. 'plan_review_backlog'",
                line=line,
            )
        )
    colour = fields.get("colour")
    if colour is not None and not (isinstance(colour, str) and _COLOUR.match(colour)):
        problems.append(
            Problem(
                path,
                f"colour {colour!r} of code {code_id!r} is not a hex colour",
                'write it in quotes as "#RRGGBB", e.g. "#4477AA"',
                line=entry.line_of("colour") if isinstance(entry, YamlMap) else line,
            )
        )
        colour = None
    if not isinstance(fields.get("codable", True), bool):
        problems.append(
            Problem(
                path,
                f"codable {fields['codable']!r} of code {code_id!r} is not true or false",
                "write 'codable: false' for a code that only groups others, or leave it out",
                line=entry.line_of("codable") if isinstance(entry, YamlMap) else line,
            )
        )
    parent = fields.get("parent")
    code = Code(
        id=code_id,
        name=name.strip(),
        parent=str(parent) if parent not in (None, "") else None,
        definition=_text(fields.get("definition")),
        include=_text(fields.get("include")),
        exclude=_text(fields.get("exclude")),
        example=_text(fields.get("example")),
        colour=colour,
        process_step=str(fields["process_step"]) if fields.get("process_step") else None,
        line=line,
        codable=fields.get("codable", True) is not False,
    )
    if not code.definition:
        problems.append(
            Problem(
                path,
                f"code {code.id!r} has no definition",
                "add 'definition:' so every coder applies it the same way",
                line=line,
                severity="warning",
            )
        )
    return code, problems


def _duplicate_problems(
    code: Code, codes: dict[str, Code], names: dict[str, Code], path: Path
) -> list[Problem]:
    problems = []
    if code.id in codes:
        problems.append(
            Problem(
                path,
                f"code id {code.id!r} is used twice (first on line {codes[code.id].line})",
                "give each code its own id; merge the two if they mean the same",
                line=code.line,
            )
        )
    first = names.get(code.name.casefold())
    if first is not None and first.id != code.id:
        problems.append(
            Problem(
                path,
                f"code name {code.name!r} is used twice (first on line {first.line})",
                "rename one of them, or merge them into one code",
                line=code.line,
            )
        )
    return problems


def _hierarchy_problems(codes: dict[str, Code], path: Path) -> list[Problem]:
    problems = []
    looped = _codes_reaching_a_loop(codes)
    for code in codes.values():
        if code.parent is None:
            continue
        if code.parent not in codes:
            problems.append(
                Problem(
                    path,
                    f"code {code.id!r} has parent {code.parent!r}, which is not in the codebook",
                    "use the id of an existing code as parent" + did_you_mean(code.parent, codes),
                    line=code.line,
                )
            )
        elif code.id in looped:
            problems.append(
                Problem(
                    path,
                    f"code {code.id!r} is its own ancestor (a loop of parents)",
                    "break the loop: one code in it must have another parent or none",
                    line=code.line,
                )
            )
    return problems


def _codes_reaching_a_loop(codes: dict[str, Code]) -> set[str]:
    """Codes whose chain of parents runs into a loop, found in one pass over all chains.

    Each code's chain is walked once: a walk stops at a code already judged, at a missing
    parent or a theme (no loop), or at a code seen on the same walk (a loop).
    """
    judged: dict[str, bool] = {}
    for code_id in codes:
        walk: list[str] = []
        on_walk: set[str] = set()
        current: str | None = code_id
        while current is not None and current in codes and current not in judged:
            if current in on_walk:
                break
            walk.append(current)
            on_walk.add(current)
            current = codes[current].parent
        if current is not None and current in on_walk:
            looped = True
        else:
            looped = judged.get(current, False) if current is not None else False
        for step in walk:
            judged[step] = looped
    return {code_id for code_id, looped in judged.items() if looped}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value).strip()
