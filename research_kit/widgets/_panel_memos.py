"""Memos in the coding panel: where a memo goes, saving it, and the memos already there (private).

:class:`MemoActions` is mixed into :class:`~research_kit.widgets.CodingPanel`. A memo goes on
the open note, on the one ticked code, or on the coding chosen under "Codings here"; when that
target is missing the memo is refused and nothing is written (a memo is never sent to whatever
happened to be ticked a few clicks earlier: the panel clears its ticks after every action).
"""

from __future__ import annotations

import html

from research_kit.errors import CodingError
from research_kit.interviews.coding import add_memo, memos


class MemoActions:
    """The Memo tab's behaviour (mixed into the coding panel, which owns the state)."""

    def _memo_target(self) -> tuple[str, str | int]:
        kind = self.memo_target.value
        if kind == "document":
            return kind, self.document.id
        if kind == "code":
            ticked = [code_id for code_id, box in self.code_boxes.items() if box.value]
            if len(ticked) != 1:
                raise CodingError(
                    f"a memo on a code needs exactly one ticked code ({len(ticked)} ticked)",
                    hint="tick the one code the memo is about",
                )
            return kind, ticked[0]
        if self.codings_here.value is None:
            raise CodingError("no coding is chosen", hint="choose one under 'Codings here'")
        return kind, int(self.codings_here.value)

    def memo_destination(self) -> str:
        """Where Save memo would write now, in words (or why it would write nothing)."""
        try:
            kind, target = self._memo_target()
        except CodingError as exc:
            return f"Save memo writes nothing: {exc.message}"
        if kind == "code":
            return f"Save memo will write on the code {self.names.get(target, target)}"
        if kind == "coding":
            return f"Save memo will write on the coding {self.describe_coding(target)}"
        return f"Save memo will write on the note {target}"

    def _save_memo(self) -> None:
        kind, target = self._memo_target()
        memo_id = add_memo(
            self.study, self.memo_box.value, on=kind, target=target, coder=self.coder
        )
        with self._quiet():
            self.memo_box.value = ""
        self._untick()
        self._show_memos()
        self._say(f"Saved memo {memo_id} on {kind} {target}.", "ok")

    def _show_memos(self) -> None:
        try:
            kind, target = self._memo_target()
        except CodingError as exc:
            self.memo_view.value = f'<div style="color:#666">{html.escape(exc.message)}</div>'
            return
        found = memos(self.study, on=kind, target=target)
        items = "".join(
            f"<li><i>{html.escape(str(row.coder or '—'))}</i>: "
            f'<span style="white-space:pre-wrap">{html.escape(str(row.text))}</span></li>'
            for row in found.itertuples(index=False)
        )
        self.memo_view.value = (
            f"<div>{len(found)} memo(s) on this {kind}</div><ul>{items}</ul>"
            if items
            else f'<div style="color:#666">No memo on this {kind} yet.</div>'
        )
