"""Cluster open-ended survey answers into themes: :class:`ResponseClusterer`.

A scikit-learn estimator (``fit``, ``predict``, ``fit_predict``, ``transform``; ``labels_``,
``n_clusters_``, ``random_state``) that drops into a ``Pipeline``. Every answer gets a cluster —
there is no outlier bin — together with a confidence in [0, 1] so weak fits can be reviewed, and
:meth:`ResponseClusterer.describe` returns one tidy row per cluster: size, share, distinctive
terms (c-TF-IDF), a short label and representative quotes.

How answers are clustered (default, offline, nothing to download):

1. Each answer is reduced to its content lemmas (:mod:`research_kit.text`; stop words, numbers,
   punctuation, 1-letter tokens dropped; negation kept: "not helpful" gives ``not_helpful``).
   Answers with the same lemmas count as one *distinct answer* weighted by how many gave it;
   distinct answers are sorted before fitting, so the row order never matters.
2. Lemma TF-IDF over word n-grams (sublinear tf) is reduced by LSA and L2-normalised.
3. Each answer's 15 nearest neighbours in that space smooth the representation a little
   (an answer borrows a quarter weight of its neighbours' words, which helps answers of two or
   three words most).
4. Seeded k-means on the smoothed unit vectors starts a mixture of multinomials over the lemmas
   (a Dirichlet-multinomial mixture fitted by EM, a model made for short texts); the best of
   four starts by penalised likelihood is kept. On the shared benchmark sets this beats
   TF-IDF or LSA + k-means, whose vague answers pile up in one large cluster, and BERTopic.
5. Each answer goes to its most probable cluster. ``confidence_`` is the margin between the
   two most probable clusters once the log-likelihoods are divided by the answer's number of
   words. Answers with no usable word (empty, only stop words or numbers, only words no other
   answer used) go to the largest cluster of the fitted answers, with confidence 0 (and equal
   memberships in ``transform``); answers with fewer than
   ``min_tokens`` lemmas do not shape the clusters but are assigned to the most probable one.

Answers that are only praise, thanks or "nothing to add", and (given their languages) answers
in another language than the main one, are set aside before all this in named groups that take
the cluster numbers after the themes (:mod:`research_kit.survey.answer_groups`).

With ``n_clusters="auto"`` the mixture is fitted for each candidate k on a fixed sample of up to
2,000 distinct answers and k is the one whose clusters the answers' words support best: the
highest marginal likelihood of the sample's words given the clusters, each cluster's word
distribution integrated out under the mixture's Dirichlet prior (the word part of the exact ICL).
Unlike silhouette or stability, this does not grow with k: splitting a theme whose halves use
the same words lowers it (figures on the shared labelled sets: ``benchmarks/bench_clustering.py``).
:mod:`research_kit.survey.choosing_k` says which k are tried (up to one per 10 distinct
answers, at most 200); ``k_scores_`` shows the curve, ``criterion_`` the rule. A fixed k is
delivered: clusters that EM empties are re-seeded by splitting the heaviest cluster, and only
when that cannot work (fewer distinct answers than k, or answers too alike) is a
:class:`~research_kit.survey.choosing_k.FewerThemesWarning` given, saying how many themes
were formed and why.

Scale: the model is fitted on at most 20,000 distinct answers — a seeded sample chosen by
hashing each answer's lemmas, so it depends neither on row order nor on batch boundaries — and
every answer is then assigned to it. Above 200,000 answers (or with ``batch_size``) answers are
read and assigned batch by batch, so nothing grows with the number of answers beyond a few
values per answer (its lemma key, hash, label and confidence); this replaces
``MiniBatchKMeans.partial_fit``, whose result depends on the order of the batches.
``embedding="sentence"`` (optional extra, see :mod:`research_kit.survey.embeddings`) adds
all-MiniLM-L6-v2 sentence vectors: each answer's sentence vector is smoothed by its 15 nearest
neighbours among the sentence vectors (as the LSA vector is in 3.) and joined with its smoothed
LSA vector, the lemmas weighing a tenth as much as the sentence vector. K-means on the joined
vectors (best of ten starts) starts a joint mixture in which an answer's score for a cluster is
its scaled cosine to the cluster's mean direction plus the log-likelihood of its words under the
cluster's word distribution; answers go to the highest score, and the confidence divides the
scores by the number of words plus one. With ``"auto"``, k is chosen by k-means on the joined
vectors, scored by the same word evidence. On the five shared labelled sets, with k the true
number of labels, this beats all-MiniLM + k-means on ARI and NMI (mean of three seeds; see
``benchmarks/bench_clustering.py``).

Warm starts: ``init`` (answer text -> cluster of a previous run) replaces the k-means starts
of step 4. Answers seen before (same lemmas) start in their previous cluster, the word
distributions are estimated from them, each new answer starts in the cluster under which its
neighbour-augmented words are most likely, and the usual EM iterations run over all answers
(one start, not the best of four). With ``n_clusters="auto"`` k is the previous number of
clusters. Re-running on the same answers reproduces the previous clustering up to a few answers
that the EM iterations move (ARI 0.95 to 0.99 on the sample survey); with a tenth to a quarter
of the answers replaced, about 95% of the answers seen before keep their theme where a fresh
fit keeps 15-30% (``benchmarks/bench_edit_stability.py``), so the researchers' edits, which
are anchored on clusters' members (:mod:`research_kit.survey.cluster_edits`), still apply.
:func:`~research_kit.survey.themes.cluster_question` does this by default from the question's
latest kept run.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from research_kit.errors import SurveyError
from research_kit.survey import _cluster_groups as groups
from research_kit.survey import _cluster_math as core
from research_kit.survey import _cluster_model as models
from research_kit.survey import _cluster_warm as warm
from research_kit.survey._cluster_describe import Assignment, describe_table
from research_kit.survey._cluster_input import (
    Corpus,
    KeyStore,
    as_texts,
    check_params,
    init_pairs,
)
from research_kit.survey._cluster_pass import PassOptions, assign_answers, size_order
from research_kit.survey._full_k import fewer_themes_reason
from research_kit.survey.choosing_k import (
    FewerThemesWarning,
    auto_k_limit,
    candidate_ks,
    choose_k,
    one_k_scores,
    warm_criterion,
)
from research_kit.survey.terms import surface_forms
from research_kit.text import answer_keys, build_pipeline, lemmas_and_polarity

__all__ = ["FewerThemesWarning", "ResponseClusterer", "auto_k_limit", "candidate_ks"]

#: Above this many answers the batch path is used even when ``batch_size`` is None.
AUTO_BATCH_ABOVE = 200_000
#: Batch size of the batch path when it is chosen automatically.
AUTO_BATCH_SIZE = 50_000
#: Above this many answers a progress bar is shown when ``progress`` is None.
PROGRESS_ABOVE = 20_000
#: BLAS threads while clustering: its matrix products are small blocks, and on a shared
#: 2-core machine two threads measured twice as slow as one (threads wait for each other).
_BLAS_THREADS = 1


class ResponseClusterer(TransformerMixin, ClusterMixin, BaseEstimator):
    """Cluster open-ended answers into themes, every answer in exactly one cluster.

    Parameters
    ----------
    n_clusters : int or "auto"
        Number of clusters, or ``"auto"`` to choose it in ``k_range`` (see ``criterion_``).
    embedding : {"tfidf", "sentence", "multilingual"}
        ``"tfidf"`` (default, offline): lemma TF-IDF + LSA and a multinomial mixture.
        ``"sentence"``: all-MiniLM-L6-v2 sentence vectors joined with the lemma LSA vectors,
        and a mixture of their mean directions and the lemmas' word distributions, started by
        k-means; needs ``pip install 'research-kit[embeddings]'``.
        ``"multilingual"``: the same with multilingual-e5-small vectors
        (:mod:`research_kit.survey.multilingual`), so answers in different languages join the
        themes they speak to and no language group is set aside; needs
        ``pip install 'research-kit[multilingual]'`` (slow: tens of answers a second).
    k_range : (int, int), optional
        Smallest and largest k tried by ``n_clusters="auto"`` (both included). None (default)
        tries 2 up to one theme per 10 distinct answers (at least 15, at most 200); see
        :func:`auto_k_limit` and :func:`candidate_ks`.
    n_components : int
        LSA dimensions.
    ngram_range : (int, int)
        Word n-grams of lemmas used by TF-IDF and for the clusters' terms.
    min_tokens : int
        Answers with fewer content lemmas do not shape the clusters (they are still assigned).
    batch_size : int, optional
        Answers read and assigned at once on the batch path (bounded memory); None chooses
        in-memory processing up to 200,000 answers and batches of 50,000 above.
    progress : bool, optional
        Show progress bars; None shows them above 20,000 answers.
    random_state : int, optional
        Seed for the sample, LSA and k-means starts; a given seed gives the same clusters.
    nlp : spacy.language.Language, optional
        The pipeline from :func:`research_kit.text.build_pipeline`; the offline one by default.
    polarity_weight : int
        ``+praise``/``-complaint`` words per polar answer (``text.answer_keys``): 0 keeps themes
        topical, 12 splits praise from complaint at a cost (``benchmarks/bench_polarity.py``).
    polarity : {"ignore", "split"}
        ``"split"`` (opt-in; default embedding only): a theme that mixes praise and complaint
        (each at least a quarter of its answers) is split into its praise, complaint and
        neutral answers, the least distinct themes are merged back to k, and a theme so made
        holds only answers of its polarity; topical themes barely change (figures:
        ``benchmarks/results_polarity_notes.md``). ``"ignore"`` (default): themes by words.
    init : dict or pandas.Series, optional
        A previous run's clusters to start from (a *warm start*): answer text -> cluster number
        (a Series indexed by text may repeat a text; among texts with the same lemmas the most
        frequent cluster wins, ties to the smaller number). Answers seen before (same lemmas)
        start in their previous cluster; new answers start in the cluster their words and
        neighbours favour; then the usual EM iterations run over all answers (the sentence
        option: k-means from the previous clusters, new answers at the nearest mean vector).
        With ``n_clusters="auto"``, k is the number of previous clusters that still have
        answers (not chosen again; ``criterion_`` says so). With a fixed k below that, the k
        largest previous clusters are kept and the answers of the others start as new; above
        it, the extra clusters are seeded by k-means on the fifth of the answers that fit their
        start worst. An ``init`` sharing no answer with ``X`` is ignored (k-means starts, as
        without it). None (default): k-means starts.
    set_aside : bool
        Set aside answers that are only praise, thanks or "nothing to add", and answers in
        another language than the main one (with ``languages``), in groups of their own after
        the themes (:mod:`research_kit.survey.answer_groups`); False clusters every answer.
    languages : sequence of str, DataFrame or "auto", optional
        Each answer of ``X`` in ``fit``: its language code (``"und"`` unknown) or a detector's
        table (``language``, ``reliable``); ``"auto"`` detects them. None: no language groups.
    main_language : str, optional
        The answers' main language; by default the most frequent reliably detected one.
    min_group_size : int
        Fewer praise answers are not set aside; smaller languages share one group.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_answers,)
        Cluster of each answer, 0 .. n_clusters_ - 1; cluster 0 is the largest, ties broken by
        the alphabetically first lemma key among the cluster's fitted answers.
    confidence_ : ndarray of float, shape (n_answers,)
        How clearly each answer belongs to its cluster, 0 (a toss-up or no usable word) to 1.
    n_clusters_ : int
        Number of clusters in ``labels_``: the topical themes, then the set-aside groups.
    n_themes_ : int
        Topical themes (clusters ``0 .. n_themes_ - 1``): ``n_clusters`` (or the k chosen).
        Fewer only when they cannot be formed (fewer distinct answers with words than k, or
        answers too alike), and then a
        :class:`~research_kit.survey.choosing_k.FewerThemesWarning` says how many and why.
    groups_ : pandas.DataFrame
        The set-aside groups, clusters ``n_themes_`` on: ``cluster, group, kind`` ("praise",
        "language"), ``name``, ``languages``, ``size``.
    k_scores_ : pandas.DataFrame
        One row per candidate k tried: ``k``, ``log_evidence`` (the criterion; higher is
        better), ``clusters_used``, ``chosen`` (a single row with the fixed k when
        ``n_clusters`` is an int).
    criterion_ : str
        The rule that chose k, in one sentence.
    cluster_sizes_ : ndarray of int
        Answers per cluster in the training data.
    n_fit_texts_ : int
        Distinct answers the model was fitted on.
    init_clusters_ : int
        Previous clusters the fit started from (0: started from k-means, without ``init`` or
        when ``init`` shares no answer with ``X``).
    init_seen_ : int
        Distinct fitted answers that ``init`` knew (started in their previous cluster).

    Examples
    --------
    >>> answers = ["Parking is too expensive", "parking fees are too high",
    ...            "More parking downtown", "Fix the potholes", "potholes on every street",
    ...            "Parking near the library"] * 3
    >>> model = ResponseClusterer(2, random_state=0).fit(answers)
    >>> model.labels_[:6].tolist()
    [0, 0, 0, 1, 1, 0]
    >>> table = model.describe(n_quotes=2)
    >>> table[["cluster", "size", "share", "label"]]
       cluster  size     share             label
    0        0    12  0.666667  Parking downtown
    1        1     6  0.333333  Fix the potholes
    >>> table.loc[1, "quotes"]
    ['Fix the potholes', 'potholes on every street']

    A warm start from that run, with new answers, keeps the clusters of the answers seen:

    >>> previous = dict(zip(answers, model.labels_))
    >>> more = answers + ["Parking garage fees", "Potholes near the school"]
    >>> warm = ResponseClusterer(random_state=0, init=previous).fit(more)
    >>> warm.init_clusters_, warm.labels_[:6].tolist(), warm.labels_[-2:].tolist()
    (2, [0, 0, 0, 1, 1, 0], [0, 1])
    """

    def __init__(
        self,
        n_clusters: int | Literal["auto"] = "auto",
        *,
        embedding: Literal["tfidf", "sentence", "multilingual"] = "tfidf",
        k_range: tuple[int, int] | None = None,
        n_components: int = 100,
        ngram_range: tuple[int, int] = (1, 2),
        min_tokens: int = 1,
        batch_size: int | None = None,
        progress: bool | None = None,
        random_state: int | None = 0,
        nlp: Any = None,
        init: Mapping[str, int] | pd.Series | None = None,
        polarity_weight: int = 0,
        polarity: Literal["ignore", "split"] = "ignore",
        set_aside: bool = True,
        languages: Sequence[str] | pd.DataFrame | Literal["auto"] | None = None,
        main_language: str | None = None,
        min_group_size: int = 5,
    ) -> None:
        self.n_clusters = n_clusters
        self.embedding = embedding
        self.k_range = k_range
        self.n_components = n_components
        self.ngram_range = ngram_range
        self.min_tokens = min_tokens
        self.batch_size = batch_size
        self.progress = progress
        self.random_state = random_state
        self.nlp = nlp
        self.init = init
        self.polarity_weight = polarity_weight
        self.polarity = polarity
        self.set_aside = set_aside
        self.languages = languages
        self.main_language = main_language
        self.min_group_size = min_group_size

    # -- public API ----------------------------------------------------------------------------

    def fit(self, X: Iterable[Any], y: Any = None) -> ResponseClusterer:
        """Learn the clusters of the answers ``X`` (a sequence or Series of str; NA = "")."""
        texts = as_texts(X)
        self._check_params(len(texts))
        if self.embedding != "tfidf":
            models.require_sentence_model(self.embedding)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        show = self._show_progress(len(texts))
        self._groups = groups.plan_for_fit(texts, self.get_params(deep=False))
        topical = self._topical(texts, self._groups.codes)
        with threadpool_limits(_BLAS_THREADS, user_api="blas"):
            corpus = self._read(topical, seed, show)
            fit_keys, fit_texts, fit_weights = self._fit_set(corpus, topical)
            self._model = self._fit_model(fit_keys, fit_texts, fit_weights, seed, show)
            result = self._assign(texts, corpus.keys, show, keep_quotes=True)
        self._canonicalise(result, fit_keys)
        self.n_fit_texts_ = len(fit_keys)
        return self

    def fit_predict(self, X: Iterable[Any], y: Any = None, **kwargs: Any) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(X).labels_

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        """Cluster of each answer of ``X`` under the fitted model."""
        check_is_fitted(self, "labels_")
        texts = as_texts(X)
        return self._assign(texts, None, self._show_progress(len(texts))).labels

    def transform(self, X: Iterable[Any]) -> np.ndarray:
        """Membership of each answer in each cluster, shape (n, n_clusters_); rows sum to 1.

        The probabilities behind ``confidence_`` (log-likelihoods per word, softmax); the
        largest is the predicted cluster (an answer with no usable word gets equal ones).
        """
        check_is_fitted(self, "labels_")
        texts = as_texts(X)
        return self._assign(texts, None, self._show_progress(len(texts)), memberships=True).probs

    def describe(
        self, X: Iterable[Any] | None = None, *, n_quotes: int = 3, n_terms: int = 8
    ) -> pd.DataFrame:
        """One row per cluster: size, share, distinctive terms, a label and quotes.

        Parameters
        ----------
        X : sequence of str, optional
            Answers to describe (assigned with the fitted model); by default the training
            answers, from what ``fit`` kept (terms and up to 20 quotes per cluster).
        n_quotes : int
            Representative answers per cluster, most central first, no two alike.
        n_terms : int
            Distinctive terms per cluster (c-TF-IDF over lemma n-grams).

        Returns
        -------
        pandas.DataFrame
            Columns ``cluster``, ``label`` (a name drawn from the answers: the most central
            phrase many of them share, unique across clusters, see
            :mod:`research_kit.survey.theme_names`), ``label_source`` (``"phrase"``, or
            ``"terms"`` when no phrase is shared), ``size``, ``share``, ``top_terms`` (list of
            str), ``quotes`` (list of str), ``mean_confidence``, and ``kind`` ("theme", or
            for a set-aside group "praise" or "language", labelled by the group's name).
        """
        check_is_fitted(self, "labels_")
        if X is None:
            stats = self._train_stats
        else:
            texts = as_texts(X)
            stats = self._assign(texts, None, self._show_progress(len(texts)), keep_quotes=True)
        table = describe_table(stats, n_quotes, n_terms, self._model.surface, nlp=self._pipeline())
        return groups.describe_with_groups(table, self.groups_)

    # -- reading -------------------------------------------------------------------------------

    def _check_params(self, n_texts: int) -> None:
        check_params(self.get_params(deep=False), n_texts)

    def _show_progress(self, n: int) -> bool:
        return self.progress if self.progress is not None else n > PROGRESS_ABOVE

    def _rows_per_batch(self, n: int) -> int:
        if self.batch_size is not None:
            return int(self.batch_size)
        return AUTO_BATCH_SIZE if n > AUTO_BATCH_ABOVE else max(n, 1)

    def _pipeline(self) -> Any:
        if getattr(self, "_nlp", None) is None:
            self._nlp = self.nlp if self.nlp is not None else build_pipeline("blank")
        return self._nlp

    def _lemma_keys(self, texts: Sequence[str]) -> list[str]:
        """Each text's key (:func:`answer_keys`; each distinct text lemmatized once)."""
        index: dict[str, int] = {}
        rows = [index.setdefault(text, len(index)) for text in texts]
        keys = answer_keys(list(index), self._pipeline(), polarity_weight=self.polarity_weight)
        return [keys[row] for row in rows]

    def _dedupe_keys(self, texts: Sequence[str], lemma_keys: list[str]) -> list[str]:
        if self.embedding != "tfidf":
            return [" ".join(text.split()) for text in texts]
        return lemma_keys

    def _read(self, texts: list[str], seed: int, show: bool) -> Corpus:
        """Pass 1: each answer's key, seeded hash and number of lemmas."""
        rows = self._rows_per_batch(len(texts))
        keys = KeyStore(compact=rows < len(texts))
        hashes = np.empty(len(texts), dtype=np.uint64)
        tokens = np.empty(len(texts), dtype=np.int32)
        with tqdm(total=len(texts), desc="Reading answers", unit="answer", disable=not show) as bar:
            for part in core.chunks(len(texts), rows):
                lemma_keys = self._lemma_keys(texts[part])
                chunk_keys = self._dedupe_keys(texts[part], lemma_keys)
                keys.append(chunk_keys)
                hashes[part] = core.key_hashes(chunk_keys, seed)
                tokens[part] = [key.count(" ") + 1 if key else 0 for key in lemma_keys]
                bar.update(part.stop - part.start)
        distinct, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
        distinct_tokens = np.zeros(len(distinct), dtype=np.int32)
        distinct_tokens[inverse] = tokens
        return Corpus(keys, inverse.astype(np.int64), counts, distinct_tokens)

    def _fit_set(self, corpus: Corpus, texts: list[str]) -> tuple[list[str], list[str], np.ndarray]:
        """The distinct answers the model is fitted on (sorted), a quote text each, weights."""
        eligible = np.flatnonzero(corpus.distinct_tokens >= max(1, self.min_tokens))
        if len(eligible) == 0:
            raise SurveyError(
                "no answer has a word that can be clustered (all are empty, numbers, "
                "punctuation or stop words)",
                hint="check that the column holds the open-ended answers",
            )
        chosen = np.zeros(len(corpus.counts), dtype=bool)
        chosen[eligible[: core.MAX_FIT_TEXTS]] = True  # distinct hashes come sorted: a sample
        found: dict[str, tuple[str, int]] = {}
        for part, keys in corpus.keys.batches():
            for row in np.flatnonzero(chosen[corpus.inverse[part]]):
                key, text = keys[row], texts[part.start + row]
                known = found.get(key)
                if known is None or text < known[0]:
                    found[key] = (text, int(corpus.counts[corpus.inverse[part.start + row]]))
        fit_keys = sorted(found)
        fit_texts = [found[key][0] for key in fit_keys]
        weights = np.array([found[key][1] for key in fit_keys], dtype=np.float64)
        return fit_keys, fit_texts, weights

    # -- fitting -------------------------------------------------------------------------------

    def _fit_model(
        self, keys: list[str], texts: list[str], weights: np.ndarray, seed: int, show: bool
    ) -> models.Model:
        if self.embedding != "tfidf":
            model: models.Model = models.SentenceModel(
                texts, self._lemma_keys(texts), self.n_components, self.ngram_range, seed, show,
                multilingual=self.embedding == "multilingual",
            )  # fmt: skip
        else:
            model = models.MixtureModel(
                keys, self.n_components, self.ngram_range, seed, self._compound(texts)
            )
        model.surface = self._surface_forms(texts)
        start, n_previous = self._previous_clusters(keys)
        self.init_clusters_, self.init_seen_ = n_previous, int((start >= 0).sum())
        if n_previous:
            k = self._warm_k(n_previous)
            model.fit_from(start, k, weights, seed)
            self._warn_if_fewer(k, model, len(keys))
            return model
        k = self._choose_k(model, weights, seed, show)
        if self.init is not None:
            self.criterion_ += " init shares no answer with these answers: k-means starts."
        model.fit(k, weights, seed)
        self._warn_if_fewer(k if self.n_clusters == "auto" else self.n_clusters, model, len(keys))
        return model

    def _compound(self, texts: list[str]) -> np.ndarray | None:
        """Compound polarity of the fit set's answers when mixed themes are split."""
        if self.polarity == "ignore":
            return None
        return lemmas_and_polarity(texts, self._pipeline(), batch_size=1_000, progress=False)[1]

    def _warn_if_fewer(self, asked: int, model: models.Model, n_distinct: int) -> None:
        """Say how many themes were formed, and why, when it is fewer than asked for."""
        formed = len(np.unique(model.fit_labels))
        if formed < asked:
            reason = fewer_themes_reason(asked, formed, n_distinct)
            warnings.warn(FewerThemesWarning(reason), stacklevel=4)

    def _previous_clusters(self, keys: list[str]) -> tuple[np.ndarray, int]:
        """Each fitted key's cluster in ``init`` (renumbered; -1 unseen) and how many."""
        if self.init is None:
            return np.full(len(keys), -1, dtype=np.int64), 0
        texts, clusters = init_pairs(self.init)
        init_keys = self._dedupe_keys(texts, self._lemma_keys(texts))
        # answers set aside now (praise, thanks) vote for no theme, whatever their key
        aside = self._groups.codes_for(texts) >= 0
        votes: dict[str, list[int]] = {}
        for key, cluster, skip in zip(init_keys, clusters, aside, strict=True):
            if not skip:
                votes.setdefault(key, []).append(cluster)
        return warm.previous_labels(keys, votes)

    def _warm_k(self, n_previous: int) -> int:
        """k of a warm start, with ``k_scores_`` and ``criterion_`` saying how it was set."""
        k = n_previous if self.n_clusters == "auto" else int(self.n_clusters)
        self.k_scores_ = one_k_scores(k)
        self.criterion_ = warm_criterion(k, n_previous, chosen=self.n_clusters == "auto")
        return k

    def _surface_forms(self, texts: list[str]) -> dict[str, str]:
        return surface_forms(texts, self._pipeline())

    def _choose_k(self, model: models.Model, weights: np.ndarray, seed: int, show: bool) -> int:
        n = len(weights)
        if self.n_clusters != "auto":
            self.k_scores_ = one_k_scores(int(self.n_clusters))
            self.criterion_ = f"k fixed by the user (n_clusters={self.n_clusters})."
            return min(int(self.n_clusters), n)  # fewer answers than k: a warning says so
        low, high = self.k_range if self.k_range is not None else (2, auto_k_limit(n))
        chosen, self.k_scores_, self.criterion_ = choose_k(model, weights, seed, (low, high), show)
        return chosen

    # -- assigning -----------------------------------------------------------------------------

    def _topical(self, texts: list[str], codes: np.ndarray) -> list[str]:
        rows = groups.topical_rows(codes)
        topical = texts if rows is None else [texts[row] for row in rows]
        if not topical:
            raise SurveyError(
                "every answer was set aside (praise, thanks, nothing to add or another "
                "language): there is nothing to cluster into themes",
                hint="pass set_aside=False to cluster them all the same",
            )
        return topical

    def _assign(
        self,
        texts: list[str],
        keys: KeyStore | None,
        show: bool,
        *,
        keep_quotes: bool = False,
        memberships: bool = False,
    ) -> Assignment:
        """Pass 2: labels, confidence (and memberships, term counts, quotes) batch by batch;
        the set-aside groups' answers (only the fitted ones with ``keys``) in their groups."""
        plan = self._groups
        codes = plan.codes if keys is not None else plan.codes_for(texts)
        rows = groups.topical_rows(codes)
        topical = texts if rows is None else [texts[row] for row in rows]
        options = PassOptions(
            dedupe_keys=lambda part: self._dedupe_keys(part, self._lemma_keys(part)),
            lemma_keys=self._lemma_keys,
            sentence=self.embedding != "tfidf",
            rows_per_batch=self._rows_per_batch(len(topical)),
            show=show,
        )
        stored = keys.batches() if keys is not None else None
        with threadpool_limits(_BLAS_THREADS, user_api="blas"):
            result = assign_answers(
                self._model, topical, stored, options, keep_quotes=keep_quotes,
                memberships=memberships,
            )  # fmt: skip
        return groups.with_groups(result, codes, len(plan.groups), texts, keep_quotes=keep_quotes)

    def _canonicalise(self, result: Assignment, fit_keys: list[str]) -> None:
        """Number themes by size (desc), ties by first fitted key, drop empty ones; the
        set-aside groups follow."""
        model = self._model
        k = model.n_clusters
        order = size_order(model, result.sizes, fit_keys)
        model.reorder(order)
        order = np.concatenate([order, np.arange(k, len(result.sizes))]).astype(np.int64)
        new_label = np.full(len(result.sizes), -1, dtype=np.int64)
        new_label[order] = np.arange(len(order))
        result.labels = new_label[result.labels]
        result.reorder(order)
        self.labels_ = result.labels
        self.confidence_ = result.confidence
        self.n_clusters_ = len(order)
        self.n_themes_ = model.n_clusters
        self.groups_ = groups.group_table(self._groups, self.n_themes_, result.sizes)
        self.cluster_sizes_ = result.sizes.astype(np.int64)
        result.labels = result.confidence = None  # kept once, as labels_ / confidence_
        self._train_stats = result

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_nlp", None)  # rebuilt on demand; spaCy pipelines pickle slowly
        return state
