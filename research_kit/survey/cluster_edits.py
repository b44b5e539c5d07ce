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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy.optimize import linear_sum_assignment

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

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
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

#: Share of an edit's answers a cluster must hold, and of the cluster they must make up.
MIN_OVERLAP = 0.5
#: A split needs at least this many responses per part.
MIN_PART_SIZE = 2
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
REPORT_COLUMNS = ["seq", "kind", "status", "overlap", "reason"]


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
    order = _members_in_id_order(view["_rid"].to_numpy(), view["cluster"].to_numpy(), number)
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
        parts, _, _ = _split_texts(view["text"].to_numpy()[order], params, study, labels=False)
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


# -- replay ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EditedClusters:
    """A clustering with the question's edits replayed, and what became of each edit.

    Attributes
    ----------
    assignments : pandas.DataFrame
        What :func:`apply_cluster_edits` returns.
    report : pandas.DataFrame
        ``seq, kind, status, overlap, reason``: one row per edit replayed, in order;
        ``status`` is ``applied`` or ``not_applicable``, ``overlap`` the Jaccard index of
        the edit's match.
    """

    assignments: pd.DataFrame
    report: pd.DataFrame


@survey_order
def apply_cluster_edits(
    study: Study,
    question: str,
    assignments: pd.DataFrame,
    *,
    survey_id: str | None = None,
    min_overlap: float = MIN_OVERLAP,
) -> pd.DataFrame:
    """Replay the question's edits (those not undone, in order) on a clusterer's output.

    The ``assignments`` of :func:`apply_cluster_edits_result`, which also reports what became
    of each edit (kept in ``attrs["edit_report"]`` before the house redesign).

    Parameters
    ----------
    assignments, min_overlap
        As for :func:`apply_cluster_edits_result`.

    Returns
    -------
    DataFrame
        The same rows, with ``cluster`` renumbered, ``confidence``, ``cluster_name`` and
        ``edited``, as :attr:`EditedClusters.assignments` describes.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> _ = rename_cluster(study, q, assignments, 1, "Portal")
    >>> out = apply_cluster_edits(study, q, assignments)
    >>> sorted(out.loc[out.cluster_name == "Portal", "respondent_id"])
    ['R5', 'R6', 'R7', 'R8']
    >>> study.close()
    """
    return apply_cluster_edits_result(
        study, question, assignments, survey_id=survey_id, min_overlap=min_overlap
    ).assignments


@survey_order
def apply_cluster_edits_result(
    study: Study,
    question: str,
    assignments: pd.DataFrame,
    *,
    survey_id: str | None = None,
    min_overlap: float = MIN_OVERLAP,
) -> EditedClusters:
    """Replay the question's edits (those not undone, in order) and report on each edit.

    Parameters
    ----------
    assignments : DataFrame
        The clusterer's output: ``respondent_id, text, cluster, confidence`` and optionally
        ``label`` (the model's short name of each row's cluster). Row order does not matter.
    min_overlap : float
        Share of the answers an edit was made on that a cluster must hold, and share of that
        cluster they must make up, for the edit to apply to it.

    Returns
    -------
    EditedClusters
        ``assignments``: the same rows, with ``cluster`` renumbered canonically (by size,
        largest first; ties by name), ``confidence`` (1.0 for pinned answers, the split's own
        for split clusters), ``cluster_name`` (a given name, else the model's label, else
        "Cluster N") and ``edited`` (True when a merge, split or pin changed the answer's
        cluster; a rename alone does not). ``report``: each edit with its status (``applied``
        or ``not_applicable``), the Jaccard index of its match (``overlap``) and the reason.
        An edit never applies silently to a cluster that does not match.

    Examples
    --------
    >>> study, q, assignments = example_study()
    >>> _ = rename_cluster(study, q, assignments, 1, "Portal")
    >>> rerun = assignments.sample(frac=1, random_state=1)  # same answers, another order
    >>> rerun["cluster"] = 1 - rerun["cluster"]  # and the model numbered them the other way
    >>> result = apply_cluster_edits_result(study, q, rerun)
    >>> out = result.assignments
    >>> sorted(out.loc[out.cluster_name == "Portal", "respondent_id"])
    ['R5', 'R6', 'R7', 'R8']
    >>> result.report[["seq", "status"]].values.tolist()
    [[1, 'applied']]
    >>> study.close()
    """
    survey_id = checked_survey_id(study, survey_id, question)
    frame = normalise_assignments(assignments, study=study, fresh=True)
    state = _Clustering.from_frame(frame)
    replay = {"rename": _replay_rename, "merge": _replay_merge, "split": _replay_split}
    replay["pin"] = _replay_pin
    report = []
    for seq, kind, payload in _active_edits(study, survey_id, question):
        outcome = replay[kind](state, payload, min_overlap=min_overlap, study=study)
        report.append({"seq": seq, "kind": kind, **outcome._asdict()})
    return EditedClusters(
        assignments=_edited_frame(assignments, state),
        report=pd.DataFrame(report, columns=REPORT_COLUMNS),
    )


