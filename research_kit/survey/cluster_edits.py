"""Researchers' edits to a clustering of one open-ended question, kept in the study database.

A researcher reads the clusters of a question and fixes what the model got wrong: renames a
cluster, merges two that mean the same, splits one that mixes two themes, or pins a response to
the cluster it belongs to. Each edit is one transaction in the study database, attributed to a
coder when named, and can be undone (it stays in the log, marked undone).

Re-running the clusterer (new responses, another ``k``, another version) numbers clusters
differently, so an edit never refers to a cluster by its number. It keeps the cluster's
*members* at the moment of the edit (an anchor: the sorted respondent ids). On replay
(:func:`apply_cluster_edits`) each anchor is matched to a cluster of the new run that holds
most of the anchor's still-present answers *and* is mostly made of them: both shares must reach
``min_overlap`` (0.5 by default, a mutual majority); otherwise the edit is reported as not
applicable instead of being applied to the wrong cluster. Several anchors of one edit (a merge)
are matched one-to-one, maximising the Jaccard index
(:func:`scipy.optimize.linear_sum_assignment`). A cluster whose answers a re-run spread over
several clusters, or a small cluster swallowed by a large one, does not pass its name on; a
merge whose clusters a re-run already put together names that cluster. Edits are replayed in
the order they were made, each on the clustering the earlier ones produced, so pass the edit
functions the table you are looking at (the output of :func:`apply_cluster_edits`), whose
cluster numbers you see.

Kept runs (:mod:`research_kit.survey.cluster_runs`) keep edits alive across re-runs:
:func:`~research_kit.survey.themes.cluster_question` keeps every run it makes and by default
*warm-starts* the next one from the question's latest kept run (``ResponseClusterer(init=...)``:
answers seen before start in their previous cluster), so a survey that gained or lost some
answers is clustered much as before and the anchors above still find their clusters. Without it
a fresh run with a tenth to a quarter of the answers changed reshuffles the clusters and loses
most of the renames (``benchmarks/bench_edit_stability.py``).

This module makes and keeps the edits; the replay lives in
:mod:`research_kit.survey.cluster_replay` (its functions are re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa

from research_kit import schema
from research_kit.deprecation import survey_order
from research_kit.errors import ClusterEditError, ResearchKitError, did_you_mean
from research_kit.store import utcnow
from research_kit.survey._cluster_store import (
    checked_survey_id,
    coder_or_none,
    example_study,  # noqa: F401 (the examples)
    id_text,
    is_missing,
    normalise_assignments,
)
from research_kit.survey.cluster_replay import (
    MIN_OVERLAP,
    MIN_PART_SIZE,
    EditedClusters,
    apply_cluster_edits,
    apply_cluster_edits_result,
    edit_report,
    members_in_id_order,
    split_texts,
)

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "MIN_OVERLAP",
    "ClusterEditError",
    "EditedClusters",
    "apply_cluster_edits",
    "apply_cluster_edits_result",
    "cluster_edits",
    "edit_report",
    "merge_clusters",
    "pin_response",
    "rename_cluster",
    "split_cluster",
    "undo_last_edit",
]

LOG_COLUMNS = [
    "seq",
    "kind",
    "description",
    "clusters",
    "name",
    "n_parts",
    "respondent_id",
    "n_responses",
    "coder",
    "created_at",
    "undone",
]


# -- edits -------------------------------------------------------------------------------------
@survey_order
def rename_cluster(
    study: Study,
    question: str,
    assignments: pd.DataFrame,
    cluster: int | str,
    name: str,
    *,
    survey_id: str | None = None,
    coder: str | None = None,
) -> int:
    """Give a cluster a name that stays with it on re-runs.

    Parameters
    ----------
    study : Study
    question : str
        The open-ended question (a column listed under ``open_ended``).
    assignments : DataFrame
        The clustering you are looking at: ``respondent_id, text, cluster, confidence``.
    cluster : int or str
        The cluster's number in ``assignments`` (or its current name).
    name : str
        The new name; no other cluster may have it.
    survey_id : str, optional
        The survey (its id in study.yml); the first when None.
    coder : str, optional
        Who made the edit (kept in the log).

    Returns
    -------
    int
        The edit's sequence number.

    Raises
    ------
    ClusterEditError
        Unknown cluster, empty name, or a name another cluster has; nothing is written.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> rename_cluster(study, q, assignments, 0, "Reviews and fees", coder="J.R.")
    1
    >>> apply_cluster_edits(study, q, assignments).cluster_name.unique().tolist()
    ['Reviews and fees', 'Cluster 1']
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    view = normalise_assignments(assignments, study=study)
    number = _resolve_cluster(view, cluster, question)
    clean = _clean_name(name, view, keep={number}, question=question)
    payload = {"cluster": number, "name": clean, "anchor": _anchor(view, number)}
    return _record(study, survey_id, question, "rename", payload, coder)


