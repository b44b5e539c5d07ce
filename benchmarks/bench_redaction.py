"""Redaction measured: precision, recall and leaks of ``find_pii``/``redact`` on a labelled corpus.

The corpus is ``tests/data/pii/`` (370 hand-written texts: interview field notes and resident
survey answers, English and Spanish; see its README), scored as :mod:`_pii_corpus` explains:
span-level precision and recall per kind (a predicted span matches a gold span of its kind when
it covers all of it but surrounding punctuation and space), the share of gold characters still
visible after ``redact`` ("leak"), and letters and digits hidden outside any gold span. Offline:
no spaCy pipeline, so bare names not on the study's list (``unlisted_name``) are expected to be
missed. Also the speed of ``redact`` (it runs on every quote of a brief).

``figures()`` returns (section, name, value, unit) rows for ``benchmarks/run.py``; run this file
alone to print the table (``--mistakes`` also lists every miss and false positive).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

try:
    import research_kit  # noqa: F401
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pii_corpus import evaluate, listed_names, load_corpus

from research_kit.text import find_pii, redact, redaction_spans

SECTION = "redaction (PII corpus, offline)"
#: Times the corpus is redacted for the speed figure.
SPEED_ROUNDS = 5


def _redact_rate(texts: list[str], names: list[str]) -> float:
    """Texts per second through ``redact`` (best of ``SPEED_ROUNDS`` passes over the corpus)."""
    best = float("inf")
    for _ in range(SPEED_ROUNDS):
        start = time.perf_counter()
        for text in texts:
            redact(text, names=names)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def figures() -> list[tuple[str, str, float, str]]:
    """Precision, recall and leak per kind, over-redaction, and ``redact`` speed."""
    corpus = load_corpus()
    names = listed_names()
    table, _, over_redacted = evaluate(corpus, names, find=find_pii, hide=redaction_spans)
    rows = [(SECTION, "texts", float(len(corpus)), "texts")]
    for row in table.itertuples(index=False):
        rows.append((SECTION, f"{row.kind}: gold spans", float(row.gold), "spans"))
        if row.kind != "unlisted_name":
            rows.append((SECTION, f"{row.kind}: precision", row.precision, "share"))
        rows.append((SECTION, f"{row.kind}: recall", row.recall, "share"))
        rows.append((SECTION, f"{row.kind}: leak (characters visible)", row.leak, "share"))
    rows.append((SECTION, "over-redacted letters and digits", float(over_redacted), "characters"))
    rate = _redact_rate([item.text for item in corpus], names)
    rows.append((SECTION, "redact() rate", rate, "texts/s"))
    return rows


def main(argv: list[str]) -> None:
    """Print the per-kind table (and, with ``--mistakes``, every mistake)."""
    corpus = load_corpus()
    names = listed_names()
    table, mistakes, over_redacted = evaluate(corpus, names, find=find_pii, hide=redaction_spans)
    print(f"{len(corpus)} texts; listed names: {', '.join(names)}\n")
    print(table.to_string(index=False, float_format=lambda value: f"{value:.3f}", na_rep="-"))
    print(f"\nover-redacted letters and digits: {over_redacted}")
    print(f"redact() rate: {_redact_rate([item.text for item in corpus], names):,.0f} texts/s")
    if "--mistakes" in argv:
        print()
        for m in mistakes:
            print(f"{m.source}:{m.line}  {m.what:<14} {m.kind:<13} {m.text!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
