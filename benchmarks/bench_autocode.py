"""Auto-coding figures: rule throughput, suggester speed, and the suggester's agreement.

Works on a temporary copy of the sample study (``interview_data``), never on the sample itself:

1. rule auto-coding throughput: the sample's ``autocode.yml`` run over the notes' paragraph
   excerpts repeated to 20,000 excerpts (excerpts/s, offline spaCy pipeline, ``nlp.pipe``
   batches), and one end-to-end ``apply_rules`` over the 14 notes;
2. the suggester (``CodeSuggester``): fit time on the sample's paragraphs, labelled with the
   rules' preview (a stand-in for human codings), and prediction throughput;
3. the suggester's agreement with each human coder (Cohen's kappa from 5-fold cross-validated
   predictions, folds by document), computed only when the sample ships codings in
   ``interview_data/codings/*.csv`` (columns document_id, start, end, code_id, coder, origin,
   text); skipped otherwise.

``figures()`` returns (section, name, value, unit) rows for ``benchmarks/run.py``; run this file
directly to print them.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

try:
    import research_kit  # noqa: F401
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from research_kit.interviews import apply_codes, segment
from research_kit.interviews.autocode import apply_rules, match_rules, read_rules
from research_kit.interviews.suggester import CodeSuggester, suggester_agreement
from research_kit.study import open_study
from research_kit.text import build_pipeline

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_STUDY = REPO_ROOT / "interview_data"
SECTION = "auto-coding"
RULE_EXCERPTS = 20_000
PREDICT_EXCERPTS = 5_000
FOLDS = 5

Figure = tuple[str, str, float, str]


def figures() -> list[Figure]:
    """Measure rule throughput, suggester speed and (when codings ship) its kappa."""
    with tempfile.TemporaryDirectory(prefix="rk-bench-autocode-") as tmp:
        folder = Path(tmp) / "study"
        shutil.copytree(SAMPLE_STUDY, folder, ignore=shutil.ignore_patterns("study.db*"))
        study = open_study(folder)
        try:
            nlp = build_pipeline("blank")
            results = _rule_figures(study, nlp)
            results += _suggester_figures(study, nlp)
            results += _agreement_figures(study, folder)
        finally:
            study.close()
    return results


def _paragraphs(study) -> pd.DataFrame:
    return pd.concat([segment(note, "paragraph") for note in study.documents()], ignore_index=True)


def _repeat(frame: pd.DataFrame, size: int) -> pd.DataFrame:
    copies = -(-size // len(frame))
    return pd.concat([frame] * copies, ignore_index=True).head(size)


def _rule_figures(study, nlp) -> list[Figure]:
    rules = read_rules(study.folder, codebook=study.codebook())
    excerpts = _repeat(_paragraphs(study), RULE_EXCERPTS)
    match_rules(excerpts.head(200), rules, nlp=nlp, progress=False)  # warm the tokenizer
    started = time.perf_counter()
    preview = match_rules(excerpts, rules, nlp=nlp, progress=False)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    sample_preview = apply_rules(study, rules, nlp=nlp)
    end_to_end = time.perf_counter() - started
    return [
        (SECTION, f"rule auto-coding, {len(excerpts):,} paragraph excerpts", seconds, "s"),
        (SECTION, "rule auto-coding throughput", len(excerpts) / seconds, "excerpts/s"),
        (SECTION, f"rules in autocode.yml ({len(rules)} codes)", len(rules.to_frame()), "rules"),
        (SECTION, "rule proposals per 1,000 excerpts", 1000 * len(preview) / len(excerpts), "rows"),
        (SECTION, "apply_rules() on the sample study (14 notes)", end_to_end * 1e3, "ms"),
        (SECTION, "apply_rules() proposals on the sample", len(sample_preview), "rows"),
    ]


def _suggester_figures(study, nlp) -> list[Figure]:
    paragraphs = _paragraphs(study)
    preview = match_rules(paragraphs, read_rules(study.folder), nlp=nlp, progress=False)
    codes = preview.groupby(["document_id", "start"])["code_id"].agg(list)
    keys = paragraphs[["document_id", "start"]].itertuples(index=False, name=None)
    labels = [codes.get(key, []) for key in keys]
    started = time.perf_counter()
    suggester = CodeSuggester().fit(paragraphs["text"], labels)
    fit_seconds = time.perf_counter() - started
    many = _repeat(paragraphs, PREDICT_EXCERPTS)["text"]
    suggester.predict_proba(many.head(200))  # build the pipeline before timing
    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # no progress bar in the report
        suggester.predict_proba(many)
    predict_seconds = time.perf_counter() - started
    return [
        (
            SECTION,
            f"suggester fit, {len(paragraphs)} excerpts × {len(suggester.classes_)} codes",
            fit_seconds,
            "s",
        ),
        (SECTION, "suggester predict throughput", len(many) / predict_seconds, "excerpts/s"),
    ]


def _agreement_figures(study, folder: Path) -> list[Figure]:
    files = sorted((SAMPLE_STUDY / "codings").glob("*.csv"))
    if not files:
        return []  # the sample ships no codings yet: nothing to compare the suggester with
    shipped = pd.concat([pd.read_csv(path, dtype={"coder": str}) for path in files])
    shipped["origin"] = shipped["origin"].fillna("manual")
    columns = ["document_id", "start", "end", "code_id", "coder", "origin"]
    apply_codes(study, shipped[columns])
    texts = {note.id: note.text for note in study.documents()}
    mismatched = sum(
        texts[row.document_id][int(row.start) : int(row.end)] != row.text
        for row in shipped.itertuples()
        if "text" in shipped.columns
    )
    results: list[Figure] = [
        (SECTION, "shipped codings imported", len(shipped), "codings"),
        (SECTION, "shipped codings whose text differs from the note", mismatched, "codings"),
    ]
    for coder in shipped["coder"].value_counts().index:
        started = time.perf_counter()
        report = suggester_agreement(study, coder=coder, cv=FOLDS)
        seconds = time.perf_counter() - started
        per_code = report[(report["status"] == "ok") & (report["code_id"] != "overall")]
        overall = report.iloc[-1]
        unit = f"vs {coder}, paragraphs, {FOLDS}-fold by document"
        results += [
            (SECTION, f"suggester kappa {unit} (pooled)", float(overall["kappa"]), "kappa"),
            (SECTION, f"suggester kappa {unit} (mean per code)", per_code["kappa"].mean(), "kappa"),
            (SECTION, f"suggester precision {unit}", float(overall["precision"]), "share"),
            (SECTION, f"suggester recall {unit}", float(overall["recall"]), "share"),
            (SECTION, f"codes with enough examples ({coder})", len(per_code), "codes"),
            (SECTION, f"suggester_agreement() time ({coder})", seconds, "s"),
        ]
    return results


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:12} {name:70} {value:>12,.3f} {unit}")
