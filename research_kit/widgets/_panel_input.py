"""The coding panel's mouse and keyboard: what the note view reports, turned into actions (private).

:class:`MouseAndKeys` is mixed into :class:`~research_kit.widgets.CodingPanel`. A selection
made with the mouse is snapped to whole words and becomes the panel's selection; a click on a
highlight chooses the innermost coding under it (showing its codes, ticking nothing); the
shortcut keys (see :data:`~research_kit.widgets.note_view.SHORTCUT_KEYS`) run the frequent
actions, exactly as their buttons do.
"""

from __future__ import annotations

from research_kit.widgets.note_view import snap_to_words


class MouseAndKeys:
    """Handlers of the note view's messages (mixed into the coding panel, which owns the state)."""

    def _connect_note_view(self) -> None:
        for kind, handler in (
            ("select", self._mouse_selected),
            ("click", self._clicked),
            ("key", self._key_pressed),
            # focus and poll need nothing but _run's check that the codebook is current
            ("focus", lambda _message: None),
            ("poll", lambda _message: None),
        ):
            self.text_view.on_event(kind, lambda message, h=handler: self._run(lambda: h(message)))

    def _mouse_selected(self, message: dict) -> None:
        span = snap_to_words(self._text, int(message["start"]), int(message["end"]))
        if span is None:
            self._say("Only white space was selected.", "info")
            return
        self.select(*span, source="mouse")
        self._say(f"Selected {span[0]:,}–{span[1]:,} with the mouse.", "info")

    def _clicked(self, message: dict) -> None:
        """A click on a highlight chooses the innermost coding under it (nothing is ticked)."""
        offset = int(message["offset"])
        under = self._codings[(self._codings["start"] <= offset) & (self._codings["end"] > offset)]
        if under.empty:
            return
        row = under.assign(length=under["end"] - under["start"]).sort_values("length").iloc[0]
        self.select(row["start"], row["end"], source="click")
        with self._quiet():
            self.codings_here.value = int(row["coding_id"])
        self._show_coding_codes()
        self._show_memos()

    def _key_pressed(self, message: dict) -> None:
        key = str(message.get("key", ""))
        actions = {
            "a": self._apply,
            "r": self._remove,
            "m": self._save_memo,
            "n": self._find_next,
            "Escape": self._clear,
        }
        if key in actions:
            actions[key]()
        elif key.isdigit() and key != "0":
            shown = [c for c, row in self._code_rows.items() if row.layout.display != "none"]
            if int(key) <= len(shown):
                box = self.code_boxes[shown[int(key) - 1]]
                box.value = not box.value

    def _clear(self) -> None:
        self.selection = None
        self._untick()
        self._mark_selection()
        self._show_selection()
        self._show_memos()
