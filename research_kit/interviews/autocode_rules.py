"""Auto-coding rules: ``autocode.yml`` read, checked against spaCy and the codebook, and held.

Rules live in ``autocode.yml`` in the study folder: per code, keywords (case-insensitive whole
words or phrases), lemmas (any word whose lemma from the study's spaCy pipeline is listed) and
spaCy ``Matcher`` token patterns. :func:`read_rules`, :func:`parse_rules` and
:func:`validate_rules` turn the file into :class:`AutocodeRules`, every problem named with its
line; running them over notes is :mod:`.autocode`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from research_kit.errors import InputError, Problem, did_you_mean, raise_first_error
from research_kit.rawfiles import read_text
from research_kit.yamlfiles import YamlList, YamlMap, parse_yaml

if TYPE_CHECKING:
    from research_kit.interviews.codebook import Codebook
    from research_kit.study import Study

__all__ = [
    "RULES_FILE",
    "RULES_FILE_KEYS",
    "RULE_KINDS",
    "AutocodeError",
    "AutocodeRules",
    "CodeRules",
    "describe_pattern",
    "parse_rules",
    "read_rules",
    "resolve_rules",
    "validate_rules",
]

#: The rules file, in the study folder.
RULES_FILE = "autocode.yml"
RULE_KINDS = ("keywords", "lemmas", "patterns")
#: The top-level keys of autocode.yml (docs/autocode.md documents each).
RULES_FILE_KEYS = ("rules", "version", "description")
_PATTERNS_HELP = "https://spacy.io/usage/rule-based-matching#adding-patterns-attributes"


class AutocodeError(InputError):
    """The auto-coding rules (``autocode.yml``) are not valid."""


@dataclass(frozen=True, eq=False)
class CodeRules:
    """The rules of one code.

    Attributes
    ----------
    code_id : str
    keywords : tuple of str
        Whole words or phrases, matched case-insensitively on token boundaries.
    lemmas : tuple of str
        Single words; a token matches when its lemma (lower-cased) is one of these or of
        their own lemmas.
    patterns : tuple of list of dict
        spaCy ``Matcher`` token patterns.
    line : int or None
        Line of the code in the rules file.
    pattern_lines : tuple of int or None
        Line of each pattern.
    """

    code_id: str
    keywords: tuple[str, ...] = ()
    lemmas: tuple[str, ...] = ()
    patterns: tuple[list[dict[str, Any]], ...] = ()
    line: int | None = None
    pattern_lines: tuple[int | None, ...] = ()


@dataclass
class AutocodeRules:
    """Validated auto-coding rules, by code id (see :func:`read_rules`).

    Attributes
    ----------
    codes : dict of str to CodeRules
    path : Path or None
        The file they were read from.
    """

    codes: dict[str, CodeRules] = field(default_factory=dict)
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[CodeRules]:
        return iter(self.codes.values())

    def __getitem__(self, code_id: str) -> CodeRules:
        return self.codes[code_id]

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: ``code_id``, ``kind`` (keyword, lemma, pattern), ``rule``, ``line``.

        Examples
        --------
        >>> rules = parse_rules("rules:\\n  waiting: {keywords: [queue], lemmas: [wait]}\\n")
        >>> rules.to_frame()[["code_id", "kind", "rule"]].values.tolist()
        [['waiting', 'keyword', 'queue'], ['waiting', 'lemma', 'wait']]
        """
        rows = []
        for rules in self:
            rows += [(rules.code_id, "keyword", word, rules.line) for word in rules.keywords]
            rows += [(rules.code_id, "lemma", lemma, rules.line) for lemma in rules.lemmas]
            rows += [
                (rules.code_id, "pattern", describe_pattern(pattern), line)
                for pattern, line in zip(rules.patterns, rules.pattern_lines, strict=True)
            ]
        return pd.DataFrame(rows, columns=["code_id", "kind", "rule", "line"])


