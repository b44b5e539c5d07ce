"""The one gate for text a stakeholder sees: redaction, and attribution that singles no one out.

:class:`StakeholderGate` redacts e-mails, phone numbers, addresses and people's names
(:func:`research_kit.text.redact`) and the study's own identifiers (participant ids, note file
names, coder names), and attributes quotes only as precisely as ``min_cell_size``
participants share.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from pandas.api import types as ptypes

from research_kit import text as rktext
from research_kit.settings import DEFAULT_MIN_CELL_SIZE

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
        min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
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
        self._kinds = {term.casefold(): kind for term, kind in self.identifiers.items()}

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