def edit_report(edited: EditedClusters) -> pd.DataFrame:
    """The report of :func:`apply_cluster_edits_result`: ``seq, kind, status, overlap, reason``.

    Takes the :class:`EditedClusters` (before the house redesign it read the report from the
    edited frame's ``attrs``, which pandas drops; a frame is refused with a hint).

    Examples
    --------
    >>> empty = pd.DataFrame(columns=REPORT_COLUMNS)
    >>> edit_report(EditedClusters(pd.DataFrame(), empty)).columns.tolist()
    ['seq', 'kind', 'status', 'overlap', 'reason']
    """
    if not isinstance(edited, EditedClusters):
        raise TypeError(
            "edit_report needs what apply_cluster_edits_result returns (an EditedClusters); "
            "an edited DataFrame no longer carries the report"
        )
    return edited.report


@dataclass
class _Clustering:
    """The clustering being edited during a replay (arrays in the input's row order)."""

    ids: pd.Index
    text: np.ndarray
    cluster: np.ndarray
    confidence: np.ndarray
    edited: np.ndarray
    names: dict[int, str]
    labels: dict[int, str]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> _Clustering:
        labels: dict[int, str] = {}
        if "label" in frame:
            firsts = frame.dropna(subset=["label"]).groupby("cluster")["label"].first()
            labels = {int(c): str(label) for c, label in firsts.items() if str(label).strip()}
        return cls(
            ids=pd.Index(frame["_rid"].to_numpy(dtype=object)),
            text=frame["text"].to_numpy(dtype=object),
            cluster=frame["cluster"].to_numpy(dtype=np.int64).copy(),
            confidence=frame["confidence"].to_numpy(dtype=float).copy(),
            edited=np.zeros(len(frame), dtype=bool),
            names={},
            labels=labels,
        )

    def title(self, cluster: int) -> str:
        size = int((self.cluster == cluster).sum())
        name = self.names.get(cluster) or self.labels.get(cluster)
        return f"{name!r} ({size} answers)" if name else f"a cluster of {size} answers"

    def explicit(self, name: str) -> int | None:
        wanted = name.casefold()
        present = set(np.unique(self.cluster).tolist())
        for cluster, given in sorted(self.names.items()):
            if given.casefold() == wanted and cluster in present:
                return cluster
        return None

    def labelled(self, name: str) -> int | None:
        wanted = name.casefold()
        present = set(np.unique(self.cluster).tolist())
        hits = [
            c for c, label in self.labels.items() if label.casefold() == wanted and c in present
        ]
        return hits[0] if len(hits) == 1 else None


class _Outcome(NamedTuple):
    """What happened to one edit on replay."""

    status: str
    overlap: float
    reason: str


def _applied(reason: str, overlap: float = math.nan) -> _Outcome:
    return _Outcome("applied", round(overlap, 3), reason)


def _not_applicable(reason: str, overlap: float = math.nan) -> _Outcome:
    return _Outcome("not_applicable", round(overlap, 3), reason)


@dataclass(frozen=True)
class _Match:
    cluster: int | None
    overlap: float
    reason: str


