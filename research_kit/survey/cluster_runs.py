"""Kept runs: a clusterer's output stored in the study, so a clustering can be reopened.

:func:`save_cluster_run` stores one run of the clusterer on one open-ended question (each
answer's respondent, text, cluster, confidence and label) with the parameters that made it;
:func:`keep_cluster_run` does so unless the run is the same as the question's latest kept run;
:func:`load_cluster_run` reads a run back and :func:`cluster_runs` lists them. Kept runs also
keep researchers' edits alive across re-runs:
:func:`~research_kit.survey.themes.cluster_question` keeps every run it makes and by default
warm-starts the next one from the question's latest kept run (answers seen before start in their
previous cluster), so the edits of :mod:`research_kit.survey.cluster_edits`, anchored on
clusters' members, still find their clusters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from tqdm.auto import tqdm

from research_kit import schema
from research_kit.deprecation import survey_order
from research_kit.errors import ClusterEditError
from research_kit.store import utcnow
from research_kit.survey._cluster_store import (
    ASSIGNMENT_COLUMNS,
    checked_survey_id,
    coder_or_none,
    example_study,  # noqa: F401 (the examples)
    insert_rows,
    is_missing,
    jsonable,
    normalise_assignments,
)

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["cluster_runs", "keep_cluster_run", "load_cluster_run", "save_cluster_run"]

_SAVE_CHUNK = 20_000


@survey_order
def save_cluster_run(
    study: Study,
    question: str,
    assignments: pd.DataFrame,
    params: Mapping[str, Any] | object | None = None,
    *,
    survey_id: str | None = None,
    coder: str | None = None,
    progress: bool | None = None,
) -> int:
    """Keep a clusterer's output in the study database; return the run's id.

    Parameters
    ----------
    assignments : DataFrame
        The clusterer's output (``respondent_id, text, cluster, confidence``, optional
        ``label``), before edits: edits are kept separately and replayed on load.
    params : dict or estimator, optional
        The clusterer's parameters (an estimator's ``get_params()`` is taken).
    progress : bool, optional
        Show a progress bar (default: for more than 100,000 answers).

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> save_cluster_run(study, q, assignments, {"n_clusters": 2})
    1
    >>> cluster_runs(study).loc[0, "params"]
    {'n_clusters': 2}
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    frame = normalise_assignments(assignments, study=study, fresh=True)
    if hasattr(params, "get_params"):
        params = params.get_params(deep=False)
    clean_params = jsonable(dict(params or {}))
    table = pd.DataFrame(
        {
            "respondent_id": frame["_rid"],
            "text": frame["text"],
            "cluster": frame["cluster"],
            "confidence": frame["confidence"],
            "label": frame.get("label"),
        }
    ).astype({"label": object})
    table["label"] = table["label"].map(lambda v: None if is_missing(v) else str(v))
    show = len(table) > 100_000 if progress is None else progress
    with study.store.transaction() as conn:
        run_id = conn.execute(
            schema.cluster_runs.insert().values(
                survey_id=survey_id,
                question=question,
                params=clean_params,
                n_responses=len(table),
                n_clusters=int(table["cluster"].nunique()),
                coder_id=coder_or_none(conn, coder, study),
                created_at=utcnow(),
            )
        ).inserted_primary_key[0]
        starts = range(0, len(table), _SAVE_CHUNK)
        for start in tqdm(starts, disable=not show, desc="keeping the run", unit="chunk"):
            chunk = table.iloc[start : start + _SAVE_CHUNK].assign(run_id=int(run_id))
            insert_rows(conn, schema.cluster_assignments, chunk)
    return int(run_id)


