"""Clustering quality on labelled short-text sets: ResponseClusterer beside the usual baselines.

For each labelled set in ``../shared/data/text-clustering`` (StackOverflow, SearchSnippets,
Biomedical, Banking77, NaPiRE; see ``_text_sets.py``) every method clusters the same texts in
this process, once with k = the true number of labels ("true") and, where the method can choose
k itself, once with its own choice ("auto"). Each row reports the adjusted Rand index and the
normalised mutual information (arithmetic mean; ``sklearn.metrics``) against the gold labels,
the chosen k, wall-clock seconds from raw texts to labels, and the share of texts put in an
outlier bin. The methods:

a. **ours** — ``ResponseClusterer(n_clusters=k or "auto", random_state=0, progress=False)``: the
   default offline representation (spaCy lemmas, TF-IDF with word n-grams, LSA).
b. **ours (sentence)** — the same with ``embedding="sentence"`` (all-MiniLM-L6-v2), when the
   ``embeddings`` extra is installed.
c. **TF-IDF+KMeans** — ``TfidfVectorizer()`` with every default (lowercase, ``\\w\\w+`` tokens,
   smooth idf, l2 rows), then ``KMeans(n_clusters=k, n_init=10, random_state=0)``; "true" only.
d. **BERTopic (LSA)**, BERTopic's offline configuration — the texts' LSA vectors
   (``TfidfVectorizer()`` → ``TruncatedSVD(100, random_state=0)`` → ``Normalizer()``) passed to
   ``BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
   random_state=0), hdbscan_model=...).fit_transform(texts, embeddings=vectors)``. "true" uses
   ``hdbscan_model=KMeans(n_clusters=k, n_init=10, random_state=0)`` (so there is no outlier
   topic); "auto" leaves BERTopic's default HDBSCAN (``min_cluster_size=10``), whose outlier
   topic -1 is scored as one more cluster and reported as outliers %. The UMAP step is the same
   for both runs of a set, so it is fitted once and handed to both through a stand-in reducer;
   its time is added to each row, so each row is what a fresh BERTopic fit costs.
e. **BERTopic (MiniLM)** — the same with the all-MiniLM-L6-v2 sentence vectors.
f. **MiniLM+KMeans** — the sentence vectors and ``KMeans(n_clusters=k, n_init=10,
   random_state=0)``: the sentence baseline of ``../shared/data/README.md``; "true" only.

Rows b and f with k true are run with ``random_state`` 0, 1 and 2 (:data:`SEEDS`) and report the
mean ARI and NMI ± their sample standard deviation (seconds: the mean of one run), so the
sentence verdict does not rest on one lucky seed; the README's figures are single runs.

Sentence vectors are computed once per set (through ``research_kit.survey.embeddings``) and
reused by b, e and f; the time to compute them is added to each of those rows. They are cached
in ``benchmarks/results/cache/`` (keyed by the texts and the model), since all-MiniLM runs at
roughly 100-800 short texts/s on 2 cores (57,000 texts: 2-10 minutes); a cached run reuses the
embedding time measured when the cache was written. With the cache a full run takes about 12
minutes on 2 shared cores, most of it UMAP on the 20,000-text sets. Method b gets the same
vectors by a stand-in for ``sentence_embeddings`` during its fit (texts it did not see are
embedded for real).

It prints a table and verdicts per set — does the default beat TF-IDF+KMeans and
BERTopic (LSA) on both ARI and NMI (k true; and against BERTopic's HDBSCAN for auto), does
the sentence option reach the all-MiniLM + KMeans figures in ``../shared/data/README.md``, and,
for the default and the sentence option with ``n_clusters="auto"``, is the k chosen within a
factor 1.5 of the true number of labels (target: on at least 4 of the 5 sets) and is the ARI at
the chosen k at least 0.8 x the ARI at the true k (target: on every set) — and the curve each
auto run chose from (``k_scores_``: k and the log evidence, printed as the gap to the best,
``*`` the chosen k). It writes ``benchmarks/results/clustering.json`` (the rows, each auto row
with its curve, and the verdicts) and ``clustering.md``.

Run it alone as ``python benchmarks/bench_clustering.py [--sets NaPiRE Banking77] [--quick]
[--only sentence]`` (``--quick``: at most 2,000 texts per set, a seeded sample; ``--only
sentence``: only the rows on sentence vectors, b, e and f); ``figures()`` gives
``benchmarks/run.py`` the full-set figures. BERTopic (and UMAP/HDBSCAN) come from the ``bench``
extra and the sentence model from the ``embeddings`` extra; without them those rows are left
out and the reason is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import importlib
import json
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(REPO_ROOT))
    import research_kit  # noqa: F401
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from _text_sets import TEXT_SET_SIZES, TEXT_SETS, TextSetMissing, load_text_set  # noqa: E402

from research_kit.survey import embeddings  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
CACHE_DIR = RESULTS_DIR / "cache"
SECTION = "clustering quality"
QUICK_TEXTS = 2_000
SEED = 0
#: Seeds of the rows reported as mean ± sd (the sentence option and MiniLM+KMeans, k true).
SEEDS = (0, 1, 2)
LSA_COMPONENTS = 100
UMAP_PARAMS = {"n_neighbors": 15, "n_components": 5, "min_dist": 0.0, "metric": "cosine"}

OURS = "ours"
OURS_SENTENCE = "ours (sentence)"
TFIDF_KMEANS = "TF-IDF+KMeans"
BERTOPIC_LSA = "BERTopic (LSA)"
BERTOPIC_SENTENCE = "BERTopic (MiniLM)"
MINILM_KMEANS = "MiniLM+KMeans"

#: ARI / NMI with k = true labels, from ../shared/data/README.md (measured on the full sets;
#: compared at their precision, 3 decimals).
README_MINILM_KMEANS = {
    "StackOverflow": (0.566, 0.702),
    "Banking77": (0.518, 0.800),
    "SearchSnippets": (0.555, 0.594),
    "Biomedical": (0.317, 0.447),
    "NaPiRE": (0.085, 0.384),
}

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """One method on one set, with k true or chosen automatically."""

    text_set: str
    n_texts: int
    method: str
    k_mode: str
    k: int
    ari: float
    nmi: float
    seconds: float
    outliers_pct: float = 0.0
    note: str = ""
    seeds: int = 1  # runs behind the row (random_state 0, 1, ...): ari, nmi, seconds are means
    ari_sd: float = 0.0  # sample standard deviations over those runs (0 for one run)
    nmi_sd: float = 0.0
    true_k: int = 0  # the number of gold labels
    curve: tuple[tuple[int, float], ...] = ()  # auto rows of ours: (k, log evidence) tried


# -- helpers ----------------------------------------------------------------------------------


def timed(func: Callable[[], T]) -> tuple[float, T]:
    """Run ``func`` once; return (seconds, its result)."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def say(message: str) -> None:
    """Progress for a person watching a long run (stderr, so tables stay clean)."""
    print(message, file=sys.stderr, flush=True)


