"""Drawing process maps: swimlanes and service blueprints from a spec, and mined process maps.

The public face of the process drawings: each function builds a scene (:mod:`._layout`, laid
out by :mod:`._arrange`), draws it with matplotlib (:mod:`._draw`) and returns the figure, its
SVG text, or where each step went as a table. SVG, PNG and PDF come from one drawing and no
system program (Graphviz ``dot``) is needed.

Text stays text in SVG (``svg.fonttype: none``), with math parsing off: labels are drawn
literally (``$``, ``&``, ``<`` included) and escaped by the SVG writer. Each step's shape
carries the SVG id ``step-<id>`` and each lane ``lane-<id>``.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from research_kit.deprecation import deprecated_alias
from research_kit.process._draw import draw_scene
from research_kit.process._fit import fit_mined, fit_swimlane
from research_kit.process._layout import mined_scene, swimlane_scene
from research_kit.process._scene import format_duration
from research_kit.process.spec import ProcessMap
from research_kit.viz import style as viz_style

__all__ = [
    "figure_svg",
    "format_duration",
    "process_map_figure",
    "process_map_fit",
    "process_map_svg",
    "save_figure",
    "swimlane_figure",
    "swimlane_fit",
    "swimlane_layout",
    "swimlane_svg",
]


_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "research_kit", "text.usetex": False}


def swimlane_figure(
    spec: ProcessMap,
    *,
    kind: str = "swimlane",
    annotations: dict | None = None,
    page: str | tuple[float, float] | None = None,
    direction: str | None = None,
) -> Figure:
    """Draw a process map as a swimlane diagram or a service blueprint.

    Parameters
    ----------
    spec : ProcessMap
        A process map read with :func:`~research_kit.process.read_process_map`.
    kind : {"swimlane", "blueprint"}
        ``"swimlane"`` keeps the lanes in spec order; ``"blueprint"`` groups them by their
        ``blueprint_row`` (customer, frontstage, backstage, support), draws the lines of
        interaction, visibility and internal interaction, and shows each step's system.
    annotations : dict, optional
        Evidence per step id (see :func:`research_kit.process.evidence.step_annotations`): keys
        ``n_codings``, ``n_documents``, ``codes``, ``quotes`` (list of str), ``quote_documents``,
        ``median_wait`` and ``median_processing`` (Timedelta), all optional. Steps with codings
        show a count, steps with times show them, and steps with quotes get a numbered badge
        that refers to a list of quotes under the diagram. Overlays may add ``fill`` (a
        colour for the step) and ``flags`` (short lines under its label), as
        :func:`research_kit.process.conformance_annotations` does.
    page : str or (float, float), optional
        Fit the drawing to a page: ``"letter-portrait"``, ``"letter-landscape"``,
        ``"a4-portrait"``, ``"a4-landscape"`` (one-inch margins) or the text block as (width,
        height) in inches. The drawing is wrapped into rows of lanes (and, unless
        ``direction`` says, drawn top to bottom or left to right) so that it prints at full
        size with no text under 7 pt; see :func:`swimlane_fit`. A map too large for that is
        drawn as large as the page allows, with a ``UserWarning``: steps are never left out.
    direction : {"LR", "TB"}, optional
        Flows run left to right (lanes are rows) or top to bottom (lanes are columns). By
        default left to right without a page; with a page, whichever prints larger (on a tie,
        top to bottom on a portrait page, left to right on a landscape one). Blueprints are
        always left to right.

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot; save it with :func:`save_figure`.

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: Tiny\\nlanes: [{id: desk, label: Front desk}, {id: back, label: Back office}]\\n"
    ...     "steps: [{id: s, label: Apply, lane: desk, kind: start},"
    ...     "        {id: r, label: Review, lane: back},"
    ...     "        {id: e, label: Done, lane: desk, kind: end}]\\n"
    ...     "flows: [{from: s, to: r}, {from: r, to: e}]\\n")
    >>> fig = swimlane_figure(spec)
    >>> sorted(t.get_text() for t in fig.axes[0].texts if t.get_gid() == "step-r-label")
    ['Review']
    >>> tall = swimlane_figure(spec, direction="TB")  # lanes become columns
    >>> bool(tall.get_size_inches()[1] > fig.get_size_inches()[1])
    True
    """
    scene, fit = _swimlane(spec, kind, annotations, page, direction)
    if fit and not fit["fits"]:
        # A designed map is never simplified: say so rather than print type nobody can read.
        warnings.warn(
            f"the process map {spec.name!r} prints at {fit['smallest_pt']:.1f} pt on page "
            f"{page!r} even wrapped into {fit['rows']} rows: use a larger page, e.g. "
            "page=(width, height) in inches, or draw parts of the map separately",
            UserWarning,
            stacklevel=2,
        )
    return draw_scene(scene)


def swimlane_fit(
    spec: ProcessMap,
    *,
    kind: str = "swimlane",
    annotations: dict | None = None,
    page: str | tuple[float, float] = "letter-portrait",
    direction: str | None = None,
) -> pd.DataFrame:
    """How :func:`swimlane_figure` fits a page: direction, rows, size, and print scale.

    Returns
    -------
    pandas.DataFrame
        One row: ``direction`` ("LR" or "TB"), ``rows`` (rows of lanes the steps are wrapped
        into), ``width_in`` and ``height_in`` (the figure), ``page_width_in`` and
        ``page_height_in`` (the text block), ``print_scale`` (figure to page; at least 1 when
        it fits, and then it is printed at full size), ``smallest_pt`` (the smallest text at
        that scale, capped at full size), and what is shown: ``activities_shown`` /
        ``activities_total`` (steps), ``paths_shown`` / ``paths_total`` (flows),
        ``events_covered`` (1.0: a designed map is never simplified).

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: Tiny\\nlanes: [{id: desk, label: Desk}]\\n"
    ...     "steps: [{id: s, label: Apply, lane: desk, kind: start},"
    ...     "        {id: e, label: Done, lane: desk, kind: end}]\\n"
    ...     "flows: [{from: s, to: e}]\\n")
    >>> fit = swimlane_fit(spec, page="letter-portrait").iloc[0]
    >>> int(fit["rows"]), float(fit["smallest_pt"]), bool(fit["fits"])
    (1, 7.0, True)
    """
    if page is None:
        raise ValueError("swimlane_fit needs a page, e.g. page='letter-portrait'")
    return pd.DataFrame([_swimlane(spec, kind, annotations, page, direction)[1]])


def _swimlane(spec, kind, annotations, page, direction) -> tuple:
    if page is None:
        scene = swimlane_scene(
            spec, kind=kind, annotations=annotations, direction=direction or "LR"
        )
        return scene, {}
    return fit_swimlane(spec, kind=kind, annotations=annotations, page=page, direction=direction)


def swimlane_svg(
    spec: ProcessMap,
    *,
    kind: str = "swimlane",
    annotations: dict | None = None,
    page: str | tuple[float, float] | None = None,
    direction: str | None = None,
) -> str:
    """Draw a process map (see :func:`swimlane_figure`) and return it as SVG text.

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: Tiny\\nlanes: [{id: desk, label: Desk}]\\n"
    ...     "steps: [{id: s, label: Apply, lane: desk, kind: start},"
    ...     "        {id: e, label: Done, lane: desk, kind: end}]\\n"
    ...     "flows: [{from: s, to: e}]\\n")
    >>> svg = swimlane_svg(spec)
    >>> svg.startswith("<?xml") and 'id="step-s"' in svg and 'id="lane-desk"' in svg
    True
    """
    figure = swimlane_figure(
        spec, kind=kind, annotations=annotations, page=page, direction=direction
    )
    return figure_svg(figure)


def swimlane_layout(
    spec: ProcessMap,
    *,
    kind: str = "swimlane",
    annotations: dict | None = None,
    page: str | tuple[float, float] | None = None,
    direction: str | None = None,
) -> pd.DataFrame:
    """Where :func:`swimlane_figure` puts each step, as a table.

    Returns
    -------
    pandas.DataFrame
        One row per step: ``step_id``, ``label``, ``lane``, ``shape`` (task, decision, wait,
        start, end), ``column``, ``track`` (row of boxes counted over all lanes), ``x`` and
        ``y`` (centre, inches from the drawing's top-left corner), ``width``, ``height``, and
        the band of the step's lane (``lane_top``, ``lane_bottom``; drawn top to bottom, its
        left and right). ``column`` and ``track`` count within the step's row of lanes when
        the drawing is wrapped for a page.

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: Tiny\\nlanes: [{id: a, label: A}, {id: b, label: B}]\\n"
    ...     "steps: [{id: s, label: Start, lane: a, kind: start}, {id: t, label: T, lane: b},"
    ...     "        {id: e, label: End, lane: a, kind: end}]\\n"
    ...     "flows: [{from: s, to: t}, {from: t, to: e}]\\n")
    >>> swimlane_layout(spec)[["step_id", "lane", "column", "shape"]].values.tolist()
    [['s', 'a', 0, 'start'], ['t', 'b', 1, 'task'], ['e', 'a', 2, 'end']]
    """
    scene = _swimlane(spec, kind, annotations, page, direction)[0]
    rows = []
    for step in spec.steps:
        node = scene.nodes[step.id]
        band = scene.bands[node.band]
        rows.append(
            {
                "step_id": step.id,
                "label": step.label,
                "lane": step.lane,
                "shape": node.shape,
                "column": node.column,
                "track": node.track,
                "x": node.x,
                "y": node.y,
                "width": node.width,
                "height": node.height,
                "lane_top": band.top,
                "lane_bottom": band.bottom,
            }
        )
    return pd.DataFrame(rows)


def process_map_figure(
    dfg: pd.DataFrame,
    *,
    starts: pd.DataFrame | None = None,
    ends: pd.DataFrame | None = None,
    metric: str = "frequency",
    min_count: int | None = None,
    statistic: str = "median",
    title: str = "Process map",
    page: str | tuple[float, float] | None = None,
    direction: str | None = None,
    min_font_pt: float = 7.0,
    simplify: bool = True,
) -> Figure:
    """Draw a mined directly-follows graph as a process map (no lanes).

    Parameters
    ----------
    dfg : pandas.DataFrame
        Columns ``source``, ``target``, ``count`` and, for ``metric="performance"`` or
        ``"both"``, the waiting-time column named by ``statistic`` (Timedelta), as returned by
        ``research_kit.process.directly_follows``.
    starts, ends : pandas.DataFrame, optional
        Columns ``activity`` and ``count``: how many cases start (end) with each activity. When
        given, the map gets a start and an end node.
    metric : {"frequency", "performance", "both"}
        What the edge labels show: counts, waiting times, or both.
    min_count : int, optional
        Leave out edges followed fewer times (and activities left without edges).
    statistic : str
        The ``dfg`` column used for waiting times (``median``, ``mean``, ``p90`` …).
    title : str
        Printed above the map.
    page : str or (float, float), optional
        Fit the map to a page: ``"letter-portrait"``, ``"letter-landscape"``,
        ``"a4-portrait"``, ``"a4-landscape"`` (one-inch margins) or the text block as (width,
        height) in inches. The map is wrapped into rows and drawn in the direction that prints
        largest; if even so a label would print under ``min_font_pt``, it is simplified (see
        ``simplify``). :func:`process_map_fit` says how it fitted.
    direction : {"LR", "TB"}, optional
        Flows run left to right or top to bottom. By default left to right without a page;
        with a page, whichever prints larger (on a tie, top to bottom on a portrait page and
        left to right on a landscape one).
    min_font_pt : float
        With a page: the smallest text size allowed at print size.
    simplify : bool
        With a page: when the whole map cannot print with text of at least ``min_font_pt``,
        keep the most frequent paths (:func:`~research_kit.process.filter_paths`, which keeps
        the map connected) and then the most frequent activities, step by step until it
        fits, keeping at most 3 arrows per box. The figure then says what it shows, e.g.
        "showing 10 of 27 activities and 21 of 114 paths, covering 97% of events".

    Examples
    --------
    >>> dfg = pd.DataFrame({"source": ["Apply", "Review"], "target": ["Review", "Approve"],
    ...                     "count": [10, 8],
    ...                     "median": pd.to_timedelta(["2 days", "5 hours"])})
    >>> fig = process_map_figure(dfg, metric="both")
    >>> sorted(t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("edge"))
    ['10 · 2.0 d', '8 · 5.0 h']
    >>> fig = process_map_figure(dfg, page="letter-portrait")
    >>> round(float(fig.get_size_inches()[0]), 2)  # as wide as the page's text block
    6.5
    """
    return draw_scene(_mined(dfg, locals())[0])


def process_map_fit(
    dfg: pd.DataFrame,
    *,
    starts: pd.DataFrame | None = None,
    ends: pd.DataFrame | None = None,
    metric: str = "frequency",
    min_count: int | None = None,
    statistic: str = "median",
    title: str = "Process map",
    page: str | tuple[float, float] = "letter-portrait",
    direction: str | None = None,
    min_font_pt: float = 7.0,
    simplify: bool = True,
) -> pd.DataFrame:
    """How :func:`process_map_figure` fits a page, and how much of the map it shows.

    The options are :func:`process_map_figure`'s.

    Returns
    -------
    pandas.DataFrame
        One row: ``direction``, ``rows``, ``width_in``, ``height_in``, ``page_width_in``,
        ``page_height_in``, ``print_scale``, ``smallest_pt`` (as for :func:`swimlane_fit`),
        and the coverage kept: ``activities_shown`` of ``activities_total``, ``paths_shown``
        of ``paths_total`` (arrows, start and end ones included), and ``events_covered``
        (share of events that belong to the activities shown).

    Examples
    --------
    >>> dfg = pd.DataFrame({"source": ["Apply", "Review"], "target": ["Review", "Approve"],
    ...                     "count": [10, 8]})
    >>> fit = process_map_fit(dfg, page="letter-landscape")
    >>> fit[["direction", "rows", "smallest_pt", "paths_shown", "paths_total"]].values.tolist()
    [['LR', 1, 7.0, 2, 2]]
    """
    if page is None:
        raise ValueError("process_map_fit needs a page, e.g. page='letter-portrait'")
    return pd.DataFrame([_mined(dfg, locals())[1]])


def _mined(dfg: pd.DataFrame, options: dict) -> tuple:
    """The scene of a mined map, fitted to a page when one is given, and how it fits."""
    shared = {
        "starts": options["starts"],
        "ends": options["ends"],
        "metric": options["metric"],
        "min_count": options["min_count"],
        "statistic": options["statistic"],
        "title": options["title"],
    }
    if options["page"] is None:
        return mined_scene(dfg, direction=options["direction"] or "LR", **shared), {}
    return fit_mined(
        dfg,
        page=options["page"],
        direction=options["direction"],
        min_font_pt=options["min_font_pt"],
        simplify=options["simplify"],
        **shared,
    )


def process_map_svg(dfg: pd.DataFrame, **options) -> str:
    """Draw a mined process map (see :func:`process_map_figure`) and return it as SVG text.

    Examples
    --------
    >>> dfg = pd.DataFrame({"source": ["A"], "target": ["B"], "count": [3]})
    >>> "<svg" in process_map_svg(dfg)
    True
    """
    return figure_svg(process_map_figure(dfg, **options))


def save_figure(fig: Figure, path: Path | str, *, dpi: int = 150) -> Path:
    """Write a figure as SVG, PNG or PDF, chosen by the file's suffix.

    SVG keeps text as text and carries no date, so the same map gives the same file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> fig = process_map_figure(pd.DataFrame({"source": ["A"], "target": ["B"], "count": [3]}))
    >>> path = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "map.png")
    >>> path.stat().st_size > 0
    True
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"cannot save a figure as {path.name!r}: use a .svg, .png or .pdf name")
    metadata = {"Date": None} if fmt == "svg" else None
    # The house style while writing: SVG text names its font families at save time.
    with viz_style(), mpl.rc_context(_SVG_RC):
        fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return path


def figure_svg(fig: Figure) -> str:
    """A drawn figure as SVG text, text kept as text and no date (as :func:`save_figure`).

    Examples
    --------
    >>> fig = process_map_figure(pd.DataFrame({"source": ["A"], "target": ["B"], "count": [3]}))
    >>> figure_svg(fig).startswith("<?xml")
    True
    """
    buffer = io.StringIO()
    with viz_style(), mpl.rc_context(_SVG_RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, facecolor="white")
    return buffer.getvalue()


#: Deprecated name of :func:`swimlane_layout`, kept for one release.
layout = deprecated_alias(swimlane_layout, "layout")
