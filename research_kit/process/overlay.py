"""Conformance drawn on the swimlane: where reality departs from the designed map.

:func:`conformance_annotations` turns a :class:`~research_kit.process.conformance.Conformance`
into the per-step ``annotations`` the swimlane renderer draws: each step is filled from white
to red by the share of cases that deviate at it, and gets a line saying how (``skipped 12% ·
out of order 3%``). :func:`conformance_figure` draws the swimlane with them and adds the flows
cases took that the map does not draw, as dotted orange arcs labelled with their number of cases
(the most common ones; the full list is ``Conformance.undesigned_flows``).
"""

from __future__ import annotations

import math

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from research_kit.process._style import EDGE_PT, INK, wrap
from research_kit.process.conformance import Conformance
from research_kit.process.pages import swimlane_page_plan, swimlane_pages
from research_kit.process.render import swimlane_figure, swimlane_layout
from research_kit.process.spec import ProcessMap

#: The fill of a step every case deviates at (steps are blended from white towards it).
DEVIATION_FILL = "#F4A3A8"
#: The colour of flows taken that the map does not draw (apart from the red of rework loops).
UNDESIGNED_FLOW = "#D95F02"
_SCALE = mpl.colors.LinearSegmentedColormap.from_list("deviation", ["#FFFFFF", DEVIATION_FILL])
_SHORT = {
    "undesigned flow": "undesigned flow",
    "out of order": "out of order",
    "skipped": "skipped",
    "unfinished": "ended here",
}


def conformance_annotations(result: Conformance, *, min_share: float = 0.01) -> dict[str, dict]:
    """Per-step overlay of a conformance result, in the swimlane's ``annotations`` form.

    Parameters
    ----------
    result : Conformance
        From :func:`~research_kit.process.conformance`.
    min_share : float
        Kinds of deviation in fewer than this share of cases are left off the step's line.

    Returns
    -------
    dict
        ``{step_id: {"fill": colour, "flags": [text], "deviating_share": float}}`` for steps
        where cases deviate. Merge it into :func:`~research_kit.process.step_annotations`'s
        result to show evidence and conformance together.

    Examples
    --------
    >>> from research_kit.process import conformance, event_table, parse_process_map
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: Apply, lane: a, kind: start, activity: Apply},"
    ...     "        {id: r, label: Review, lane: a, activity: Review},"
    ...     "        {id: e, label: Approve, lane: a, kind: end, activity: Approve}]\\n"
    ...     "flows: [{from: s, to: r}, {from: r, to: e}]\\n")
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
    ...                    "B": [("Apply", "2025-01-01"), ("Review", "2025-01-02"),
    ...                          ("Approve", "2025-01-03")]})
    >>> conformance_annotations(conformance(spec, log))["r"]["flags"]
    ['skipped 50%']
    """
    notes: dict[str, dict] = {}
    for row in result.steps.itertuples(index=False):
        if not row.deviating_cases:
            continue
        kinds = result.deviations[
            (result.deviations["step_id"] == row.step_id)
            & (result.deviations["share"] >= min_share)
        ]
        flags = [f"{_SHORT[k.deviation]} {k.share:.0%}" for k in kinds.itertuples(index=False)]
        notes[row.step_id] = {
            "fill": mpl.colors.to_hex(_SCALE(min(max(row.deviating_share, 0.0), 1.0))),
            "flags": [" · ".join(flags)] if flags else [],
            "deviating_share": row.deviating_share,
        }
    return notes


