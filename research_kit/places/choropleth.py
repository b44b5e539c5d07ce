"""Choropleth maps of any tidy breakdown keyed by place (ward, council district, tract).

:func:`choropleth` colours each place by its class on a colour-blind-safe sequential scale
(viridis, light for low values and dark for high), labels places with text that contrasts
with their fill, hatches suppressed places and labels them "suppressed", outlines unreliable
estimates (dashed for medium, dotted for low reliability, as the ACS grades a CV), and says
everything in a legend in words and an alt text made from the data. It returns a
:class:`PlaceMap`: the figure (SVG/PNG/PDF), the per-place table behind it, and an
interactive SVG for dashboards that works offline (hover titles, keyboard focus, no URLs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch

from research_kit.errors import BoundaryError
from research_kit.places._map_drawing import geometry_path, local_aspect, text_colour
from research_kit.places._map_svg import interactive_svg, standalone_html, without_metadata
from research_kit.places._map_table import RELIABILITY_CV, format_value, map_table
from research_kit.places.boundaries import read_boundaries
from research_kit.settings import DEFAULT_MIN_CELL_SIZE
from research_kit.study import Study
from research_kit.viz import SUPPRESSED_HATCH, figure_svg, style

__all__ = ["PlaceMap", "choropleth"]

_NO_DATA = "#FFFFFF"
_SUPPRESSED_FILL = "#EEEEEE"
_EDGE = "#555555"
#: Places above this many are drawn without name labels (a tract map would be all text).
_MAX_LABELLED = 60


@dataclass(frozen=True)
class PlaceMap:
    """A drawn choropleth: the figure, what it shows of each place, and its alt text."""

    figure: Figure
    #: One row per shape: place, value, class, class_label, suppressed, cv, reliability,
    #: status ("shown", "suppressed", "no data") and label (its hover title).
    places: pd.DataFrame
    alt: str
    title: str

    def svg(self, *, interactive: bool = True) -> str:
        """The map as inline SVG; ``interactive`` adds per-place hover titles and focus."""
        svg = without_metadata(figure_svg(self.figure, self.alt))
        return interactive_svg(svg, self.places["label"].tolist()) if interactive else svg

    def html(self) -> str:
        """A self-contained HTML page with the interactive map (nothing fetched)."""
        return standalone_html(self.svg(), self.title, self.alt)

    def save(self, path: Path | str) -> Path:
        """Write the map as ``.svg`` (interactive), ``.html``, ``.png`` or ``.pdf``."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".svg", ".html"):
            text = self.svg() if suffix == ".svg" else self.html()
            path.write_text(text, encoding="utf-8")
        else:
            with style():
                self.figure.savefig(path, dpi=200, bbox_inches="tight", facecolor="white")
        return path


