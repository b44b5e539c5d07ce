"""What a brief is made of: :class:`Findings`, its sections, tables, figures and quotes.

The plain data that :func:`research_kit.briefs.findings.assemble_findings` fills and that the
dashboard (:mod:`research_kit.briefs.serve`) and the PDF/HTML report
(:mod:`research_kit.briefs.report`) render, plus the few wording helpers every part of a brief
uses, so that numbers and lists read the same everywhere.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, overload

import pandas as pd

if TYPE_CHECKING:
    from research_kit.survey.themes import QuestionThemes

__all__ = [
    "GROUPS",
    "GROUP_LABELS",
    "PRINT_WIDTH",
    "SUPPRESSED",
    "FigureSpec",
    "Findings",
    "LazyPages",
    "Quote",
    "Section",
    "Table",
    "join_words",
    "map_pages",
    "plural",
    "plus_minus",
    "shorten",
    "unchanged",
    "wrap",
]

#: Survey attributes a brief may break the Likert results and the answer themes down by.
GROUPS = ("ward", "age_band", "race_ethnicity", "business_type", "language")
#: Readable names of :data:`GROUPS` (column headings, filter labels).
GROUP_LABELS = {
    "ward": "Ward",
    "age_band": "Age",
    "race_ethnicity": "Race/ethnicity",
    "business_type": "Type of business",
    "language": "Language",
}
#: What a brief shows in place of a number hidden to protect a small group.
SUPPRESSED = "suppressed"
#: Width in inches a brief draws its charts at: the PDF's text block (A4 portrait, 174 mm
#: inside the margins, less a little), so a chart prints at scale 1 and its 8.5 pt notes stay
#: 8.5 pt on paper instead of shrinking below 7 pt.
PRINT_WIDTH = 6.8


@dataclass
class Table:
    """A table for readers: ``frame`` holds display-ready values (text and numbers)."""

    caption: str
    frame: pd.DataFrame
    note: str = ""


class LazyPages(Sequence[str]):
    """Print pages drawn only when something reads them (the PDF); the dashboard never does.

    Cutting a swimlane into pages draws every page (most of a second for the sample), yet only
    the PDF shows them: ``draw()`` runs the first time the pages are read (their number,
    an item, a loop) and its result is kept (:func:`map_pages` changes each page just as
    lazily: the privacy gate's pass over a brief). Equal to any sequence of the same pages.

    Examples
    --------
    >>> calls = []
    >>> pages = LazyPages(lambda: calls.append(1) or ["<svg>1</svg>", "<svg>2</svg>"])
    >>> upper = map_pages(pages, str.upper)
    >>> len(calls)
    0
    >>> len(upper), upper[0], list(pages) == ["<svg>1</svg>", "<svg>2</svg>"], len(calls)
    (2, '<SVG>1</SVG>', True, 1)
    >>> upper == ["<SVG>1</SVG>", "<SVG>2</SVG>"]
    True
    >>> import pickle
    >>> pickle.loads(pickle.dumps(upper))
    LazyPages(2 pages)
    """

    def __init__(self, draw: Callable[[], Sequence[str]]) -> None:
        self._draw = draw
        self._pages: list[str] | None = None

    def _drawn(self) -> list[str]:
        if self._pages is None:
            self._pages = list(self._draw())
        return self._pages

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index):
        return self._drawn()[index]

    def __len__(self) -> int:
        return len(self._drawn())

    def __iter__(self) -> Iterator[str]:
        return iter(self._drawn())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._drawn() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so unhashable like them

    def __getstate__(self) -> dict:
        # A saved or copied brief holds its pages: the drawing function (often a closure) is
        # not picklable, and the copy may be read where the study is not at hand.
        return {"_draw": None, "_pages": self._drawn()}

    def __repr__(self) -> str:
        drawn = "not drawn yet" if self._pages is None else f"{len(self._pages)} pages"
        return f"LazyPages({drawn})"


def map_pages(pages: Sequence[str], change: Callable[[str], str]) -> LazyPages:
    """``pages``, each passed through ``change`` only when the result is first read.

    Examples
    --------
    >>> seen = []
    >>> pages = map_pages(["<svg>1</svg>"], lambda page: seen.append(page) or page.upper())
    >>> len(seen)
    0
    >>> list(pages), seen
    (['<SVG>1</SVG>'], ['<svg>1</svg>'])
    """
    return LazyPages(lambda: [change(page) for page in pages])


@dataclass
class FigureSpec:
    """A chart as SVG text from our own renderers, with alt text for screen readers."""

    svg: str
    alt: str
    caption: str = ""
    #: A wide diagram (a swimlane map): the PDF gives it a landscape page of its own.
    wide: bool = False
    #: The figure cut into pages for print (a swimlane too large for one page at 7 pt): the
    #: PDF shows these, each on a portrait page of its own; the screen shows ``svg``. Often
    #: :class:`LazyPages`, drawn only when the PDF reads them.
    print_pages: Sequence[str] = field(default_factory=list)


@dataclass
class Quote:
    """An interview excerpt, attributed by role and ward only (never a name)."""

    text: str
    attribution: str
    #: The theme the quote illustrates (a heading for grouping quotes; may be empty).
    theme: str = ""


@dataclass
class Section:
    """One part of a brief; ``id`` is stable (interviews, survey, themes, process, method)."""

    id: str
    title: str
    summary: str = ""
    tables: list[Table] = field(default_factory=list)
    figures: list[FigureSpec] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    notice: str | None = None


@dataclass
class Findings:
    """Everything a brief shows, computed from one study with one set of filters."""

    title: str
    subtitle: str
    question: str
    audience: str
    generated: datetime
    headlines: list[str]
    sections: list[Section]
    method: Section
    filters: dict[str, str] = field(default_factory=dict)
    #: The clustering behind the themes section (a QuestionThemes), for re-use: pass it back
    #: as ``assemble_findings(..., answer_themes=...)`` to skip clustering again.
    answer_themes: QuestionThemes | None = field(default=None, repr=False)

    def section(self, section_id: str) -> Section:
        """The section with this id (``method`` included)."""
        for section in [*self.sections, self.method]:
            if section.id == section_id:
                return section
        raise KeyError(section_id)


# -- wording -----------------------------------------------------------------------------------
def plus_minus(margin: float) -> str:
    """A margin of error (a proportion) in percentage points.

    Examples
    --------
    >>> plus_minus(0.043)
    '±4 points'
    """
    return f"\u00b1{margin * 100:.0f} points"


def wrap(text: str, width: int) -> str:
    r"""``text`` broken into lines of at most ``width`` characters (for chart labels).

    Examples
    --------
    >>> wrap("Request plan corrections", 12)
    'Request plan\ncorrections'
    """
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def plural(word: str) -> str:
    """A role or label in the plural ("resident" → "residents"; "business owners" stays).

    Examples
    --------
    >>> plural("resident"), plural("business owners")
    ('residents', 'business owners')
    """
    return word if word.endswith("s") else word + "s"


def join_words(words: list[str]) -> str:
    """Words as an English list.

    Examples
    --------
    >>> join_words(["ward", "age band", "race/ethnicity"])
    'ward, age band and race/ethnicity'
    """
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def shorten(text: str, limit: int = 420) -> str:
    """``text`` cut at a word before ``limit`` characters, with an ellipsis when cut.

    Examples
    --------
    >>> shorten("The portal logged me out twice while uploading plans", 30)
    'The portal logged me out…'
    """
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "\u2026"


def unchanged(text: str) -> str:
    """The text as it is: the stand-in for a redactor when redaction is off."""
    return text
