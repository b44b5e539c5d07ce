"""Highlighted note text: one pass over coding boundaries to HTML, with a legend.

The coding panel shows a note with every coding underlined in its code's colour; overlapping
codes stack their underlines at fixed heights so each code stays on its own line. The functions
here are pure (text and tidy codings in, HTML out), escape every piece of user text, and make a
single pass over the sorted span boundaries, so a two-hour transcript renders in milliseconds.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from research_kit.interviews.segments import paragraphs

if TYPE_CHECKING:
    from research_kit.interviews.codebook import Codebook

FALLBACK_COLOUR = "#888888"
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_UNDERLINE_PX = 3
_PAGE_COLOUR = "var(--jp-layout-color0, #fff)"


# -- rendering -------------------------------------------------------------------------------------
def render_document_html(
    text: str,
    codings_frame: pd.DataFrame,
    colours: Mapping[str, str],
    *,
    labels: Mapping[str, str] | None = None,
    window: tuple[int, int] | None = None,
    selection: tuple[int, int] | None = None,
    segment_starts: Iterable[tuple[int, int]] = (),
    fold_before: int | None = None,
) -> str:
    """Draw a document's text as HTML with every coding highlighted in its code's colour.

    Each coding gets an underline bar in its code's colour at a fixed height (its lane), so
    overlapping codes stack their bars and each bar runs straight from the coding's start to
    its end; the covered text is tinted with the colour of the lowest bar. The HTML is built in
    one pass over the sorted boundaries: each stretch between two boundaries is one ``<span>``
    whose class (one per distinct stack, in a scoped ``<style>``) draws its bars. The text is
    escaped and laid out with ``white-space: pre-wrap``; removing the tags and unescaping gives
    back exactly ``text[window[0]:window[1]]``.

    Parameters
    ----------
    text : str
        The document's text.
    codings_frame : pandas.DataFrame
        Columns ``start``, ``end`` (code points, end exclusive) and ``code_id``; other columns
        are ignored (the same code on the same span by several coders shows once).
    colours : mapping of str to str
        Code id → ``"#RRGGBB"`` (its order breaks ties between lanes). Codes missing from it,
        and colours that are not hex, are drawn grey.
    labels : mapping of str to str, optional
        Code id → name, shown when hovering over a highlight.
    window : (int, int), optional
        Only draw ``text[start:end]`` (a page); default the whole text.
    selection : (int, int), optional
        A span to mark as the current selection.
    segment_starts : iterable of (int, int)
        (segment number, start offset) pairs: a small number is shown where each begins.
    fold_before : int, optional
        Fold the text before this offset into a closed ``<details>`` (one click opens it), so
        that a selection further down shows at the top of the view without scrolling.

    Returns
    -------
    str
        One ``<div>`` holding a scoped ``<style>`` and the text.

    Examples
    --------
    >>> frame = pd.DataFrame({"start": [0, 4], "end": [9, 13], "code_id": ["a", "b"]})
    >>> page = render_document_html("Rent <is> too high", frame, {"a": "#4477AA", "b": "#EE6677"})
    >>> "&lt;is&gt;" in page, "#4477AA" in page, "box-shadow" in page
    (True, True, True)
    """
    start, end = window if window is not None else (0, len(text))
    start, end = max(0, int(start)), min(len(text), int(end))
    order = {code_id: rank for rank, code_id in enumerate(colours)}
    safe_colours = {code_id: _safe_colour(colour) for code_id, colour in colours.items()}
    labels = labels or {}
    opening, closing, n_lanes = _lanes(codings_frame, start, end, order)
    points = set(opening) | set(closing) | {start, end}
    selected_from = selected_to = -1
    if selection is not None:
        selected_from, selected_to = max(start, selection[0]), min(end, selection[1])
        if selected_from < selected_to:
            points |= {selected_from, selected_to}
    markers = {pos: number for number, pos in segment_starts if start <= pos < end}
    points |= set(markers)
    fold = fold_before if fold_before is not None and start < fold_before < end else None
    if fold is not None:
        points.add(fold)

    active: dict[int, str] = {}  # lane → code id
    code_numbers: dict[str, int] = {}  # code id → its number in this page's class names
    bars: set[tuple[int, int]] = set()  # (lane, code number) pairs drawn
    tags: dict[tuple[tuple[tuple[int, str], ...], bool], str] = {}
    pieces: list[str] = []
    escape = html.escape
    previous = start
    for position in sorted(points):
        if position > previous:
            piece = escape(text[previous:position], quote=False)
            selected = selected_from <= previous < selected_to
            if not active and not selected:
                pieces.append(piece)
            else:
                key = (tuple(sorted(active.items())), selected)
                tag = tags.get(key)
                if tag is None:
                    tag = tags[key] = _span_tag(key, code_numbers, bars, labels)
                pieces.append(f"{tag}{piece}</span>")
        for lane in closing.get(position, ()):
            del active[lane]
        for lane, code_id in opening.get(position, ()):
            active[lane] = code_id
        if position == fold:
            label = f"{fold - start:,} characters above"
            pieces.insert(0, f'<details class="rk-fold"><summary data-label="{label}"></summary>')
            pieces.append("</details>")
        if position in markers:
            pieces.append(f'<span class="rk-seg" data-n="{markers[position]}"></span>')
        previous = position
    css = _stylesheet(code_numbers, bars, safe_colours, n_lanes)
    scope = "rk-doc-" + hashlib.sha1(css.encode()).hexdigest()[:10]
    css = css.replace(".SCOPE", f".{scope}")
    return (
        f'<div class="rk-doc {scope}" data-start="{start}" data-end="{end}">'
        f"<style>{css}</style>{''.join(pieces)}</div>"
    )


def _lanes(
    frame: pd.DataFrame, start: int, end: int, order: Mapping[str, int]
) -> tuple[dict[int, list[tuple[int, str]]], dict[int, list[int]], int]:
    """Give each coding in the window a lane (the height of its underline bar).

    A coding keeps its lane from start to end, so its bar runs straight even where other
    codes begin or end; lanes are reused greedily (interval colouring), longer codings first.
    Returns the (lane, code) pairs opening and the lanes closing at each offset, and the
    number of lanes.
    """
    opening: dict[int, list[tuple[int, str]]] = {}
    closing: dict[int, list[int]] = {}
    if frame is None or frame.empty:
        return opening, closing, 0
    starts = frame["start"].to_numpy(dtype=np.int64)
    ends = frame["end"].to_numpy(dtype=np.int64)
    inside = (starts < end) & (ends > start) & (ends > starts)
    spans = set(
        zip(
            np.maximum(starts[inside], start).tolist(),
            np.minimum(ends[inside], end).tolist(),
            (str(code_id) for code_id in frame["code_id"].to_numpy(dtype=object)[inside]),
            strict=True,
        )
    )
    busy: list[tuple[int, int]] = []  # (end, lane) of the codings still open
    free: list[int] = []
    n_lanes = 0
    last = len(order)
    for begin, finish, code_id in sorted(
        spans, key=lambda s: (s[0], -s[1], order.get(s[2], last), s[2])
    ):
        while busy and busy[0][0] <= begin:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, n_lanes = n_lanes, n_lanes + 1
        heapq.heappush(busy, (finish, lane))
        opening.setdefault(begin, []).append((lane, code_id))
        closing.setdefault(finish, []).append(lane)
    return opening, closing, n_lanes


def _span_tag(
    key: tuple, code_numbers: dict[str, int], bars: set[tuple[int, int]], labels: Mapping
) -> str:
    """The opening tag of a stretch: ``h`` draws the bars, ``b<lane>-<code>`` picks colours."""
    lanes, selected = key
    classes = []
    if lanes:
        numbers = [code_numbers.setdefault(code_id, len(code_numbers)) for _, code_id in lanes]
        classes += ["h", f"t{numbers[0]}"]
        for (lane, _), number in zip(lanes, numbers, strict=True):
            bars.add((lane, number))
            classes.append(f"b{lane}-{number}")
    if selected:
        classes.append("rk-sel")
    title = ", ".join(dict.fromkeys(labels.get(code_id, code_id) for _, code_id in lanes))
    title_attr = f' title="{html.escape(title, quote=True)}"' if title else ""
    return f'<span class="{" ".join(classes)}"{title_attr}>'


def _stylesheet(
    code_numbers: dict[str, int], bars: set[tuple[int, int]], colours: Mapping, n_lanes: int
) -> str:
    """One rule per code (tint) and per (lane, code) bar: the sheet stays small on long notes.

    Every highlighted stretch draws one box-shadow per lane from custom properties; a lane
    without a coding there falls back to the page colour, so the bars below keep their height
    (box-shadows stack, the first listed on top).
    """
    rules = [
        ".SCOPE{white-space:pre-wrap;word-wrap:break-word;font-size:0.95em;"
        f"line-height:calc(1.6em + {n_lanes * _UNDERLINE_PX}px);padding:0.4em 0.6em}}",
        ".SCOPE .rk-sel{background-color:#ffe58f !important;outline:1px solid #b08800}",
        ".SCOPE .rk-fold>summary{cursor:pointer;color:#666;font-size:0.85em}"
        ".SCOPE .rk-fold>summary::after{content:attr(data-label)}",
        ".SCOPE .rk-seg::before{content:attr(data-n);font-size:0.7em;color:#999;"
        "vertical-align:super;margin-right:0.25em;user-select:none}",
    ]
    if n_lanes:
        shadows = ",".join(
            f"0 {(lane + 1) * _UNDERLINE_PX}px 0 var(--rk-b{lane},{_PAGE_COLOUR})"
            for lane in range(n_lanes)
        )
        rules.append(f".SCOPE .h{{box-shadow:{shadows}}}")
    colour_of = {
        number: colours.get(code_id, FALLBACK_COLOUR) for code_id, number in code_numbers.items()
    }
    rules += [f".SCOPE .t{n}{{background-color:{c}2e}}" for n, c in colour_of.items()]
    rules += [f".SCOPE .b{lane}-{n}{{--rk-b{lane}:{colour_of[n]}}}" for lane, n in sorted(bars)]
    return "".join(rules)


def _safe_colour(colour: object) -> str:
    """A ``#RRGGBB`` colour, or grey for anything else (nothing else reaches the CSS)."""
    if not isinstance(colour, str) or not _HEX.match(colour):
        return FALLBACK_COLOUR
    if len(colour) == 4:
        return "#" + "".join(ch * 2 for ch in colour[1:])
    return colour