def _score(
    text_set: str,
    labels: np.ndarray,
    predicted: Sequence[int],
    method: str,
    k_mode: str,
    seconds: float,
    note: str = "",
) -> Row:
    predicted = np.asarray(predicted)
    outliers = float(np.mean(predicted == -1)) * 100
    row = Row(
        true_k=len(np.unique(labels)),
        text_set=text_set,
        n_texts=len(labels),
        method=method,
        k_mode=k_mode,
        k=len(np.unique(predicted[predicted != -1])),
        ari=float(adjusted_rand_score(labels, predicted)),
        nmi=float(normalized_mutual_info_score(labels, predicted, average_method="arithmetic")),
        seconds=seconds,
        outliers_pct=outliers,
        note=note,
    )
    say(
        f"  {text_set:<15} {method:<18} k={k_mode:<4} ({row.k:>3})  ARI {row.ari:.3f}  "
        f"NMI {row.nmi:.3f}  {row.seconds:7.1f} s"
    )
    return row


def _optional(module: str) -> Any | None:
    """Import ``module`` if it is installed, else None."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _sample(texts: list[str], labels: np.ndarray, limit: int | None):
    """A seeded random sample of at most ``limit`` texts, in file order."""
    if limit is None or len(texts) <= limit:
        return texts, labels
    keep = np.sort(np.random.default_rng(SEED).choice(len(texts), size=limit, replace=False))
    return [texts[i] for i in keep], labels[keep]


def _kmeans(k: int, seed: int = SEED) -> KMeans:
    return KMeans(n_clusters=k, n_init=10, random_state=seed)


def over_seeds(rows: Sequence[Row]) -> Row:
    """One row for runs of a method with seeds 0, 1, ...: mean ARI, NMI, seconds; sds."""
    if len(rows) == 1:
        return rows[0]
    ari = np.array([r.ari for r in rows])
    nmi = np.array([r.nmi for r in rows])
    row = replace(
        rows[0],
        ari=float(ari.mean()),
        nmi=float(nmi.mean()),
        seconds=float(np.mean([r.seconds for r in rows])),
        seeds=len(rows),
        ari_sd=float(ari.std(ddof=1)),
        nmi_sd=float(nmi.std(ddof=1)),
    )
    say(
        f"  {row.text_set:<15} {row.method:<18} k={row.k_mode:<4} mean of {len(rows)} seeds: "
        f"ARI {row.ari:.3f} ± {row.ari_sd:.3f}  NMI {row.nmi:.3f} ± {row.nmi_sd:.3f}"
    )
    return row


# -- representations --------------------------------------------------------------------------


def lsa_vectors(texts: Sequence[str]) -> np.ndarray:
    """TF-IDF (defaults) → TruncatedSVD(100) → unit rows: BERTopic's offline embedding here."""
    pipeline = make_pipeline(
        TfidfVectorizer(), TruncatedSVD(LSA_COMPONENTS, random_state=SEED), Normalizer()
    )
    return pipeline.fit_transform(texts).astype(np.float32)


