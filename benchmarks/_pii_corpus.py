"""The hand-labelled PII corpus and how PII detection is scored on it (benchmarks and tests only).

The corpus lives in ``tests/data/pii/`` (see its README): one text per line, with inline labels
``{{kind|text}}``, and ``names.yml``, the study's ``privacy: names:`` list passed as ``names=``.
:func:`load_corpus` turns the markup into plain texts and gold spans; :func:`score` measures
:func:`research_kit.text.find_pii` and :func:`research_kit.text.redact` against them.

Matching rule (the same for precision and recall)
-------------------------------------------------
A predicted span *matches* a gold span when its kind may stand for the gold kind (a predicted
``name`` stands for gold ``name`` and ``unlisted_name``; every other kind only for itself), the two
overlap, and the predicted span covers every character of the gold span once the gold span's
surrounding whitespace and punctuation are trimmed. A predicted span that is longer than the gold
span still matches (it hides more than needed; :func:`score` counts such characters separately as
"over-redacted"), one that covers only part of it does not ("Denise" for gold "Denise Tran").

- precision of a kind: predicted spans of that kind that match some gold span / predicted spans;
- recall of a kind: gold spans of that kind matched by some predicted span / gold spans;
- leak of a kind: characters of its gold spans (trimmed) still visible after ``redact``, over all
  characters of its gold spans: what a stakeholder would read;
- over-redacted: letters and digits that ``redact`` hides outside every gold span.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "tests" / "data" / "pii"
#: The files of the corpus: voice and language.
SOURCES = ("fieldnotes_en.txt", "survey_en.txt", "fieldnotes_es.txt", "survey_es.txt")
#: Gold kinds; ``unlisted_name`` is scored apart (the offline detector is not meant to find it).
GOLD_KINDS = ("email", "phone", "address", "name", "unlisted_name")
#: Predicted kinds (those of ``research_kit.text.PII_KINDS``).
PREDICTED_KINDS = ("email", "phone", "address", "name")
#: Which gold kinds a predicted kind may stand for.
STANDS_FOR = {"name": ("name", "unlisted_name")}
_LABEL = re.compile(r"\{\{(\w+)\|(.*?)\}\}")
_TRIM = set(string.whitespace + string.punctuation + "¡¿«»“”‘’")


class CorpusError(ValueError):
    """A corpus line whose markup cannot be read."""


@dataclass(frozen=True)
class Span:
    """A span of a text: start and end (code points, end exclusive) and its kind."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class LabelledText:
    """One corpus line: where it comes from, its plain text and its gold spans."""

    source: str
    line: int
    text: str
    gold: tuple[Span, ...]


def parse_line(marked: str) -> tuple[str, tuple[Span, ...]]:
    """Turn a marked-up line into its plain text and gold spans.

    Examples
    --------
    >>> parse_line("Call {{phone|555-0142}} or ask {{name|Denise Tran}}.")
    ('Call 555-0142 or ask Denise Tran.', (Span(start=5, end=13, kind='phone'), \
Span(start=21, end=32, kind='name')))
    """
    parts: list[str] = []
    spans: list[Span] = []
    length = cursor = 0
    for match in _LABEL.finditer(marked):
        kind, inner = match.group(1), match.group(2)
        if kind not in GOLD_KINDS:
            raise CorpusError(f"unknown kind {kind!r} in {marked!r}")
        before = marked[cursor : match.start()]
        parts += [before, inner]
        length += len(before)
        spans.append(Span(length, length + len(inner), kind))
        length += len(inner)
        cursor = match.end()
    parts.append(marked[cursor:])
    text = "".join(parts)
    if "{{" in text or "}}" in text:
        raise CorpusError(f"unbalanced label in {marked!r}")
    return text, tuple(spans)


def load_corpus(folder: Path | str = CORPUS) -> list[LabelledText]:
    """Read every corpus file: one :class:`LabelledText` per non-blank, non-comment line."""
    texts: list[LabelledText] = []
    for source in SOURCES:
        lines = (Path(folder) / source).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            text, gold = parse_line(line)
            texts.append(LabelledText(source, number, text, gold))
    return texts


def listed_names(folder: Path | str = CORPUS) -> list[str]:
    """The study's listed names (``names.yml``), passed to the detector as ``names=``."""
    data = yaml.safe_load((Path(folder) / "names.yml").read_text(encoding="utf-8"))
    return [str(name) for name in data["names"]]


