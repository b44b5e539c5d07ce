"""Auto-coding rules: keywords, lemmas and spaCy patterns that propose codings, never write them.

Rules live in ``autocode.yml`` in the study folder: per code, keywords (case-insensitive whole
words or phrases), lemmas (any word whose lemma from the study's spaCy pipeline is listed, so
"inspections" and "inspected" match ``inspection`` and ``inspect``) and spaCy ``Matcher`` token
patterns. :func:`apply_rules` runs them over excerpts (paragraphs, speaker turns or sentences,
in batches with ``nlp.pipe``) and returns a preview table; nothing is written. A person reviews
the preview (drop rows, or set an ``accepted`` column) and :func:`accept` writes the kept rows
as codings with origin ``rule`` (or ``suggestion``, for rows from
:mod:`research_kit.interviews.suggester`), in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from research_kit.errors import CodingError, InputError, Problem, did_you_mean, raise_first_error
from research_kit.interviews.coding import apply_codes, drop_coded, study_segments
from research_kit.interviews.segments import SEGMENT_KINDS
from research_kit.rawfiles import read_text
from research_kit.text import build_pipeline, pipe
from research_kit.yamlfiles import YamlList, YamlMap, parse_yaml

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from research_kit.interviews.codebook import Codebook
    from research_kit.study import Study

#: The rules file, in the study folder.
RULES_FILE = "autocode.yml"
RULE_KINDS = ("keywords", "lemmas", "patterns")
PREVIEW_COLUMNS = [
    "document_id",
    "start",
    "end",
    "text",
    "code_id",
    "rule",
    "matched_text",
    "origin",
]
SUGGESTION_COLUMNS = ["document_id", "start", "end", "text", "code_id", "confidence", "origin"]
AGREEMENT_COLUMNS = [
    "code_id",
    "n_units",
    "n_positive",
    "n_predicted",
    "kappa",
    "precision",
    "recall",
    "status",
]
ACCEPTED_ORIGINS = ("rule", "suggestion")
_TOP_LEVEL_KEYS = ("rules", "version", "description")
_PATTERNS_HELP = "https://spacy.io/usage/rule-based-matching#adding-patterns-attributes"
#: Pattern attributes that need a pipeline component the rules could otherwise skip.
_NEEDS_COMPONENT = {
    "DEP": ("parser",),
    "HEAD": ("parser",),
    "ENT_TYPE": ("ner",),
    "ENT_IOB": ("ner",),
    "ENT_ID": ("ner",),
    "ENT_KB_ID": ("ner",),
    "IS_SENT_START": ("parser", "senter", "sentencizer"),
    "SENT_START": ("parser", "senter", "sentencizer"),
}
_SKIPPABLE_COMPONENTS = ("parser", "ner", "senter", "sentencizer")


class AutocodeError(InputError):
    """The auto-coding rules (``autocode.yml``) are not valid."""


# -- rules ---------------------------------------------------------------------------------------
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
                (rules.code_id, "pattern", _describe_pattern(pattern), line)
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
            f"use one of: {', '.join(_TOP_LEVEL_KEYS)}" + did_you_mean(key, _TOP_LEVEL_KEYS),
            _line_of(data, key),
            severity="warning",
        )
        for key in data
        if key not in _TOP_LEVEL_KEYS
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


def _describe_pattern(pattern: list[dict]) -> str:
    """A short, readable form of a token pattern: ``[LEMMA=wait] [LIKE_NUM] [LOWER in a/b]``."""
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


def _as_rules(rules: AutocodeRules | Mapping | Path | str | None, study: Study) -> AutocodeRules:
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


# -- matching ------------------------------------------------------------------------------------
class _CompiledRules:
    """The rules turned into spaCy matchers for one pipeline's vocabulary."""

    def __init__(self, rules: AutocodeRules, nlp: Language) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher = Matcher(nlp.vocab)
        self.labels: dict[int, tuple[str, str]] = {}
        self.lemma_hits: dict[int, list[tuple[str, str]]] = {}
        strings = nlp.vocab.strings
        for code in rules:
            for number, keyword in enumerate(code.keywords):
                key = f"{code.code_id}\x1fkeyword\x1f{number}"
                self.phrases.add(key, [nlp.make_doc(keyword)])
                self.labels[strings.add(key)] = (code.code_id, f"keyword: {keyword}")
            for number, pattern in enumerate(code.patterns):
                key = f"{code.code_id}\x1fpattern\x1f{number}"
                self.matcher.add(key, [pattern])
                label = f"pattern: {_describe_pattern(pattern)}"
                self.labels[strings.add(key)] = (code.code_id, label)
            for lemma in code.lemmas:
                for form in _lemma_forms(lemma, nlp):
                    hits = self.lemma_hits.setdefault(strings.add(form), [])
                    if (code.code_id, f"lemma: {lemma}") not in hits:
                        hits.append((code.code_id, f"lemma: {lemma}"))
        self.skip = _skippable_components(rules, nlp)

    def __call__(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        """Every match in ``doc``: (start char, end char, code id, rule)."""
        found = []
        matches = [*(self.phrases(doc) if len(self.phrases) else ())]
        matches += self.matcher(doc) if len(self.matcher) else []
        for match_id, start, end in matches:
            span = doc[start:end]
            found.append((span.start_char, span.end_char, *self.labels[match_id]))
        if self.lemma_hits and len(doc):
            hits = self.lemma_hits
            for position, lemma in enumerate(doc.to_array("LEMMA").tolist()):
                if lemma in hits:
                    token = doc[position]
                    for code_id, label in hits[lemma]:
                        found.append((token.idx, token.idx + len(token.text), code_id, label))
        return found


def _lemma_forms(lemma: str, nlp: Language) -> set[str]:
    """The token lemmas a listed lemma matches, in three casings.

    That is the word itself, its own lemma, and its regular inflections that the pipeline's
    lemmatizer does not know (so "expediter" also finds "expediters" with the offline
    pipeline, whose lookup table lacks the word; known forms already lemmatize to it).
    """
    forms = {lemma.lower(), *(token.lemma_.lower() for token in nlp(lemma) if not token.is_space)}
    for word in list(forms):
        for inflected in _regular_inflections(word):
            lemmas = [token.lemma_.lower() for token in nlp(inflected)]
            if lemmas == [inflected]:
                forms.add(inflected)
    return {variant for form in forms for variant in (form, form.title(), form.upper())}


def _regular_inflections(word: str) -> list[str]:
    if not word.isalpha() or len(word) < 3:
        return []
    stem = word[:-1] if word.endswith("e") else word
    forms = [word + "s", word + "es", stem + "ed", stem + "ing"]
    if word.endswith("y") and word[-2] not in "aeiou":
        forms += [word[:-1] + "ies", word[:-1] + "ied"]
    return forms


def _skippable_components(rules: AutocodeRules, nlp: Language) -> list[str]:
    """Components the rules do not need (parser, NER…), skipped for speed."""
    used = {
        key.upper()
        for code in rules
        for pattern in code.patterns
        for spec in pattern
        for key in spec
    }
    needed = {name for key in used for name in _NEEDS_COMPONENT.get(key, ())}
    return [name for name in nlp.pipe_names if name in _SKIPPABLE_COMPONENTS and name not in needed]


def match_rules(
    excerpts: pd.DataFrame,
    rules: AutocodeRules | Mapping,
    *,
    nlp: Language | None = None,
    spans: str = "excerpt",
    batch_size: int = 256,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run auto-coding rules over an excerpt table (the engine behind :func:`apply_rules`).

    Parameters
    ----------
    excerpts : pandas.DataFrame
        Columns ``document_id``, ``start``, ``end``, ``text`` (e.g. from ``segment``).
    rules : AutocodeRules or mapping
        The rules (a mapping is validated with :func:`parse_rules`, without a codebook).
    nlp : Language, optional
        The spaCy pipeline whose lemmas the rules use (the offline one by default).
    spans : {"excerpt", "match"}
        ``"excerpt"``: one row per excerpt and code, spanning the whole excerpt.
        ``"match"``: one row per matched passage and code (overlapping matches merged).
    batch_size : int
        Texts per spaCy batch.
    progress : bool, optional
        Progress bar (default: only for 2,000 excerpts or more).

    Returns
    -------
    pandas.DataFrame
        The preview columns (``document_id``, ``start``, ``end``, ``text``, ``code_id``,
        ``rule``, ``matched_text``, ``origin``); ``rule`` and ``matched_text`` list every rule
        and passage that fired, separated by "; ".

    Examples
    --------
    >>> excerpts = pd.DataFrame({"document_id": ["P1"], "start": [10], "end": [44],
    ...                          "text": ["We waited 6 weeks for the inspectors"]})
    >>> rules = {"rules": {"waiting": {"patterns": [[{"LEMMA": "wait"}, {"LIKE_NUM": True}]]},
    ...                    "inspection": {"lemmas": ["inspector"]}}}
    >>> match_rules(excerpts, rules, spans="match")[["start", "end", "code_id", "matched_text"]]
       start  end     code_id matched_text
    0     13   21     waiting     waited 6
    1     36   46  inspection   inspectors
    """
    if spans not in ("excerpt", "match"):
        raise ValueError(f"spans must be 'excerpt' or 'match', not {spans!r}")
    if not isinstance(rules, AutocodeRules):
        rules = parse_rules(rules)
    nlp = nlp or build_pipeline("blank")
    compiled = _CompiledRules(rules, nlp)
    rows = []
    texts = excerpts["text"].tolist()
    with nlp.select_pipes(disable=compiled.skip):
        docs = pipe(texts, nlp, batch_size=batch_size, progress=progress)
        for excerpt, text, doc in zip(excerpts.itertuples(index=False), texts, docs, strict=True):
            found = compiled(doc)
            if found:
                rows += _preview_rows(excerpt, str(text), found, spans)
    return pd.DataFrame(rows, columns=PREVIEW_COLUMNS)


def _preview_rows(excerpt, text: str, found: list, spans: str) -> list[dict]:
    by_code: dict[str, list[tuple[int, int, str]]] = {}
    for start, end, code_id, label in sorted(found):
        by_code.setdefault(code_id, []).append((start, end, label))
    offset = int(excerpt.start)
    rows = []
    for code_id, matches in by_code.items():
        merged = _merge_overlapping(matches)
        if spans == "match":
            for start, end, labels in merged:
                rows.append(
                    _row(excerpt, offset + start, offset + end, text[start:end], code_id, labels)
                )
        else:
            labels = [label for *_, group in merged for label in group]
            row = _row(excerpt, offset, int(excerpt.end), text, code_id, labels)
            row["matched_text"] = "; ".join(dict.fromkeys(text[s:e] for s, e, _ in merged))
            rows.append(row)
    return rows


def _merge_overlapping(matches: list[tuple[int, int, str]]) -> list[tuple[int, int, list[str]]]:
    merged: list[list] = []
    for start, end, label in matches:  # sorted by start
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].append(label)
        else:
            merged.append([start, end, [label]])
    return [(start, end, labels) for start, end, labels in merged]


def _row(excerpt, start: int, end: int, text: str, code_id: str, labels: list[str]) -> dict:
    return {
        "document_id": excerpt.document_id,
        "start": start,
        "end": end,
        "text": text,
        "code_id": code_id,
        "rule": "; ".join(dict.fromkeys(labels)),
        "matched_text": text,
        "origin": "rule",
    }


def apply_rules(
    study: Study,
    rules: AutocodeRules | Mapping | Path | str | None = None,
    *,
    segment_by: str = "paragraph",
    documents: Iterable[str] | str | None = None,
    coder: str | None = None,
    nlp: Language | None = None,
) -> pd.DataFrame:
    """Preview what the auto-coding rules would code in the study's notes; writes nothing.

    Parameters
    ----------
    study : Study
    rules : AutocodeRules, mapping, path, optional
        The rules; by default the study's ``autocode.yml``. Every code must be in the
        study's codebook.
    segment_by : {"paragraph", "turn", "sentence", "match"}
        The excerpts proposed for coding: whole paragraphs, speaker turns or sentences in
        which a rule fired, or (``"match"``) just the matched passages.
    documents : iterable of str, optional
        Document ids to look at (all notes by default).
    coder : str, optional
        Leave out excerpts already coded with the same code by this coder (by anyone when
        None).
    nlp : Language, optional
        The spaCy pipeline (the study's by default).

    Returns
    -------
    pandas.DataFrame
        One row per proposed coding: ``document_id``, ``start``, ``end``, ``text``,
        ``code_id``, ``rule`` (which rules fired), ``matched_text``, ``origin`` ("rule").
        Review it, drop the rows you reject, and pass it to :func:`accept`.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.text import build_pipeline
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> rules = {"rules": {"paying_for_help": {"lemmas": ["expediter"]}}}
    >>> preview = apply_rules(study, rules, documents=["P04_inspector", "P13_business-owner"],
    ...                       nlp=build_pipeline("blank"))
    >>> preview[["document_id", "matched_text", "origin"]].head(2).values.tolist()
    [['P04_inspector', 'expediter', 'rule'], ['P04_inspector', 'expediters', 'rule']]
    >>> study.close()
    """
    if segment_by not in (*SEGMENT_KINDS, "match"):
        raise ValueError(f"segment_by must be one of {', '.join(SEGMENT_KINDS)} or 'match'")
    rules = _as_rules(rules, study)
    nlp = nlp or study.nlp()
    by = "paragraph" if segment_by == "match" else segment_by
    excerpts = study_segments(study, documents, by, nlp)
    spans = "match" if segment_by == "match" else "excerpt"
    preview = match_rules(excerpts, rules, nlp=nlp, spans=spans)
    return drop_coded(preview, study, coder).reset_index(drop=True)


# -- accepting -----------------------------------------------------------------------------------
def accept(study: Study, preview: pd.DataFrame, *, coder: str) -> pd.DataFrame:
    """Write reviewed rule or suggestion rows as codings, in one transaction.

    Parameters
    ----------
    study : Study
    preview : pandas.DataFrame
        Rows from :func:`apply_rules` or :func:`suggest` that a person kept (columns
        ``document_id``, ``start``, ``end``, ``code_id``, ``origin``; ``text`` is checked
        against the note when present). Rows whose optional ``accepted`` column is False are
        skipped; the same span and code given twice is written once.
    coder : str
        Who accepted them; the codings are theirs, with the row's origin ("rule" or
        "suggestion").

    Returns
    -------
    pandas.DataFrame
        The rows written, with their ``coding_id`` (an existing coding keeps its id).

    Raises
    ------
    CodingError
        Missing columns, an origin other than rule/suggestion, or a row whose text no longer
        matches its note (preview again); nothing is written then.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import codings
    >>> from research_kit.text import build_pipeline
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> rules = {"rules": {"portal_problems": {"keywords": ["AlderPermits"]}}}
    >>> preview = apply_rules(study, rules, documents="P01_business-owner",
    ...                       nlp=build_pipeline("blank"))
    >>> written = accept(study, preview, coder="J.R.")
    >>> codings(study)[["code_id", "coder", "origin"]].values.tolist()
    [['portal_problems', 'J.R.', 'rule']]
    >>> study.close()
    """
    missing = {"document_id", "start", "end", "code_id", "origin"} - set(preview.columns)
    if missing:
        raise CodingError(
            f"the rows to accept lack the columns {', '.join(sorted(missing))}",
            hint="pass rows from apply_rules() or suggest()",
        )
    rows = preview
    if "accepted" in rows.columns:
        rows = rows[rows["accepted"].fillna(False).astype(bool)]
    rows = rows.drop_duplicates(["document_id", "start", "end", "code_id"])
    bad = sorted(set(rows["origin"]) - set(ACCEPTED_ORIGINS), key=str)
    if bad:
        raise CodingError(
            f"accepted rows must come from rules or suggestions, not origin {bad[0]!r}",
            hint="use apply_code() for manual codings",
        )
    if rows.empty:
        return rows.assign(coder=pd.Series(dtype=object), coding_id=pd.Series(dtype="int64"))
    if "text" in rows.columns:
        _check_texts(study, rows)
    frame = rows.assign(coder=coder)
    ids = apply_codes(study, frame[["document_id", "start", "end", "code_id", "coder", "origin"]])
    return frame.assign(coding_id=ids).reset_index(drop=True)


def _check_texts(study: Study, rows: pd.DataFrame) -> None:
    for document_id, group in rows.groupby("document_id", sort=False):
        document = study.document(str(document_id))
        for row in group.itertuples(index=False):
            if document.text[int(row.start) : int(row.end)] != row.text:
                raise CodingError(
                    f"the text at {row.start}–{row.end} no longer matches the preview",
                    path=document.path,
                    hint="the note changed since the preview; run apply_rules/suggest again",
                )
