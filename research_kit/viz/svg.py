"""Figures as inline SVG for HTML (Voila, PDF findings, widgets): text kept as text, labelled."""

from __future__ import annotations

import hashlib
import html
import io
import re

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from research_kit.viz.theme import style


def figure_svg(fig: Figure, alt: str = "") -> str:
    """A figure as inline SVG for HTML (Voila, PDF findings, widgets); the figure is closed.

    Text stays text (searchable, readable by screen readers), the drawing scales to its box,
    ids are unique to the drawing, and ``alt`` becomes its accessible name.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("Waits")
    >>> svg = figure_svg(fig, "Median wait by step")
    >>> svg.startswith("<svg"), 'aria-label="Median wait by step"' in svg, ">Waits<" in svg
    (True, True, True)
    """
    buffer = io.StringIO()
    # The house style again while writing: SVG text names its font families at save time.
    with style(), plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "research_kit"}):
        fig.savefig(
            buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", facecolor="white"
        )
    plt.close(fig)
    return inline_svg(buffer.getvalue(), alt)


def inline_svg(svg: str, alt: str = "") -> str:
    """Make SVG text fit for inlining in HTML: no XML prologue, scalable, labelled for readers.

    Ids get a prefix unique to the drawing (matplotlib numbers them the same in every figure,
    and one HTML page holds several figures), and repeats inside one drawing are numbered.
    """
    svg = re.sub(r"^.*?(?=<svg\b)", "", svg, flags=re.S)
    svg = re.sub(r'(<svg\b[^>]*?)\s+width="[^"]*"\s+height="[^"]*"', r"\1", svg, count=1)
    prefix = "rk" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    seen: dict[str, int] = {}

    def rename(match: re.Match) -> str:
        name = match.group(1)
        seen[name] = seen.get(name, 0) + 1
        suffix = "" if seen[name] == 1 else f"-{seen[name]}"
        return f'id="{prefix}{name}{suffix}"'

    svg = re.sub(r'\bid="([^"]+)"', rename, svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(
        r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', svg
    )
    label = html.escape(alt, quote=True)
    return re.sub(
        r"<svg\b([^>]*)>",
        lambda m: f'<svg{m.group(1)} role="img" aria-label="{label}"><title>{label}</title>',
        svg,
        count=1,
    )


def renamed_ids(svg: str, tag: str) -> str:
    """An inline SVG (from :func:`inline_svg`) with every id and reference to one renamed.

    The same drawing shown twice in one page (on screen, and again as a print page) needs ids
    of its own each time: ``tag`` is added after the drawing's prefix.

    Examples
    --------
    >>> svg = '<svg><path id="rk0123abcd-p1"/><use href="#rk0123abcd-p1"/></svg>'
    >>> renamed_ids(svg, "print")
    '<svg><path id="rk0123abcd-print-p1"/><use href="#rk0123abcd-print-p1"/></svg>'
    """
    return re.sub(
        r'\b(id="|url\(#|href="#)(rk[0-9a-f]{8})-',
        lambda m: f"{m.group(1)}{m.group(2)}-{tag}-",
        svg,
    )