def _cache_file(text_set: str, texts: Sequence[str]) -> Path:
    digest = hashlib.sha256(embeddings.MODEL_NAME.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return CACHE_DIR / f"{text_set}-{len(texts)}-{digest.hexdigest()[:16]}.npz"


def sentence_vectors(
    text_set: str, texts: Sequence[str], *, use_cache: bool = True
) -> tuple[np.ndarray, float, str]:
    """all-MiniLM vectors of ``texts``, the seconds they took, and a note on where from."""
    path = _cache_file(text_set, texts)
    if use_cache and path.is_file():
        with np.load(path) as cached:
            return cached["vectors"], float(cached["seconds"]), "embedding time from cache"
    say(f"  {text_set:<15} embedding {len(texts):,} texts with {embeddings.MODEL_NAME} ...")
    seconds, vectors = timed(lambda: embeddings.sentence_embeddings(texts))
    say(f"  {text_set:<15} embedded in {seconds:.1f} s ({len(texts) / seconds:,.0f} texts/s)")
    if use_cache:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        np.savez(path, vectors=vectors, seconds=seconds)
    return vectors, seconds, ""


@contextlib.contextmanager
def reuse_sentence_vectors(texts: Sequence[str], vectors: np.ndarray) -> Iterator[list[int]]:
    """Let ResponseClusterer's sentence embedding use ``vectors``; yields a miss counter."""
    known = {text: vectors[i] for i, text in enumerate(texts)}
    real = embeddings.sentence_embeddings
    misses = [0]

    def stand_in(batch: Sequence[str], **kwargs: Any) -> np.ndarray:
        batch = list(batch)
        todo = [text for text in batch if not isinstance(text, str) or text not in known]
        if todo:
            misses[0] += len(todo)
            computed = real(todo, **kwargs)
            known.update(zip(todo, computed, strict=True))
        if not batch:
            return np.zeros((0, embeddings.EMBEDDING_DIM), dtype=np.float32)
        return np.stack([known[text] for text in batch])

    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(embeddings, "sentence_embeddings", stand_in))
        clustering = _optional("research_kit.survey.clustering")
        if clustering is not None and hasattr(clustering, "sentence_embeddings"):
            stack.enter_context(mock.patch.object(clustering, "sentence_embeddings", stand_in))
        yield misses