def read_rules(path: Path | str, *, codebook: Codebook | None = None) -> AutocodeRules:
    """Read and validate auto-coding rules from a YAML file (or a study folder's ``autocode.yml``).

    The file holds a ``rules:`` mapping from code id to ``keywords``, ``lemmas`` and
    ``patterns`` (spaCy ``Matcher`` token patterns)::

        rules:
          plan_review_backlog:
            keywords: [in the queue, first review]
            lemmas: [backlog, queue]
            patterns:
              - [{LEMMA: wait}, {LIKE_NUM: true}, {LOWER: {IN: [weeks, months]}}]

    Parameters
    ----------
    path : Path or str
        The rules file, or a study folder holding ``autocode.yml``.
    codebook : Codebook, optional
        When given, every code id must be one of its codes.

    Returns
    -------
    AutocodeRules

    Raises
    ------
    AutocodeError
        For the first problem (file and line, what to do): bad YAML, an unknown code id, a
        rule that is not a list of words, or a pattern spaCy rejects.

    Examples
    --------
    >>> rules = read_rules("interview_data")
    >>> "cost_of_delay" in rules.codes
    True
    """
    rules, problems = validate_rules(path, codebook=codebook)
    raise_first_error(problems, AutocodeError)
    return rules


def parse_rules(
    data: str | Mapping,
    path: Path | str = "<rules>",
    *,
    codebook: Codebook | None = None,
) -> AutocodeRules:
    """Validate rules given as YAML text or an already-read mapping (see :func:`read_rules`).

    Examples
    --------
    >>> rules = parse_rules({"rules": {"waiting": {"lemmas": ["wait", "queue"]}}})
    >>> rules["waiting"].lemmas
    ('wait', 'queue')
    """
    rules, problems = _validate(data, Path(path), codebook)
    raise_first_error(problems, AutocodeError)
    return rules


def validate_rules(
    path: Path | str, *, codebook: Codebook | None = None
) -> tuple[AutocodeRules, list[Problem]]:
    """Read a rules file; return the valid rules and every problem found (for ``check``)."""
    path = Path(path)
    if path.is_dir():
        path = path / RULES_FILE
    if not path.exists():
        hint = "write the rules there (see interview_data/autocode.yml) or pass them to apply_rules"
        return AutocodeRules(path=path), [Problem(path, "file not found", hint)]
    try:
        raw = read_text(path, error_class=AutocodeError)
    except AutocodeError as exc:
        return AutocodeRules(path=path), [exc.as_problem()]
    return _validate(raw.text, path, codebook)


def _validate(
    data: str | Mapping, path: Path, codebook: Codebook | None
) -> tuple[AutocodeRules, list[Problem]]:
    if isinstance(data, str):
        try:
            data = parse_yaml(data, path, error_class=AutocodeError)
        except AutocodeError as exc:
            return AutocodeRules(path=path), [exc.as_problem()]
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), Mapping):
        line = _line_of(data, "rules") or 1
        hint = "start the file with 'rules:' and one entry per code id (see interview_data)"
        return AutocodeRules(path=path), [Problem(path, "has no 'rules:' mapping", hint, line)]
    problems = [
        Problem(
            path,
            f"unknown key {key!r}",
            f"use one of: {', '.join(RULES_FILE_KEYS)}" + did_you_mean(key, RULES_FILE_KEYS),
            _line_of(data, key),
            severity="warning",
        )
        for key in data
        if key not in RULES_FILE_KEYS
    ]
    from spacy.vocab import Vocab

    vocab = Vocab()  # patterns are checked once here, against an empty vocabulary
    codes: dict[str, CodeRules] = {}
    for code_id, entry in data["rules"].items():
        line = _line_of(data["rules"], code_id)
        code_rules, entry_problems = _read_code_rules(str(code_id), entry, path, line, vocab)
        problems += entry_problems
        if codebook is not None and str(code_id) not in codebook.codes:
            problems.append(_unknown_code(str(code_id), codebook.codes, path, line))
        elif code_rules is not None and not entry_problems:
            codes[code_rules.code_id] = code_rules
    if not data["rules"]:
        hint = "add one entry per code id under 'rules:'"
        problems.append(
            Problem(path, "lists no codes under 'rules:'", hint, _line_of(data, "rules"))
        )
    return AutocodeRules(codes, path), problems


