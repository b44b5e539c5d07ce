"""Conformance: where the cases of an event log depart from the designed process map.

**What conformance means here.** The study's YAML process map is read as a model
(:func:`research_kit.process.process_net.process_net`: steps with an ``activity`` are the
visible transitions, decisions, waits and steps the log does not record are silent ones,
every split is a choice, loops are allowed where they are drawn) and each case of the log is
replayed on it, token by token (:mod:`research_kit.process.replay`, the token-based replay of
Rozinat & van der Aalst with pm4py's handling of silent transitions). A case's activities are
matched to steps through the steps' ``activity`` links, exactly as written.

**Fitness.** A case's fitness is ``0.5 * (1 - m / c) + 0.5 * (1 - r / p)`` with ``m`` the
missing, ``c`` the consumed, ``r`` the remaining and ``p`` the produced tokens; 1 means the
design allows the case as it happened. Over the log, as pm4py's ``fitness_token_based_replay``
computes them: ``log_fitness`` is the same formula on the totals of all cases,
``average_trace_fitness`` the mean of the cases' fitness, and ``fitting_share`` the share of
cases that fit (pm4py's ``percentage_of_fitting_traces`` is 100 times it). Every figure equals
pm4py's on the same net (``tests/data/conformance_oracle.json``). Each distinct path (variant)
is replayed once.

**Deviations** are named per step (:mod:`research_kit.process.deviations`): not on the map,
undesigned flow, out of order, skipped, unfinished. Events of activities no step carries do
not count in fitness (as in pm4py); they are reported as ``not on the map`` and in
:attr:`Conformance.unmatched`, with a warning naming them.

**Left out.** Alignments (the optimal move-by-move explanation of each case, and the fitness
based on it) are not computed: token replay is fast and diagnostic, but where a case departs
in several places its deviations are one plausible reading, not the cheapest one. Maps have no
parallel gateways, so steps done side by side show as ``out of order``.
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research_kit.process._arrays import ARROW, event_arrays, variant_table
from research_kit.process.deviations import DEVIATION_KINDS, Deviation, trace_deviations
from research_kit.process.process_net import designed_predecessors, process_net
from research_kit.process.replay import Replayer
from research_kit.process.spec import ProcessMap

_CASE_COLUMNS = [
    "case_id",
    "variant",
    "fitness",
    "missing",
    "remaining",
    "consumed",
    "produced",
    "fits",
    "not_on_map",
]
_DEVIATION_COLUMNS = ["step_id", "label", "activity", "deviation", "cases", "share"]
_FLOW_COLUMNS = ["source", "source_label", "target", "target_label", "cases", "share"]
_UNMATCHED_COLUMNS = ["activity", "side", "step_id", "events", "cases", "closest"]


class UnmatchedActivitiesWarning(UserWarning):
    """Log activities no step carries, or step activities the log never records (named)."""


@dataclass(frozen=True)
class Conformance:
    """The replay of a log on a process map: figures per case, per variant, per step.

    Attributes
    ----------
    overall : pandas.DataFrame
        One row: ``cases``, ``variants``, ``fitting_cases``, ``fitting_share``,
        ``average_trace_fitness``, ``log_fitness``, ``missing``, ``consumed``, ``remaining``,
        ``produced`` (token totals).
    cases : pandas.DataFrame
        One row per case: ``case_id``, ``variant``, ``fitness``, ``missing``, ``remaining``,
        ``consumed``, ``produced``, ``fits``, ``not_on_map`` (events of activities no step
        carries).
    variants : pandas.DataFrame
        One row per variant, most cases first: ``variant``, ``cases``, ``share``,
        ``fitness``, ``missing``, ``remaining``, ``fits``, ``not_on_map``, ``deviations``
        (a readable list).
    deviations : pandas.DataFrame
        One row per step and kind of deviation: ``step_id``, ``label``, ``activity``,
        ``deviation`` (see :data:`research_kit.process.deviations.DEVIATION_KINDS`),
        ``cases`` (with it at least once) and ``share`` (of all cases); most cases first.
    undesigned_flows : pandas.DataFrame
        Flows taken that the map does not draw: ``source`` and ``source_label`` (the step
        before; missing for the start of a case), ``target``, ``target_label``, ``cases``,
        ``share``.
    steps : pandas.DataFrame
        One row per step of the map: ``step_id``, ``label``, ``activity``, ``cases`` (cases
        that record the step's activity), ``deviating_cases`` (cases with any deviation at the
        step) and ``deviating_share`` (of all cases) — what the swimlane overlay colours.
    unmatched : pandas.DataFrame
        Names that do not meet: ``activity``, ``side`` (``"log only"``: no step carries it;
        ``"map only"``: a step's activity the log never records), ``step_id``, ``events``,
        ``cases``, ``closest`` (a likely misspelling of it on the other side: a name with the
        same numbers and nearly the same letters, if any).
    """

    overall: pd.DataFrame = field(repr=False)
    cases: pd.DataFrame = field(repr=False)
    variants: pd.DataFrame = field(repr=False)
    deviations: pd.DataFrame = field(repr=False)
    undesigned_flows: pd.DataFrame = field(repr=False)
    steps: pd.DataFrame = field(repr=False)
    unmatched: pd.DataFrame = field(repr=False)

    def top_deviating_variants(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` variants with most cases among those that do not fit or leave the map.

        Examples
        --------
        >>> from research_kit.process import event_table, parse_process_map
        >>> spec = parse_process_map(
        ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
        ...     "steps: [{id: s, label: Apply, lane: a, kind: start, activity: Apply},"
        ...     "        {id: e, label: Approve, lane: a, kind: end, activity: Approve}]\\n"
        ...     "flows: [{from: s, to: e}]\\n")
        >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
        ...                    "B": [("Approve", "2025-01-03")]})
        >>> top = conformance(spec, log).top_deviating_variants()
        >>> top[["variant", "deviations"]].values.tolist()
        [['Approve', 'undesigned flow: start → Approve; skipped: Apply']]
        """
        deviating = self.variants[~self.variants["fits"] | (self.variants["not_on_map"] > 0)]
        return deviating.head(n).reset_index(drop=True)


def conformance(spec: ProcessMap, log: pd.DataFrame) -> Conformance:
    """Replay each case of an event log on a process map: fitness and deviations.

    See the module docstring for what is measured and how.

    Parameters
    ----------
    spec : ProcessMap
        The designed map (:func:`~research_kit.process.read_process_map`).
    log : pandas.DataFrame
        An event table (:func:`~research_kit.process.read_event_log`); events are taken in
        case and time order.

    Returns
    -------
    Conformance
        Figures overall, per case and per variant; deviations per step; flows not in the
        design; names that do not meet. Warns (:class:`UnmatchedActivitiesWarning`) naming
        log activities no step carries and step activities the log never records.

    Examples
    --------
    >>> from research_kit.process import event_table, parse_process_map
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: Apply, lane: a, kind: start, activity: Apply},"
    ...     "        {id: r, label: Review, lane: a, activity: Review},"
    ...     "        {id: e, label: Approve, lane: a, kind: end, activity: Approve}]\\n"
    ...     "flows: [{from: s, to: r}, {from: r, to: e}]\\n")
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Review", "2025-01-02"),
    ...                          ("Approve", "2025-01-03")],
    ...                    "B": [("Apply", "2025-01-01"), ("Approve", "2025-01-04")]})
    >>> result = conformance(spec, log)
    >>> result.cases[["case_id", "fitness", "fits"]].values.tolist()
    [['A', 1.0, True], ['B', 0.6666666666666667, False]]
    >>> result.deviations[["step_id", "deviation", "cases"]].values.tolist()
    [['e', 'undesigned flow', 1], ['r', 'skipped', 1]]
    >>> round(float(result.overall["log_fitness"].iloc[0]), 4)  # 1 of 7 tokens missing, 1 left
    0.8571
    """
    events = event_arrays(log, use_start=False)
    ids, table = variant_table(events)
    net = process_net(spec)
    replayer = Replayer(net)
    predecessors = designed_predecessors(spec)
    table = table.sort_values("_id").reset_index(drop=True)
    replays = [replayer.replay(activities) for activities in table["activities"]]
    found = [
        trace_deviations(activities, replay, replayer, predecessors)
        for activities, replay in zip(table["activities"], replays, strict=True)
    ]
    per_variant = _variant_frame(table, replays, found, spec)
    cases = _case_frame(events.case_ids, ids, per_variant)
    n_cases = len(cases)
    result = Conformance(
        overall=_overall(cases, len(per_variant)),
        cases=cases,
        variants=per_variant.sort_values(["cases", "variant"], ascending=[False, True])
        .drop(columns="activities")
        .reset_index(drop=True),
        deviations=_deviation_frame(found, table["count"].to_numpy(), spec, n_cases),
        undesigned_flows=_flow_frame(found, table["count"].to_numpy(), spec, n_cases),
        steps=_step_frame(table, found, spec, n_cases),
        unmatched=_unmatched(spec, log, events),
    )
    _warn_unmatched(result.unmatched)
    return result


def study_conformance(study, log_id: str | None = None, *, map_index: int = 0) -> Conformance:
    """Conformance of one of the study's event logs to one of its process maps.

    Offered on every study as ``study.conformance()``: the first map and log by default.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> with open_study(folder) as study:
    ...     result = study.conformance()
    >>> 0 < float(result.overall["log_fitness"].iloc[0]) <= 1
    True
    """
    return conformance(study.process_map(map_index), study.event_log(log_id))


def _variant_frame(table: pd.DataFrame, replays, found, spec: ProcessMap) -> pd.DataFrame:
    label = {step.id: step.label for step in spec.steps}
    return pd.DataFrame(
        {
            "variant": table["variant"].to_numpy(dtype=object),
            "activities": table["activities"],
            "cases": table["count"].to_numpy(),
            "share": table["share"].to_numpy(),
            "fitness": [r.fitness for r in replays],
            "missing": [r.missing for r in replays],
            "remaining": [r.remaining for r in replays],
            "consumed": [r.consumed for r in replays],
            "produced": [r.produced for r in replays],
            "fits": [r.fits for r in replays],
            "not_on_map": [len(r.not_in_model) for r in replays],
            "deviations": ["; ".join(_describe(d, label) for d in devs) for devs in found],
        }
    )


def _describe(deviation: Deviation, label: dict[str, str]) -> str:
    if deviation.step_id is None:
        return f"{deviation.kind}: {deviation.activity}"
    target = label.get(deviation.step_id, deviation.step_id)
    if deviation.kind == "undesigned flow":
        source = label.get(deviation.source_step, "start") if deviation.source_step else "start"
        return f"{deviation.kind}: {source}{ARROW}{target}"
    return f"{deviation.kind}: {target}"


def _case_frame(case_ids: pd.Index, ids: np.ndarray, variants: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({"case_id": case_ids.to_numpy(dtype=object)})
    for column in _CASE_COLUMNS[1:]:
        frame[column] = variants[column].to_numpy()[ids]
    return frame


def _overall(cases: pd.DataFrame, n_variants: int) -> pd.DataFrame:
    totals = {
        name: int(cases[name].sum()) for name in ("missing", "consumed", "remaining", "produced")
    }
    n = len(cases)
    fitting = int(cases["fits"].sum())
    # pm4py reports zeros when nothing was replayed (no cases, or no tokens moved).
    replayed = n > 0 and totals["consumed"] > 0 and totals["produced"] > 0
    log_fitness = (
        0.5 * (1 - totals["missing"] / totals["consumed"])
        + 0.5 * (1 - totals["remaining"] / totals["produced"])
        if replayed
        else 0.0
    )
    return pd.DataFrame(
        [
            {
                "cases": n,
                "variants": n_variants,
                "fitting_cases": fitting,
                "fitting_share": fitting / n if replayed else 0.0,
                "average_trace_fitness": float(cases["fitness"].mean()) if replayed else 0.0,
                "log_fitness": log_fitness,
                **totals,
            }
        ]
    )


def _deviation_frame(found, counts: np.ndarray, spec: ProcessMap, n_cases: int) -> pd.DataFrame:
    cases: dict[tuple, int] = {}
    for devs, count in zip(found, counts, strict=True):
        for key in dict.fromkeys(
            (d.step_id, d.activity if d.step_id is None else None, d.kind) for d in devs
        ):
            cases[key] = cases.get(key, 0) + int(count)
    steps = {step.id: step for step in spec.steps}
    rows = [
        {
            "step_id": step_id,
            "label": steps[step_id].label if step_id else None,
            "activity": steps[step_id].activity if step_id else activity,
            "deviation": kind,
            "cases": count,
            "share": count / max(n_cases, 1),
        }
        for (step_id, activity, kind), count in cases.items()
    ]
    frame = pd.DataFrame(rows, columns=_DEVIATION_COLUMNS)
    frame["_kind"] = frame["deviation"].map(DEVIATION_KINDS.index)
    order = ["cases", "_kind", "activity"]
    frame = frame.sort_values(order, ascending=[False, True, True], kind="stable")
    return frame.drop(columns="_kind").reset_index(drop=True)


def _flow_frame(found, counts: np.ndarray, spec: ProcessMap, n_cases: int) -> pd.DataFrame:
    cases: dict[tuple, int] = {}
    for devs, count in zip(found, counts, strict=True):
        for key in dict.fromkeys(
            (d.source_step, d.step_id) for d in devs if d.kind == "undesigned flow"
        ):
            cases[key] = cases.get(key, 0) + int(count)
    label = {step.id: step.label for step in spec.steps}
    rows = [
        {
            "source": source,
            "source_label": label.get(source) if source else None,
            "target": target,
            "target_label": label[target],
            "cases": count,
            "share": count / max(n_cases, 1),
        }
        for (source, target), count in cases.items()
    ]
    frame = pd.DataFrame(rows, columns=_FLOW_COLUMNS)
    return frame.sort_values("cases", ascending=False, kind="stable").reset_index(drop=True)


def _step_frame(table: pd.DataFrame, found, spec: ProcessMap, n_cases: int) -> pd.DataFrame:
    done: dict[str, int] = {}
    deviating: dict[str, int] = {}
    for activities, devs, count in zip(table["activities"], found, table["count"], strict=True):
        for activity in set(activities):
            done[activity] = done.get(activity, 0) + int(count)
        for step_id in {d.step_id for d in devs if d.step_id is not None}:
            deviating[step_id] = deviating.get(step_id, 0) + int(count)
    return pd.DataFrame(
        [
            {
                "step_id": step.id,
                "label": step.label,
                "activity": step.activity,
                "cases": done.get(step.activity, 0) if step.activity else 0,
                "deviating_cases": deviating.get(step.id, 0),
                "deviating_share": deviating.get(step.id, 0) / max(n_cases, 1),
            }
            for step in spec.steps
        ],
        columns=["step_id", "label", "activity", "cases", "deviating_cases", "deviating_share"],
    )


def _unmatched(spec: ProcessMap, log: pd.DataFrame, events) -> pd.DataFrame:
    counts = pd.Series(
        np.bincount(events.activity, minlength=events.n_activities), index=events.activities
    )
    case_counts = (
        pd.DataFrame({"case": events.case, "activity": events.activity})
        .drop_duplicates()
        .groupby("activity")
        .size()
        .reindex(range(events.n_activities), fill_value=0)
        .to_numpy()
    )
    on_map = {step.activity: step.id for step in spec.steps if step.activity}
    in_log = [str(a) for a in events.activities]
    rows = []
    for code, activity in enumerate(in_log):
        if activity not in on_map:
            rows.append(
                {
                    "activity": activity,
                    "side": "log only",
                    "step_id": None,
                    "events": int(counts.iloc[code]),
                    "cases": int(case_counts[code]),
                    "closest": _closest(activity, list(on_map)),
                }
            )
    logged = set(in_log)
    for activity, step_id in on_map.items():
        if activity not in logged:
            rows.append(
                {
                    "activity": activity,
                    "side": "map only",
                    "step_id": step_id,
                    "events": 0,
                    "cases": 0,
                    "closest": _closest(activity, in_log),
                }
            )
    return pd.DataFrame(rows, columns=_UNMATCHED_COLUMNS)


def _closest(name: str, candidates: list[str]) -> str | None:
    """A likely misspelling of ``name`` among ``candidates``, if any.

    Names that differ in their numbers ("T07-3" and "T07-5") are different activities, not
    misspellings, however alike their letters.
    """
    digits = re.sub(r"\D", "", name)
    alike = {c.casefold(): c for c in candidates if re.sub(r"\D", "", c) == digits}
    match = difflib.get_close_matches(name.casefold(), list(alike), n=1, cutoff=0.8)
    return alike[match[0]] if match else None


def _warn_unmatched(unmatched: pd.DataFrame) -> None:
    parts = []
    for side, what in (
        ("log only", "log activit{} on no step"),
        ("map only", "step activit{} never in the log"),
    ):
        names = unmatched.loc[unmatched["side"] == side, "activity"].tolist()
        if names:
            shown = ", ".join(repr(n) for n in names[:6]) + (" …" if len(names) > 6 else "")
            parts.append(f"{len(names)} {what.format('y' if len(names) == 1 else 'ies')}: {shown}")
    if parts:
        warnings.warn(
            UnmatchedActivitiesWarning(
                "; ".join(parts) + " — link steps to log activities with 'activity:' in the "
                "process map (see Conformance.unmatched)"
            ),
            stacklevel=3,
        )


__all__ = [
    "Conformance",
    "UnmatchedActivitiesWarning",
    "conformance",
    "study_conformance",
]