# -- methods ----------------------------------------------------------------------------------


def ours(
    text_set: str,
    texts: list[str],
    labels: np.ndarray,
    k: int,
    *,
    embedding: str = "tfidf",
    extra_seconds: float = 0.0,
    note: str = "",
    seeds: Sequence[int] = (SEED,),
) -> list[Row]:
    """ResponseClusterer with k true (mean over ``seeds``) and with "auto" (seed 0)."""
    from research_kit.survey.clustering import ResponseClusterer

    method = OURS if embedding == "tfidf" else OURS_SENTENCE
    rows = []
    for k_mode, n_clusters, run_seeds in (("true", k, seeds), ("auto", "auto", (SEED,))):
        runs = []
        for seed in run_seeds:
            model = ResponseClusterer(
                n_clusters=n_clusters, embedding=embedding, random_state=seed, progress=False
            )
            seconds, predicted = timed(lambda model=model: model.fit_predict(texts))
            seconds += extra_seconds
            row = _score(text_set, labels, predicted, method, k_mode, seconds, note)
            if k_mode == "auto":
                row = replace(row, curve=_curve(model.k_scores_))
                say(f"  {text_set:<15} {method:<18} curve: {curve_line(row)}")
            runs.append(row)
        rows.append(over_seeds(runs))
    return rows


def _curve(scores: Any) -> tuple[tuple[int, float], ...]:
    """The auto-k curve of a fitted clusterer: (k, log evidence) per candidate tried."""
    return tuple(
        (int(k), round(float(e), 1))
        for k, e in zip(scores["k"], scores["log_evidence"], strict=True)
    )


def curve_line(row: Row) -> str:
    """A compact curve: each k tried and its log evidence minus the best; ``*`` the chosen k."""
    if not row.curve:
        return ""
    best = max(evidence for _, evidence in row.curve)
    return " ".join(
        f"{k}{'*' if k == row.k else ''}:{evidence - best:.0f}" for k, evidence in row.curve
    )


def vectors_kmeans(
    text_set: str,
    vectors: Any,
    labels: np.ndarray,
    k: int,
    method: str,
    extra_seconds: float,
    seeds: Sequence[int] = (SEED,),
) -> Row:
    """KMeans(k) on given vectors (mean over ``seeds``); seconds include ``extra_seconds``."""
    runs = []
    for seed in seeds:
        seconds, predicted = timed(lambda seed=seed: _kmeans(k, seed).fit_predict(vectors))
        runs.append(_score(text_set, labels, predicted, method, "true", seconds + extra_seconds))
    return over_seeds(runs)


def tfidf_kmeans(text_set: str, texts: list[str], labels: np.ndarray, k: int) -> Row:
    """Plain TF-IDF (sklearn defaults) + KMeans(k)."""
    seconds, matrix = timed(lambda: TfidfVectorizer().fit_transform(texts))
    return vectors_kmeans(text_set, matrix, labels, k, TFIDF_KMEANS, seconds)