def choropleth(
    table: pd.DataFrame,
    value: str,
    *,
    study: Study | None = None,
    boundaries: pd.DataFrame | Path | str | None = None,
    place: str = "ward",
    attribute: str | None = None,
    key: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins=None,
    count: str | None = "n",
    min_cell_size: int | None = None,
    cv: str | None = None,
    confidence: float = 0.95,
    percent: bool | None = None,
    labels: bool | None = None,
    title: str | None = None,
    value_label: str | None = None,
    width: float = 8,
) -> PlaceMap:
    """Draw a tidy breakdown keyed by place as a choropleth map.

    Parameters
    ----------
    table : DataFrame
        One row per place: a survey share by ward, a median process time by district, a
        measure. Optional columns: ``suppressed`` (bool), a count (``count``), a standard
        error ``se``, ``ci_low`` and ``ci_high`` (with ``confidence``), or a CV (``cv``).
    value : str
        The column to map.
    study : Study, optional
        Gives the boundary file of ``attribute`` (study.yml ``boundaries:``)
        and the privacy threshold.
    boundaries : DataFrame, path, optional
        The shapes instead: :func:`~research_kit.places.read_boundaries`'s table, or a GeoJSON
        file (read with ``key``).
    place : str
        The table's place column.
    attribute : str, optional
        The study attribute whose shapes to draw (default ``place``; ``"ward"`` for a
        breakdown whose place column is ``group``).
    key : str, optional
        The boundary file's property naming places (default: the study's, else ``place``).
    scheme, k, bins
        Class breaks: ``"quantiles"``, ``"natural_breaks"`` or ``"fixed"`` (with ``bins``),
        in ``k`` classes (:func:`~research_kit.places.class_breaks`).
    count : str or None
        A count column: places with fewer than ``min_cell_size`` are suppressed.
    min_cell_size : int, optional
        The privacy threshold (default the study's, else 5).
    cv : str, optional
        A column of coefficients of variation; otherwise ``se`` / value, or computed from
        ``ci_low``/``ci_high``.
        Medium (CV over 12%) and low (over 40%) reliability estimates are outlined.
    confidence : float
        The intervals' confidence, when the table has no ``confidence`` column.
    percent : bool, optional
        Show values as percentages (default: when every value lies in 0–1).
    labels : bool, optional
        Name each place on the map (default: when there are at most 60 places).
    title, value_label : str, optional
        The map's title and the words for the value (default the column's name).
    width : float
        The figure's width in inches.

    Returns
    -------
    PlaceMap

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> def square(x):
    ...     ring = [[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]
    ...     return {"type": "Feature", "properties": {"ward": f"Ward {x + 1}"},
    ...             "geometry": {"type": "Polygon", "coordinates": [ring]}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wards.geojson"
    >>> collection = {"type": "FeatureCollection", "features": [square(x) for x in range(3)]}
    >>> _ = path.write_text(json.dumps(collection))
    >>> table = pd.DataFrame({"ward": ["Ward 1", "Ward 2", "Ward 3"], "share": [0.2, 0.5, 0.7],
    ...                       "n": [40, 3, 25]})
    >>> drawn = choropleth(table, "share", boundaries=path, k=2, title="Satisfied")
    >>> drawn.places["status"].tolist()
    ['shown', 'suppressed', 'shown']
    >>> print(drawn.alt)  # doctest: +NORMALIZE_WHITESPACE
    Map of share by ward, 3 places: highest Ward 3 (70%), lowest Ward 1 (20%).
    1 place suppressed (too few people to show).
    >>> 'http' in drawn.svg().replace("http://www.w3.org", "")
    False
    """
    shapes, min_cell_size = _shapes_and_threshold(
        study, boundaries, attribute or place, key, min_cell_size
    )
    values = pd.to_numeric(table[value], errors="coerce") if value in table.columns else None
    if percent is None:
        finite = values.dropna() if values is not None else pd.Series(dtype=float)
        percent = bool(len(finite)) and bool(finite.between(0, 1).all())
    shown, edges = map_table(
        table,
        shapes,
        value=value,
        place=place,
        scheme=scheme,
        k=k,
        bins=bins,
        count=count,
        min_cell_size=min_cell_size,
        cv=cv,
        confidence=confidence,
        percent=percent,
    )
    colours = _class_colours(len(edges) - 1)
    value_label = value_label or value.replace("_", " ")
    shown["colour"] = [
        colours[c] if c >= 0 else (_SUPPRESSED_FILL if s else _NO_DATA)
        for c, s in zip(shown["class"], shown["suppressed"], strict=True)
    ]
    shown["label"] = [_hover_label(row, value_label, percent) for row in shown.itertuples()]
    if labels is None:
        labels = len(shown) <= _MAX_LABELLED
    title = title or f"{value_label.capitalize()} by {attribute or place}"
    with style():
        figure = _draw(
            shapes, shown, edges, colours, labels, title, value_label, percent, width, min_cell_size
        )
    alt = _alt_text(shown, value_label, attribute or place, percent)
    return PlaceMap(figure=figure, places=shown.drop(columns="colour"), alt=alt, title=title)


def _shapes_and_threshold(study, boundaries, attribute, key, min_cell_size):
    """The shapes to draw and the privacy threshold, from the arguments or the study."""
    if study is not None and min_cell_size is None:
        min_cell_size = study.min_cell_size
    min_cell_size = DEFAULT_MIN_CELL_SIZE if min_cell_size is None else min_cell_size
    if isinstance(boundaries, pd.DataFrame):
        return boundaries, min_cell_size
    if boundaries is not None:
        return read_boundaries(boundaries, key=key or attribute), min_cell_size
    if study is None:
        raise TypeError("choropleth needs study= (with 'boundaries:' in study.yml) or boundaries=")
    for source in study.settings.boundaries:
        if source.attribute == attribute:
            return read_boundaries(source.path, key=key or source.key), min_cell_size
    raise BoundaryError(
        f"the study has no boundary file for {attribute!r}",
        path=study.settings.path,
        hint=f"add 'boundaries: [{{path: places/{attribute}s.geojson, attribute: {attribute}}}]'",
    )