@survey_order
def keep_cluster_run(
    study: Study,
    question: str,
    assignments: pd.DataFrame,
    params: Mapping[str, Any] | object | None = None,
    *,
    survey_id: str | None = None,
    coder: str | None = None,
) -> int:
    """Keep a run as :func:`save_cluster_run` does, unless it is the question's latest kept run.

    A run is the same when it has the same respondents with the same texts, clusters, labels
    and (to 1e-9) confidences; then nothing is written and the latest run's id is returned.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> keep_cluster_run(study, q, assignments), keep_cluster_run(study, q, assignments)
    (1, 1)
    >>> keep_cluster_run(study, q, assignments.assign(cluster=0))
    2
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    try:
        latest = load_cluster_run(study, question, survey_id=survey_id)
    except ClusterEditError:  # no kept run yet
        latest = None
    if latest is not None and _same_run(
        normalise_assignments(assignments, study=study, fresh=True), latest
    ):
        kept = cluster_runs(study, survey_id=survey_id)
        return int(kept.loc[kept["question"] == question, "run_id"].iloc[-1])
    return save_cluster_run(study, question, assignments, params, coder=coder, survey_id=survey_id)


def _same_run(frame: pd.DataFrame, kept: pd.DataFrame) -> bool:
    """Whether a normalised assignments table holds the same clustering as a kept run."""
    if len(frame) != len(kept):
        return False
    ours = frame.assign(respondent_id=frame["_rid"]).sort_values("respondent_id")
    theirs = kept.sort_values("respondent_id")
    for column in ("respondent_id", "text", "cluster"):
        if ours[column].tolist() != theirs[column].tolist():
            return False
    labels = [
        [None if is_missing(v) else str(v) for v in table.get("label", [None] * len(table))]
        for table in (ours, theirs)
    ]
    confidence = (ours["confidence"].to_numpy(float), theirs["confidence"].to_numpy(float))
    return labels[0] == labels[1] and np.allclose(*confidence, rtol=0, atol=1e-9)


@survey_order
def load_cluster_run(
    study: Study, question: str, run_id: int | None = None, *, survey_id: str | None = None
) -> pd.DataFrame:
    """Reload a kept run (the latest for the question by default), as the clusterer gave it.

    Returns ``respondent_id, text, cluster, confidence`` (and ``label`` when kept) and
    ``run_id`` (the run's id on every row), ordered by respondent id. The run's ``params``
    and ``created_at`` are in :func:`cluster_runs` (before the house redesign they, and the
    run id, were in ``attrs``). Pass it to :func:`apply_cluster_edits` to see it with the
    edits.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> run = save_cluster_run(study, q, assignments)
    >>> load_cluster_run(study, q, run)[["respondent_id", "cluster", "run_id"]].values.tolist()[:2]
    [['R1', 0, 1], ['R2', 0, 1]]
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    runs, rows = schema.cluster_runs, schema.cluster_assignments
    query = sa.select(runs).where(runs.c.survey_id == survey_id, runs.c.question == question)
    query = query.where(runs.c.id == run_id) if run_id is not None else query
    with study.store.read() as conn:
        run = conn.execute(query.order_by(runs.c.id.desc()).limit(1)).mappings().first()
        if run is None:
            what = f"run {run_id}" if run_id is not None else "no kept run"
            raise ClusterEditError(
                f"{what} of {question!r} in survey {survey_id!r}"
                + (" is not in the study database" if run_id is not None else ""),
                path=study.settings.path,
                hint="keep a run with save_cluster_run(...); list them with cluster_runs(study)",
            )
        columns = [rows.c.respondent_id, rows.c.text, rows.c.cluster, rows.c.confidence]
        kept = conn.execute(
            sa.select(*columns, rows.c.label)
            .where(rows.c.run_id == run["id"])
            .order_by(rows.c.respondent_id)
        ).all()
    frame = pd.DataFrame([tuple(row) for row in kept], columns=[*ASSIGNMENT_COLUMNS, "label"])
    if frame["label"].isna().all():
        frame = frame.drop(columns="label")
    frame["cluster"] = frame["cluster"].astype("int64")
    frame["confidence"] = frame["confidence"].astype(float)
    frame["run_id"] = pd.Series(int(run["id"]), index=frame.index, dtype="int64")
    return frame


@survey_order
def cluster_runs(study: Study, *, survey_id: str | None = None) -> pd.DataFrame:
    """The kept runs of a survey's questions: ``run_id, question, n_responses, n_clusters,
    params, coder, created_at``, oldest first.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> _ = save_cluster_run(study, q, assignments, coder="J.R.")
    >>> cluster_runs(study)[["run_id", "n_responses", "n_clusters", "coder"]].values.tolist()
    [[1, 8, 2, 'J.R.']]
    >>> study.close()
    """
    survey_id = study.survey_source(survey_id).id
    runs, k = schema.cluster_runs, schema.coders
    query = (
        sa.select(
            runs.c.id.label("run_id"),
            runs.c.question,
            runs.c.n_responses,
            runs.c.n_clusters,
            runs.c.params,
            k.c.name.label("coder"),
            runs.c.created_at,
        )
        .select_from(runs.outerjoin(k, runs.c.coder_id == k.c.id))
        .where(runs.c.survey_id == survey_id)
        .order_by(runs.c.id)
    )
    with study.store.read() as conn:
        rows = conn.execute(query).mappings().all()
    columns = ["run_id", "question", "n_responses", "n_clusters", "params", "coder", "created_at"]
    return pd.DataFrame(rows, columns=columns)