def _read_code_rules(
    code_id: str, entry: object, path: Path, line: int | None, vocab
) -> tuple[CodeRules | None, list[Problem]]:
    if not isinstance(entry, Mapping):
        hint = "give it 'keywords:', 'lemmas:' and/or 'patterns:' lists"
        return None, [Problem(path, f"the rules of code {code_id!r} are not a mapping", hint, line)]
    problems = [
        Problem(
            path,
            f"unknown key {key!r} in the rules of code {code_id!r}",
            f"use one of: {', '.join(RULE_KINDS)}" + did_you_mean(str(key), RULE_KINDS),
            _line_of(entry, key) or line,
        )
        for key in entry
        if key not in RULE_KINDS
    ]
    keywords = _words(entry, "keywords", code_id, path, line, problems)
    lemmas = _words(entry, "lemmas", code_id, path, line, problems)
    for index, lemma in enumerate(lemmas):
        if len(lemma.split()) != 1:
            problems.append(
                Problem(
                    path,
                    f"lemma {lemma!r} of code {code_id!r} is more than one word",
                    "list single words under 'lemmas:'; use a keyword or a pattern for phrases",
                    _item_line(entry.get("lemmas"), index) or line,
                )
            )
    patterns, pattern_lines = _patterns(entry, code_id, path, line, vocab, problems)
    if not (keywords or lemmas or patterns) and not problems:
        problems.append(
            Problem(
                path,
                f"code {code_id!r} has no rules",
                "add 'keywords:', 'lemmas:' or 'patterns:', or remove the code from the file",
                line,
            )
        )
    rules = CodeRules(code_id, keywords, lemmas, patterns, line, pattern_lines)
    return rules, problems


def _words(
    entry: Mapping, key: str, code_id: str, path: Path, line: int | None, problems: list
) -> tuple[str, ...]:
    values = entry.get(key)
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        problems.append(
            Problem(
                path,
                f"'{key}' of code {code_id!r} is not a list",
                f"write {key}: [word, another word]",
                _line_of(entry, key) or line,
            )
        )
        return ()
    words = []
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value):
            problems.append(
                Problem(
                    path,
                    f"{key[:-1]} {value!r} of code {code_id!r} is not a word or phrase",
                    "write plain words; put quotes around yes/no/on/off and numbers",
                    _item_line(values, index) or line,
                )
            )
            continue
        words.append(str(value).strip())
    return tuple(dict.fromkeys(word for word in words if word))


def _patterns(
    entry: Mapping, code_id: str, path: Path, line: int | None, vocab, problems: list
) -> tuple[tuple[list, ...], tuple[int | None, ...]]:
    values = entry.get("patterns")
    if values is None:
        return (), ()
    if not isinstance(values, list):
        problems.append(
            Problem(
                path,
                f"'patterns' of code {code_id!r} is not a list of patterns",
                "write each pattern as a list of token specs: - [{LOWER: four}, {LOWER: hour}]",
                _line_of(entry, "patterns") or line,
            )
        )
        return (), ()
    patterns, lines = [], []
    for index, pattern in enumerate(values):
        pattern_line = _item_line(values, index) or line
        found = _pattern_problems(pattern, f"pattern {index + 1} of code {code_id!r}", vocab)
        problems += [
            Problem(path, message, hint, _item_line(pattern, token) or pattern_line)
            for message, hint, token in found
        ]
        if not found:
            patterns.append(_plain(pattern))
            lines.append(pattern_line)
    return tuple(patterns), tuple(lines)


def _pattern_problems(pattern: object, name: str, vocab) -> list[tuple[str, str, int | None]]:
    """Check a pattern with spaCy; translate its complaints into (message, hint, token)."""
    from spacy.matcher import Matcher
    from spacy.schemas import validate_token_pattern

    hint = f"fix the token spec (attributes such as LOWER, LEMMA, LIKE_NUM, IN: {_PATTERNS_HELP})"
    if not isinstance(pattern, list) or not pattern:
        return [(f"{name} is not a non-empty list of token specs", hint, None)]
    found: dict[tuple[int | None, str], tuple[str, str, int | None]] = {}
    for error in validate_token_pattern(_plain(pattern)):
        token, where, what = _parse_spacy_error(error)
        token_text = f", token {token + 1}" if token is not None else ""
        where_text = f" {where}:" if where else ""
        message = f"{name}{token_text}:{where_text} {what[:1].lower()}{what[1:]}"
        found.setdefault((token, where.split(" ")[0]), (message, hint, token))
    if found:
        return list(found.values())
    try:
        Matcher(vocab).add("check", [_plain(pattern)])
    except (ValueError, re.error) as exc:  # e.g. a REGEX that does not compile
        return [(f"{name} is rejected by spaCy: {str(exc).splitlines()[0]}", hint, None)]
    return []


