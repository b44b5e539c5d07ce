"""YAML files of a study (study.yml, codebooks, process maps) read with their line numbers.

Validation messages must say *where* a problem is, so mappings read from YAML remember the line
they start on and the line of each key. Only YAML's safe subset is read: a study file can never
run code or build arbitrary Python objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from research_kit.errors import InputError, ResearchKitError
from research_kit.rawfiles import RawText, read_text


class YamlMap(dict):
    """A ``dict`` read from YAML that knows the 1-based line of itself and of each key."""

    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        """Return the line of ``key`` (or of the mapping itself when the key is absent)."""
        return self.key_lines.get(key, self.line)


class YamlList(list):
    """A ``list`` read from YAML that knows the 1-based line of each item."""

    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings and sequences keep line numbers."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> YamlMap:
        _refuse_repeated_keys(node)
        mapping = YamlMap(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            str(key_node.value): key_node.start_mark.line + 1 for key_node, _ in node.value
        }
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> YamlList:
        items = YamlList(super().construct_sequence(node, deep=True))
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items


class RepeatedKeyError(yaml.MarkedYAMLError):
    """A mapping names one key twice; YAML would silently keep only the last value."""

    key: str = ""
    first_line: int = 0


def _refuse_repeated_keys(node: yaml.MappingNode) -> None:
    first: dict[object, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<' merges may repeat; complex keys are not ours to judge
        line = key_node.start_mark.line + 1
        if key_node.value in first:
            error = RepeatedKeyError(
                problem="a key is given twice", problem_mark=key_node.start_mark
            )
            error.key, error.first_line = key_node.value, first[key_node.value]
            raise error
        first[key_node.value] = line


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)


def parse_yaml(
    text: str,
    path: Path | str,
    *,
    line_offset: int = 0,
    error_class: type[ResearchKitError] = InputError,
) -> Any:
    """Parse YAML text safely, keeping line numbers; syntax errors name file and line.

    Parameters
    ----------
    text : str
        The YAML text.
    path : Path or str
        The file it came from, for messages.
    line_offset : int
        Lines before ``text`` in the file (e.g. the opening ``---`` of front matter).
    error_class : type
        The exception class to raise.

    Examples
    --------
    >>> data = parse_yaml("name: x\\ncodes:\\n  - id: a\\n", "codebook.yml")
    >>> data.line_of("codes")
    2
    """
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except RepeatedKeyError as exc:
        raise error_class(
            f"the key {exc.key!r} is given twice (first on line {exc.first_line + line_offset}); "
            "YAML would keep only the last value",
            path=path,
            line=exc.problem_mark.line + 1 + line_offset,
            hint="keep one of the two lines (merge their values if both matter)",
        ) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        problem = exc.problem or str(exc)
        raise error_class(
            f"is not valid YAML: {problem}",
            path=path,
            line=line,
            hint="fix the indentation or quoting on that line (a value with ':' needs quotes)",
        ) from exc
    except yaml.YAMLError as exc:
        raise error_class(
            f"is not valid YAML: {exc}", path=path, hint="check the file's syntax"
        ) from exc
    except RecursionError as exc:  # PyYAML composes nested blocks recursively
        line = _deepest_line(text)
        raise error_class(
            "is nested too deeply to read (lists or mappings inside each other hundreds of "
            "levels deep)",
            path=path,
            line=line + line_offset if line else None,
            hint="write the items one after another instead (a codebook lists its codes flat "
            "and names each one's parent with 'parent:')",
        ) from exc
    except (ValueError, TypeError, OverflowError) as exc:
        # PyYAML's constructors raise these for values that parse but cannot be built,
        # e.g. the date 2026-02-31 (ValueError: day is out of range for month).
        line = _unbuildable_line(text)
        raise error_class(
            f"has a value that cannot be read ({exc})",
            path=path,
            line=line + line_offset if line else None,
            hint="correct the value, or put it in quotes to keep it as text "
            "(e.g. date: '2026-02-31')",
        ) from exc
    if isinstance(data, YamlMap) and line_offset:
        _shift_lines(data, line_offset)
    return data


_OPENERS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSERS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _deepest_line(text: str) -> int | None:
    """The 1-based line where the YAML is nested deepest, found by scanning (no recursion)."""
    depth = deepest = 0
    line = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, _OPENERS):
                depth += 1
                if depth > deepest:
                    deepest, line = depth, token.start_mark.line + 1
            elif isinstance(token, _CLOSERS):
                depth -= 1
    except yaml.YAMLError:
        pass  # the part scanned so far still says where the nesting went deep
    return line


def _unbuildable_line(text: str) -> int | None:
    """The 1-based line of the first scalar that parses but cannot be built (e.g. 2026-02-31)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop(0)
        if id(node) in seen:  # aliases share nodes; visit each once
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(node)
            except (ValueError, TypeError, OverflowError, yaml.YAMLError):
                return node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)
    return None


def read_yaml(
    path: Path | str, *, error_class: type[ResearchKitError] = InputError
) -> tuple[Any, RawText]:
    """Read a YAML file from a study; return the data and the raw text it came from."""
    raw = read_text(path, error_class=error_class)
    return parse_yaml(raw.text, path, error_class=error_class), raw


def _shift_lines(node: Any, offset: int) -> None:
    """Add ``offset`` to every recorded line (for YAML embedded after other lines)."""
    if isinstance(node, YamlMap):
        node.line = (node.line or 0) + offset
        node.key_lines = {key: line + offset for key, line in node.key_lines.items()}
        for value in node.values():
            _shift_lines(value, offset)
    elif isinstance(node, YamlList):
        node.item_lines = [line + offset for line in node.item_lines]
        for value in node:
            _shift_lines(value, offset)
