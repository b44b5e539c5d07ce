"""A swimlane across several pages: each page a run of its columns, printed at full size.

A designed process map is never simplified, so a large one (the bundled permit map: 24 steps
in 7 lanes, about 250 square inches drawn) cannot print on one page with text of at least 7 pt,
however it is wrapped. :func:`swimlane_pages` cuts it into runs of columns, one run a page, and
fits each run to the page as :func:`~research_kit.process.swimlane_figure` fits a whole map
(wrapped into rows, with only the lanes that have steps on the page). The cuts give the fewest
pages on which every text prints at 7 pt or more.

A flow cut by a page break ends on its page at a grey continuation mark in the source's lane
("continues on page 2: Plan review") and starts on the next at one in the target's lane ("from
page 1: Completeness check"), so a reader can follow every flow across pages. Each title
carries a page counter ("… (page 2 of 4)") and the legend is printed on the first page only.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace

import pandas as pd
from matplotlib.figure import Figure

from research_kit.process._draw import draw_scene, figure_height
from research_kit.process._fit import fit_swimlane, page_area
from research_kit.process._layout import swimlane_scene
from research_kit.process._scene import Scene
from research_kit.process._style import SMALLEST_PT
from research_kit.process.render import figure_svg
from research_kit.process.spec import ProcessMap, Step

__all__ = ["CONTINUATION_FILL", "swimlane_page_plan", "swimlane_pages", "swimlane_pages_svg"]

#: Fill of the continuation marks where a flow leaves or enters a page.
CONTINUATION_FILL = "#E4E9F0"
#: Step ids of continuation marks start with this (SVG ids ``step-continues-…``).
_MARK = "continues"


@dataclass
class _Page:
    """One page of the plan: its steps (in spec order), its scene, and how it fits."""

    number: int
    steps: list[str]
    spec: ProcessMap
    scene: Scene
    fit: dict


def swimlane_pages(
    spec: ProcessMap,
    *,
    page: str | tuple[float, float] = "letter-landscape",
    kind: str = "swimlane",
    annotations: dict | None = None,
    direction: str | None = None,
    min_font_pt: float = 7.0,
) -> list[Figure]:
    """Draw a process map over as few pages as print every text at ``min_font_pt`` or more.

    Parameters
    ----------
    spec : ProcessMap
        A process map read with :func:`~research_kit.process.read_process_map`.
    page : str or (float, float)
        ``"letter-portrait"``, ``"letter-landscape"``, ``"a4-portrait"``, ``"a4-landscape"``
        (one-inch margins) or the text block as (width, height) in inches.
    kind, annotations : optional
        As in :func:`~research_kit.process.swimlane_figure`. A step's evidence (and its quote,
        listed under the page) is drawn on the step's page.
    direction : {"LR", "TB"}, optional
        Flows run left to right or top to bottom, the same on every page. By default the one
        that needs fewer pages (on a tie, top to bottom on a portrait page, left to right on
        a landscape one). Blueprints are always left to right.
    min_font_pt : float
        The smallest text allowed at print size. A map with a column that cannot print that
        large on the page even alone is drawn as large as the page allows, with a
        ``UserWarning``: steps are never left out.

    Returns
    -------
    list of matplotlib.figure.Figure
        One figure a page, each at most the page's text block (so printed at full size). A
        flow cut by a page break ends at a grey continuation mark (SVG id
        ``step-continues-…``) naming the page and step it goes on to, and starts at one on
        that page naming where it comes from. The titles count the pages ("… (page 2 of
        3)"); the legend is on the first page.

    See Also
    --------
    swimlane_page_plan : which page each step is on, and how each page fits.

    Examples
    --------
    >>> from research_kit.process import read_process_map
    >>> spec = read_process_map("interview_data/process/permit_process.yml")
    >>> figures = swimlane_pages(spec, page="letter-landscape")
    >>> titles = [t.get_text() for f in figures for t in f.axes[0].texts if t.get_gid() == "title"]
    >>> titles[1] == f"{spec.name} (page 2 of {len(figures)})"
    True
    >>> all(f.get_figwidth() <= 9.0 and f.get_figheight() <= 6.5 for f in figures)
    True
    """
    sheets = _plan(spec, page, kind, annotations, direction, min_font_pt)
    return [draw_scene(sheet.scene) for sheet in sheets]


def swimlane_pages_svg(spec: ProcessMap, **options) -> list[str]:
    """Draw a process map over pages (see :func:`swimlane_pages`) and return each as SVG text.

    Examples
    --------
    >>> from research_kit.process import read_process_map
    >>> spec = read_process_map("interview_data/process/permit_process.yml")
    >>> pages = swimlane_pages_svg(spec, page="letter-portrait")
    >>> len(pages) > 1 and all('id="step-' in svg for svg in pages)
    True
    """
    return [figure_svg(fig) for fig in swimlane_pages(spec, **options)]


def swimlane_page_plan(
    spec: ProcessMap,
    *,
    page: str | tuple[float, float] = "letter-landscape",
    kind: str = "swimlane",
    annotations: dict | None = None,
    direction: str | None = None,
    min_font_pt: float = 7.0,
) -> pd.DataFrame:
    """Where :func:`swimlane_pages` puts each step: its page, and how that page fits.

    The options are :func:`swimlane_pages`'s.

    Returns
    -------
    pandas.DataFrame
        One row per step of ``spec``: ``step_id``, ``page`` (from 1), ``pages`` (in all),
        ``direction``, ``rows`` (rows of lanes on the page), ``width_in`` and ``height_in``
        (the page's figure), ``smallest_pt`` (its smallest text at print size), and ``x``,
        ``y``, ``width``, ``height`` (the step's box on its page's figure, inches from the
        top-left corner).

    Examples
    --------
    >>> from research_kit.process import read_process_map
    >>> spec = read_process_map("interview_data/process/permit_process.yml")
    >>> plan = swimlane_page_plan(spec, page="letter-portrait")
    >>> bool(plan["smallest_pt"].min() >= 7), plan["page"].is_monotonic_increasing
    (True, True)
    """
    sheets = _plan(spec, page, kind, annotations, direction, min_font_pt)
    rows = []
    for sheet in sheets:
        for step_id in sheet.steps:
            node = sheet.scene.nodes[step_id]
            rows.append(
                {
                    "step_id": step_id,
                    "page": sheet.number,
                    "pages": len(sheets),
                    **{key: sheet.fit[key] for key in _FIT_KEYS},
                    "x": node.x,
                    "y": node.y,
                    "width": node.width,
                    "height": node.height,
                }
            )
    order = {step.id: i for i, step in enumerate(spec.steps)}
    plan = pd.DataFrame(rows)
    return plan.sort_values(
        ["page", "step_id"], key=lambda c: c.map(order) if c.name == "step_id" else c
    ).reset_index(drop=True)


_FIT_KEYS = ("direction", "rows", "width_in", "height_in", "smallest_pt")


def _plan(spec, page, kind, annotations, direction, min_font_pt) -> list[_Page]:
    """Cut the map's columns into pages, fewest first, and fit each page's drawing."""
    area = page_area(page)
    whole = swimlane_scene(spec, kind=kind, annotations=annotations, direction="LR", compact=True)
    column = {step_id: node.column for step_id, node in whole.nodes.items()}
    # Steps in reading order: by column, then lane. A page is a run of them, so a page may
    # end part way down a column (a tall column would not fit a landscape page whole).
    lane_rank = {lane.id: i for i, lane in enumerate(spec.lanes)}
    order = sorted((step for step in spec.steps), key=lambda s: (column[s.id], lane_rank[s.lane]))

    def run(first: int, last: int) -> list[str]:
        chosen = {step.id for step in order[first : last + 1]}
        return [step.id for step in spec.steps if step.id in chosen]

    directions = [direction] if direction else (["LR"] if kind == "blueprint" else ["LR", "TB"])
    portrait = area[1] > area[0]
    choices = []
    for way in directions:

        def fits(first: int, last: int, way: str = way) -> bool:
            steps = run(first, last)
            sub, marks = _page_spec(spec, steps, None, 99, 99)
            shown = _with_marks(annotations, steps, marks)
            fit = fit_swimlane(
                sub,
                kind=kind,
                annotations=shown,
                page=page,
                direction=way,
                min_font_pt=min_font_pt,
            )[1]
            return fit["fits"]

        cuts = _fewest_pages(len(order), fits)
        choices.append(((len(cuts), (way == "TB") != portrait), way, cuts))
    _, way, cuts = min(choices, key=lambda choice: choice[0])
    groups = [run(first, last) for first, last in cuts]
    page_of = {step_id: i + 1 for i, steps in enumerate(groups) for step_id in steps}
    sheets = []
    for number, steps in enumerate(groups, start=1):
        sub, marks = _page_spec(spec, steps, page_of, number, len(groups))
        scene, fit = fit_swimlane(
            sub,
            kind=kind,
            annotations=_with_marks(annotations, steps, marks),
            page=page,
            direction=way,
            min_font_pt=min_font_pt,
        )
        if len(groups) > 1:
            scene.subtitle += " · grey marks: flows that continue on another page"
            if number > 1:
                scene.legend = []  # the legend is printed once, on the first page
        fit = _measured(scene, area, fit)
        sheets.append(_Page(number, steps, sub, scene, fit))
    small = [sheet for sheet in sheets if sheet.fit["smallest_pt"] < min_font_pt - 1e-9]
    if small:
        worst = min(sheet.fit["smallest_pt"] for sheet in small)
        warnings.warn(
            f"the process map {spec.name!r} prints at {worst:.1f} pt on page {page!r} even one "
            "step to a page: use a larger page, e.g. page=(width, height) in inches",
            UserWarning,
            stacklevel=3,
        )
    return sheets


def _fewest_pages(n_steps: int, fits) -> list[tuple[int, int]]:
    """Runs of steps (first, last) in reading order covering them all: fewest, then most even.

    Every run that fits the page is tried (a run is extended until it no longer fits), so the
    count is the least possible among cuts in reading order; a step that does not fit even
    alone gets a page of its own.
    """
    best: dict[int, tuple] = {n_steps: (0, 0, [])}
    for first in range(n_steps - 1, -1, -1):
        options, last = [], first
        while True:
            pages, spread, runs = best[last + 1]
            size = last - first + 1
            options.append((pages + 1, spread + size * size, [(first, last), *runs]))
            last += 1
            if last >= n_steps or not fits(first, last):
                break
        best[first] = min(options, key=lambda option: option[:2])
    return best[0][2]


def _page_spec(spec: ProcessMap, steps: list[str], page_of: dict | None, number: int, total: int):
    """The part of ``spec`` on one page, with a continuation mark for every flow cut.

    A mark is a step of its own in the lane of the step on this page, so the page's drawing is
    laid out and fitted like any map. ``page_of`` is None while the cuts are being chosen:
    the marks then name page 99, at least as long as any page number they will name.
    """
    on = set(steps)
    into: dict[str, list] = {step_id: [] for step_id in steps}
    out_of: dict[str, list] = {step_id: [] for step_id in steps}
    flows: dict[tuple[str, str], object] = {}
    sources: dict[str, tuple] = {}  # each mark's lane, way, and the steps elsewhere it names
    for flow in spec.flows:
        inward, outward = flow.target in on, flow.source in on
        if inward == outward:  # both on this page (drawn as is), or neither
            if inward:
                flows[(flow.source, flow.target)] = flow
            continue
        here, there = (flow.target, flow.source) if inward else (flow.source, flow.target)
        lane = spec.step(here).lane
        # Flows into a step from elsewhere share one mark (a step reached from three pages
        # would otherwise stack three marks in its lane); each flow out keeps its own.
        mark = _gid_safe(f"{_MARK}-from-{here}" if inward else f"{_MARK}-to-{there}-{lane}")
        if mark not in sources:
            sources[mark] = (lane, inward, [])
            (into if inward else out_of)[here].append(mark)
        if there not in sources[mark][2]:
            sources[mark][2].append(there)
        key = (mark, here) if inward else (here, mark)
        if key in flows:  # two flows become one arrow: keep both labels
            labels = dict.fromkeys(filter(None, [flows[key].label, flow.label]))
            flows[key] = replace(flows[key], label=" / ".join(labels))
        else:
            flows[key] = replace(flow, source=key[0], target=key[1])
    marks = {
        mark: Step(mark, _mark_label(spec, there, inward, page_of, number), lane, "task")
        for mark, (lane, inward, there) in sources.items()
    }
    ordered = []
    for step in spec.steps:
        if step.id in on:
            ordered += [
                *(marks[m] for m in into[step.id]),
                step,
                *(marks[m] for m in out_of[step.id]),
            ]
    name = f"{spec.name} (page {number} of {total})" if total > 1 else spec.name
    # Only the lanes with steps on the page: an unwrapped page would draw every lane.
    used = {step.lane for step in ordered}
    sub = ProcessMap(
        name,
        spec.description,
        [lane for lane in spec.lanes if lane.id in used],
        ordered,
        list(flows.values()),
        dict(spec.systems),
        spec.path,
    )
    return sub, list(marks)


def _mark_label(spec: ProcessMap, there: list[str], inward: bool, page_of, number: int) -> str:
    """What a mark says: "to p. 3: Plan review", "from p. 1: Apply; p. 4: Fire review, Pay"."""
    by_page: dict[int, list[str]] = {}
    for step_id in there:
        by_page.setdefault(page_of[step_id] if page_of else 99, []).append(step_id)
    parts = [
        f"p. {where}: " + ", ".join(spec.step(step_id).label for step_id in steps)
        for where, steps in sorted(by_page.items())
    ]
    if inward:
        return "from " + "; ".join(parts)
    return ("back to " if page_of and page_of[there[0]] < number else "to ") + parts[0]


def _gid_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]", "_", text)


def _with_marks(annotations: dict | None, steps: list[str], marks: list[str]) -> dict:
    """The evidence of the steps on a page, and the grey fill of its continuation marks."""
    shown = {key: value for key, value in (annotations or {}).items() if key in set(steps)}
    return shown | {mark: {"fill": CONTINUATION_FILL} for mark in marks}


def _measured(scene: Scene, area: tuple[float, float], fit: dict) -> dict:
    """The fit of a finished page (its legend may have gone), measured on its scene."""
    height = figure_height(scene)
    scale = min(area[0] / scene.width, area[1] / height, 1.0)
    return fit | {
        "width_in": round(scene.width, 3),
        "height_in": round(height, 3),
        "smallest_pt": round(SMALLEST_PT * scale, 2),
    }
