"""Auto-coding: rules and a learned suggester that propose codings, never write them.

Two helpers speed up coding a study without taking the decision away from people:

* **Rules** (``autocode.yml`` in the study folder): per code, keywords (case-insensitive whole
  words or phrases), lemmas (any word whose lemma from the study's spaCy pipeline is listed,
  so "inspections" and "inspected" match ``inspection`` and ``inspect``) and spaCy
  ``Matcher`` token patterns. :func:`apply_rules` runs them over excerpts (paragraphs, speaker
  turns or sentences, in batches with ``nlp.pipe``) and returns a preview table.
* **Suggestions**: :class:`CodeSuggester` is a scikit-learn estimator (lemma TF-IDF and one
  class-balanced logistic regression per code) trained on a coder's codings so far
  (:func:`training_data`); :func:`suggest` proposes codes for excerpts the coder has not coded,
  with a confidence. :func:`suggester_agreement` measures the suggester as if it were another
  coder — Cohen's kappa per code against the human, from cross-validated predictions — so a
  team can see whether to trust it.

Neither writes anything. A person reviews the preview (drop rows, or set an ``accepted``
column) and :func:`accept` writes the kept rows as codings with origin ``rule`` or
``suggestion``, in one transaction.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold
from sklearn.utils.validation import check_is_fitted

from research_kit.errors import CodingError, InputError, Problem, raise_first_error
from research_kit.interviews.agreement import cohen_kappa
from research_kit.interviews.coding import apply_codes, codings
from research_kit.interviews.segments import SEGMENT_COLUMNS, SEGMENT_KINDS, segment
from research_kit.rawfiles import read_text
from research_kit.text import build_pipeline, lemmatize, pipe
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
            f"use one of: {', '.join(_TOP_LEVEL_KEYS)}" + _did_you_mean(key, _TOP_LEVEL_KEYS),
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
            f"use one of: {', '.join(RULE_KINDS)}" + _did_you_mean(str(key), RULE_KINDS),
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
        "use a code id from codebook.yml" + _did_you_mean(code_id, list(known)),
        line,
    )


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
    excerpts = _segments(study, documents, by, nlp)
    spans = "match" if segment_by == "match" else "excerpt"
    preview = match_rules(excerpts, rules, nlp=nlp, spans=spans)
    return _drop_coded(preview, study, coder).reset_index(drop=True)


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


# -- shared helpers ------------------------------------------------------------------------------
def _segments(
    study: Study, documents: Iterable[str] | str | None, by: str, nlp: Language | None
) -> pd.DataFrame:
    if documents is None:
        notes = study.documents()
    else:
        ids = [documents] if isinstance(documents, str) else list(documents)
        notes = [study.document(document_id) for document_id in ids]
    frames = [segment(note, by, nlp=nlp) for note in notes]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=SEGMENT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _coded_spans(study: Study, coder: str | None) -> dict[tuple[str, str], list[tuple[int, int]]]:
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    done = codings(study, coder=coder)
    for row in done.itertuples(index=False):
        spans.setdefault((row.document_id, row.code_id), []).append((row.start, row.end))
    return spans


def _drop_coded(frame: pd.DataFrame, study: Study, coder: str | None) -> pd.DataFrame:
    """Leave out rows whose span overlaps a coding of the same code (by ``coder``, or anyone)."""
    if frame.empty:
        return frame
    coded = _coded_spans(study, coder)
    if not coded:
        return frame
    keep = [
        not any(
            start < end_ and start_ < end for start_, end_ in coded.get((document_id, code_id), ())
        )
        for document_id, code_id, start, end in zip(
            frame["document_id"], frame["code_id"], frame["start"], frame["end"], strict=True
        )
    ]
    return frame[keep]


# -- suggestions ---------------------------------------------------------------------------------
class CodeSuggester(BaseEstimator):
    """Propose codes for excerpts from the codings made so far (multi-label text classifier).

    Each excerpt becomes its content lemmas (``research_kit.text.lemmatize``), weighted by
    TF-IDF over words and word pairs; one logistic regression per code, with balanced class
    weights (codes are rare), gives the probability that a coder would apply it. Codes with
    fewer than ``min_examples`` coded excerpts are not modelled and are listed in
    ``skipped_codes_``.

    Parameters
    ----------
    min_examples : int
        Fewest positive excerpts a code needs to be modelled.
    threshold : float
        Probability from which :meth:`predict` and :func:`suggest` propose a code.
    C : float
        Inverse regularisation strength of the logistic regressions.
    ngram_range : tuple of int
        Lemma n-grams used as features.
    min_df : int or float
        Ignore lemmas found in fewer excerpts than this.
    text_model : str
        The spaCy pipeline for lemmas (``"blank"``: offline and the same on every machine).
    random_state : int or None
        Seed for the logistic regressions.

    Attributes
    ----------
    classes_ : numpy.ndarray
        The code ids modelled, in column order of :meth:`predict_proba`.
    skipped_codes_ : list of str
        Codes seen in the labels but with too few positive (or no negative) excerpts.
    n_positive_ : pandas.Series
        Positive excerpts per code seen in the labels.
    vectorizer_ : TfidfVectorizer
    estimators_ : list of LogisticRegression
        One per code in ``classes_``.

    Examples
    --------
    >>> texts = ["The inspector never came", "Inspection window of four hours",
    ...          "Rent on an empty shop", "We paid rent for months", "The inspector was late",
    ...          "Rent and the loan", "Nice weather today"]
    >>> labels = [["inspection"], ["inspection"], ["cost"], ["cost"], ["inspection"], ["cost"],
    ...           []]
    >>> suggester = CodeSuggester(min_examples=2).fit(texts, labels)
    >>> suggester.predict(["Another inspector came late", "Rent is due"])
    [['inspection'], ['cost']]
    """

    def __init__(
        self,
        *,
        min_examples: int = 3,
        threshold: float = 0.5,
        C: float = 1.0,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int | float = 1,
        text_model: str = "blank",
        random_state: int | None = 0,
    ) -> None:
        self.min_examples = min_examples
        self.threshold = threshold
        self.C = C
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.text_model = text_model
        self.random_state = random_state

    def fit(self, texts: Iterable[str], labels: Iterable[Iterable[str]]) -> CodeSuggester:
        """Learn one model per code from excerpt texts and their code-id lists.

        Parameters
        ----------
        texts : iterable of str
            Excerpt texts.
        labels : iterable of iterable of str
            For each excerpt, the codes applied to it (empty for an uncoded excerpt).

        Returns
        -------
        CodeSuggester
        """
        self._check_params()
        texts = _texts(texts)
        label_sets = [_label_set(label) for label in labels]
        if len(label_sets) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(label_sets)} label lists")
        return self._fit_lemmas(self._lemma_texts(texts), label_sets)

    def _fit_lemmas(self, lemma_texts: list[str], label_sets: list[set[str]]) -> CodeSuggester:
        """Fit on texts already turned into space-separated lemmas."""
        counts = pd.Series(
            [code for label_set in label_sets for code in label_set], dtype=object
        ).value_counts()
        self.n_positive_ = counts.sort_index().astype(int)
        self.n_positive_.index.name = "code_id"
        modelled = [
            code
            for code, count in self.n_positive_.items()
            if self.min_examples <= count < len(lemma_texts)
        ]
        self.skipped_codes_ = [code for code in self.n_positive_.index if code not in modelled]
        self.classes_ = np.array(modelled, dtype=object)
        self.vectorizer_ = TfidfVectorizer(
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            ngram_range=tuple(self.ngram_range),
            min_df=self.min_df,
            sublinear_tf=True,
        )
        try:
            features = self.vectorizer_.fit_transform(lemma_texts)
        except ValueError as exc:  # sklearn's "empty vocabulary"
            raise ValueError(
                "the excerpts have no content words to learn from (after lemmatizing)"
            ) from exc
        self.estimators_ = []
        for code in self.classes_:
            target = np.array([code in label_set for label_set in label_sets], dtype=int)
            model = LogisticRegression(
                C=self.C,
                class_weight="balanced",
                solver="liblinear",
                random_state=self.random_state,
            )
            self.estimators_.append(model.fit(features, target))
        return self

    def predict_proba(self, texts: Iterable[str]) -> pd.DataFrame:
        """Probability of each modelled code for each text (one column per code).

        The index is the index of ``texts`` when it is a Series, else 0, 1, ….
        """
        check_is_fitted(self, "estimators_")
        index = texts.index if isinstance(texts, pd.Series) else None
        texts = _texts(texts)
        lemma_texts = self._lemma_texts(texts) if len(self.classes_) else texts
        return self._proba_lemmas(lemma_texts, index)

    def _proba_lemmas(self, lemma_texts: list[str], index=None) -> pd.DataFrame:
        columns = {}
        if len(self.classes_) and lemma_texts:
            features = self.vectorizer_.transform(lemma_texts)
            for code, model in zip(self.classes_, self.estimators_, strict=True):
                columns[code] = model.predict_proba(features)[:, 1]
        rows = index if index is not None else range(len(lemma_texts))
        frame = pd.DataFrame(columns, index=rows)
        frame = frame.reindex(columns=list(self.classes_), fill_value=0.0)
        frame.columns.name = "code_id"
        return frame

    def predict(self, texts: Iterable[str]) -> list[list[str]]:
        """The codes proposed for each text (probability at least ``threshold``)."""
        proba = self.predict_proba(texts)
        hits = proba.to_numpy() >= self.threshold
        return [[code for code, hit in zip(proba.columns, row, strict=True) if hit] for row in hits]

    def _lemma_texts(self, texts: list[str]) -> list[str]:
        nlp = getattr(self, "_nlp", None)
        if nlp is None:
            nlp = self._nlp = build_pipeline(self.text_model)
        return [" ".join(lemmas) for lemmas in lemmatize(texts, nlp)]

    def _check_params(self) -> None:
        if not isinstance(self.min_examples, (int, np.integer)) or self.min_examples < 1:
            raise ValueError(f"min_examples must be a whole number ≥ 1, not {self.min_examples!r}")
        if not 0 < self.threshold < 1:
            raise ValueError(f"threshold must be between 0 and 1, not {self.threshold!r}")
        if not self.C > 0:
            raise ValueError(f"C must be positive, not {self.C!r}")

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_nlp", None)  # the pipeline is rebuilt on demand, not pickled
        return state


def _texts(texts: Iterable[str]) -> list[str]:
    if isinstance(texts, str):
        raise ValueError("pass a list of texts, not a single string")
    return ["" if text is None or text != text else str(text) for text in texts]


def _label_set(label: object) -> set[str]:
    if label is None or (isinstance(label, float) and label != label):
        return set()
    if isinstance(label, str):
        return {label}
    return {str(code) for code in label}


def training_data(
    study: Study, *, coder: str, segment_by: str = "paragraph", nlp: Language | None = None
) -> pd.DataFrame:
    """Excerpts of the documents a coder has coded, each with the codes that overlap it.

    Parameters
    ----------
    study : Study
    coder : str
        Whose codings to learn from.
    segment_by : {"paragraph", "turn", "sentence"}
        The unit of an excerpt.
    nlp : Language, optional
        Pipeline for sentences (the study's by default).

    Returns
    -------
    pandas.DataFrame
        ``document_id``, ``segment``, ``start``, ``end``, ``text`` and ``codes``: the sorted
        code ids of the coder's codings that overlap the excerpt (an empty list for an excerpt
        the coder left uncoded: a negative example). Fit with
        ``CodeSuggester().fit(data["text"], data["codes"])``.

    Raises
    ------
    CodingError
        When the coder has no codings.
    """
    done = codings(study, coder=coder)
    if done.empty:
        raise CodingError(
            f"coder {coder!r} has no codings to learn from",
            hint="code some excerpts first, or check the name with research_kit.interviews.coders",
        )
    if segment_by == "sentence" and nlp is None:
        nlp = study.nlp()
    excerpts = _segments(study, sorted(done["document_id"].unique()), segment_by, nlp)
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for row in done.itertuples(index=False):
        spans.setdefault(row.document_id, []).append((row.start, row.end, row.code_id))
    excerpts["codes"] = [
        sorted({code for s, e, code in spans.get(document_id, ()) if s < end and start < e})
        for document_id, start, end in zip(
            excerpts["document_id"], excerpts["start"], excerpts["end"], strict=True
        )
    ]
    return excerpts[["document_id", "segment", "start", "end", "text", "codes"]]


def suggest(
    study: Study,
    suggester: CodeSuggester,
    *,
    documents: Iterable[str] | str | None = None,
    segment_by: str = "paragraph",
    threshold: float | None = None,
    coder: str | None = None,
    nlp: Language | None = None,
) -> pd.DataFrame:
    """Propose codes for excerpts not yet coded with them; writes nothing.

    Parameters
    ----------
    study : Study
    suggester : CodeSuggester
        A fitted suggester.
    documents : iterable of str, optional
        Document ids (all notes by default).
    segment_by : {"paragraph", "turn", "sentence"}
        The excerpts to propose (use the unit the suggester was trained on).
    threshold : float, optional
        Smallest confidence proposed (the suggester's ``threshold`` by default).
    coder : str, optional
        Leave out excerpts this coder already coded with the code (anyone's codings when None).
    nlp : Language, optional
        Pipeline for sentences (the study's by default).

    Returns
    -------
    pandas.DataFrame
        ``document_id``, ``start``, ``end``, ``text``, ``code_id``, ``confidence``, ``origin``
        ("suggestion"), most confident first. Keep the rows you agree with and pass them to
        :func:`accept`.
    """
    check_is_fitted(suggester, "estimators_")
    threshold = suggester.threshold if threshold is None else threshold
    if segment_by == "sentence" and nlp is None:
        nlp = study.nlp()
    excerpts = _segments(study, documents, segment_by, nlp)
    proba = suggester.predict_proba(excerpts["text"].reset_index(drop=True))
    if proba.empty or proba.columns.empty:
        return pd.DataFrame(columns=SUGGESTION_COLUMNS)
    long = (
        excerpts[["document_id", "start", "end", "text"]]
        .reset_index(drop=True)
        .join(proba)
        .melt(
            id_vars=["document_id", "start", "end", "text"],
            var_name="code_id",
            value_name="confidence",
        )
    )
    long = long[long["confidence"] >= threshold].assign(origin="suggestion")
    long = _drop_coded(long, study, coder)
    long = long.sort_values(
        ["confidence", "document_id", "start", "code_id"], ascending=[False, True, True, True]
    )
    return long[SUGGESTION_COLUMNS].reset_index(drop=True)


def suggester_agreement(
    study: Study,
    *,
    coder: str,
    segment_by: str = "paragraph",
    cv: int = 5,
    random_state: int | None = 0,
    suggester: CodeSuggester | None = None,
) -> pd.DataFrame:
    """How far the suggester agrees with a human coder, treating it as another coder.

    The coder's excerpts (see :func:`training_data`) are split into ``cv`` folds — by
    document when there are at least ``cv`` documents, so a note never helps predict itself —
    and each fold is predicted by a suggester trained on the others. The cross-validated
    predictions are compared with the coder's own labels, per code and overall.

    Parameters
    ----------
    study : Study
    coder : str
        The human coder.
    segment_by : {"paragraph", "turn", "sentence"}
        The unit of agreement: an excerpt of that kind in a document the coder coded.
    cv : int
        Number of folds (at least 2).
    random_state : int or None
        Seed for the folds and the default suggester.
    suggester : CodeSuggester, optional
        Settings to evaluate (cloned; ``CodeSuggester(random_state=random_state)`` by default).

    Returns
    -------
    pandas.DataFrame
        One row per code the coder used, then an ``overall`` row pooling every code × excerpt
        decision of the codes with enough examples: ``code_id``, ``n_units``, ``n_positive``
        (the coder's), ``n_predicted`` (the suggester's), ``kappa`` (Cohen's), ``precision``,
        ``recall`` and ``status`` ("ok" or "too few examples", whose kappa is NaN).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.text import build_pipeline
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> preview = apply_rules(study, nlp=build_pipeline("blank"))
    >>> _ = accept(study, preview, coder="rules")
    >>> report = suggester_agreement(study, coder="rules", cv=3)
    >>> report.columns.tolist()
    ['code_id', 'n_units', 'n_positive', 'n_predicted', 'kappa', 'precision', 'recall', 'status']
    >>> report.iloc[-1]["code_id"]
    'overall'
    >>> study.close()
    """
    if cv < 2:
        raise ValueError(f"cv must be at least 2, not {cv!r}")
    base = clone(suggester) if suggester is not None else CodeSuggester(random_state=random_state)
    data = training_data(study, coder=coder, segment_by=segment_by)
    texts = _texts(data["text"])
    labels = [set(codes) for codes in data["codes"]]
    codes = _codebook_order(study, {code for label in labels for code in label})
    human = np.array([[code in label for code in codes] for label in labels], dtype=bool)
    predicted = np.zeros_like(human)
    column = {code: position for position, code in enumerate(codes)}
    lemma_texts = base._lemma_texts(texts)  # once, not once per fold
    for train, test in _folds(data, cv, random_state):
        model = clone(base)
        model._check_params()
        model._fit_lemmas([lemma_texts[i] for i in train], [labels[i] for i in train])
        proba = model._proba_lemmas([lemma_texts[i] for i in test])
        for code in proba.columns:
            predicted[test, column[code]] = proba[code].to_numpy() >= model.threshold
    rows = []
    for position, code in enumerate(codes):
        enough = human[:, position].sum() >= base.min_examples
        rows.append(_agreement_row(code, human[:, position], predicted[:, position], enough))
    ok = [position for position, row in enumerate(rows) if row["status"] == "ok"]
    overall = _agreement_row("overall", human[:, ok].ravel(), predicted[:, ok].ravel(), bool(ok))
    overall["n_units"] = len(data)
    frame = pd.DataFrame([*rows, overall], columns=AGREEMENT_COLUMNS)
    frame.attrs.update(coder=coder, unit=segment_by, folds=cv)
    return frame


def _folds(data: pd.DataFrame, cv: int, random_state: int | None) -> Iterator:
    groups = data["document_id"].to_numpy()
    if len(set(groups)) >= cv:
        splitter = GroupKFold(n_splits=cv, shuffle=True, random_state=random_state)
        return splitter.split(data, groups=groups)
    if len(data) < cv:
        raise ValueError(f"{len(data)} excerpts cannot be split into {cv} folds")
    return KFold(n_splits=cv, shuffle=True, random_state=random_state).split(data)


def _codebook_order(study: Study, codes: set[str]) -> list[str]:
    order = {code_id: position for position, code_id in enumerate(study.codebook().codes)}
    return sorted(codes, key=lambda code: (order.get(code, len(order)), code))


def _agreement_row(code: str, human: np.ndarray, predicted: np.ndarray, enough: bool) -> dict:
    true_positive = int((human & predicted).sum())
    n_positive, n_predicted = int(human.sum()), int(predicted.sum())
    kappa = cohen_kappa(human.astype(int).tolist(), predicted.astype(int).tolist())
    return {
        "code_id": code,
        "n_units": len(human),
        "n_positive": n_positive,
        "n_predicted": n_predicted,
        "kappa": kappa if enough else float("nan"),
        "precision": true_positive / n_predicted if n_predicted else float("nan"),
        "recall": true_positive / n_positive if n_positive else float("nan"),
        "status": "ok" if enough else "too few examples",
    }
