"""The set-aside groups of a question's themes: languages of the answers, kinds, translation.

:func:`~research_kit.survey.themes.cluster_question` sets aside the answers that are only
praise, thanks or "nothing to add", and the answers in another language than the main one
(:mod:`research_kit.survey.answer_groups`). This module holds what it needs for that at the
level of a study's question: each answer's language (given per respondent, or detected), the
table of answers per language, the ``kind`` of each row of the themes table, the list of
answers to translate, and a kept run's themes without its groups (for warm starts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from research_kit.survey.answer_groups import LANGUAGE_NAMES, detected_languages, main_language
from research_kit.survey.cluster_runs import cluster_runs
from research_kit.survey.multilingual import multilingual_model_available
from research_kit.text import build_pipeline

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "LANGUAGE_COLUMNS",
    "TRANSLATION_COLUMNS",
    "answer_languages",
    "cluster_kinds",
    "clustering_setup",
    "language_table",
    "previous_themes",
    "set_aside_note",
    "translation_list",
    "with_kinds",
]

#: Columns of :attr:`QuestionThemes.languages <research_kit.survey.themes.QuestionThemes>`.
LANGUAGE_COLUMNS = ["language", "language_name", "answers", "share", "clustered"]
#: Columns of :meth:`QuestionThemes.for_translation <research_kit.survey.themes.QuestionThemes>`.
TRANSLATION_COLUMNS = ["respondent_id", "language", "language_name", "text"]


def clustering_setup(codes: pd.DataFrame | None, embedding: str, nlp: Any) -> tuple[str, Any]:
    """The representation and the spaCy pipeline a question's answers are clustered with.

    ``embedding="auto"`` is ``"multilingual"`` when some answers are reliably in another
    language than the main one and the ``multilingual`` extra is installed (so they join the
    themes they speak to), else ``"tfidf"``; another value is kept. The pipeline is ``nlp``
    when the main language is English (or unknown), else the offline pipeline of the main
    language (e.g. Spanish lookup lemmas).

    Examples
    --------
    >>> codes = pd.DataFrame({"language": ["es", "es", "en"], "reliable": [True] * 3})
    >>> embedding, nlp = clustering_setup(codes, "tfidf", None)
    >>> embedding, nlp.lang
    ('tfidf', 'es')
    """
    languages = codes["language"] if codes is not None else pd.Series([], dtype=object)
    reliable = codes["reliable"] if codes is not None else pd.Series([], dtype=bool)
    main = main_language(languages, reliable)
    if embedding == "auto":
        several = languages[reliable & (languages != "und")].nunique() > 1
        embedding = "multilingual" if several and multilingual_model_available() else "tfidf"
    if main not in ("en", "und"):
        nlp = build_pipeline("blank", lang=main)
    return embedding, nlp


def answer_languages(answered: pd.DataFrame, languages: Any) -> pd.DataFrame | None:
    """Each answer's ``language`` and ``reliable`` flag, aligned with ``answered``.

    ``languages``: None (not known: None is returned), ``"auto"`` (detected when the detector
    is installed, else None), or a Series / mapping of language codes by respondent id
    (a respondent missing from it is ``"und"``, unknown).

    Examples
    --------
    >>> answered = pd.DataFrame({"respondent_id": ["R1", "R2"], "text": ["Hola", "Hi"]})
    >>> answer_languages(answered, pd.Series({"R1": "es"}))
      language  reliable
    0       es      True
    1      und     False
    """
    if languages is None:
        return None
    if isinstance(languages, str) and languages == "auto":
        found = detected_languages(list(answered["text"]))
        return pd.DataFrame(
            {"language": found["language"].to_numpy(object), "reliable": found["reliable"]}
        ).astype({"reliable": bool})
    by_respondent = pd.Series(languages)
    codes = answered["respondent_id"].map(by_respondent)
    codes = [code.strip().lower() if isinstance(code, str) and code.strip() else "und"
             for code in codes]  # fmt: skip
    return pd.DataFrame({"language": codes, "reliable": [code != "und" for code in codes]})


def cluster_kinds(clusterer: Any) -> dict[int, str]:
    """The kind of each set-aside group's cluster (``"praise"``, ``"language"``).

    Examples
    --------
    >>> from research_kit.survey.clustering import ResponseClusterer
    >>> answers = ["parking fees", "more parking", "bus routes", "late buses"] * 3
    >>> model = ResponseClusterer(2, min_group_size=2).fit(answers + ["Thanks!", "all good"])
    >>> cluster_kinds(model)
    {2: 'praise'}
    """
    groups = getattr(clusterer, "groups_", None)
    if groups is None or groups.empty:
        return {}
    return dict(zip(groups["cluster"].astype(int), groups["kind"], strict=True))


def set_aside_note(clusterer: Any) -> str:
    """One sentence on the answers the clusterer set aside, for method lines ("" if none).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> groups = pd.DataFrame({"kind": ["praise", "language"], "size": [12, 40],
    ...                        "languages": [[], ["es"]]})
    >>> print(set_aside_note(SimpleNamespace(groups_=groups)))  # doctest: +NORMALIZE_WHITESPACE
    12 answers that were only praise, thanks or "nothing to add" form a group of their own, and
    40 answers in Spanish were set aside by language (not clustered: translate them to include
    them in the themes).
    """
    groups = getattr(clusterer, "groups_", None)
    if groups is None or groups.empty:
        return ""
    parts = [
        f'{size:,} answers that were only praise, thanks or "nothing to add" form a group of '
        "their own"
        for kind, size in zip(groups["kind"], groups["size"], strict=True)
        if kind == "praise"
    ]
    languages = [
        (size, ", ".join(LANGUAGE_NAMES.get(code, code) for code in sorted(held)))
        for kind, size, held in zip(
            groups["kind"], groups["size"], groups["languages"], strict=True
        )
        if kind == "language"
    ]
    if languages:
        listed = " and ".join(f"{size:,} answers in {names}" for size, names in languages)
        parts.append(
            f"{listed} were set aside by language (not clustered: translate them to include "
            "them in the themes)"
        )
    return ", and ".join(parts) + "."


def with_kinds(table: pd.DataFrame, assignments: pd.DataFrame, model_output: pd.DataFrame,
               clusterer: Any) -> pd.DataFrame:  # fmt: skip
    """The themes table with a ``kind`` column after ``name``, the set-aside groups last.

    The edits' replay may number the clusters anew, so a final cluster's kind is read from its
    answers: a group's kind when all of them are in that one set-aside group of the model,
    else ``"theme"`` (a group merged into a theme is that theme).
    """
    kinds = cluster_kinds(clusterer)
    table = table.drop(columns="kind", errors="ignore")
    final_kind: dict[int, str] = {}
    if kinds and not assignments.empty:
        model_cluster = assignments["respondent_id"].map(
            model_output.set_index("respondent_id")["cluster"]
        )
        for cluster, members in model_cluster.groupby(assignments["cluster"].to_numpy()):
            found = set(members.dropna().astype(int))
            if len(found) == 1 and next(iter(found)) in kinds:
                final_kind[int(cluster)] = kinds[next(iter(found))]
    at = list(table.columns).index("name") + 1 if "name" in table.columns else len(table.columns)
    table.insert(at, "kind", [final_kind.get(int(c), "theme") for c in table["cluster"]])
    aside = (table["kind"] != "theme").to_numpy()
    return pd.concat([table[~aside], table[aside]]).reset_index(drop=True)


def language_table(
    answered: pd.DataFrame, languages: pd.DataFrame | None, clusterer: Any
) -> pd.DataFrame:
    """Answers per language (most first), and whether they were clustered into the themes.

    Without languages, one row: the language is not known (``"und"``), all clustered.

    Examples
    --------
    >>> answered = pd.DataFrame({"respondent_id": ["R1", "R2", "R3"]})
    >>> codes = pd.DataFrame({"language": ["en", "es", "en"], "reliable": True})
    >>> language_table(answered, codes, None)[["language", "answers", "clustered"]]
      language  answers  clustered
    0       en        2       True
    1       es        1       True
    """
    codes = (
        np.full(len(answered), "und", dtype=object)
        if languages is None
        else languages["language"].to_numpy(object)
    )
    counts = pd.Series(codes).value_counts()
    counts = counts.reindex(sorted(counts.index, key=lambda code: (-counts[code], code)))
    set_aside = set()
    groups = getattr(clusterer, "groups_", None)
    if groups is not None:
        for kind, held in zip(groups["kind"], groups["languages"], strict=True):
            if kind == "language":
                set_aside.update(held)
    return pd.DataFrame(
        {
            "language": counts.index.astype(object),
            "language_name": [LANGUAGE_NAMES.get(code, code) for code in counts.index],
            "answers": counts.to_numpy(np.int64),
            "share": counts.to_numpy(float) / max(len(codes), 1),
            "clustered": [code not in set_aside for code in counts.index],
        },
        columns=LANGUAGE_COLUMNS,
    )


def translation_list(
    model_output: pd.DataFrame, answer_languages: pd.DataFrame, clusterer: Any
) -> pd.DataFrame:
    """The answers the clusterer set aside by language, with their language."""
    language_clusters = [c for c, kind in cluster_kinds(clusterer).items() if kind == "language"]
    if not language_clusters or model_output.empty:
        return pd.DataFrame(columns=TRANSLATION_COLUMNS)
    aside = model_output[model_output["cluster"].isin(language_clusters)]
    listed = aside[["respondent_id", "text"]].merge(
        answer_languages, on="respondent_id", how="left", validate="many_to_one"
    )
    listed["language_name"] = [LANGUAGE_NAMES.get(code, code) for code in listed["language"]]
    return listed.sort_values(["language", "respondent_id"], kind="stable")[
        TRANSLATION_COLUMNS
    ].reset_index(drop=True)


def previous_themes(study: Study, previous: pd.DataFrame, *, survey_id: str) -> pd.DataFrame:
    """A kept run's rows in its topical themes only (its set-aside groups left out).

    A warm start starts from the themes: the groups are set aside again by rule, and their
    cluster numbers must not count as previous themes. Runs kept before the groups existed
    are all themes.
    """
    runs = cluster_runs(study, survey_id=survey_id)
    run_id = int(previous["run_id"].iloc[0])
    params = runs.loc[runs["run_id"] == run_id, "params"]
    n_themes = params.iloc[0].get("n_themes") if len(params) else None
    if n_themes is None:
        return previous
    return previous[previous["cluster"] < int(n_themes)]
