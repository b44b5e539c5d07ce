"""Negation and polarity in survey themes: do praise and complaint stay apart?

The minimal pairs of ``tests/data/minimal_pairs.csv`` (praise and complaint about a city
service that differ by a negation, an antonym or an idiom; English and Spanish) are measured
three ways:

1. **identical keys** — pairs whose two sides get the same lemma key in
   :class:`~research_kit.survey.clustering.ResponseClusterer` (so they are merged before
   clustering, and no setting can separate them): with negation kept (the default) and with
   the old keys (negators dropped as stop words);
2. **same theme vs chance, at survey size** — :func:`pair_survey` builds a survey of about
   2,700 answers: every side of every pair once as written and one to three times more with
   the variation real exports show (a lead-in such as "Honestly," or "Overall", a closing
   "Thanks." or "That's all.", lower case, a doubled letter), mixed with 1,500 open answers of
   the bundled sample survey, in a seeded random order. It is clustered with a fixed
   ``n_clusters=20`` (:data:`N_CLUSTERS`), and the share of pairs whose two original sides
   land in the same theme is compared with chance: the probability that two of the pairs'
   answers drawn at random from their theme distribution share a theme (the sum of the squared
   theme shares), with a one-sided binomial test (are pairs together more often than
   chance?). Measured for three seeds (survey and clusterer) with the default, with
   ``polarity="split"`` (themes that mix praise and complaint split, merged back to k) and
   with ``polarity_weight=POLARITY_SPLIT_WEIGHT``;
3. **the cost to topical themes** — ARI and NMI at the true number of labels on the shared
   labelled sets (at most 2,000 texts each, the seeded sample of ``bench_clustering.py
   --quick``), with each of those settings; sets
   missing on this machine are left out;
4. **speed** — answers per second of the keys with negation, of the keys with polarity
   (negation + the VADER lexicon walk) and of VADER's own ``polarity_scores``, on the sample
   survey's open answers repeated to 10,000 (made distinct), the best of three runs.

Run it alone as ``python benchmarks/bench_polarity.py``; ``figures()`` gives
``benchmarks/run.py`` the same numbers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit  # noqa: F401

from research_kit.survey.clustering import ResponseClusterer
from research_kit.text import (
    POLARITY_SPLIT_WEIGHT,
    LemmaOptions,
    answer_keys,
    build_pipeline,
    lemmatize,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _text_sets import TEXT_SETS, TextSetMissing, load_text_set

REPO_ROOT = Path(__file__).resolve().parent.parent
PAIRS = REPO_ROOT / "tests" / "data" / "minimal_pairs.csv"
SURVEYS = sorted((REPO_ROOT / "interview_data" / "survey").glob("permitting_survey_*.csv"))
OPEN_ENDED = (
    "What one thing should the City change about permitting?",
    "Tell us about your most recent experience getting a permit or license in Port Alder.",
)
SECTION = "negation and polarity (minimal pairs)"
SEED = 20261206
N_SURVEY = 1_500
N_CLUSTERS = 20
SPEED_TEXTS = 10_000
QUICK_TEXTS = 2_000  # as bench_clustering.py --quick
LEAD_INS = ("", "", "", "Honestly, ", "Overall ", "Well, ", "In my experience ", "To be fair, ")
CLOSINGS = ("", "", "", " Thanks.", "!", ".", " That's all.", " Just my opinion.")

Figure = tuple[str, str, float, str]
#: The settings compared: the default, mixed themes split, and polarity pseudo-words.
SETTINGS: dict[str, dict] = {
    "default": {},
    'polarity="split"': {"polarity": "split"},
    f"polarity_weight={POLARITY_SPLIT_WEIGHT}": {"polarity_weight": POLARITY_SPLIT_WEIGHT},
}


def load_pairs(path: Path = PAIRS) -> pd.DataFrame:
    """The minimal pairs: ``pair_id, praise, complaint, kind, language``."""
    return pd.read_csv(path, dtype={"praise": str, "complaint": str})


def sample_answers() -> list[str]:
    """The open answers of the bundled sample surveys (both waves, both questions)."""
    answers: list[str] = []
    for path in SURVEYS:
        frame = pd.read_csv(path, encoding="utf-8-sig")
        for question in OPEN_ENDED:
            if question in frame.columns:
                answers += [str(text) for text in frame[question].dropna()]
    return answers


def _variant(text: str, rng: np.random.Generator) -> str:
    """``text`` as another respondent might write it."""
    varied = str(rng.choice(LEAD_INS)) + text.rstrip(".!") + str(rng.choice(CLOSINGS))
    draw = rng.random()
    if draw < 0.2:
        return varied.lower()
    if draw < 0.3:  # a doubled letter
        at = int(rng.integers(len(varied)))
        return varied[:at] + varied[at] + varied[at:]
    return varied


def pair_survey(
    pairs: pd.DataFrame, *, n_survey: int = N_SURVEY, seed: int = SEED
) -> tuple[list[str], pd.DataFrame]:
    """A survey-sized list of answers holding every pair, and where each pair's sides are.

    Returns the answers (shuffled) and one row per answer that comes from a pair:
    ``position`` (in the answers), ``pair_id``, ``side`` (praise or complaint), ``original``
    (True for the side as written in the pairs file).
    """
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    rows: list[dict] = []
    for pair in pairs.itertuples(index=False):
        for side in ("praise", "complaint"):
            text = str(getattr(pair, side))
            copies = [text] + [_variant(text, rng) for _ in range(int(rng.integers(1, 4)))]
            for copy_number, copy in enumerate(copies):
                rows.append({"pair_id": pair.pair_id, "side": side, "original": copy_number == 0})
                texts.append(copy)
    others = sample_answers()
    chosen = rng.choice(len(others), size=min(n_survey, len(others)), replace=False)
    texts += [others[i] for i in chosen]
    order = rng.permutation(len(texts))
    position = np.empty(len(texts), dtype=np.int64)
    position[order] = np.arange(len(texts))
    where = pd.DataFrame(rows)
    where.insert(0, "position", position[: len(rows)])
    return [texts[i] for i in order], where


def same_theme(labels: np.ndarray, where: pd.DataFrame) -> dict[str, float]:
    """Pairs whose original sides share a theme, against chance (one-sided binomial test).

    Chance is the probability that two of the pairs' original answers drawn at random share a
    theme: the sum over themes of the squared share of those answers in it.
    """
    originals = where[where["original"]]
    originals = originals.assign(theme=np.asarray(labels)[originals["position"].to_numpy()])
    sides = originals.pivot(index="pair_id", columns="side", values="theme")
    together = int((sides["praise"] == sides["complaint"]).sum())
    shares = originals["theme"].value_counts(normalize=True).to_numpy()
    chance = float((shares**2).sum())
    test = binomtest(together, len(sides), chance, alternative="greater")
    return {
        "pairs": float(len(sides)),
        "together": float(together),
        "rate": together / len(sides),
        "chance": chance,
        "p_value": float(test.pvalue),
    }


def identical_keys(pairs: pd.DataFrame, model: ResponseClusterer | None = None) -> int:
    """Pairs whose two sides get the same key in ``model`` (the clusterer's own key path)."""
    model = model if model is not None else ResponseClusterer()
    praise = model._lemma_keys(list(pairs["praise"]))
    complaint = model._lemma_keys(list(pairs["complaint"]))
    return sum(a == b for a, b in zip(praise, complaint, strict=True))


def old_identical_keys(pairs: pd.DataFrame) -> int:
    """Pairs whose sides had the same key before negation was kept (negators dropped)."""
    nlp = build_pipeline("blank")
    praise = lemmatize(list(pairs["praise"]), nlp, options=LemmaOptions())
    complaint = lemmatize(list(pairs["complaint"]), nlp, options=LemmaOptions())
    return sum(a == b for a, b in zip(praise, complaint, strict=True))


def theme_figures(pairs: pd.DataFrame, setting: str, seed: int = 0) -> list[Figure]:
    """Same-theme rate against chance with one setting (``SETTINGS``) and seed."""
    texts, where = pair_survey(pairs, seed=SEED + seed)
    model = ResponseClusterer(N_CLUSTERS, random_state=seed, progress=False, **SETTINGS[setting])
    result = same_theme(model.fit_predict(texts), where)
    name = f"{setting}, seed {seed}, {len(texts):,} answers, k={N_CLUSTERS}"
    return [
        (SECTION, f"pairs in one theme ({name})", round(result["rate"], 3), "share"),
        (SECTION, f"chance of one theme ({name})", round(result["chance"], 3), "share"),
        (SECTION, f"one-sided p, together > chance ({name})", result["p_value"], "p"),
    ]


def quality_figures() -> list[Figure]:
    """ARI and NMI at the true k on the labelled sets, default and polarity-split."""
    rows: list[Figure] = []
    for name in TEXT_SETS:
        try:
            texts, labels = load_text_set(name)
        except TextSetMissing:
            continue
        if len(texts) > QUICK_TEXTS:  # the seeded sample of bench_clustering.py --quick
            keep = np.sort(np.random.default_rng(0).choice(len(texts), QUICK_TEXTS, False))
            texts, labels = [texts[i] for i in keep], labels[keep]
        k = len(set(labels))
        for setting, params in SETTINGS.items():
            model = ResponseClusterer(k, random_state=0, progress=False, **params)
            found = model.fit_predict(texts)
            label = f"{name}, k={k}, {setting}"
            rows.append((SECTION, f"ARI ({label})", adjusted_rand_score(labels, found), "ARI"))
            nmi = normalized_mutual_info_score(labels, found)
            rows.append((SECTION, f"NMI ({label})", nmi, "NMI"))
    return rows


def _rate(func, texts: list[str]) -> float:
    """Texts per second, the best of three runs (the machine is shared)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        func(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def speed_figures() -> list[Figure]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    answers = sample_answers()
    texts = [f"{answers[i % len(answers)]} ({i})" for i in range(SPEED_TEXTS)]  # all distinct
    nlp = build_pipeline("blank")
    analyzer = SentimentIntensityAnalyzer()
    answer_keys(texts[:500], nlp, polarity_weight=1)  # warm up: first calls load lookups
    rates = {
        "keys, negation kept (default)": _rate(lambda t: answer_keys(t, nlp), texts),
        "keys, negation dropped (before)": _rate(
            lambda t: lemmatize(t, nlp, progress=False), texts
        ),
        f"keys with polarity (weight {POLARITY_SPLIT_WEIGHT})": _rate(
            lambda t: answer_keys(t, nlp, polarity_weight=POLARITY_SPLIT_WEIGHT), texts
        ),
        "VADER polarity_scores alone": _rate(
            lambda t: [analyzer.polarity_scores(text) for text in t], texts
        ),
    }
    return [(SECTION, name, round(rate), "answers/s") for name, rate in rates.items()]


def figures() -> list[Figure]:
    """Identical keys, same-theme rate against chance, and speed (see the module docstring)."""
    pairs = load_pairs()
    rows: list[Figure] = [
        (SECTION, f"minimal pairs ({len(pairs)})", float(len(pairs)), "pairs"),
        (SECTION, "pairs with identical keys (negation kept)", identical_keys(pairs), "pairs"),
        (SECTION, "pairs with identical keys (before)", old_identical_keys(pairs), "pairs"),
    ]
    for setting in SETTINGS:
        for seed in range(3):
            rows += theme_figures(pairs, setting, seed)
    return rows + quality_figures() + speed_figures()


def main() -> int:
    for section, name, value, unit in figures():
        print(f"{section:40} {name:70} {value:>12,.4g} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
