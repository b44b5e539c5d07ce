"""The interactive map: the SVG itself, each place a titled, focusable group (private).

Nothing is fetched: no tile server, no script, no web font. A pointer over a place shows its
``<title>`` (the browser's own tooltip); the keyboard reaches each place with Tab
(``tabindex="0"``) and a screen reader reads its ``aria-label``; a small inline style outlines
the place under the pointer or focus.
"""

from __future__ import annotations

import html
import re

__all__ = ["interactive_svg", "standalone_html", "without_metadata"]

_FOCUS_STYLE = (
    '<style type="text/css">.rk-place{outline:none}.rk-place:hover path,.rk-place:focus path'
    "{stroke:#000000 !important;stroke-width:2.5px !important}</style>"
)


def interactive_svg(svg: str, labels: list[str]) -> str:
    """Give each ``place-<i>`` group of ``svg`` its hover title, keyboard focus and label."""

    def titled(match: re.Match) -> str:
        label = html.escape(labels[int(match.group(2))], quote=True)
        return (
            f'<g id="{match.group(1)}place-{match.group(2)}" class="rk-place" tabindex="0" '
            f'role="img" aria-label="{label}"><title>{label}</title>'
        )

    # The drawing holds focusable places, so it is a group of images, not one image.
    svg = svg.replace('role="img"', 'role="group"', 1)
    svg = re.sub(r'<g id="([\w-]*?)place-(\d+)">', titled, svg)
    # The style goes after the drawing's own <title> so the accessible name stays first.
    return re.sub(r"(<svg\b[^>]*>(?:<title>.*?</title>)?)", r"\1" + _FOCUS_STYLE, svg, count=1)


def without_metadata(svg: str) -> str:
    """The SVG without matplotlib's RDF metadata block (it names matplotlib's web site)."""
    return re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)


def standalone_html(svg: str, title: str, alt: str) -> str:
    """A self-contained HTML page holding the interactive map and its description."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n<figure>\n{svg}\n"
        f"<figcaption>{html.escape(alt)}</figcaption>\n</figure>\n</body></html>\n"
    )