def _match(state: _Clustering, anchors: Sequence[Sequence[str]], min_overlap: float) -> list:
    """Match anchors to current clusters one-to-one (see the module text)."""
    sizes = pd.Series(state.cluster).value_counts()
    shares = []  # per anchor: (share of its present answers in each cluster, of each cluster)
    for anchor in anchors:
        positions = state.ids.get_indexer(list(anchor))
        positions = positions[positions >= 0]
        shared = pd.Series(state.cluster[positions]).value_counts()
        shares.append((shared / max(len(positions), 1), shared / sizes.reindex(shared.index)))
    candidates = sorted(set().union(*(recall.index for recall, _ in shares)))
    jaccard = np.zeros((len(anchors), len(candidates)))
    for row, (recall, precision) in enumerate(shares):
        columns = [candidates.index(c) for c in recall.index]
        jaccard[row, columns] = 1 / (1 / recall.to_numpy() + 1 / precision.to_numpy() - 1)
    chosen = dict(zip(*linear_sum_assignment(jaccard, maximize=True), strict=True))
    matches = []
    for row, anchor in enumerate(anchors):
        recall, precision = shares[row]
        if recall.empty:
            why = f"none of the {len(anchor)} answers it was made on are in this clustering"
            matches.append(_Match(None, 0.0, why))
            continue
        best = candidates[int(jaccard[row].argmax())]
        cluster = candidates[chosen[row]] if row in chosen else best
        held, made_of = float(recall.get(cluster, 0.0)), float(precision.get(cluster, 0.0))
        overlap = float(jaccard[row, candidates.index(cluster)])
        if held >= min_overlap and made_of >= min_overlap:
            matches.append(_Match(int(cluster), overlap, ""))
            continue
        if cluster != best:
            why = "the cluster it matches best is taken by another cluster of the same edit"
        elif held < min_overlap:
            why = (
                f"its answers are spread out now: the closest cluster holds {held:.0%} of them "
                f"({min_overlap:.0%} needed)"
            )
        else:
            why = (
                f"the closest cluster holds {held:.0%} of its answers but they are only "
                f"{made_of:.0%} of that cluster ({min_overlap:.0%} needed)"
            )
        matches.append(_Match(None, overlap, why))
    return matches


def _replay_rename(state: _Clustering, payload: dict, *, min_overlap: float, study) -> _Outcome:
    (match,) = _match(state, [payload["anchor"]], min_overlap)
    if match.cluster is None:
        return _not_applicable(f"the cluster renamed {payload['name']!r} is gone: {match.reason}")
    before = state.title(match.cluster)
    state.names[match.cluster] = payload["name"]
    return _applied(f"renamed {before} to {payload['name']!r}", match.overlap)


def _replay_merge(state: _Clustering, payload: dict, *, min_overlap: float, study) -> _Outcome:
    matches = _match(state, payload["anchors"], min_overlap)
    chosen = [m.cluster for m in matches if m.cluster is not None]
    missing = [
        f"cluster {number} (as numbered then): {m.reason}"
        for number, m in zip(payload["clusters"], matches, strict=True)
        if m.cluster is None
    ]
    overlap = min((m.overlap for m in matches if m.cluster is not None), default=0.0)
    if len(chosen) < 2:
        return _merged_already(state, payload, min_overlap) or _not_applicable(
            "fewer than two of the merged clusters are left; " + "; ".join(missing)
        )
    target, others = chosen[0], chosen[1:]
    titles = ", ".join(state.title(c) for c in chosen)
    name = payload.get("name") or state.names.get(target)
    name = name or next((state.names[c] for c in others if c in state.names), None)
    members = np.isin(state.cluster, chosen)
    state.cluster[np.isin(state.cluster, others)] = target
    state.edited[members] = True
    for cluster in others:
        state.names.pop(cluster, None)
        state.labels.pop(cluster, None)
    if name:
        state.names[target] = name
    reason = f"merged {titles}" + ("; left out " + "; ".join(missing) if missing else "")
    return _applied(reason, overlap)


def _merged_already(state: _Clustering, payload: dict, min_overlap: float) -> _Outcome | None:
    """A re-run may put the merged clusters' answers in one cluster by itself: name that one."""
    union = sorted(set().union(*payload["anchors"]))
    (match,) = _match(state, [union], min_overlap)
    if match.cluster is None:
        return None
    inside = 0  # how many of the merged clusters have most of their present answers in it
    for anchor in payload["anchors"]:
        positions = state.ids.get_indexer(list(anchor))
        clusters = state.cluster[positions[positions >= 0]]
        inside += len(clusters) > 0 and (clusters == match.cluster).mean() > 0.5
    if inside < 2:
        return None
    if payload.get("name"):
        state.names[match.cluster] = payload["name"]
    return _applied(f"{state.title(match.cluster)} holds the merged answers already", match.overlap)


