"""Auto-coding suggestions in the coding panel: the table, checked on the way in, and the
Accept / Reject behaviour of the panel's Suggestions tab (private).

Suggestions come from rules or a model (:mod:`research_kit.interviews.autocode`,
:mod:`research_kit.interviews.suggester`) or from a researcher's own table; the panel needs
``document_id``, ``start``, ``end`` and ``code_id``, and fills ``confidence`` and ``origin``.
:class:`SuggestionActions` is mixed into :class:`~research_kit.widgets.CodingPanel`: deciding
on a suggestion saves it (or not) and moves on to the next one.
"""

from __future__ import annotations

import pandas as pd

from research_kit.errors import CodingError

#: The columns of a suggestion the panel keeps and records with its decision.
SUGGESTION_COLUMNS = ("document_id", "start", "end", "code_id", "confidence", "origin")


def checked_suggestions(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Suggestions as the coding panel takes them: checked, numbered 0…, with every column.

    A missing ``confidence`` is NaN and a missing ``origin`` is "suggestion".

    Raises
    ------
    CodingError
        A needed column is missing, or an offset is not a whole number.

    Examples
    --------
    >>> table = checked_suggestions(pd.DataFrame(
    ...     {"document_id": ["P01"], "start": [0.0], "end": [12.0], "code_id": ["waiting"]}))
    >>> table[["start", "end", "origin"]].values.tolist()
    [[0, 12, 'suggestion']]
    """
    if frame is None:
        return pd.DataFrame(columns=list(SUGGESTION_COLUMNS))
    missing = {"document_id", "start", "end", "code_id"} - set(frame.columns)
    if missing:
        raise CodingError(
            f"suggestions need the columns {', '.join(sorted(missing))}",
            hint="pass a DataFrame with document_id, start, end, code_id, confidence, origin",
        )
    checked = frame.reset_index(drop=True).copy()
    if "confidence" not in checked:
        checked["confidence"] = float("nan")
    if "origin" not in checked:
        checked["origin"] = "suggestion"
    checked["origin"] = checked["origin"].fillna("suggestion").astype(str)
    try:
        checked["start"] = checked["start"].astype(int)
        checked["end"] = checked["end"].astype(int)
    except (TypeError, ValueError) as exc:
        raise CodingError(
            "suggestions need whole-number start and end offsets",
            hint="drop the rows with missing offsets",
        ) from exc
    return checked


class SuggestionActions:
    """The Suggestions tab's behaviour (mixed into the coding panel, which owns the state)."""

    def _show_suggestions(self, chosen: int | None = None) -> None:
        here = self.suggestions[self.suggestions["document_id"] == self.document.id]
        here = here.sort_values(["start", "end"])
        with self._quiet():
            self.suggestion_list.options = [
                (
                    f"{float(row.confidence):.2f} · {self.names.get(row.code_id, row.code_id)}"
                    f" · {row.origin} · “{first_words(self._text[row.start : row.end])}”",
                    int(key),
                )
                for key, row in zip(here.index, here.itertuples(index=False), strict=True)
            ]
            self.suggestion_list.value = chosen if chosen in here.index else None

    def _suggestion_chosen(self) -> None:
        key = self.suggestion_list.value
        if key is not None:
            row = self.suggestions.loc[key]
            self.select(row["start"], row["end"], source="suggestions")

    def _decide(self, decision: str) -> pd.Series:
        key = self.suggestion_list.value
        if key is None:
            raise CodingError("no suggestion is chosen", hint="choose one in the list first")
        row = self.suggestions.loc[key]
        if decision == "accepted":
            frame = pd.DataFrame([{**row[list(SUGGESTION_COLUMNS)].to_dict(), "coder": self.coder}])
            self._save_codings(frame[["document_id", "start", "end", "code_id", "coder", "origin"]])
        keys = list(self.suggestion_list.options)
        position = [value for _, value in keys].index(key)
        self.suggestions = self.suggestions.drop(index=key)
        self._decisions.append({**row.to_dict(), "decision": decision, "coder": self.coder})
        following = [value for _, value in keys[position + 1 :]]
        self._refresh_views()
        self._show_suggestions(chosen=following[0] if following else None)
        if following:
            self._suggestion_chosen()
        return row

    def _accept(self) -> None:
        row = self._decide("accepted")
        name = self.names.get(row["code_id"], row["code_id"])
        self._say(f"Accepted {name} at {row['start']:,}–{row['end']:,} ({row['origin']}).", "ok")

    def _reject(self) -> None:
        row = self._decide("rejected")
        name = self.names.get(row["code_id"], row["code_id"])
        self._say(f"Rejected {name} at {row['start']:,}–{row['end']:,}.", "info")

    def suggestion_decisions(self) -> pd.DataFrame:
        """The suggestions accepted or rejected in this panel, with ``decision`` and ``coder``."""
        return pd.DataFrame(self._decisions, columns=[*SUGGESTION_COLUMNS, "decision", "coder"])


def first_words(text: str, n: int = 8) -> str:
    """The first ``n`` words of ``text``, with an ellipsis when there are more.

    Examples
    --------
    >>> first_words("one two three", n=2)
    'one two …'
    """
    words = text.split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")
