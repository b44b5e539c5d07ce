"""Memos in the coding panel: where a memo goes, saving it, and the memos already there (private).

:class:`MemoActions` is mixed into :class:`~research_kit.widgets.CodingPanel`. A memo goes on
the open note, on the one ticked code, or on the coding chosen under "Codings here"; when that
target is missing the memo is refused and nothing is written (a memo is never sent to whatever
happened to be ticked a few clicks earlier: the panel clears its ticks after every action).
Below, a memo browser lists every memo of the study, searched by text and filtered by what
it is on; choosing one puts its text in an editor, and Save changes replaces it.
"""

from __future__ import annotations

import html

from research_kit.errors import CodingError
from research_kit.interviews.coding import add_memo, memos, update_memo
from research_kit.widgets._suggestions import first_words


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
        self._browse_memos()
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

    # -- the memo browser -----------------------------------------------------------------------
    def _connect_memo_browser(self, on_change, on_click) -> None:
        on_change(self.memo_search, self._browse_memos)
        on_change(self.memo_filter, self._browse_memos)
        on_change(self.memo_list, self._memo_picked)
        on_click(self.memo_update_button, self._update_memo)

    def _browse_memos(self) -> None:
        found = memos(self.study)
        if self.memo_filter.value:
            found = found[found["on"] == self.memo_filter.value]
        wanted = self.memo_search.value.strip().casefold()
        if wanted:
            found = found[found["text"].str.casefold().str.contains(wanted, regex=False)]
        chosen = self.memo_list.value
        with self._quiet():
            self.memo_list.options = [
                (self._memo_label(row), int(row.memo_id)) for row in found.itertuples(index=False)
            ]
            kept = chosen in set(found["memo_id"].tolist())
            self.memo_list.value = chosen if kept else None
            if not kept:
                self.memo_edit.value = ""

    def _memo_label(self, row) -> str:
        target = self.names.get(row.target, row.target) if row.on == "code" else row.target
        about = f"{row.on} {target}".strip()
        return f"#{row.memo_id} · {about} · {row.coder or '—'} · {first_words(str(row.text))}"

    def _memo_picked(self) -> None:
        memo_id = self.memo_list.value
        if memo_id is None:
            return
        found = memos(self.study)
        text = found.loc[found["memo_id"] == memo_id, "text"]
        with self._quiet():
            self.memo_edit.value = str(text.iloc[0]) if len(text) else ""

    def _update_memo(self) -> None:
        memo_id = self.memo_list.value
        if memo_id is None:
            raise CodingError("no memo is chosen", hint="choose one in the list of all memos")
        if not self.memo_edit.value.strip():
            raise CodingError("the memo is empty", hint="write something, or leave it as it was")
        update_memo(self.study, memo_id, self.memo_edit.value)
        self._browse_memos()
        self._show_memos()
        self._say(f"Saved changes to memo {memo_id}.", "ok")
