"""Privacy rules for anything shown to stakeholders: small groups are never shown.

Every breakdown of people by group (ward, race/ethnicity, role…) goes through
:func:`suppress_small_counts` before it reaches a brief: counts below the study's minimum cell
size (default 5) are hidden and flagged, so no reader can single out a resident. A two-way
table whose row and column totals are known goes through :func:`suppress_table`, which adds
complementary suppression so a hidden cell cannot be worked back from the totals.

Anything written to CSV or Excel goes through :func:`safe_for_spreadsheet` first: a cell that
starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) would be run by the
spreadsheet when a colleague opens the file (OWASP "CSV injection"), so it gets a leading
apostrophe and stays plain, readable text.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from research_kit import text as rktext

#: First characters a spreadsheet may read as the start of a formula (OWASP CSV injection),
#: with line feed and the full-width forms some spreadsheets also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_BLANKS = re.compile(r"^[\s\x00-\x1f\x7f\u00a0\u200b\ufeff]+")
#: Text that is just a number ("-5", "+1.5", "-3%") is read as a number, never run.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?%?$")


def suppress_small_counts(
    frame: pd.DataFrame, *, count: str = "n", min_size: int = 5, also: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Hide counts (and values derived from them) for groups smaller than ``min_size``.

    Only the small cells themselves are hidden (primary suppression); a table that also shows
    totals needs complementary suppression on top.

    Parameters
    ----------
    frame : pandas.DataFrame
        A tidy table with one row per group.
    count : str
        The column holding each group's number of people.
    min_size : int
        The smallest group that may be shown (the study's ``min_cell_size``).
    also : tuple of str
        Other columns computed from the same people (shares, means) to hide with the count.

    Returns
    -------
    pandas.DataFrame
        A copy with those cells set to missing and a boolean ``suppressed`` column.

    Examples
    --------
    >>> table = pd.DataFrame({"ward": ["Ward 1", "Ward 2"], "n": [12, 3], "share": [0.8, 0.2]})
    >>> shown = suppress_small_counts(table, also=("share",))
    >>> shown[["n", "share", "suppressed"]].to_dict("list")
    {'n': [12, None], 'share': [0.8, nan], 'suppressed': [False, True]}
    """
    result = frame.copy()
    small = result[count] < min_size
    result[count] = result[count].astype("Int64").mask(small)
    for column in also:
        result[column] = result[column].mask(small)
    result["suppressed"] = small.to_numpy()
    return result