def _class_colours(count: int) -> list[str]:
    """``count`` colours of viridis, light (low) to dark (high), kept off its darkest end."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["viridis_r"]
    return [to_hex(cmap(x)) for x in np.linspace(0.0, 0.9, max(count, 1))]


def _hover_label(row, value_label: str, percent: bool) -> str:
    if row.status == "suppressed":
        return f"{row.place}: suppressed (too few people to show)"
    if row.status == "no data":
        return f"{row.place}: no data"
    text = f"{row.place}: {value_label} {format_value(row.value, percent)}"
    if row.reliability in ("medium", "low"):
        text += f" ({row.reliability} reliability, CV {row.cv:.0%})"
    return text


def _draw(shapes, shown, edges, colours, labels, title, value_label, percent, width, threshold):
    figure, ax = plt.subplots(figsize=(width, width * 0.75))
    ax.set_axis_off()
    for index, (geometry, row) in enumerate(
        zip(shapes["geometry"], shown.itertuples(), strict=True)
    ):
        path = geometry_path(geometry)
        suppressed = row.status == "suppressed"
        patch = PathPatch(
            path,
            facecolor=row.colour,
            edgecolor=_EDGE if suppressed or row.status == "no data" else "white",
            hatch=SUPPRESSED_HATCH if suppressed else None,
            linewidth=0.6,
        )
        patch.set_gid(f"place-{index}")
        # add_artist, not add_patch: the limits are set from the shapes' bounds below, and
        # add_patch would walk every vertex as a Bezier segment to find them (4 s for NYC).
        ax.add_artist(patch)
        if row.reliability in ("medium", "low"):
            ax.add_artist(
                PathPatch(
                    path,
                    facecolor="none",
                    edgecolor="black",
                    linewidth=1.4,
                    linestyle="--" if row.reliability == "medium" else ":",
                )
            )
    xmin, ymin, xmax, ymax = _bounds(shapes)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect(local_aspect((ymin + ymax) / 2))
    if labels:
        _label_places(ax, shapes, shown, percent)
    ax.set_title(title, loc="left")
    _legend(ax, shown, edges, colours, value_label, percent, threshold)
    return figure


def _bounds(shapes) -> tuple[float, float, float, float]:
    import shapely

    xmin, ymin, xmax, ymax = shapely.total_bounds(shapes["geometry"].to_numpy())
    pad_x, pad_y = (xmax - xmin) * 0.02, (ymax - ymin) * 0.02
    return xmin - pad_x, ymin - pad_y, xmax + pad_x, ymax + pad_y


def _label_places(ax, shapes, shown, percent: bool) -> None:
    size = 9 if len(shown) <= 12 else 6
    # Past a couple of dozen places the values would crowd the small ones: names only (the
    # colour, the hover title and the table give the value).
    with_values = len(shown) <= 24
    for geometry, row in zip(shapes["geometry"], shown.itertuples(), strict=True):
        point = geometry.representative_point()
        if row.status == "suppressed":
            text, colour, box = (
                f"{row.place}\nsuppressed",
                "black",
                {"facecolor": "white", "edgecolor": "none", "pad": 1.0},
            )
        else:
            shown_value = (
                f"\n{format_value(row.value, percent)}"
                if with_values and row.status == "shown"
                else ""
            )
            text, colour, box = f"{row.place}{shown_value}", text_colour(row.colour), None
        ax.text(
            point.x, point.y, text, ha="center", va="center", fontsize=size, color=colour, bbox=box
        )


def _legend(ax, shown, edges, colours, value_label, percent, threshold) -> None:
    handles = [
        Patch(facecolor=colours[i], edgecolor="white", label=_class_words(edges, i, percent))
        for i in range(len(edges) - 1)
    ]
    statuses = set(shown["status"])
    if "suppressed" in statuses:
        handles.append(
            Patch(
                facecolor=_SUPPRESSED_FILL,
                edgecolor=_EDGE,
                hatch=SUPPRESSED_HATCH,
                label=f"suppressed (fewer than {threshold} people)",
            )
        )
    if "no data" in statuses:
        handles.append(Patch(facecolor=_NO_DATA, edgecolor=_EDGE, label="no data"))
    medium, low = RELIABILITY_CV
    if (shown["reliability"] == "medium").any():
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                linestyle="--",
                label=f"medium reliability (CV {medium:.0%} to {low:.0%})",
            )
        )
    if (shown["reliability"] == "low").any():
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                linestyle=":",
                linewidth=1.6,
                label=f"low reliability (CV over {low:.0%})",
            )
        )
    ax.legend(
        handles=handles,
        title=value_label,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize="small",
        title_fontsize="small",
        alignment="left",
    )


def _class_words(edges: np.ndarray, index: int, percent: bool) -> str:
    low, high = format_value(edges[index], percent), format_value(edges[index + 1], percent)
    if low == high:
        return low
    return f"{low} to {high}" if index == 0 else f"over {low} to {high}"


def _alt_text(shown: pd.DataFrame, value_label: str, place: str, percent: bool) -> str:
    visible = shown[shown["status"] == "shown"].sort_values("value", kind="stable")
    text = f"Map of {value_label} by {place}, {len(shown)} places"
    if len(visible):
        high, low = visible.iloc[-1], visible.iloc[0]
        text += (
            f": highest {high['place']} ({format_value(high['value'], percent)}), "
            f"lowest {low['place']} ({format_value(low['value'], percent)})."
        )
    else:
        text += ": no values to show."
    counts = shown["status"].value_counts()
    if counts.get("suppressed", 0):
        n = counts["suppressed"]
        text += f" {n} place{'s' if n > 1 else ''} suppressed (too few people to show)."
    if counts.get("no data", 0):
        text += f" {counts['no data']} without data."
    unreliable = int((shown["reliability"] == "low").sum())
    if unreliable:
        text += f" {unreliable} of low reliability (margin of error large against the value)."
    return text