def _replay_split(state: _Clustering, payload: dict, *, min_overlap: float, study) -> _Outcome:
    (match,) = _match(state, [payload["anchor"]], min_overlap)
    if match.cluster is None:
        return _not_applicable(f"the split cluster is gone: {match.reason}")
    cluster = match.cluster
    order = _members_in_id_order(np.asarray(state.ids, dtype=object), state.cluster, cluster)
    needed = MIN_PART_SIZE * payload["n_parts"]
    if len(order) < needed:
        return _not_applicable(
            f"{state.title(cluster)} is too small to split into {payload['n_parts']} parts "
            f"(needs {needed})",
            match.overlap,
        )
    try:
        parts, confidence, part_labels = _split_texts(
            state.text[order], payload["params"], study, labels=bool(state.labels)
        )
    except (ResearchKitError, ValueError) as exc:
        return _not_applicable(f"the clusterer could not split it ({exc})", match.overlap)
    title = state.title(cluster)
    next_id = int(state.cluster.max()) + 1
    numbers = {0: cluster} | {part: next_id + part - 1 for part in range(1, int(parts.max()) + 1)}
    state.cluster[order] = [numbers[int(part)] for part in parts]
    state.confidence[order] = confidence
    state.edited[order] = True
    for part, label in part_labels.items():
        if part != 0 and label:
            state.labels[numbers[part]] = label
    return _applied(f"split {title} into {len(np.unique(parts))} parts", match.overlap)


def _replay_pin(state: _Clustering, payload: dict, *, min_overlap: float, study) -> _Outcome:
    rid, name = payload["respondent_id"], payload.get("name")
    position = state.ids.get_indexer([rid])[0]
    if position < 0:
        return _not_applicable(f"respondent {rid!r} is not in this clustering")
    target = state.explicit(name) if name else None
    overlap, why = math.nan, ""
    if target is None and payload.get("anchor"):
        (match,) = _match(state, [payload["anchor"]], min_overlap)
        target, overlap, why = match.cluster, match.overlap, match.reason
    if target is None and name:
        target = state.labelled(name)
    if target is None:
        named = f" {name!r}" if name else ""
        detail = f": {why}" if why else ""
        return _not_applicable(f"the cluster{named} it was pinned to is gone{detail}")
    state.cluster[position] = target
    state.confidence[position] = 1.0
    state.edited[position] = True
    return _applied(f"pinned {rid!r} to {state.title(target)}", overlap)


def _split_texts(
    texts: np.ndarray, params: Mapping[str, Any], study: Study, *, labels: bool
) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Cluster one cluster's texts again; return parts, confidences and the parts' labels."""
    from research_kit.survey.clustering import ResponseClusterer

    clusterer = ResponseClusterer(**params, progress=False, nlp=study.nlp())
    clusterer.fit(list(texts))
    part_labels: dict[int, str] = {}
    if labels:
        described = clusterer.describe(n_quotes=0)
        labelled = zip(described["cluster"], described["label"], strict=True)
        part_labels = {int(cluster): str(label) for cluster, label in labelled}
    parts = np.asarray(clusterer.labels_, dtype=np.int64)
    return parts, np.asarray(clusterer.confidence_, dtype=float), part_labels


def _members_in_id_order(ids: np.ndarray, clusters: np.ndarray, cluster: int) -> np.ndarray:
    positions = np.flatnonzero(clusters == cluster)
    return positions[np.argsort(ids[positions].astype(str), kind="stable")]


def _edited_frame(assignments: pd.DataFrame, state: _Clustering) -> pd.DataFrame:
    """Renumber clusters canonically and build the output table."""
    stats = (
        pd.DataFrame({"cluster": state.cluster, "text": state.text, "rid": state.ids})
        .groupby("cluster")
        .agg(size=("rid", "size"), first_text=("text", "min"), first_id=("rid", "min"))
    )
    stats["name"] = [state.names.get(c) or state.labels.get(c) or "" for c in stats.index]
    stats["unnamed"] = stats["name"] == ""
    stats = stats.sort_values(
        ["size", "unnamed", "name", "first_text", "first_id"],
        ascending=[False, True, True, True, True],
    )
    number = {int(old): new for new, old in enumerate(stats.index)}
    names = {
        old: state.names.get(old) or state.labels.get(old) or f"Cluster {new}"
        for old, new in number.items()
    }
    result = assignments.copy()
    result["cluster"] = [number[c] for c in state.cluster.tolist()]
    result["confidence"] = state.confidence
    if "label" in result:
        result["label"] = [state.labels.get(c) for c in state.cluster.tolist()]
    result["cluster_name"] = [names[c] for c in state.cluster.tolist()]
    result["edited"] = state.edited
    return result


# -- kept runs ---------------------------------------------------------------------------------


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


def _active_edits(study: Study, survey_id: str, question: str) -> list[tuple[int, str, dict]]:
    t = schema.cluster_edits
    with study.store.read() as conn:
        rows = conn.execute(
            sa.select(t.c.seq, t.c.kind, t.c.payload)
            .where(t.c.survey_id == survey_id, t.c.question == question, t.c.undone.is_(False))
            .order_by(t.c.seq)
        ).all()
    return [(int(seq), kind, payload) for seq, kind, payload in rows]


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
