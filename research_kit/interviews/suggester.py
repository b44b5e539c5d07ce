"""Suggestions: a scikit-learn model trained on a coder's codings proposes codes, with confidence.

:class:`CodeSuggester` is a scikit-learn estimator (lemma TF-IDF and one class-balanced logistic
regression per code) trained on a coder's codings so far (:func:`training_data`); :func:`suggest`
proposes codes for excerpts the coder has not coded, with a confidence, and writes nothing.
:func:`suggester_agreement` measures the suggester as if it were another coder — Cohen's kappa
per code against the human, from cross-validated predictions — so a team can see whether to
trust it. Accepting suggestions is ``research_kit.interviews.autocode.accept``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold
from sklearn.utils.validation import check_is_fitted

from research_kit.errors import CodingError
from research_kit.interviews.coding import codings, drop_coded, study_segments
from research_kit.interviews.reliability import cohen_kappa
from research_kit.text import build_pipeline, lemmatize

if TYPE_CHECKING:
    from spacy.language import Language

    from research_kit.study import Study

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
    "coder",
    "unit",
    "folds",
]


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
    excerpts = study_segments(study, sorted(done["document_id"].unique()), segment_by, nlp)
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
    excerpts = study_segments(study, documents, segment_by, nlp)
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
    long = drop_coded(long, study, coder)
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
        ``recall``, ``status`` ("ok" or "too few examples", whose kappa is NaN), and what
        every row was computed with: ``coder``, ``unit`` (``segment_by``) and ``folds``
        (``cv``).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.text import build_pipeline
    >>> from research_kit.interviews.autocode import accept, apply_rules
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> preview = apply_rules(study, nlp=build_pipeline("blank"))
    >>> _ = accept(study, preview, coder="rules")
    >>> report = suggester_agreement(study, coder="rules", cv=3)
    >>> report.columns.tolist()[:5]
    ['code_id', 'n_units', 'n_positive', 'n_predicted', 'kappa']
    >>> report[["coder", "unit", "folds"]].iloc[0].to_dict()
    {'coder': 'rules', 'unit': 'paragraph', 'folds': 3}
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
    frame = pd.DataFrame([*rows, overall], columns=AGREEMENT_COLUMNS[:-3])
    # In columns rather than ``attrs``, which pandas drops on the first assignment.
    return frame.assign(coder=coder, unit=segment_by, folds=cv)[AGREEMENT_COLUMNS]


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
