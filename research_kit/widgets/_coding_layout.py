"""The coding panel's controls and how they are laid out (private).

:class:`CodingLayout` creates every widget of :class:`~research_kit.widgets.CodingPanel` (the
note picker, the page bar, the note view, the selection tools, the code list, the preview line,
the memo tab with its memo browser, the suggestion and codebook tabs) and arranges them; the
panel gives them behaviour. Kept apart so that what the panel looks like can change without
touching what each click does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from research_kit.interviews.segments import SEGMENT_KINDS
from research_kit.schema import MEMO_TARGETS
from research_kit.widgets.highlight import codes_in_order, swatch_html
from research_kit.widgets.note_view import NoteView

if TYPE_CHECKING:
    from research_kit.interviews.codebook import Codebook
    from research_kit.interviews.documents import Document


class CodingLayout:
    """The widgets of the coding panel, laid out; :meth:`build_layout` creates them.

    Examples
    --------
    >>> from research_kit.interviews import parse_codebook
    >>> layout = CodingLayout()
    >>> book = parse_codebook("codes:\\n- name: Waiting\\n")
    >>> layout.build_layout([], "paragraph", codebook=book, colours={})
    >>> layout.segment_kind.value, [box.description for box in layout.code_boxes.values()]
    ('paragraph', ['Waiting'])
    """

    def build_layout(
        self,
        documents: list[Document],
        segment_by: str,
        *,
        codebook: Codebook,
        colours: dict[str, str],
    ) -> None:
        """Create the controls as attributes, and ``widget``, the whole panel.

        Parameters
        ----------
        documents : list of Document
            The notes the picker offers.
        segment_by : str
            The segment kind chosen at first.
        codebook : Codebook
            The codes to tick, in codebook order.
        colours : dict of str to str
            Each code's colour, for its swatch.
        """

        def full() -> widgets.Layout:
            return widgets.Layout(width="98%")

        self.document_picker = widgets.Dropdown(
            options=[(_document_label(doc), doc.id) for doc in documents],
            description="Note",
            layout=widgets.Layout(width="34em"),
        )
        self.reload_button = widgets.Button(
            description="Reload", icon="refresh", tooltip="read the note and its codings again"
        )
        self.show_all_coders = widgets.Checkbox(
            value=False, description="show other coders' codings", indent=False
        )
        self.segment_kind = widgets.ToggleButtons(
            options=list(SEGMENT_KINDS), value=segment_by, style={"button_width": "7.5em"}
        )
        self.page_picker = widgets.Dropdown(description="Page", layout=widgets.Layout(width="22em"))
        self.previous_page = widgets.Button(icon="chevron-left", layout=widgets.Layout(width="3em"))
        self.next_page = widgets.Button(icon="chevron-right", layout=widgets.Layout(width="3em"))
        self.page_bar = widgets.HBox([self.previous_page, self.page_picker, self.next_page])
        self.text_view = NoteView(
            layout=widgets.Layout(
                height="62vh", min_height="20em", overflow="auto", border="1px solid #ddd"
            )
        )
        self.legend = widgets.HTML()

        self.segment_list = widgets.SelectMultiple(rows=7, layout=full())
        self.find_box = widgets.Text(placeholder="find a phrase in this note", layout=full())
        self.find_button = widgets.Button(description="Find next", icon="search")
        self.start_field = widgets.BoundedIntText(description="start", min=0, max=0)
        self.end_field = widgets.BoundedIntText(description="end", min=0, max=0)
        for field in (self.start_field, self.end_field):
            field.layout.width = "12em"
        self.excerpt_view = widgets.HTML()

        self.code_filter = widgets.Text(placeholder="filter codes", layout=full())
        self.code_list = widgets.VBox(layout=widgets.Layout(max_height="16em", overflow="auto"))
        self.build_code_list(codebook, colours)
        self.apply_button = widgets.Button(description="Apply", button_style="primary")
        self.remove_button = widgets.Button(description="Remove", button_style="warning")
        self.codings_here = widgets.Select(rows=4, layout=full())
        self.coding_codes = widgets.HTML()
        self.action_preview = widgets.HTML()

        self.memo_target = widgets.ToggleButtons(
            options=["document", "code", "coding"], value="document", description="Memo on"
        )
        self.memo_box = widgets.Textarea(placeholder="memo", rows=4, layout=full())
        self.memo_button = widgets.Button(description="Save memo", icon="save")
        self.memo_view = widgets.HTML()
        self.memo_search = widgets.Text(placeholder="search all memos", layout=full())
        self.memo_filter = widgets.Dropdown(
            options=[("all memos", "")] + [(f"on a {k}", k) for k in MEMO_TARGETS],
            value="",
            description="Show",
        )
        self.memo_list = widgets.Select(rows=6, layout=full())
        self.memo_edit = widgets.Textarea(
            placeholder="choose a memo above to edit it", rows=3, layout=full()
        )
        self.memo_update_button = widgets.Button(description="Save changes", icon="save")

        self.suggestion_list = widgets.Select(rows=8, layout=full())
        self.accept_button = widgets.Button(description="Accept", button_style="success")
        self.reject_button = widgets.Button(description="Reject", button_style="danger")
        self.status = widgets.HTML()

        coding_tab = widgets.VBox(
            [
                self.code_filter,
                self.code_list,
                widgets.HBox([self.apply_button, self.remove_button]),
                widgets.HTML("<b>Codings here</b> (choose one to remove it or write a memo)"),
                self.codings_here,
                self.coding_codes,
            ]
        )
        memo_tab = widgets.VBox(
            [
                self.memo_target,
                self.memo_box,
                self.memo_button,
                self.memo_view,
                widgets.HTML("<b>All memos</b>: search, filter, choose one to edit it"),
                widgets.HBox([self.memo_search, self.memo_filter]),
                self.memo_list,
                self.memo_edit,
                self.memo_update_button,
            ]
        )
        suggestion_tab = widgets.VBox(
            [self.suggestion_list, widgets.HBox([self.accept_button, self.reject_button])]
        )
        tabs = widgets.Tab(
            children=[coding_tab, memo_tab, suggestion_tab, self._codebook_tab(codebook)],
            titles=("Code", "Memo", "Suggestions", "Codebook"),
        )
        left = widgets.VBox(
            [self.page_bar, self.text_view, self.legend], layout=widgets.Layout(width="58%")
        )
        right = widgets.VBox(
            [
                widgets.HTML("<b>Select an excerpt</b>: segments, a phrase, or offsets"),
                self.segment_list,
                widgets.HBox([self.find_box, self.find_button]),
                widgets.HBox([self.start_field, self.end_field]),
                self.excerpt_view,
                self.action_preview,
                tabs,
            ],
            layout=widgets.Layout(width="42%", padding="0 0.5em 0 1em"),
        )
        header = widgets.HBox(
            [self.document_picker, self.reload_button, self.segment_kind, self.show_all_coders]
        )
        self.widget = widgets.VBox([header, self.status, widgets.HBox([left, right])])

    def build_code_list(self, codebook: Codebook, colours: dict[str, str]) -> None:
        """(Re)create a tick box per code, indented under its parent, in codebook order."""
        self.code_boxes: dict[str, widgets.Checkbox] = {}
        self._code_rows: dict[str, widgets.HBox] = {}
        for code, depth in codes_in_order(codebook):
            box = widgets.Checkbox(
                description=code.name, indent=False, tooltip=code.definition[:400]
            )
            self.code_boxes[code.id] = box
            swatch = widgets.HTML(
                swatch_html(colours.get(code.id)), layout=widgets.Layout(width="1.4em")
            )
            # flex "0 0 auto": rows keep their height instead of shrinking in the scroll box
            self._code_rows[code.id] = widgets.HBox(
                [swatch, box],
                layout=widgets.Layout(margin=f"0 0 0 {depth * 1.2}em", flex="0 0 auto"),
            )
        self.code_list.children = list(self._code_rows.values())
        if hasattr(self, "codebook_code"):
            self.fill_codebook_choices(codebook)

    def _codebook_tab(self, codebook: Codebook) -> widgets.VBox:
        """The controls that add, rename, move, merge and split codes."""
        wide = widgets.Layout(width="95%")
        self.codebook_code = widgets.Dropdown(description="Code", layout=wide)
        self.codebook_name = widgets.Text(
            description="Name", placeholder="a name (add, rename, split off)", layout=wide
        )
        self.codebook_target = widgets.Dropdown(description="Parent/into", layout=wide)
        self.fill_codebook_choices(codebook)
        self.add_code_button = widgets.Button(description="Add", tooltip="new code: Name")
        self.rename_code_button = widgets.Button(description="Rename", tooltip="Code gets Name")
        self.move_code_button = widgets.Button(description="Move", tooltip="Code under Parent")
        self.merge_code_button = widgets.Button(
            description="Merge", button_style="warning", tooltip="Code into Parent/into"
        )
        self.split_code_button = widgets.Button(
            description="Split off", tooltip="Code's codings on the excerpt go to a new code"
        )
        buttons = [
            self.add_code_button,
            self.rename_code_button,
            self.move_code_button,
            self.merge_code_button,
            self.split_code_button,
        ]
        for button in buttons:
            button.layout.width = "6.5em"
        guide = widgets.HTML(
            '<div style="color:#555;font-size:0.9em">Add: a code called Name under Parent. '
            "Rename: Code gets Name. Move: Code goes under Parent. Merge: Code's codings "
            "and memos go to the code chosen as Parent/into, and Code leaves the codebook. "
            "Split off: a new code called Name takes Code's codings on the selected "
            "excerpt.</div>"
        )
        return widgets.VBox(
            [
                self.codebook_code,
                self.codebook_name,
                self.codebook_target,
                widgets.HBox(buttons),
                guide,
            ]
        )

    def fill_codebook_choices(self, codebook: Codebook) -> None:
        """Offer the codebook's codes in the codebook tab's pickers (keeping the choices)."""
        codes = [(("· " * depth) + code.name, code.id) for code, depth in codes_in_order(codebook)]
        for picker, extra in (
            (self.codebook_code, []),
            (self.codebook_target, [("(top level)", "")]),
        ):
            chosen = picker.value
            picker.options = extra + codes
            known = {value for _, value in picker.options}
            picker.value = (
                chosen if chosen in known else (picker.options[0][1] if picker.options else None)
            )


def _document_label(document: Document) -> str:
    details = [
        str(document.attributes[key])
        for key in ("role", "ward")
        if document.attributes.get(key) not in (None, "")
    ]
    return f"{document.id} — {', '.join(details)}" if details else document.id
