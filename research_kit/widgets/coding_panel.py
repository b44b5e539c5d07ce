"""The coding panel: code interview notes in JupyterLab, every click saved at once.

:class:`CodingPanel` is an ipywidgets panel over one study for one coder. Pick a note, see its
text with every coding underlined in its code's colour (overlapping codes stack their
underlines; a legend names them), select an excerpt, tick codes and apply or remove them, write
memos, and accept or reject auto-coding suggestions. Each action is one call into
:mod:`research_kit.interviews.coding`, so it is saved in the study database before the view
refreshes; errors a person can cause (a note edited since it was coded, a span outside the
text) are shown in the status line instead of a traceback.

An excerpt is selected with the mouse in the note (:class:`~research_kit.widgets.NoteView`
reads the browser's selection; it snaps to whole words), or, from the keyboard, from the
note's segments (paragraphs, speaker turns or sentences), by finding a phrase, or by typing its
start and end (code points, end exclusive). Clicking a highlight chooses that coding. While
the note has the focus, keys do the frequent things: ``1``–``9`` tick the first nine codes
shown, ``a`` applies, ``r`` removes, ``m`` saves the memo, ``n`` finds the next match and
``Escape`` clears the selection and the ticks.

What the panel will do is never left to a tick from earlier: choosing a coding shows its codes
without ticking them, every action clears the ticks, and a line above the tabs names what
Apply, Remove and Save memo would touch before they are pressed. The codebook is live
(:class:`~research_kit.widgets._panel_codebook.LiveCodebook`): reread whenever it changes,
and edited from the panel's Codebook tab.

A note longer than ``page_chars`` is shown one page at a time (pages end at paragraph breaks);
the note view scrolls to the selection.

:func:`render_document_html` is the pure function that draws the highlighted text; it makes one
pass over the sorted coding boundaries and escapes every piece of user text. The panel's
widgets are created and laid out by :class:`~research_kit.widgets._coding_layout.CodingLayout`;
this module gives them behaviour.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from research_kit.errors import CodingError, DocumentChangedError, ResearchKitError
from research_kit.interviews.coding import (
    CODING_COLUMNS,
    apply_codes,
    codings,
    remove_code,
    remove_coding,
)
from research_kit.interviews.segments import SEGMENT_KINDS, segment
from research_kit.store import utcnow
from research_kit.widgets._coding_layout import CodingLayout
from research_kit.widgets._panel_codebook import LiveCodebook
from research_kit.widgets._panel_input import MouseAndKeys
from research_kit.widgets._panel_memos import MemoActions
from research_kit.widgets._suggestions import SuggestionActions, checked_suggestions, first_words
from research_kit.widgets.highlight import legend_html, page_breaks, render_document_html

if TYPE_CHECKING:
    from research_kit.interviews.documents import Document
    from research_kit.study import Study

_STATUS_COLOURS = {"ok": "#1a7f37", "info": "#444444", "error": "#b42318"}


class CodingPanel(CodingLayout, LiveCodebook, MemoActions, MouseAndKeys, SuggestionActions):
    """A JupyterLab panel to code a study's interview notes, for one coder.

    Parameters
    ----------
    study : Study
    coder : str
        Who is coding (initials or name); every coding and memo made here is theirs.
    segment_by : {"paragraph", "turn", "sentence"}
        How the segment list cuts the note (can be changed in the panel).
    suggestions : pandas.DataFrame, optional
        Proposed codings to accept or reject: ``document_id``, ``start``, ``end``,
        ``code_id``, ``confidence`` and ``origin`` (``"rule"`` or ``"suggestion"``).
    page_chars : int
        About how many characters of a note are shown at once (pages end at paragraph
        breaks; a note up to 1.5 times this long is one page). The default shows a
        two-hour transcript whole; the view scrolls to the selection.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The panel (the object itself also displays as it in a notebook).
    selection : (int, int) or None
        The selected span of the current note.
    suggestions : pandas.DataFrame
        The suggestions still waiting for a decision.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> panel = CodingPanel(study, coder="J.R.")
    >>> panel.segment_list.value = (3,)
    >>> panel.code_boxes["cost_of_delay"].value = True
    >>> panel.apply_button.click()
    >>> panel.last_message[:28]
    'Applied Cost of delay to P01'
    >>> study.close()
    """

    def __init__(
        self,
        study: Study,
        *,
        coder: str,
        segment_by: str = "paragraph",
        suggestions: pd.DataFrame | None = None,
        page_chars: int = 200_000,
    ) -> None:
        if coder is None or not str(coder).strip():
            raise CodingError(
                "the coding panel needs a coder", hint="CodingPanel(study, coder='J.R.')"
            )
        if segment_by not in SEGMENT_KINDS:
            raise CodingError(f"segment_by must be one of {', '.join(SEGMENT_KINDS)}")
        self.study = study
        self.coder = str(coder).strip()
        self.page_chars = int(page_chars)
        self._load_codebook()
        self.suggestions = checked_suggestions(suggestions)
        self.document: Document | None = None
        self.selection: tuple[int, int] | None = None
        self.last_message = ""
        self._decisions: list[dict] = []
        self._text = ""
        self._codings = pd.DataFrame(columns=CODING_COLUMNS)
        self._segments = pd.DataFrame(columns=["segment", "start", "end", "text"])
        self._pages: list[tuple[int, int]] = [(0, 0)]
        self._quiet_depth = 0
        self._build(study.documents(), segment_by)
        self._run(self._browse_memos)
        if self.document_picker.options:
            self._run(lambda: self._open_document(self.document_picker.value))

    # -- display ---------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs) -> dict:
        return self.widget._repr_mimebundle_(**kwargs)

    # -- building --------------------------------------------------------------------------------
    def _build(self, documents: list[Document], segment_by: str) -> None:
        self.build_layout(documents, segment_by, codebook=self.codebook, colours=self.colours)
        self._connect()

    def _connect(self) -> None:
        def on_change(widget: widgets.Widget, handler: Callable[[], None]) -> None:
            widget.observe(lambda _change: self._quiet_depth or self._run(handler), names="value")

        def on_click(button: widgets.Button, handler: Callable[[], None]) -> None:
            button.on_click(lambda _button: self._run(handler))

        on_change(self.document_picker, lambda: self._open_document(self.document_picker.value))
        on_change(self.show_all_coders, self._reload)
        on_change(self.segment_kind, self._resegment)
        on_change(self.page_picker, self._render_page)
        on_change(self.segment_list, self._segments_chosen)
        on_change(self.start_field, self._offsets_typed)
        on_change(self.end_field, self._offsets_typed)
        on_change(self.code_filter, self._filter_codes)
        on_change(self.codings_here, self._coding_chosen)
        on_change(self.memo_target, self._show_memos)
        on_change(self.suggestion_list, self._suggestion_chosen)
        self._connect_code_boxes()
        self._connect_codebook_tab(on_click)
        self._connect_memo_browser(on_change, on_click)
        self._connect_note_view()
        on_click(self.reload_button, lambda: self._open_document(self.document_picker.value))
        on_click(self.previous_page, lambda: self._turn_page(-1))
        on_click(self.next_page, lambda: self._turn_page(1))
        on_click(self.find_button, self._find_next)
        on_click(self.apply_button, self._apply)
        on_click(self.remove_button, self._remove)
        on_click(self.memo_button, self._save_memo)
        on_click(self.accept_button, self._accept)
        on_click(self.reject_button, self._reject)

    def _connect_code_boxes(self) -> None:
        for box in self.code_boxes.values():
            box.observe(
                lambda _change: self._quiet_depth or self._run(self._ticks_changed), "value"
            )

    def _ticks_changed(self) -> None:
        if self.memo_target.value == "code":
            self._show_memos()

    # -- plumbing --------------------------------------------------------------------------------
    def _run(self, action: Callable[[], None]) -> None:
        """Run a user action on the current codebook; errors a person can fix go to the status
        line. Afterwards the preview line says what the buttons would do now."""
        try:
            self.follow_codebook()
            action()
        except ResearchKitError as exc:
            self._say(str(exc), "error")
        if self.document is not None:
            self.action_preview.value = self._preview_html()

    def _say(self, message: str, kind: str = "info") -> None:
        self.last_message = message
        colour = _STATUS_COLOURS[kind]
        self.status.value = f'<div style="color:{colour}">{html.escape(message)}</div>'

    @contextmanager
    def _quiet(self):
        """Set widget values without their observers firing."""
        self._quiet_depth += 1
        try:
            yield
        finally:
            self._quiet_depth -= 1

    # -- documents and pages ---------------------------------------------------------------------
    def _open_document(self, document_id: str) -> None:
        self.document = self.study.document(document_id)
        self._text = self.document.text
        self._pages = page_breaks(self._text, self.page_chars)
        self.selection = None
        with self._quiet():
            for field in (self.start_field, self.end_field):
                field.max = len(self._text)
                field.value = 0
            self.page_picker.options = [
                (f"{i + 1} of {len(self._pages)} · characters {s:,}–{e:,}", i)
                for i, (s, e) in enumerate(self._pages)
            ]
            self.page_picker.value = 0
        self.page_bar.layout.display = "flex" if len(self._pages) > 1 else "none"
        self._resegment(refresh=False)
        self._reload()
        self._say(f"Opened {document_id} ({len(self._text):,} characters).")

    def _resegment(self, *, refresh: bool = True) -> None:
        kind = self.segment_kind.value
        nlp = self.study.nlp() if kind == "sentence" else None
        self._segments = segment(self.document, kind, nlp=nlp)
        self._segment_starts = list(
            zip(self._segments["segment"].tolist(), self._segments["start"].tolist(), strict=True)
        )
        with self._quiet():
            self.segment_list.value = ()
            self.segment_list.options = [
                (_segment_label(row.segment, row.text), int(row.segment))
                for row in self._segments.itertuples(index=False)
            ]
        if refresh:
            self._render_page()

    def _reload(self) -> None:
        """Read the note's codings from the database and redraw everything that shows them."""
        coder = None if self.show_all_coders.value else self.coder
        self._codings = codings(self.study, document_id=self.document.id, coder=coder)
        self._refresh_views()
        self._show_memos()

    def _refresh_views(self) -> None:
        """Redraw the page, legend, selection and suggestions from the codings in memory."""
        self._render_page()
        self.legend.value = legend_html(self.codebook, self._codings, self.colours)
        self._show_selection()
        self._show_suggestions()

    def _render_page(self) -> None:
        window = self._pages[self.page_picker.value or 0]
        self.text_view.value = render_document_html(
            self._text,
            self._codings,
            self.colours,
            labels=self.names,
            window=window,
            segment_starts=self._segment_starts,
        )
        self._mark_selection()

    def _mark_selection(self) -> None:
        """Show the selection in the note view (the browser marks it; nothing is redrawn)."""
        self.text_view.selection = list(self.selection) if self.selection else []

    def _turn_page(self, step: int) -> None:
        page = (self.page_picker.value or 0) + step
        if 0 <= page < len(self._pages):
            self.page_picker.value = page

    def _page_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right([s for s, _ in self._pages], offset) - 1)

    # -- selecting -------------------------------------------------------------------------------
    def select(self, start: int, end: int, *, source: str = "api") -> None:
        """Select ``text[start:end]`` of the current note (as the selection widgets do).

        Raises
        ------
        CodingError
            If the span is empty or outside the note.
        """
        start, end = int(start), int(end)
        if not 0 <= start < end <= len(self._text):
            raise CodingError(
                f"span {start}–{end} is outside the note's text (0–{len(self._text)})",
                hint="choose a start before the end, inside the note",
            )
        self.selection = (start, end)
        with self._quiet():
            self.start_field.value, self.end_field.value = start, end
            if source != "segments":
                self.segment_list.value = ()
            page = self._page_of(start)
            turned = page != self.page_picker.value
            if turned:
                self.page_picker.value = page
        if turned:
            self._render_page()
        else:
            self._mark_selection()
        self._show_selection(keep_coding=source == "codings")
        self._show_memos()

    def _segments_chosen(self) -> None:
        chosen = self._segments[self._segments["segment"].isin(self.segment_list.value)]
        if not chosen.empty:
            self.select(chosen["start"].min(), chosen["end"].max(), source="segments")

    def _offsets_typed(self) -> None:
        start, end = self.start_field.value, self.end_field.value
        if start < end:
            self.select(start, end, source="fields")
        else:
            self._say("The start must come before the end.", "info")

    def _find_next(self) -> None:
        words = self.find_box.value.split()
        if not words:
            self._say("Type a phrase to find.", "info")
            return
        pattern = re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)
        matches = [match.span() for match in pattern.finditer(self._text)]
        if not matches:
            raise CodingError(f"“{' '.join(words)}” is not in this note", hint="check the spelling")
        index = 0
        if self.selection is not None:
            # After a match, find the next one; otherwise the first at or after the selection.
            here = self.selection[0]
            strictly_after = self.selection in matches
            later = [
                i
                for i, (s, _) in enumerate(matches)
                if s > here or (s == here and not strictly_after)
            ]
            index = later[0] if later else 0
        self.select(*matches[index], source="find")
        self._untick()
        self._say(f"Match {index + 1} of {len(matches)} for “{' '.join(words)}”.", "info")

    def _show_selection(self, *, keep_coding: bool = False) -> None:
        if self.selection is None:
            self.excerpt_view.value = '<div style="color:#666">No excerpt selected.</div>'
            with self._quiet():
                self.codings_here.options = []
            return
        start, end = self.selection
        excerpt = self._text[start:end]
        shown = excerpt if len(excerpt) <= 600 else excerpt[:600] + "…"
        here = self._codings[(self._codings["start"] < end) & (self._codings["end"] > start)]
        exact = here[(here["start"] == start) & (here["end"] == end)]
        mine = [self.names.get(c, c) for c in exact.loc[exact["coder"] == self.coder, "code_id"]]
        on_it = f"<div>Your codes on exactly this span: {html.escape(', '.join(mine))}</div>"
        self.excerpt_view.value = (
            f"<div><b>Selected</b> {start:,}–{end:,} ({end - start:,} characters)</div>"
            '<div style="white-space:pre-wrap;border-left:3px solid #b08800;padding-left:0.5em;'
            f'max-height:8em;overflow:auto">{html.escape(shown)}</div>' + (on_it if mine else "")
        )
        chosen = self.codings_here.value if keep_coding else None
        with self._quiet():
            self.codings_here.options = [
                (
                    f"{self.names.get(row.code_id, row.code_id)} · {row.start:,}–{row.end:,}"
                    f" · {row.coder}",
                    int(row.coding_id),
                )
                for row in here.head(200).itertuples(index=False)
            ]
            ids = {value for _, value in self.codings_here.options}
            self.codings_here.value = chosen if chosen in ids else None

    def _coding_chosen(self) -> None:
        coding_id = self.codings_here.value
        if coding_id is not None:
            row = self._codings[self._codings["coding_id"] == coding_id].iloc[0]
            self.select(row["start"], row["end"], source="codings")
        self._show_coding_codes()

    def _show_coding_codes(self) -> None:
        """Name the chosen coding and the codes on its span, without ticking anything."""
        coding_id = self.codings_here.value
        if coding_id is None:
            self.coding_codes.value = ""
            return
        row = self._codings[self._codings["coding_id"] == coding_id].iloc[0]
        same = self._codings[
            (self._codings["start"] == row["start"]) & (self._codings["end"] == row["end"])
        ]
        names = ", ".join(dict.fromkeys(self.names.get(c, c) for c in same["code_id"]))
        self.coding_codes.value = (
            f"<div><b>Chosen</b>: {html.escape(self.describe_coding(coding_id))}. Codes on this "
            f"span: {html.escape(names)} (shown, not ticked)</div>"
        )

    def describe_coding(self, coding_id: int) -> str:
        """A coding of the open note in words: its code, coder and first words."""
        found = self._codings[self._codings["coding_id"] == coding_id]
        if found.empty:
            return f"{coding_id} (not on this note)"
        row = found.iloc[0]
        quote = first_words(self._text[int(row["start"]) : int(row["end"])])
        return f"{self.names.get(row['code_id'], row['code_id'])} by {row['coder']} on “{quote}”"

    def _preview_html(self) -> str:
        """Say what Apply, Remove and Save memo would touch now, before they are pressed."""
        lines = []
        ticked = [self.names.get(c, c) for c, box in self.code_boxes.items() if box.value]
        if self.selection is None:
            lines.append("Apply and Remove: select an excerpt first.")
        else:
            start, end = self.selection
            quote = f"“{first_words(self._text[start:end])}” ({start:,}–{end:,})"
            if ticked:
                lines.append(f"Apply will add {', '.join(ticked)} to {quote}.")
                lines.append(f"Remove will take your {', '.join(ticked)} off exactly {quote}.")
            else:
                lines.append(f"Apply adds nothing until you tick codes for {quote}.")
                if self.codings_here.value is not None:
                    coding = self.describe_coding(self.codings_here.value)
                    lines.append(f"Remove will delete the coding {coding}.")
        lines.append(self.memo_destination() + ".")
        body = "<br>".join(html.escape(line) for line in lines)
        return f'<div class="rk-preview" style="color:#333;font-size:0.9em">{body}</div>'

    def _filter_codes(self) -> None:
        wanted = self.code_filter.value.strip().casefold()
        for code_id, row in self._code_rows.items():
            match = not wanted or wanted in self.names[code_id].casefold()
            row.layout.display = "flex" if match else "none"

    # -- coding ----------------------------------------------------------------------------------
    def _require_selection(self) -> tuple[int, int]:
        if self.selection is None:
            raise CodingError(
                "no excerpt is selected", hint="choose a segment, find a phrase, or type offsets"
            )
        return self.selection

    def _ticked(self) -> list[str]:
        ticked = [code_id for code_id, box in self.code_boxes.items() if box.value]
        if not ticked:
            raise CodingError("no code is ticked", hint="tick the codes to apply or remove")
        return ticked

    def _untick(self) -> None:
        with self._quiet():
            for box in self.code_boxes.values():
                box.value = False

    def _apply(self) -> None:
        start, end = self._require_selection()
        ticked = self._ticked()
        frame = pd.DataFrame(
            {
                "document_id": self.document.id,
                "start": start,
                "end": end,
                "code_id": ticked,
                "coder": self.coder,
                "origin": "manual",
            }
        )
        already = self._save_codings(frame)
        self._untick()
        self._refresh_views()
        names = ", ".join(self.names.get(c, c) for c in ticked)
        note = f" ({already} already there)" if already else ""
        self._say(f"Applied {names} to {self.document.id} {start:,}–{end:,}{note}.", "ok")

    def _check_unchanged(self) -> None:
        """Refuse to code offsets into a note whose file changed after the panel read it."""
        current = self.study.document(self.document.id)
        if current.content_hash != self.document.content_hash:
            raise DocumentChangedError(
                "this note changed since the panel opened it",
                path=current.path,
                hint="press Reload (or choose the note again) and select the excerpt anew",
            )

    def _save_codings(self, frame: pd.DataFrame) -> int:
        """Apply the codings in ``frame`` (one transaction) and show the new ones.

        The view is updated from what was written rather than by reading every coding of the
        note again; Reload reads them all. Returns how many were already there.
        """
        self._check_unchanged()
        ids = apply_codes(self.study, frame)
        known = set(self._codings["coding_id"].tolist())
        new = frame.assign(coding_id=ids)[[coding_id not in known for coding_id in ids]]
        new = new.drop_duplicates("coding_id")
        if len(new):
            added = new.assign(
                excerpt_id=pd.NA,
                text=[self._text[s:e] for s, e in zip(new["start"], new["end"], strict=True)],
                created_at=utcnow(),
            )
            self._codings = pd.concat(
                [self._codings, added[list(CODING_COLUMNS)]], ignore_index=True
            )
        return len(ids) - len(new)

    def _remove(self) -> None:
        """Remove the ticked codes from exactly the selection or, with none ticked, the coding
        chosen under 'Codings here'."""
        start, end = self._require_selection()
        if self.codings_here.value is not None and not any(
            box.value for box in self.code_boxes.values()
        ):
            self._remove_chosen(int(self.codings_here.value))
            return
        ticked = self._ticked()
        self._check_unchanged()
        removed = [
            code_id
            for code_id in ticked
            if remove_code(self.study, self.document.id, start, end, code_id, coder=self.coder)
        ]
        self._untick()
        gone = (
            (self._codings["start"] == start)
            & (self._codings["end"] == end)
            & self._codings["code_id"].isin(removed)
            & (self._codings["coder"] == self.coder)
        )
        self._codings = self._codings[~gone].reset_index(drop=True)
        self._refresh_views()
        if not removed:
            self._say(
                "Nothing removed: you have none of the ticked codes on exactly this span "
                "(choose one under 'Codings here').",
                "info",
            )
            return
        names = ", ".join(self.names.get(c, c) for c in removed)
        self._say(f"Removed {names} from {self.document.id} {start:,}–{end:,}.", "ok")

    def _remove_chosen(self, coding_id: int) -> None:
        row = self._codings[self._codings["coding_id"] == coding_id].iloc[0]
        if row["coder"] != self.coder:
            raise CodingError(
                f"that coding is {row['coder']}'s, not yours; nothing removed",
                hint="each coder removes only their own codings",
            )
        description = self.describe_coding(coding_id)
        self._check_unchanged()
        remove_coding(self.study, coding_id)
        self._codings = self._codings[self._codings["coding_id"] != coding_id]
        self._codings = self._codings.reset_index(drop=True)
        self._refresh_views()
        self._show_coding_codes()
        self._say(f"Removed the coding {description}.", "ok")


# -- small helpers ---------------------------------------------------------------------------------


def _segment_label(number: int, text: str) -> str:
    return f"{number:>3} · {first_words(text)}"