@survey_order
def merge_clusters(
    study: Study,
    question: str,
    assignments: pd.DataFrame,
    clusters: Sequence[int | str],
    name: str | None = None,
    *,
    survey_id: str | None = None,
    coder: str | None = None,
) -> int:
    """Merge clusters into the first one listed, which keeps its name unless ``name`` is given.

    Returns the edit's sequence number; raises :class:`ClusterEditError` (writing nothing) for
    fewer than two distinct clusters, an unknown cluster, or a clashing name.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> merge_clusters(study, q, assignments, [0, 1], name="Permits")
    1
    >>> apply_cluster_edits(study, q, assignments).cluster_name.unique().tolist()
    ['Permits']
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    view = normalise_assignments(assignments, study=study)
    if isinstance(clusters, (str, int, np.integer)):
        clusters = [clusters]
    numbers = list(dict.fromkeys(_resolve_cluster(view, c, question) for c in clusters))
    if len(numbers) < 2:
        raise ClusterEditError(
            f"a merge needs at least two different clusters of {question!r}, got {numbers}",
            path=study.settings.path,
            hint="list two or more cluster numbers, e.g. merge_clusters(..., [2, 5])",
        )
    clean = None if name is None else _clean_name(name, view, keep=set(numbers), question=question)
    payload = {
        "clusters": numbers,
        "name": clean,
        "anchors": [_anchor(view, number) for number in numbers],
    }
    return _record(study, survey_id, question, "merge", payload, coder)


@survey_order
def split_cluster(
    study: Study,
    question: str,
    assignments: pd.DataFrame,
    cluster: int | str,
    n_parts: int = 2,
    *,
    survey_id: str | None = None,
    random_state: int = 0,
    coder: str | None = None,
) -> int:
    """Split a cluster into ``n_parts`` by clustering its answers again.

    The split re-runs :class:`~research_kit.survey.clustering.ResponseClusterer` with
    ``n_clusters=n_parts`` and the stored ``random_state`` on the cluster's texts (sorted by
    respondent id, so the result does not depend on row order). The largest part keeps the
    cluster's number and name; the other parts get new numbers and default names.

    Returns the edit's sequence number; raises :class:`ClusterEditError` (writing nothing) for an
    unknown cluster, ``n_parts`` below 2, a cluster with fewer than ``2 * n_parts`` answers, or
    answers the clusterer cannot tell apart.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> split_cluster(study, q, assignments, 0, n_parts=2)
    1
    >>> apply_cluster_edits(study, q, assignments).cluster.nunique()
    3
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    view = normalise_assignments(assignments, study=study)
    number = _resolve_cluster(view, cluster, question)
    if isinstance(n_parts, bool) or not isinstance(n_parts, (int, np.integer)) or n_parts < 2:
        raise ClusterEditError(
            f"cannot split a cluster into {n_parts!r} parts",
            path=study.settings.path,
            hint="n_parts must be a whole number of 2 or more",
        )
    order = members_in_id_order(view["_rid"].to_numpy(), view["cluster"].to_numpy(), number)
    needed = MIN_PART_SIZE * int(n_parts)
    if len(order) < needed:
        raise ClusterEditError(
            f"cluster {number} of {question!r} has {len(order)} answers; splitting it into "
            f"{n_parts} parts needs at least {needed}",
            path=study.settings.path,
            hint="split into fewer parts, or pin single answers to other clusters instead",
        )
    params = {"n_clusters": int(n_parts), "random_state": random_state}
    try:
        parts, _, _ = split_texts(view["text"].to_numpy()[order], params, study, labels=False)
    except (ResearchKitError, ValueError) as exc:
        raise ClusterEditError(
            f"cluster {number} of {question!r} cannot be split into {n_parts} parts ({exc})",
            path=study.settings.path,
            hint="try fewer parts, or pin the odd answers to other clusters",
        ) from exc
    if len(np.unique(parts)) < 2:
        raise ClusterEditError(
            f"the answers in cluster {number} of {question!r} are too alike to split",
            path=study.settings.path,
            hint="pin the odd answers to other clusters instead",
        )
    payload = {
        "cluster": number,
        "n_parts": int(n_parts),
        "params": params,
        "anchor": _anchor(view, number),
    }
    return _record(study, survey_id, question, "split", payload, coder)