def conformance_figure(
    spec: ProcessMap,
    result: Conformance,
    *,
    kind: str = "swimlane",
    annotations: dict | None = None,
    flows: int = 8,
    min_share: float = 0.01,
    page: str | tuple[float, float] | None = None,
    direction: str | None = None,
) -> Figure:
    """Draw the process map with where reality departs from it.

    Parameters
    ----------
    spec : ProcessMap
        The designed map the result was computed on.
    result : Conformance
        From :func:`~research_kit.process.conformance`.
    kind : {"swimlane", "blueprint"}
        As in :func:`~research_kit.process.swimlane_figure`.
    annotations : dict, optional
        Evidence per step to show as well (e.g. from
        :func:`~research_kit.process.step_annotations`); the conformance overlay is added to it.
    flows : int
        How many undesigned flows to draw (those most cases took; flows from the start of a
        case have no step to start from and are left to the table).
    min_share : float
        As in :func:`conformance_annotations`.
    page, direction : optional
        Fit the drawing to a page, as in :func:`~research_kit.process.swimlane_figure`.

    Returns
    -------
    matplotlib.figure.Figure
        Steps filled by the share of cases deviating at them, with a line saying how; dotted
        orange arcs (SVG ids ``undesigned-flow-<n>``) for flows the map does not draw.

    Examples
    --------
    >>> from research_kit.process import conformance, event_table, parse_process_map
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: Apply, lane: a, kind: start, activity: Apply},"
    ...     "        {id: r, label: Review, lane: a, activity: Review},"
    ...     "        {id: e, label: Approve, lane: a, kind: end, activity: Approve}]\\n"
    ...     "flows: [{from: s, to: r}, {from: r, to: e}]\\n")
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> fig = conformance_figure(spec, conformance(spec, log))
    >>> [p.get_gid() for p in fig.axes[0].patches if (p.get_gid() or "").startswith("undes")]
    ['undesigned-flow-0']
    """
    shape = {
        "kind": kind,
        "annotations": _merged(annotations, result, min_share),
        "page": page,
        "direction": direction,
    }
    fig = swimlane_figure(spec, **shape)
    where = swimlane_layout(spec, **shape).set_index("step_id")
    ax = fig.axes[0]
    for number, flow in enumerate(_undesigned(result, flows).itertuples(index=False)):
        _draw_arc(ax, where.loc[flow.source], where.loc[flow.target], flow.cases, number)
    ax.text(
        fig.get_figwidth() - 0.2,
        0.56,
        _KEY,
        fontsize=EDGE_PT,
        color=INK,
        ha="right",
        va="center",
        gid="conformance-key",
    )
    return fig


def conformance_pages(
    spec: ProcessMap,
    result: Conformance,
    *,
    kind: str = "swimlane",
    annotations: dict | None = None,
    flows: int = 8,
    min_share: float = 0.01,
    page: str | tuple[float, float] = "letter-portrait",
    direction: str | None = None,
) -> list[Figure]:
    """Draw :func:`conformance_figure` over several full-size pages, as :func:`swimlane_pages`.

    The options are :func:`conformance_figure`'s. An undesigned flow between two steps on one
    page is drawn there; one between steps on different pages cannot be, and each page's key
    says how many of those (of the ``flows`` drawn) are left to the table.

    Returns
    -------
    list of matplotlib.figure.Figure
        The pages of :func:`~research_kit.process.swimlane_pages`, with the conformance fill
        and flags on the steps, the undesigned flows within a page as dotted orange arcs (SVG
        ids ``undesigned-flow-<n>``), and the key under the title.

    Examples
    --------
    >>> from research_kit.process import conformance, event_table, parse_process_map
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: Apply, lane: a, kind: start, activity: Apply},"
    ...     "        {id: r, label: Review, lane: a, activity: Review},"
    ...     "        {id: e, label: Approve, lane: a, kind: end, activity: Approve}]\\n"
    ...     "flows: [{from: s, to: r}, {from: r, to: e}]\\n")
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> (page,) = conformance_pages(spec, conformance(spec, log))
    >>> [p.get_gid() for p in page.axes[0].patches if (p.get_gid() or "").startswith("undes")]
    ['undesigned-flow-0']
    """
    shape = {
        "kind": kind,
        "annotations": _merged(annotations, result, min_share),
        "page": page,
        "direction": direction,
    }
    figures = swimlane_pages(spec, **shape)
    where = swimlane_page_plan(spec, **shape).set_index("step_id")
    across = 0
    for number, flow in enumerate(_undesigned(result, flows).itertuples(index=False)):
        source, target = where.loc[flow.source], where.loc[flow.target]
        if source["page"] != target["page"]:
            across += 1
            continue
        ax = figures[int(source["page"]) - 1].axes[0]
        _draw_arc(ax, source, target, flow.cases, number)
    key = _PAGE_KEY + (f" · {across} more across pages: see the table" if across else "")
    for fig in figures:
        subtitle = next(t for t in fig.axes[0].texts if t.get_gid() == "subtitle")
        # The subtitle's line holds the key, in two lines if need be: a portrait page has
        # no room for both side by side.
        subtitle.set_text("\n".join(wrap(key, EDGE_PT, fig.get_figwidth() - 0.7)))
        subtitle.set_fontsize(EDGE_PT)
        subtitle.set_linespacing(1.1)
        subtitle.set_gid("conformance-key")
    return figures