def _trimmed(text: str, span: Span) -> tuple[int, int]:
    start, end = span.start, span.end
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def matches(text: str, predicted: Span, gold: Span) -> bool:
    """True if ``predicted`` matches ``gold`` under the rule in the module docstring.

    Examples
    --------
    >>> text = "ask Denise Tran."
    >>> matches(text, Span(4, 10, "name"), Span(4, 15, "name"))
    False
    >>> matches(text, Span(4, 16, "name"), Span(4, 15, "unlisted_name"))
    True
    """
    if gold.kind not in STANDS_FOR.get(predicted.kind, (predicted.kind,)):
        return False
    if predicted.end <= gold.start or gold.end <= predicted.start:
        return False
    start, end = _trimmed(text, gold)
    return predicted.start <= start and end <= predicted.end


def _spans(frame: pd.DataFrame) -> list[Span]:
    return [
        Span(int(start), int(end), str(kind))
        for start, end, kind in zip(frame["start"], frame["end"], frame["kind"], strict=True)
    ]


@dataclass
class _Tally:
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0
    gold_chars: int = 0
    leaked_chars: int = 0


@dataclass(frozen=True)
class Mistake:
    """A gold span that was missed, or a predicted span that matches no gold span."""

    source: str
    line: int
    what: str  # "missed" or "false positive"
    kind: str
    text: str


def evaluate(
    texts: Sequence[LabelledText],
    names: Iterable[str],
    *,
    find: Callable[..., pd.DataFrame],
    hide: Callable[..., pd.DataFrame],
) -> tuple[pd.DataFrame, list[Mistake], int]:
    """Score ``find`` (like ``find_pii``) and ``hide`` (like ``redaction_spans``) on ``texts``.

    Returns the per-kind table (see :func:`score`), every mistake, and the number of over-redacted
    letters and digits.
    """
    names = list(names)
    tallies = {kind: _Tally() for kind in GOLD_KINDS}
    mistakes: list[Mistake] = []
    over_redacted = 0
    for item in texts:
        predicted = _spans(find(item.text, names=names))
        hidden = [False] * len(item.text)
        for span in _spans(hide(item.text, names=names)):
            hidden[span.start : span.end] = [True] * (span.end - span.start)
        for gold in item.gold:
            tally = tallies[gold.kind]
            tally.gold += 1
            start, end = _trimmed(item.text, gold)
            tally.gold_chars += end - start
            tally.leaked_chars += hidden[start:end].count(False)
            if any(matches(item.text, p, gold) for p in predicted):
                tally.found += 1
            else:
                mistakes.append(_mistake(item, "missed", gold))
        for span in predicted:
            tally = tallies[span.kind]
            tally.predicted += 1
            if any(matches(item.text, span, gold) for gold in item.gold):
                tally.correct += 1
            else:
                mistakes.append(_mistake(item, "false positive", span))
        in_gold = [False] * len(item.text)
        for gold in item.gold:
            in_gold[gold.start : gold.end] = [True] * (gold.end - gold.start)
        over_redacted += sum(
            1
            for char, is_hidden, is_gold in zip(item.text, hidden, in_gold, strict=True)
            if is_hidden and not is_gold and char.isalnum()
        )
    return _table(tallies), mistakes, over_redacted


def _mistake(item: LabelledText, what: str, span: Span) -> Mistake:
    return Mistake(item.source, item.line, what, span.kind, item.text[span.start : span.end])


def _table(tallies: dict[str, _Tally]) -> pd.DataFrame:
    rows = []
    for kind, tally in tallies.items():
        predicted_kind = kind in PREDICTED_KINDS
        rows.append(
            {
                "kind": kind,
                "gold": tally.gold,
                "predicted": tally.predicted if predicted_kind else None,
                "precision": (
                    tally.correct / tally.predicted
                    if predicted_kind and tally.predicted
                    else float("nan")
                ),
                "recall": tally.found / tally.gold if tally.gold else float("nan"),
                "leak": tally.leaked_chars / tally.gold_chars if tally.gold_chars else 0.0,
            }
        )
    return pd.DataFrame(rows).astype({"predicted": "Int64"})


def score(
    texts: Sequence[LabelledText] | None = None, names: Iterable[str] | None = None
) -> pd.DataFrame:
    """Per-kind gold, predicted, precision, recall and leak of research_kit's redaction.

    Uses :func:`research_kit.text.find_pii` for detection and
    :func:`research_kit.text.redaction_spans` (what ``redact`` replaces) for leaks, offline (no
    spaCy pipeline), on the whole corpus by default.
    """
    from research_kit.text import find_pii, redaction_spans

    texts = load_corpus() if texts is None else texts
    names = listed_names() if names is None else names
    table, _, _ = evaluate(texts, names, find=find_pii, hide=redaction_spans)
    return table