@survey_order
def pin_response(
    study: Study,
    question: str,
    respondent_id: object,
    cluster_or_name: int | str,
    *,
    survey_id: str | None = None,
    assignments: pd.DataFrame | None = None,
    coder: str | None = None,
) -> int:
    """Put one response in a cluster, whatever the model says, now and on every re-run.

    Parameters
    ----------
    respondent_id : object
        The respondent (compared as text, so ``17`` and ``"17"`` are the same).
    cluster_or_name : int or str
        A cluster number (needs ``assignments``) or a cluster name. A name given by a rename or
        merge, or the model's label, is looked up by name on re-runs; a number by its members.
    assignments : DataFrame, optional
        The clustering you are looking at; checks the respondent and the cluster now. Without
        it, the respondent is checked against the survey export and the name on replay.

    Returns the edit's sequence number; raises :class:`ClusterEditError` (writing nothing) for
    an unknown respondent or cluster.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> pin_response(study, q, "R3", 1, assignments=assignments)
    1
    >>> out = apply_cluster_edits(study, q, assignments)
    >>> out.loc[out.respondent_id == "R3", ["cluster", "confidence", "edited"]].values.tolist()
    [[0, 1.0, True]]
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    rid = _clean_respondent(respondent_id, study)
    if assignments is None:
        if not isinstance(cluster_or_name, str):
            raise ClusterEditError(
                f"cannot pin to cluster number {cluster_or_name!r} without the clustering",
                path=study.settings.path,
                hint="pass assignments=<the table you are looking at>, or a cluster name",
            )
        _require_survey_respondent(study, survey_id, rid)
        name = cluster_or_name.strip()
        if not name:
            raise ClusterEditError("the cluster name is empty", path=study.settings.path)
        payload = {"respondent_id": rid, "cluster": None, "name": name, "anchor": None}
    else:
        view = normalise_assignments(assignments, study=study)
        if rid not in set(view["_rid"]):
            raise ClusterEditError(
                f"respondent {rid!r} has no answer to {question!r} in this clustering"
                + did_you_mean(rid, view["_rid"]),
                path=study.settings.path,
                hint="use a respondent_id from the assignments table",
            )
        number = _resolve_cluster(view, cluster_or_name, question)
        anchor = [member for member in _anchor(view, number) if member != rid]
        name = _view_names(view)[number]
        payload = {"respondent_id": rid, "cluster": number, "name": name, "anchor": anchor}
    return _record(study, survey_id, question, "pin", payload, coder)


@survey_order
def undo_last_edit(study: Study, question: str, *, survey_id: str | None = None) -> int:
    """Undo the latest edit still in force; it stays in the log, marked undone.

    Returns the undone edit's sequence number; raises :class:`ClusterEditError` when there is
    nothing to undo.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> _ = rename_cluster(study, q, assignments, 1, "Portal")
    >>> undo_last_edit(study, q)
    1
    >>> cluster_edits(study, q)[["seq", "kind", "undone"]].values.tolist()
    [[1, 'rename', True]]
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    t = schema.cluster_edits
    with study.store.transaction() as conn:
        last = conn.execute(
            sa.select(sa.func.max(t.c.seq)).where(
                t.c.survey_id == survey_id, t.c.question == question, t.c.undone.is_(False)
            )
        ).scalar_one()
        if last is None:
            raise ClusterEditError(
                f"there is no edit of {question!r} to undo", path=study.settings.path
            )
        conn.execute(
            t.update()
            .where(t.c.survey_id == survey_id, t.c.question == question, t.c.seq == last)
            .values(undone=True)
        )
    return int(last)


@survey_order
def cluster_edits(study: Study, question: str, *, survey_id: str | None = None) -> pd.DataFrame:
    """The log of edits to a question's clusters, oldest first (undone ones included).

    Columns: ``seq, kind, description, clusters`` (numbers as they were when edited), ``name,
    n_parts, respondent_id, n_responses`` (answers the edit was anchored on), ``coder,
    created_at, undone``.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> _ = merge_clusters(study, q, assignments, [1, 0], coder="M.K.")
    >>> cluster_edits(study, q)[["kind", "description", "coder"]].values.tolist()
    [['merge', 'merge clusters 1, 0', 'M.K.']]
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    t, k = schema.cluster_edits, schema.coders
    query = (
        sa.select(t.c.seq, t.c.kind, t.c.payload, k.c.name, t.c.created_at, t.c.undone)
        .select_from(t.outerjoin(k, t.c.coder_id == k.c.id))
        .where(t.c.survey_id == survey_id, t.c.question == question)
        .order_by(t.c.seq)
    )
    with study.store.read() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([_log_row(*row) for row in rows], columns=LOG_COLUMNS)


# -- checks and storage helpers ------------------------------------------------------------------


def _clean_respondent(respondent_id: object, study: Study) -> str:
    if is_missing(respondent_id) or not id_text(respondent_id):
        raise ClusterEditError("the respondent id is empty", path=study.settings.path)
    return id_text(respondent_id)


def _require_survey_respondent(study: Study, survey_id: str, rid: str) -> None:
    known = study.survey(survey_id)["respondent_id"].map(
        lambda v: "" if is_missing(v) else id_text(v)
    )
    if rid not in set(known):
        raise ClusterEditError(
            f"survey {survey_id!r} has no respondent {rid!r}" + did_you_mean(rid, known),
            path=study.survey_source(survey_id).path,
            hint="use an id from the survey's respondent id column",
        )


def _view_names(view: pd.DataFrame) -> dict[int, str]:
    """Each cluster's name as the table shows it: its cluster_name, label or "Cluster N"."""
    names = {int(c): f"Cluster {int(c)}" for c in view["cluster"].unique()}
    for column in ("label", "cluster_name"):
        if column in view:
            given = view.dropna(subset=[column]).groupby("cluster")[column].first()
            names |= {int(c): str(n) for c, n in given.items() if str(n).strip()}
    return names