@functools.cache
def _warm_up_numba() -> None:
    """Compile UMAP's and HDBSCAN's numba code once, untimed, so no row pays for it."""
    from bertopic import BERTopic
    from umap import UMAP

    rng = np.random.default_rng(SEED)
    texts = [f"w{i % 7} w{i % 11} w{i % 13}" for i in range(300)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vectors = rng.normal(size=(len(texts), 16)).astype(np.float32)
        BERTopic(umap_model=UMAP(**UMAP_PARAMS, random_state=SEED), verbose=False).fit_transform(
            texts, embeddings=vectors
        )


class PrecomputedReduction:
    """A stand-in for BERTopic's ``umap_model`` that returns a reduction fitted beforehand."""

    def __init__(self, reduced: np.ndarray) -> None:
        self.reduced = reduced

    def fit(self, X: Any, y: Any = None) -> PrecomputedReduction:
        if X.shape[0] != self.reduced.shape[0]:
            raise ValueError("the precomputed reduction is of other texts")
        return self

    def transform(self, X: Any) -> np.ndarray:
        return self.reduced

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X, y).transform(X)


def bertopic_rows(
    text_set: str,
    texts: list[str],
    labels: np.ndarray,
    k: int,
    vectors: np.ndarray,
    vector_seconds: float,
    method: str,
    note: str = "",
) -> list[Row]:
    """BERTopic on precomputed vectors: UMAP + KMeans(k) ("true"), UMAP + HDBSCAN ("auto")."""
    from bertopic import BERTopic
    from umap import UMAP

    _warm_up_numba()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # UMAP: "n_jobs overridden by setting random_state"
        umap_seconds, reduced = timed(
            lambda: UMAP(**UMAP_PARAMS, random_state=SEED).fit_transform(vectors)
        )
    rows = []
    for k_mode, cluster_model in (("true", _kmeans(k)), ("auto", None)):
        topic_model = BERTopic(
            umap_model=PrecomputedReduction(reduced), hdbscan_model=cluster_model, verbose=False
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds, (topics, _) = timed(
                lambda topic_model=topic_model: topic_model.fit_transform(texts, embeddings=vectors)
            )
        total = seconds + umap_seconds + vector_seconds
        rows.append(_score(text_set, labels, topics, method, k_mode, total, note))
    return rows


# -- one set, all sets ------------------------------------------------------------------------


def bench_set(
    text_set: str,
    texts: list[str],
    labels: np.ndarray,
    *,
    sentence: bool,
    bertopic: bool,
    use_cache: bool = True,
    offline: bool = True,
) -> list[Row]:
    """Every method on one labelled set (``offline=False``: only the sentence-vector ones)."""
    k = len(np.unique(labels))
    say(f"{text_set}: {len(texts):,} texts, {k} labels")
    rows: list[Row] = []
    if offline:
        rows += ours(text_set, texts, labels, k)
        rows.append(tfidf_kmeans(text_set, texts, labels, k))
    if offline and bertopic:
        lsa_seconds, lsa = timed(lambda: lsa_vectors(texts))
        rows += bertopic_rows(text_set, texts, labels, k, lsa, lsa_seconds, BERTOPIC_LSA)
    if sentence:
        vectors, embed_seconds, note = sentence_vectors(text_set, texts, use_cache=use_cache)
        with reuse_sentence_vectors(texts, vectors) as misses:
            sentence_rows = ours(
                text_set,
                texts,
                labels,
                k,
                embedding="sentence",
                extra_seconds=embed_seconds,
                note=note,
                seeds=SEEDS,
            )
        if misses[0]:
            miss_note = f"{misses[0]:,} texts embedded during the fit"
            sentence_rows = [
                replace(r, note=f"{r.note}; {miss_note}".strip("; ")) for r in sentence_rows
            ]
        rows += sentence_rows
        rows.append(
            vectors_kmeans(text_set, vectors, labels, k, MINILM_KMEANS, embed_seconds, SEEDS)
        )
        rows[-1] = replace(rows[-1], note=note)
        if bertopic:
            rows += bertopic_rows(
                text_set, texts, labels, k, vectors, embed_seconds, BERTOPIC_SENTENCE, note
            )
    return rows


def run(
    sets: Sequence[str] = TEXT_SETS,
    *,
    max_texts: int | None = None,
    root: Path | None = None,
    sentence: bool = True,
    bertopic: bool = True,
    use_cache: bool = True,
    offline: bool = True,
) -> tuple[list[Row], list[str]]:
    """Benchmark ``sets``; return the rows and notes on what was left out."""
    notes = []
    if not offline:
        notes.append("offline rows left out (--only sentence)")
    if sentence and not embeddings.sentence_model_available():
        notes.append(
            f"sentence rows left out: the model is not installed ({embeddings.INSTALL_HINT})"
        )
        sentence = False
    if bertopic and (_optional("bertopic") is None or _optional("umap") is None):
        notes.append(
            "BERTopic rows left out: bertopic is not installed (pip install -e '.[bench]')"
        )
        bertopic = False
    if _optional("research_kit.survey.clustering") is None:
        raise RuntimeError("research_kit.survey.clustering (ResponseClusterer) is not importable")
    rows: list[Row] = []
    for text_set in sets:
        try:
            texts, labels = load_text_set(text_set, root)
        except TextSetMissing as exc:
            notes.append(f"skipped: {exc}")
            say(f"skipped: {exc}")
            continue
        texts, labels = _sample(texts, labels, max_texts)
        rows += bench_set(
            text_set,
            texts,
            labels,
            sentence=sentence,
            bertopic=bertopic,
            use_cache=use_cache,
            offline=offline,
        )
    return rows, notes


# -- verdicts and output ----------------------------------------------------------------------


def _find(rows: Sequence[Row], text_set: str, method: str, k_mode: str) -> Row | None:
    return next(
        (r for r in rows if (r.text_set, r.method, r.k_mode) == (text_set, method, k_mode)), None
    )


def _beats(row: Row | None, others: Sequence[Row | None]) -> bool | None:
    """Whether ``row`` is higher on both ARI and NMI than every one of ``others`` present."""
    present = [other for other in others if other is not None]
    if row is None or not present:
        return None
    return all(row.ari > other.ari and row.nmi > other.nmi for other in present)


def verdicts(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Per set: the targets of issue 4, each True / False / None (not measured)."""
    out = []
    for text_set in dict.fromkeys(r.text_set for r in rows):
        sentence = _find(rows, text_set, OURS_SENTENCE, "true")
        readme = README_MINILM_KMEANS.get(text_set)
        full = sentence is not None and sentence.n_texts == TEXT_SET_SIZES[text_set][0]
        out.append(
            {
                "text_set": text_set,
                "default beats TF-IDF+KMeans and BERTopic (LSA), k true": _beats(
                    _find(rows, text_set, OURS, "true"),
                    [
                        _find(rows, text_set, TFIDF_KMEANS, "true"),
                        _find(rows, text_set, BERTOPIC_LSA, "true"),
                    ],
                ),
                "default beats BERTopic (LSA, HDBSCAN), auto": _beats(
                    _find(rows, text_set, OURS, "auto"),
                    [_find(rows, text_set, BERTOPIC_LSA, "auto")],
                ),
                "sentence option >= README all-MiniLM+KMeans, k true": (
                    None  # the README's figures are for the full sets
                    if sentence is None or readme is None or not full
                    else round(sentence.ari, 3) >= readme[0] and round(sentence.nmi, 3) >= readme[1]
                ),
                "sentence option >= MiniLM+KMeans in this run, k true": _beats_or_ties(
                    sentence, _find(rows, text_set, MINILM_KMEANS, "true")
                ),
                **auto_k_verdicts(rows, text_set, OURS, "default"),
                **auto_k_verdicts(rows, text_set, OURS_SENTENCE, "sentence option"),
            }
        )
    return out


#: Issue 17's targets for automatic k: the k chosen within this factor of the true number of
#: labels (on at least :data:`AUTO_K_SETS_NEEDED` of the five sets), and the ARI at the chosen k
#: at least :data:`AUTO_ARI_SHARE` of the ARI at the true k (on every set).
AUTO_K_FACTOR = 1.5
AUTO_K_SETS_NEEDED = 4
AUTO_ARI_SHARE = 0.8


def auto_k_verdicts(rows: Sequence[Row], text_set: str, method: str, name: str) -> dict:
    """The two auto-k targets for one method on one set (None when not measured)."""
    auto, true = _find(rows, text_set, method, "auto"), _find(rows, text_set, method, "true")
    within = ari_kept = None
    if auto is not None:
        within = 1 / AUTO_K_FACTOR <= auto.k / auto.true_k <= AUTO_K_FACTOR
    if auto is not None and true is not None:
        ari_kept = auto.ari >= AUTO_ARI_SHARE * true.ari
    return {
        f"{name}: auto k within {AUTO_K_FACTOR}x of true": within,
        f"{name}: ARI at auto k >= {AUTO_ARI_SHARE} x ARI at true k": ari_kept,
    }


def auto_k_summary(found: Sequence[dict[str, Any]]) -> list[str]:
    """One line per method: on how many sets each auto-k target was met."""
    lines = []
    for name in ("default", "sentence option"):
        within = [v[f"{name}: auto k within {AUTO_K_FACTOR}x of true"] for v in found]
        kept = [v[f"{name}: ARI at auto k >= {AUTO_ARI_SHARE} x ARI at true k"] for v in found]
        within = [w for w in within if w is not None]
        kept = [k for k in kept if k is not None]
        if not within:
            continue
        lines.append(
            f"{name}, auto k: within {AUTO_K_FACTOR}x of the true number on {sum(within)} of "
            f"{len(within)} sets (target: at least {min(AUTO_K_SETS_NEEDED, len(within))}); "
            f"ARI >= {AUTO_ARI_SHARE} x ARI at true k on {sum(kept)} of {len(kept)} "
            "(target: every set)"
        )
    return lines


def _beats_or_ties(row: Row | None, other: Row | None) -> bool | None:
    if row is None or other is None:
        return None
    return row.ari >= other.ari and row.nmi >= other.nmi


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "n/a"}[value]


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| set | texts | method | k mode | k | true k | ARI | NMI | seconds | outliers % | note |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.text_set} | {r.n_texts:,} | {r.method} | {r.k_mode} | {r.k} | {r.true_k} | "
        f"{_mean_sd(r.ari, r.ari_sd, r.seeds)} | {_mean_sd(r.nmi, r.nmi_sd, r.seeds)} | "
        f"{r.seconds:.1f} | {r.outliers_pct:.1f} | {_seeds_note(r)} |"
        for r in rows
    ]
    return "\n".join(lines)


def _mean_sd(mean: float, sd: float, seeds: int) -> str:
    return f"{mean:.3f}" if seeds == 1 else f"{mean:.3f} ± {sd:.3f}"


def _seeds_note(row: Row) -> str:
    if row.seeds == 1:
        return row.note
    return "; ".join(filter(None, [f"mean ± sd of seeds 0-{row.seeds - 1}", row.note]))


def verdict_table(found: Sequence[dict[str, Any]]) -> str:
    """The verdicts as a Markdown table (yes / NO / n/a)."""
    if not found:
        return ""
    targets = [key for key in found[0] if key != "text_set"]
    lines = ["| set | " + " | ".join(targets) + " |", "|---" * (len(targets) + 1) + "|"]
    for verdict in found:
        cells = " | ".join(_yes_no(verdict[target]) for target in targets)
        lines.append(f"| {verdict['text_set']} | {cells} |")
    return "\n".join(lines)


def write_results(rows: Sequence[Row], notes: Sequence[str], total_s: float) -> Path:
    """Write ``clustering.json`` and ``clustering.md`` under ``benchmarks/results``."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    found = verdicts(rows)
    payload = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "total_seconds": round(total_s, 1),
        "notes": list(notes),
        "readme_minilm_kmeans": README_MINILM_KMEANS,
        "rows": [asdict(row) for row in rows],
        "verdicts": found,
    }
    path = RESULTS_DIR / "clustering.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    markdown = [
        "# Clustering quality",
        "",
        table(rows),
        "",
        verdict_table(found),
        "",
        *(f"- {line}" for line in auto_k_summary(found)),
        "",
        "Curves of automatic k (log evidence minus the best, `*` chosen):",
        "",
        *(f"- {r.text_set}, {r.method}: {curve_line(r)}" for r in rows if r.curve),
        "",
        *(f"- {note}" for note in notes),
        f"\nWhole run: {total_s:.0f} s.",
    ]
    (RESULTS_DIR / "clustering.md").write_text("\n".join(markdown) + "\n", encoding="utf-8")
    return path