_KEY = (
    "Conformance: red fill = share of cases deviating at the step · "
    "dotted orange = flows taken that the map does not draw (cases)"
)
_PAGE_KEY = (
    "Red fill: share of cases deviating at the step · dotted orange: flows taken that the "
    "map does not draw (cases) · grey: flows that continue on another page"
)


def _merged(annotations: dict | None, result: Conformance, min_share: float) -> dict:
    """The evidence per step with the conformance overlay (fill and flags) added to it."""
    merged = {step_id: dict(values) for step_id, values in (annotations or {}).items()}
    for step_id, overlay in conformance_annotations(result, min_share=min_share).items():
        evidence = merged.setdefault(step_id, {})
        evidence["fill"] = overlay["fill"]
        evidence["flags"] = list(evidence.get("flags") or []) + overlay["flags"]
    return merged


def _undesigned(result: Conformance, flows: int):
    """The undesigned flows to draw: those most cases took, from a step (not a case start)."""
    return result.undesigned_flows.dropna(subset=["source"]).head(flows)


def _draw_arc(ax, source, target, cases: int, number: int) -> None:
    start, end = (float(source["x"]), float(source["y"])), (float(target["x"]), float(target["y"]))
    if start == end:  # a step repeated straight after itself: a loop over its top edge
        half = float(source["width"]) / 3
        top = float(source["y"]) - float(source["height"]) / 2
        start, end = (start[0] - half, top), (start[0] + half, top)
    # A bow of at most about 0.4 in, however long the arc, so long ones stay on the page.
    bend = min(0.3, 0.8 / max(math.dist(start, end), 1e-9))
    arc = FancyArrowPatch(
        start,
        end,
        connectionstyle=f"arc3,rad={-bend:.4f}",
        arrowstyle="-|>",
        mutation_scale=9,
        linestyle=(0, (1, 1.5)),
        linewidth=1.6,
        color=UNDESIGNED_FLOW,
        shrinkA=6,
        shrinkB=6,
        zorder=3,  # over the drawn flows, under the steps and their labels
        gid=f"undesigned-flow-{number}",
    )
    ax.add_patch(arc)
    # The label sits at the arc's middle: the midpoint of arc3's quadratic curve.
    (x1, y1), (x2, y2) = start, end
    # (arc3 bends in display space, where y runs up; here y runs down the page.)
    cx, cy = (x1 + x2) / 2 + bend * (y2 - y1), (y1 + y2) / 2 - bend * (x2 - x1)
    ax.text(
        0.25 * x1 + 0.5 * cx + 0.25 * x2,
        0.25 * y1 + 0.5 * cy + 0.25 * y2,
        f"{cases:,}",
        fontsize=EDGE_PT,
        color=UNDESIGNED_FLOW,
        style="italic",
        ha="center",
        va="center",
        gid=f"undesigned-flow-{number}-label",
        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.9},
        zorder=7,
    )


__all__ = [
    "DEVIATION_FILL",
    "UNDESIGNED_FLOW",
    "conformance_annotations",
    "conformance_figure",
    "conformance_pages",
]
