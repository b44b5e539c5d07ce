"""Theme names and quotes measured: phrases or fallbacks, unique names, duplicated quotes.

On a scratch copy of the bundled sample study (the bundled folder is never written), each open
question is clustered as the brief clusters it (``cluster_question``, the default k, nothing
kept) and the figures are: themes named by a phrase their answers share vs by distinctive terms
(the fallback), whether the names are unique, and duplicated quotes per theme — pairs of a
theme's quotes that are the same answer once case, punctuation and spacing are set aside, or
near-duplicates (:func:`research_kit.survey.quotes.near_duplicate`: reordered words, one word
more, a typo, one inside the other) — in ``QuestionThemes.themes`` and in
``ResponseClusterer.describe()``. The same is measured on two real labelled sets nobody here
wrote (NaPiRE's requirements-engineering problem causes and Banking77's customer questions,
clustered at their true number of labels), and the names are printed so a person can judge
them.

``figures()`` returns (section, name, value, unit) rows for ``benchmarks/run.py``; run this
file alone to print the figures and every theme's name.
"""

from __future__ import annotations

import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

try:
    import research_kit  # noqa: F401
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _text_sets import TextSetMissing, load_text_set

from research_kit import open_study
from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.quotes import near_duplicate
from research_kit.survey.themes import cluster_question

SECTION = "theme names and quotes"
SAMPLE = Path(__file__).resolve().parents[1] / "interview_data"
#: Real labelled sets whose names are checked too (clustered at their true number of labels).
REAL_SETS = ("NaPiRE", "Banking77")
Figure = tuple[str, str, float, str]


def duplicated_pairs(quotes: list[str]) -> int:
    """Pairs of quotes of one theme that are the same answer or near-duplicates."""
    return sum(near_duplicate(a, b) for a, b in itertools.combinations(quotes, 2))


def _name_figures(where: str, names: list[str], sources: list[str], quotes) -> list[Figure]:
    duplicates = [duplicated_pairs(list(q)) for q in quotes]
    phrases = sum(source == "phrase" for source in sources)
    unique = len({name.casefold() for name in names}) == len(names)
    return [
        (SECTION, f"{where}: themes named by a phrase", phrases, f"of {len(names)}"),
        (SECTION, f"{where}: themes named by terms (fallback)", len(names) - phrases, "themes"),
        (SECTION, f"{where}: names unique", float(unique), "1 = yes"),
        (SECTION, f"{where}: duplicated quote pairs, worst theme", max(duplicates), "pairs"),
        (SECTION, f"{where}: duplicated quote pairs, all themes", sum(duplicates), "pairs"),
    ]


def sample_figures(show: bool = False) -> list[Figure]:
    """The bundled sample's open questions, clustered as the brief clusters them."""
    found: list[Figure] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "study"
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("study.db*"))
        with open_study(folder) as study:
            questions = study.survey_source().open_ended
            for number, question in enumerate(questions):
                start = time.perf_counter()
                themes = cluster_question(study, number, keep_run=False, n_quotes=5)
                seconds = time.perf_counter() - start
                described = themes.clusterer.describe(n_quotes=5)
                sources = described.set_index("label")["label_source"]
                names = themes.themes["name"].tolist()
                where = f"sample question {number + 1}"
                found += _name_figures(
                    where,
                    names,
                    [sources.get(name, "edited") for name in names],
                    list(themes.themes["quotes"]) + list(described["quotes"]),
                )
                found.append((SECTION, f"{where}: cluster_question seconds", seconds, "s"))
                if show:
                    _print_names(question, names, themes.themes["quotes"])
    return found


def real_set_figures(show: bool = False) -> list[Figure]:
    """Names and quotes of real labelled sets, clustered at their true number of labels."""
    found: list[Figure] = []
    for name in REAL_SETS:
        try:
            texts, labels = load_text_set(name)
        except TextSetMissing:
            continue
        k = len(set(labels))
        model = ResponseClusterer(k, random_state=0).fit(texts)
        table = model.describe(n_quotes=5)
        found += _name_figures(
            name, table["label"].tolist(), table["label_source"].tolist(), table["quotes"]
        )
        if show:
            _print_names(f"{name} (k = {k})", table["label"].tolist(), table["quotes"])
    return found


def _print_names(title: str, names: list[str], quotes) -> None:
    print(f"\n{title}")
    for name, theme_quotes in zip(names, quotes, strict=True):
        first = theme_quotes[0] if len(theme_quotes) else ""
        print(f"  {name:<40} e.g. \u201c{first[:70]}\u201d")


def figures(show: bool = False) -> list[Figure]:
    """Phrase names, unique names and duplicated quotes on the sample and real sets."""
    return sample_figures(show) + real_set_figures(show)


if __name__ == "__main__":
    for _section, label, value, unit in figures(show=True):
        print(f"{label:<60} {value:>8.3f} {unit}")
