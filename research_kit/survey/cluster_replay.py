"""Replaying researchers' cluster edits on a clustering, and reporting on each edit.

:func:`apply_cluster_edits` (and :func:`apply_cluster_edits_result`, which also reports) takes
a clusterer's output and replays the question's edits that are not undone, in the order they
were made, each on the clustering the earlier ones produced. An edit names clusters by their
members at the time (an anchor), matched to the clusters of this run as
:mod:`research_kit.survey.cluster_edits` describes; an edit whose clusters are gone is reported
as not applicable, never applied to the wrong cluster. The edits themselves are made and kept
by :mod:`research_kit.survey.cluster_edits`.
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
from research_kit.errors import ResearchKitError
from research_kit.survey._cluster_store import (
    checked_survey_id,
    example_study,  # noqa: F401 (the examples)
    normalise_assignments,
)

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "MIN_OVERLAP",
    "MIN_PART_SIZE",
    "REPORT_COLUMNS",
    "EditedClusters",
    "active_edits",
    "apply_cluster_edits",
    "apply_cluster_edits_result",
    "edit_report",
    "members_in_id_order",
    "split_texts",
]

#: Share of an edit's answers a cluster must hold, and of the cluster they must make up.
MIN_OVERLAP = 0.5
#: A split needs at least this many responses per part.
MIN_PART_SIZE = 2
REPORT_COLUMNS = ["seq", "kind", "status", "overlap", "reason"]


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
    >>> from research_kit.survey.cluster_edits import rename_cluster
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
    >>> from research_kit.survey.cluster_edits import rename_cluster
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
    for seq, kind, payload in active_edits(study, survey_id, question):
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
    order = members_in_id_order(np.asarray(state.ids, dtype=object), state.cluster, cluster)
    needed = MIN_PART_SIZE * payload["n_parts"]
    if len(order) < needed:
        return _not_applicable(
            f"{state.title(cluster)} is too small to split into {payload['n_parts']} parts "
            f"(needs {needed})",
            match.overlap,
        )
    try:
        parts, confidence, part_labels = split_texts(
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


def split_texts(
    texts: np.ndarray, params: Mapping[str, Any], study: Study, *, labels: bool
) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Cluster one cluster's texts again; return parts, confidences and the parts' labels.

    Used by a split (:func:`~research_kit.survey.cluster_edits.split_cluster`) and its replay,
    so both cut a cluster the same way.
    """
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


def members_in_id_order(ids: np.ndarray, clusters: np.ndarray, cluster: int) -> np.ndarray:
    """Positions of a cluster's members, ordered by respondent id (the order a split sees)."""
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


def active_edits(study: Study, survey_id: str, question: str) -> list[tuple[int, str, dict]]:
    """The question's edits that are not undone, in order: ``(seq, kind, payload)``."""
    t = schema.cluster_edits
    with study.store.read() as conn:
        rows = conn.execute(
            sa.select(t.c.seq, t.c.kind, t.c.payload)
            .where(t.c.survey_id == survey_id, t.c.question == question, t.c.undone.is_(False))
            .order_by(t.c.seq)
        ).all()
    return [(int(seq), kind, payload) for seq, kind, payload in rows]