def _parse_spacy_error(error: str) -> tuple[int | None, str, str]:
    """Split "[pattern -> 1 -> LEMMA -> TokenPatternString -> INN] Extra inputs…"."""
    match = re.match(r"\[(?P<where>[^\]]*)\]\s*(?P<what>.*)", error)
    if not match:
        return None, "", error
    parts = [part.strip() for part in match.group("where").split("->")][1:]
    token = int(parts.pop(0)) if parts and parts[0].isdigit() else None
    names = [part for part in parts if re.fullmatch(r"[A-Z_]+|_|[a-z_]+(?=$)", part)]
    return token, " → ".join(names), match.group("what")


def _plain(value: Any) -> Any:
    """YamlMap/YamlList → plain dict/list (spaCy and pickling want plain objects)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def describe_pattern(pattern: list[dict]) -> str:
    """A short, readable form of a spaCy token pattern, as the preview's ``rule`` column shows it.

    Examples
    --------
    >>> describe_pattern([{"LEMMA": "wait"}, {"LIKE_NUM": True}, {"LOWER": {"IN": ["a", "b"]}}])
    '[LEMMA=wait] [LIKE_NUM] [LOWER in a/b]'
    """
    tokens = []
    for spec in pattern:
        parts = []
        for key, value in spec.items():
            if key == "OP":
                continue
            if isinstance(value, Mapping):
                parts += [
                    f"{key} {op.lower().replace('_', ' ')} "
                    + ("/".join(map(str, item)) if isinstance(item, list) else str(item))
                    for op, item in value.items()
                ]
            elif value is True:
                parts.append(key)
            elif value is False:
                parts.append(f"not {key}")
            else:
                parts.append(f"{key}={value}")
        tokens.append("[" + ", ".join(parts or ["any"]) + "]" + str(spec.get("OP", "")))
    return " ".join(tokens)


def _unknown_code(code_id: str, known: Iterable[str], path: Path, line: int | None) -> Problem:
    return Problem(
        path,
        f"code {code_id!r} is not in the codebook",
        "use a code id from codebook.yml" + did_you_mean(code_id, list(known)),
        line,
    )


def _line_of(mapping: object, key: object) -> int | None:
    return mapping.line_of(str(key)) if isinstance(mapping, YamlMap) else None


def _item_line(items: object, index: int | None) -> int | None:
    if index is None or not isinstance(items, YamlList) or index >= len(items.item_lines):
        return None
    return items.item_lines[index]


def resolve_rules(
    rules: AutocodeRules | Mapping | Path | str | None, study: Study
) -> AutocodeRules:
    """The rules to run on a study, however they were given, checked against its codebook.

    Parameters
    ----------
    rules : AutocodeRules, mapping, Path, str or None
        Rules already read (their codes are checked against the codebook), a mapping as in
        ``autocode.yml``, a rules file, or None for the study's own ``autocode.yml``.
    study : Study

    Returns
    -------
    AutocodeRules

    Raises
    ------
    AutocodeError
        The rules are not valid, or name a code the codebook lacks.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> len(resolve_rules({"rules": {"cost_of_delay": {"keywords": ["weeks"]}}}, study))
    1
    >>> resolve_rules({"rules": {"no_such_code": {"keywords": ["x"]}}}, study)
    Traceback (most recent call last):
    ...
    research_kit.interviews.autocode_rules.AutocodeError: ...
    >>> study.close()
    """
    codebook = study.codebook()
    if rules is None:
        return read_rules(study.folder / RULES_FILE, codebook=codebook)
    if isinstance(rules, (str, Path)):
        return read_rules(rules, codebook=codebook)
    if not isinstance(rules, AutocodeRules):
        return parse_rules(rules, codebook=codebook)
    problems = [
        _unknown_code(r.code_id, codebook.codes, rules.path or "<rules>", r.line)
        for r in rules
        if r.code_id not in codebook.codes
    ]
    raise_first_error(problems, AutocodeError)
    return rules