def code_colours(codebook: Codebook) -> dict[str, str]:
    """Each code's colour, in theme order: its own, else its nearest ancestor's, else a palette one.

    Examples
    --------
    >>> from research_kit.interviews import parse_codebook
    >>> yaml = 'codes:\\n- name: Waiting\\n  colour: "#4477AA"\\n'
    >>> book = parse_codebook(yaml + "- name: Backlog\\n  parent: waiting\\n")
    >>> code_colours(book)
    {'waiting': '#4477AA', 'backlog': '#4477AA'}
    """
    theme_rank = {theme.id: rank for rank, theme in enumerate(codebook.themes)}
    colours = {}
    for code, _depth in codes_in_order(codebook):
        current = code
        while current.colour is None and current.parent is not None:
            current = codebook[current.parent]
        if current.colour is None:
            from research_kit.viz import PALETTE  # matplotlib and seaborn: only when needed

            colours[code.id] = PALETTE[theme_rank[current.id] % len(PALETTE)]
        else:
            colours[code.id] = _safe_colour(current.colour)
    return colours


def codes_in_order(codebook: Codebook) -> list[tuple]:
    """(code, depth) pairs, each theme followed by its codes depth first (any depth)."""
    return codebook.in_tree_order()


def legend_html(codebook: Codebook, codings_frame: pd.DataFrame, colours: Mapping[str, str]) -> str:
    """A legend of the codes used in ``codings_frame``, grouped by theme, with counts.

    Examples
    --------
    >>> from research_kit.interviews import parse_codebook
    >>> book = parse_codebook("codes:\\n- name: <Waiting>\\n")
    >>> page = legend_html(book, pd.DataFrame({"code_id": ["waiting"]}), {"waiting": "#4477AA"})
    >>> "&lt;Waiting&gt; (1)" in page
    True
    """
    counts = Counter(codings_frame["code_id"].astype(str)) if len(codings_frame) else Counter()
    if not counts:
        return '<div style="color:#666">Nothing coded in this note yet.</div>'
    groups: dict[str, list[str]] = {}
    known = set()
    for code, _depth in codes_in_order(codebook):
        known.add(code.id)
        if counts.get(code.id):
            theme = codebook.theme_of(code.id)
            groups.setdefault(theme.name, []).append(
                _legend_entry(code.name, colours.get(code.id), counts[code.id])
            )
    strays = sorted(code_id for code_id in counts if code_id not in known)
    if strays:
        groups["Not in the codebook"] = [
            _legend_entry(code_id, None, counts[code_id]) for code_id in strays
        ]
    rows = [
        f"<div><b>{html.escape(theme)}</b>: {' '.join(entries)}</div>"
        for theme, entries in groups.items()
    ]
    return f'<div style="font-size:0.85em;line-height:1.7">{"".join(rows)}</div>'