def suppress_table(
    frame: pd.DataFrame,
    *,
    row: str,
    column: str,
    count: str = "n",
    min_size: int = 5,
    total: object = "Total",
    margins: str = "both",
    also: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Suppress small cells of a two-way table of counts, and enough others to protect them.

    Primary suppression hides every count from 1 to ``min_size - 1``. Zero cells are not
    sensitive (they describe nobody) and stay shown. Complementary suppression then hides more
    cells until no hidden count can be worked out exactly from the shown cells and the row and
    column totals: each row or column with exactly one hidden cell gets its smallest non-zero
    shown cell hidden too, and, until stable, any hidden cell that the totals still pin down
    (checked with linear algebra over all rows and columns) gets the smallest shown cell that
    frees it hidden as well. Shown zero cells are used only when no non-zero cell is left.

    Row and column totals are assumed known to the reader even when the table does not show
    them (they are usually published elsewhere); ``margins`` says which (for a one-way table,
    one row of groups whose overall total is published, use ``margins="rows"``). A cell that
    is its line's only cell equals the total and cannot be protected inside the table: hide
    the total where it is published. When the table does hold totals (rows or
    columns labelled ``total``), they are cells like the others: small ones are hidden and
    they may be hidden as complements. Ranges are not protected: a hidden cell is never
    pinned to one value, but the totals may narrow it to a few.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long form: one row per cell, with the ``row`` and ``column`` labels and the ``count``.
    row, column : str
        The columns holding the table's row and column labels.
    count : str
        The column of counts (whole numbers, at least 0).
    min_size : int
        The smallest count that may be shown (the study's ``min_cell_size``).
    total : object
        The label of a totals row or column, if the table has one.
    margins : {"both", "rows", "columns"}
        Which totals readers know besides those shown in the table: each row's, each
        column's, or both (the cautious default).
    also : tuple of str
        Other columns computed from the same people (shares, means) to hide with the count.

    Returns
    -------
    pandas.DataFrame
        A copy with hidden counts (and ``also``) set to missing, a boolean ``suppressed``
        column and ``reason``: "small", "complementary" or "" (shown).

    Raises
    ------
    ValueError
        If a cell appears twice or a count is negative or missing.

    Examples
    --------
    >>> table = pd.DataFrame({"ward": ["W1", "W1", "W1", "W2", "W2", "W2"],
    ...                       "answer": ["yes", "no", "unsure"] * 2,
    ...                       "n": [12, 3, 20, 9, 14, 25]})
    >>> shown = suppress_table(table, row="ward", column="answer")
    >>> shown[["ward", "answer", "n", "reason"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['W1', 'yes', <NA>, 'complementary'], ['W1', 'no', <NA>, 'small'],
     ['W1', 'unsure', 20, ''], ['W2', 'yes', <NA>, 'complementary'],
     ['W2', 'no', <NA>, 'complementary'], ['W2', 'unsure', 25, '']]
    """
    if frame.duplicated([row, column]).any():
        raise ValueError(f"each ({row}, {column}) cell must appear once")
    counts = pd.to_numeric(frame[count], errors="coerce")
    if counts.isna().any() or (counts < 0).any():
        raise ValueError(f"the {count!r} column must hold whole numbers of at least 0")
    cells = list(zip(frame[row], frame[column], strict=True))
    values = [int(value) for value in counts]
    is_total = [r == total or c == total for r, c in cells]
    reason = ["small" if 0 < value < min_size else "" for value in values]

    if margins not in ("both", "rows", "columns"):
        raise ValueError("margins must be 'both', 'rows' or 'columns'")
    # Each line is one equation readers can use: (is it a row?, the cells in it).
    lines: list[tuple[bool, list[int]]] = []
    for is_row, labels, other in (
        (True, frame[row], frame[column]),
        (False, frame[column], frame[row]),
    ):
        known = margins in ("both", "rows" if is_row else "columns") or (other == total).any()
        if not known:
            continue
        members: dict[object, list[int]] = {}
        for position, label in enumerate(labels):
            members.setdefault(label, []).append(position)
        lines += [(is_row, positions) for positions in members.values()]
    matrix = _constraint_matrix(cells, lines, total)

    def order(position: int) -> tuple:
        return (values[position] == 0, is_total[position], values[position], position)

    unfixable: set[int] = set()
    while True:
        hidden = {i for i, why in enumerate(reason) if why}
        shown = sorted((i for i in range(len(cells)) if i not in hidden), key=order)
        lonely = [
            min((i for i in positions if i not in hidden), key=order)
            for _, positions in lines
            if sum(i in hidden for i in positions) == 1 and len(positions) > 1
        ]
        if lonely:
            reason[min(lonely, key=order)] = "complementary"
            continue
        pinned = [i for i in _pinned_cells(matrix, sorted(hidden)) if i not in unfixable]
        if not pinned or not shown:
            break
        target = pinned[0]
        freeing = [i for i in shown if target not in _pinned_cells(matrix, sorted(hidden | {i}))]
        if freeing:
            reason[freeing[0]] = "complementary"
        else:
            # The cell is its own total (a one-cell line): only hiding that total elsewhere helps.
            unfixable.add(target)

    result = frame.copy()
    suppressed = pd.Series([bool(why) for why in reason], index=result.index)
    result[count] = counts.astype("Int64").mask(suppressed)
    for name in also:
        result[name] = result[name].mask(suppressed)
    result["suppressed"] = suppressed.to_numpy()
    result["reason"] = reason
    return result


def _constraint_matrix(
    cells: list[tuple], lines: list[tuple[bool, list[int]]], total: object
) -> np.ndarray:
    """One equation per row and column: its inner cells add up to its total (known or shown).

    In a row, the cell of the totals column counts -1 (it is the sum); likewise in a column
    for the cell of the totals row.
    """
    matrix = np.zeros((len(lines), len(cells)))
    for number, (in_row_line, line) in enumerate(lines):
        for position in line:
            r, c = cells[position]
            sum_cell = (c == total) if in_row_line else (r == total)
            matrix[number, position] = -1.0 if sum_cell else 1.0
    return matrix


def _pinned_cells(matrix: np.ndarray, hidden: list[int]) -> list[int]:
    """Hidden cells whose value the equations fix: dropping one lowers the rank."""
    if not hidden:
        return []
    sub = matrix[:, hidden]
    rank = np.linalg.matrix_rank(sub)
    return [
        position
        for k, position in enumerate(hidden)
        if np.linalg.matrix_rank(np.delete(sub, k, axis=1)) < rank
    ]


def neutralise_formula(value: Any) -> Any:
    """Make one cell safe to open in a spreadsheet: text that could run as a formula is quoted.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed
    (and the full-width ``＝ ＋ － ＠``), also after leading spaces or control characters, gets
    a leading apostrophe, as OWASP advises for CSV injection; the text is otherwise kept as
    it is. Numbers, dates, missing values and text
    that is just a number (``"-5"``) are returned unchanged.

    Examples
    --------
    >>> print(neutralise_formula('=HYPERLINK("http://evil.example","Click")'))
    '=HYPERLINK("http://evil.example","Click")
    >>> neutralise_formula(-5), neutralise_formula("-5"), neutralise_formula("Ward 3")
    (-5, '-5', 'Ward 3')
    >>> print(neutralise_formula("  +cmd|' /C calc'!A0"))
    '  +cmd|' /C calc'!A0
    >>> neutralise_formula("<script>alert(1)</script>")
    '<script>alert(1)</script>'
    """
    if not isinstance(value, str):
        return value
    # Also look past leading spaces and control characters, which some programs drop on import.
    visible = _LEADING_BLANKS.sub("", value)
    risky = value.startswith(FORMULA_TRIGGERS) or visible.startswith(FORMULA_TRIGGERS)
    if risky and not _PLAIN_NUMBER.match(visible):
        return "'" + value
    return value


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and column names cannot run as formulas.

    Apply it to every table written to CSV or Excel (write it with ``index=False``: the index
    is not changed). Numeric, boolean and date columns are left as they are, so numbers stay
    numbers in the spreadsheet.

    Examples
    --------
    >>> table = pd.DataFrame({"quote": ["@SUM(A1:A9)", "fine"], "n": [-1, 2]})
    >>> safe = safe_for_spreadsheet(table)
    >>> safe["quote"].tolist(), safe["n"].tolist()
    (["'@SUM(A1:A9)", 'fine'], [-1, 2])
    """
    result = frame.copy()
    for position in range(result.shape[1]):
        series = result.iloc[:, position]
        if (
            ptypes.is_numeric_dtype(series)
            or ptypes.is_bool_dtype(series)
            or ptypes.is_datetime64_any_dtype(series)
            or isinstance(series.dtype, pd.PeriodDtype)
        ):
            continue
        result.isetitem(position, series.astype(object).map(neutralise_formula, na_action="ignore"))
    result.columns = [neutralise_formula(column) for column in result.columns]
    return result


# -- the one gate for text a stakeholder sees ----------------------------------------------------
#: Placeholders for the identifiers :class:`StakeholderGate` hides, by kind.
IDENTIFIER_PLACEHOLDERS = {"participant": "[participant]", "coder": "[coder]"}
#: The last step of attribution coarsening, when neither role nor ward may be shown.
ANONYMOUS = "a participant"
_SVG_TEXT = re.compile(r"(>)([^<>]+)(<)")
_SVG_LABEL = re.compile(r"""(\s(?:aria-label|alt|title)=)(["'])(.*?)\2""", re.DOTALL)


class StakeholderGate:
    """The one gate for the text of a brief: redaction, and attribution that singles no one out.

    Every piece of text that reaches a stakeholder (quotes, chart labels, captions, alt text,
    table cells, the text of an SVG figure) goes through :meth:`text`, which hides e-mails,
    phone numbers, street addresses and people's names (:func:`research_kit.text.redact` with
    the study's listed names, plus PERSON entities when ``nlp`` has a recogniser), then the
    study's own identifiers: participant ids, note file names and coder names. Quotes get
    their attribution from :meth:`attribution`, which coarsens it until at least
    ``min_cell_size`` participants share what it shows: role and ward, else role only, else
    ward only, else "a participant". What it did is counted in :attr:`attributions` so a
    method section can say so.

    Researcher views (JupyterLab panels, QDPX exports) do not go through the gate.

    Parameters
    ----------
    names : iterable of str
        People's names to hide (listed in ``study.yml``, the notes' ``name`` attribute).
    identifiers : mapping of str to str
        Identifier → kind ("participant" or "coder"): participant ids, note file names and
        their stems, coder names. Matched as whole words, case-insensitively.
    participants : pandas.DataFrame, optional
        One row per participant with the attribution columns (``attribute_by``): who shares
        a role and a ward is counted from it.
    min_cell_size : int
        The smallest number of participants an attribution may point to.
    attribute_by : tuple of str
        The attributes an attribution may show, most specific pair first (role, ward).
    nlp : spacy.language.Language, optional
        A pipeline whose ``ner`` component finds unlisted PERSON names.
    redact : bool
        ``False`` keeps e-mails, phones, addresses and names visible (a copy for the research
        team only); identifiers are hidden and attributions coarsened all the same.

    Examples
    --------
    >>> people = pd.DataFrame({"participant": ["P1", "P2", "P3"],
    ...                        "role": ["clerk", "clerk", "owner"],
    ...                        "ward": ["Ward 1", "Ward 1", "Ward 2"]})
    >>> gate = StakeholderGate(names=["Denise"], identifiers={"P1": "participant"},
    ...                        participants=people, min_cell_size=2)
    >>> gate.text("P1 said Denise (555-0142) helped at the counter.")
    '[participant] said [name] ([phone]) helped at the counter.'
    >>> gate.attribution(role="clerk", ward="Ward 1"), gate.attribution(role="owner", ward="Ward 2")
    ('clerk, Ward 1', 'a participant')
    >>> dict(gate.attributions)
    {'role and ward': 1, 'anonymous': 1}
    """

    def __init__(
        self,
        *,
        names: Iterable[str] = (),
        identifiers: Mapping[str, str] | None = None,
        participants: pd.DataFrame | None = None,
        min_cell_size: int = 5,
        attribute_by: tuple[str, str] = ("role", "ward"),
        nlp: Any = None,
        redact: bool = True,
    ) -> None:
        self.names = tuple(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))
        self.identifiers = dict(identifiers or {})
        self.min_cell_size = min_cell_size
        self.attribute_by = attribute_by
        self.nlp = nlp
        self.redact = redact
        self.participants = participants if participants is not None else pd.DataFrame()
        self.attributions: Counter[str] = Counter()
        self._identifier_pattern = _identifier_pattern(self.identifiers)

    def text(self, value: object) -> str:
        """Redact one text for stakeholders (missing values become an empty string)."""
        if value is None or (isinstance(value, float) and value != value):
            return ""
        text = str(value)
        if self._identifier_pattern is not None:
            text = self._identifier_pattern.sub(self._identifier_placeholder, text)
        return rktext.redact(text, names=self.names, nlp=self.nlp) if self.redact else text

    def _identifier_placeholder(self, match: re.Match) -> str:
        kind = self._kinds.get(match.group(0).casefold(), "participant")
        return IDENTIFIER_PLACEHOLDERS.get(kind, "[participant]")

    @property
    def _kinds(self) -> dict[str, str]:
        return {term.casefold(): kind for term, kind in self.identifiers.items()}

    def shares(self, **attributes: object) -> int:
        """How many participants share these attribute values (missing values match nothing)."""
        table = self.participants
        if table.empty or any(name not in table.columns for name in attributes):
            return 0
        mask = pd.Series(True, index=table.index)
        for name, value in attributes.items():
            if value is None or (isinstance(value, float) and value != value):
                return 0
            mask &= table[name].astype(str).str.casefold() == str(value).casefold()
        key = "participant" if "participant" in table.columns else None
        return int(table.loc[mask, key].nunique()) if key else int(mask.sum())

    def attribution(self, *, known: tuple[str, ...] = (), **attributes: object) -> str:
        """The most specific attribution at least ``min_cell_size`` participants share.

        Role and ward; else role alone; else ward alone; else "a participant". ``known`` names
        attributes the reader already knows from the page (a brief filtered to one ward): they
        count as shown at every step. Each call is counted in :attr:`attributions` under
        "role and ward", "role", "ward" or "anonymous".
        """
        first, second = self.attribute_by
        for shown in ((first, second), (first,), (second,), ()):
            names = [name for name in self.attribute_by if name in shown or name in known]
            values = {name: attributes.get(name) for name in names}
            if not names or self.shares(**values) < self.min_cell_size:
                continue
            self.attributions[" and ".join(names)] += 1
            return ", ".join(str(values[name]) for name in names)
        self.attributions["anonymous"] += 1
        return ANONYMOUS

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``frame`` with every text cell and column name through :meth:`text`."""
        result = frame.copy()
        for position in range(result.shape[1]):
            series = result.iloc[:, position]
            if ptypes.is_object_dtype(series) or ptypes.is_string_dtype(series):
                result.isetitem(
                    position,
                    series.map(lambda v: self.text(v) if isinstance(v, str) else v),
                )
        result.columns = [self.text(c) if isinstance(c, str) else c for c in result.columns]
        return result

    def svg(self, svg: str) -> str:
        """An SVG figure with its text nodes and accessible labels through :meth:`text`."""

        def node(match: re.Match) -> str:
            inner = match.group(2)
            if not inner.strip():
                return match.group(0)
            cleaned = html.escape(self.text(html.unescape(inner)), quote=False)
            return match.group(1) + cleaned + match.group(3)

        def label(match: re.Match) -> str:
            cleaned = html.escape(self.text(html.unescape(match.group(3))), quote=True)
            return match.group(1) + match.group(2) + cleaned + match.group(2)

        return _SVG_LABEL.sub(label, _SVG_TEXT.sub(node, svg))

    def method_note(self) -> str:
        """One sentence for a method section: the attribution rule and what it did."""
        first, second = self.attribute_by
        rule = (
            f"quotes name a participant's {first} and {second} only where at least "
            f"{self.min_cell_size} participants share both, otherwise the {first} alone, the "
            f"{second} alone or just \u201c{ANONYMOUS}\u201d, whichever first is shared by "
            f"{self.min_cell_size} or more"
        )
        if not self.attributions:
            return rule
        done = ", ".join(
            f"{count} by {label}" if label != "anonymous" else f"{count} without attribution"
            for label, count in self.attributions.most_common()
        )
        return f"{rule} (in this brief: {done})"


def _identifier_pattern(identifiers: Mapping[str, str]) -> re.Pattern | None:
    terms = [term for term in identifiers if str(term).strip()]
    if not terms:
        return None
    # Longest first, so a note's file name ("P12_manager") wins over its participant id ("P12").
    parts = [re.escape(str(term)) for term in sorted(terms, key=len, reverse=True)]
    return re.compile(r"(?<![\w.])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)
