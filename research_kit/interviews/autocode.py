"""Auto-coding: rules that propose codings over a study's notes, and accepting what a person kept.

The rules (``autocode.yml``: per code, keywords, lemmas and spaCy ``Matcher`` token patterns)
are read and checked by :mod:`.autocode_rules`, whose names are importable from here as before.
Lemmas match through the study's spaCy pipeline, so "inspections" and "inspected" match
``inspection`` and ``inspect``. :func:`apply_rules` runs them over excerpts (paragraphs, speaker
turns or sentences, in batches with ``nlp.pipe``) and returns a preview table; nothing is
written. A person reviews the preview (drop rows, or set an ``accepted`` column) and
:func:`accept` writes the kept rows as codings with origin ``rule`` (or ``suggestion``, for rows
from :mod:`research_kit.interviews.suggester`), in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import CodingError
from research_kit.interviews.autocode_rules import (
    RULE_KINDS,
    RULES_FILE,
    AutocodeError,
    AutocodeRules,
    CodeRules,
    describe_pattern,
    parse_rules,
    read_rules,
    resolve_rules,
    validate_rules,
)
from research_kit.interviews.coding import apply_codes, drop_coded, study_segments
from research_kit.interviews.segments import SEGMENT_KINDS
from research_kit.text import build_pipeline, pipe

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from research_kit.study import Study

__all__ = [
    "ACCEPTED_ORIGINS",
    "PREVIEW_COLUMNS",
    "RULES_FILE",
    "RULE_KINDS",
    "AutocodeError",
    "AutocodeRules",
    "CodeRules",
    "accept",
    "apply_rules",
    "match_rules",
    "parse_rules",
    "read_rules",
    "validate_rules",
]

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
ACCEPTED_ORIGINS = ("rule", "suggestion")
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
                label = f"pattern: {describe_pattern(pattern)}"
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
    rules = resolve_rules(rules, study)
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