def _legend_entry(name: str, colour: str | None, count: int) -> str:
    return (
        f'<span style="white-space:nowrap;margin-right:0.8em">{swatch_html(colour)}'
        f"{html.escape(name)} ({count})</span>"
    )


def swatch_html(colour: str | None) -> str:
    return (
        '<span style="display:inline-block;width:0.8em;height:0.8em;margin-right:0.3em;'
        f'vertical-align:middle;background:{_safe_colour(colour)}"></span>'
    )


def page_breaks(text: str, page_chars: int) -> list[tuple[int, int]]:
    """Cut ``text`` into pages of about ``page_chars`` characters, ending at paragraph breaks.

    The pages cover the text without gaps. A paragraph longer than two pages is cut at a
    white space.

    Examples
    --------
    >>> text = "\\n\\n".join(["word " * 30] * 10)
    >>> pages = page_breaks(text, 400)
    >>> pages[0][0], pages[-1][1] == len(text), all(a[1] == b[0] for a, b in zip(pages, pages[1:]))
    (0, True, True)
    """
    length = len(text)
    if length <= page_chars * 1.5:
        return [(0, length)]
    paragraph_starts = [start for start, _ in paragraphs(text)]
    pages = []
    start = 0
    while length - start > page_chars * 1.5:
        target = start + page_chars
        index = bisect.bisect_left(paragraph_starts, target)
        cut = paragraph_starts[index] if index < len(paragraph_starts) else length
        if cut - start > 2 * page_chars:
            space = re.compile(r"\s").search(text, target)
            cut = space.end() if space else target
        if cut >= length:
            break
        pages.append((start, cut))
        start = cut
    pages.append((start, length))
    return pages


# -- the panel -------------------------------------------------------------------------------------