def figures() -> list[tuple[str, str, float, str]]:
    """Every full set: ARI, NMI, seconds (and k chosen, outliers) per method, and the verdicts."""
    start = time.perf_counter()
    rows, notes = run()
    write_results(rows, notes, time.perf_counter() - start)
    out: list[tuple[str, str, float, str]] = []
    for r in rows:
        section = f"{SECTION}: {r.text_set} ({r.n_texts:,} texts)"
        name = f"{r.method}, k {r.k_mode}"
        out += [(section, f"{name}: ARI", r.ari, ""), (section, f"{name}: NMI", r.nmi, "")]
        out.append((section, f"{name}: seconds", r.seconds, "s"))
        if r.k_mode == "auto":
            out.append((section, f"{name}: k chosen", r.k, "clusters"))
            out.append((section, f"{name}: true k", r.true_k, "labels"))
        if r.outliers_pct:
            out.append((section, f"{name}: outliers", r.outliers_pct, "%"))
    for verdict in verdicts(rows):
        for target, value in verdict.items():
            if target != "text_set" and value is not None:
                name = f"{verdict['text_set']}: {target}"
                out.append((f"{SECTION}: targets (1 = yes)", name, float(value), ""))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run, print the table and verdicts, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sets", nargs="+", choices=TEXT_SETS, default=list(TEXT_SETS))
    parser.add_argument(
        "--quick", action="store_true", help=f"at most {QUICK_TEXTS:,} texts per set"
    )
    parser.add_argument("--max-texts", type=int, help="at most this many texts per set")
    parser.add_argument("--no-sentence", action="store_true", help="leave out sentence rows")
    parser.add_argument("--no-bertopic", action="store_true", help="leave out BERTopic rows")
    parser.add_argument("--no-cache", action="store_true", help="embed again, write no cache")
    parser.add_argument(
        "--only",
        choices=["sentence"],
        help="sentence: only the rows on sentence vectors (ours (sentence), MiniLM+KMeans, "
        "BERTopic (MiniLM))",
    )
    parser.add_argument("--root", type=Path, help="the text-clustering folder")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows, notes = run(
        args.sets,
        max_texts=QUICK_TEXTS if args.quick else args.max_texts,
        root=args.root,
        sentence=not args.no_sentence,
        bertopic=not args.no_bertopic,
        use_cache=not args.no_cache,
        offline=args.only != "sentence",
    )
    total_s = time.perf_counter() - start
    path = write_results(rows, notes, total_s)
    print(table(rows))
    print()
    print(verdict_table(verdicts(rows)))
    for line in auto_k_summary(verdicts(rows)):
        print(line)
    for r in rows:
        if r.curve:
            print(f"curve {r.text_set}, {r.method}: {curve_line(r)}")
    for note in notes:
        print(f"note: {note}")
    print(f"\nwhole run: {total_s:.0f} s; results in {path.relative_to(REPO_ROOT)} (and .md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