def _resolve_cluster(view: pd.DataFrame, cluster: int | str, question: str) -> int:
    names = _view_names(view)
    numbers = sorted(names)
    if isinstance(cluster, str):
        hits = [c for c, name in names.items() if name.casefold() == cluster.strip().casefold()]
        if len(hits) == 1:
            return hits[0]
        problem = "several clusters are" if hits else "no cluster is"
        raise ClusterEditError(
            f"{problem} called {cluster!r} in the clustering of {question!r}"
            + did_you_mean(cluster, names.values()),
            hint="use the cluster's number from the cluster column",
        )
    if isinstance(cluster, (bool, np.bool_)) or not isinstance(cluster, (int, np.integer)):
        raise ClusterEditError(
            f"{cluster!r} is not a cluster number or name",
            hint=f"use a number from the cluster column ({_number_range(numbers)})",
        )
    if int(cluster) not in names:
        raise ClusterEditError(
            f"the clustering of {question!r} has no cluster {cluster}",
            hint=f"clusters are numbered {_number_range(numbers)}",
        )
    return int(cluster)


def _number_range(numbers: list[int]) -> str:
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]} to {numbers[-1]}"
    return ", ".join(map(str, numbers))


def _clean_name(name: object, view: pd.DataFrame, *, keep: set[int], question: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ClusterEditError(
            f"a cluster name must be non-empty text, not {name!r}",
            hint="give the cluster a short readable name",
        )
    clean = " ".join(name.split())
    if len(clean) > 300:
        raise ClusterEditError(f"the cluster name is {len(clean)} characters (300 at most)")
    for cluster, other in _view_names(view).items():
        if cluster not in keep and other.casefold() == clean.casefold():
            raise ClusterEditError(
                f"cluster {cluster} of {question!r} is already called {other!r}",
                hint="merge the two clusters instead, if they mean the same",
            )
    return clean


def _anchor(view: pd.DataFrame, cluster: int) -> list[str]:
    return sorted(view.loc[view["cluster"] == cluster, "_rid"].tolist())


def _record(
    study: Study, survey_id: str, question: str, kind: str, payload: dict, coder: str | None
) -> int:
    t = schema.cluster_edits
    with study.store.transaction() as conn:
        last = conn.execute(
            sa.select(sa.func.max(t.c.seq)).where(
                t.c.survey_id == survey_id, t.c.question == question
            )
        ).scalar_one()
        seq = (last or 0) + 1
        conn.execute(
            t.insert().values(
                survey_id=survey_id,
                question=question,
                seq=seq,
                kind=kind,
                payload=payload,
                coder_id=coder_or_none(conn, coder, study),
                created_at=utcnow(),
                undone=False,
            )
        )
    return seq


def _log_row(seq, kind, payload, coder, created_at, undone) -> dict:
    clusters = payload.get("clusters") or (
        [payload["cluster"]] if payload.get("cluster") is not None else []
    )
    anchors = payload.get("anchors") or [payload.get("anchor") or []]
    name = payload.get("name")
    description = {
        "rename": lambda: f"rename cluster {payload['cluster']} to {name!r}",
        "merge": lambda: (
            f"merge clusters {', '.join(map(str, clusters))}" + (f" as {name!r}" if name else "")
        ),
        "split": lambda: f"split cluster {payload['cluster']} into {payload['n_parts']} parts",
        "pin": lambda: (
            f"pin {payload['respondent_id']!r} to "
            + (f"cluster {clusters[0]} ({name!r})" if clusters else repr(name))
        ),
    }[kind]()
    return {
        "seq": int(seq),
        "kind": kind,
        "description": description,
        "clusters": clusters,
        "name": name,
        "n_parts": payload.get("n_parts"),
        "respondent_id": payload.get("respondent_id"),
        "n_responses": sum(len(anchor) for anchor in anchors),
        "coder": coder,
        "created_at": created_at,
        "undone": bool(undone),
    }
