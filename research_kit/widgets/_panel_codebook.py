"""The coding panel's live codebook: reread on every change, and edited from the panel (private).

:class:`LiveCodebook` is mixed into :class:`~research_kit.widgets.CodingPanel`. The panel
remembers a stamp of ``codebook.yml`` (its modification time, size and inode: every codebook
edit, from this panel, a notebook or another process, replaces the file) and compares it
before every action and whenever the browser reports focus or polls; on a change it rereads
the codebook, rebuilds the code list, relabels the highlights and rereads the note's codings
(a merge moves them). A code that was ticked and has since gone makes the action stop with a
message before anything is written.

The Codebook tab adds, renames, moves, merges and splits codes through
:mod:`research_kit.interviews.codebook_edits`, the same functions a notebook calls.
"""

from __future__ import annotations

from research_kit.errors import CodingError
from research_kit.interviews.codebook import slugify
from research_kit.interviews.codebook_edits import (
    add_code,
    merge_codes,
    move_code,
    rename_code,
    split_code,
)
from research_kit.widgets.highlight import code_colours


class LiveCodebook:
    """The Codebook tab's behaviour and the rereading of the codebook (mixed into the panel)."""

    def _codebook_stamp(self) -> tuple[int, int, int] | None:
        path = self.study.settings.codebook
        try:
            status = path.stat() if path is not None else None
        except OSError:
            return None
        return None if status is None else (status.st_mtime_ns, status.st_size, status.st_ino)

    def _load_codebook(self) -> None:
        # The stamp is taken before reading, so an edit landing in between is seen next time.
        self._codebook_seen = self._codebook_stamp()
        self.codebook = self.study.codebook()
        self.colours = code_colours(self.codebook)
        self.names = {code.id: code.name for code in self.codebook}

    def follow_codebook(self) -> bool:
        """Reread the codebook if its file changed since the panel read it; say if it did.

        Raises
        ------
        CodingError
            If a ticked code left the codebook (merged or removed): the ticks that remain
            stay, and the action that asked is not carried out.
        """
        if self._codebook_stamp() == self._codebook_seen:
            return False
        gone = self.reread_codebook()
        if gone:
            raise CodingError(
                f"{', '.join(gone)} left the codebook (merged or removed in another edit); "
                "nothing was written",
                hint="the panel now shows the current codebook: tick the codes again",
            )
        self._say("The codebook changed elsewhere: the panel shows it as it is now.", "info")
        return True

    def reread_codebook(self) -> list[str]:
        """Read the codebook again and redraw everything that names codes.

        Returns the names of the ticked codes that are no longer in the codebook.
        """
        ticked = [code_id for code_id, box in self.code_boxes.items() if box.value]
        old_names = dict(self.names)
        self._load_codebook()
        self.build_code_list(self.codebook, self.colours)
        self._connect_code_boxes()
        with self._quiet():
            for code_id in ticked:
                if code_id in self.code_boxes:
                    self.code_boxes[code_id].value = True
        self._filter_codes()
        if self.document is not None:
            self._reload()
        return [old_names.get(code_id, code_id) for code_id in ticked if code_id not in self.names]

    def _connect_codebook_tab(self, on_click) -> None:
        on_click(self.add_code_button, self._add_code)
        on_click(self.rename_code_button, self._rename_code)
        on_click(self.move_code_button, self._move_code)
        on_click(self.merge_code_button, self._merge_code)
        on_click(self.split_code_button, self._split_code)

    # -- the edits ------------------------------------------------------------------------------
    def _typed_name(self) -> str:
        name = self.codebook_name.value.strip()
        if not name:
            raise CodingError("type a name first", hint="the Name field of the Codebook tab")
        return name

    def _chosen_code(self) -> str:
        code_id = self.codebook_code.value
        if not code_id:
            raise CodingError("choose a code first", hint="the Code picker of the Codebook tab")
        return code_id

    def _after_edit(self, message: str) -> None:
        with self._quiet():
            self.codebook_name.value = ""
        self.reread_codebook()
        self._say(message, "ok")

    def _add_code(self) -> None:
        name = self._typed_name()
        code_id = add_code(self.study, name, parent=self.codebook_target.value or None)
        self._after_edit(f"Added the code {name} ({code_id}).")
        self.codebook_code.value = code_id

    def _rename_code(self) -> None:
        code_id, name = self._chosen_code(), self._typed_name()
        old = self.names.get(code_id, code_id)
        rename_code(self.study, code_id, name)
        self._after_edit(f"Renamed {old} to {name}; its codings stay.")

    def _move_code(self) -> None:
        code_id, parent = self._chosen_code(), self.codebook_target.value or None
        move_code(self.study, code_id, parent)
        where = f"under {self.names.get(parent, parent)}" if parent else "to the top level"
        self._after_edit(f"Moved {self.names.get(code_id, code_id)} {where}.")

    def _merge_code(self) -> None:
        code_id, into = self._chosen_code(), self.codebook_target.value
        if not into or into == code_id:
            raise CodingError(
                "choose the code to merge into under Parent/into",
                hint="a code other than the one being merged",
            )
        old, target = self.names.get(code_id, code_id), self.names.get(into, into)
        moved = merge_codes(self.study, [code_id], into)
        self._after_edit(f"Merged {old} into {target}: {moved} coding(s) moved; {old} is gone.")

    def _split_code(self) -> None:
        code_id, name = self._chosen_code(), self._typed_name()
        start, end = self._require_selection()
        mine = self._codings[
            (self._codings["code_id"] == code_id)
            & (self._codings["start"] < end)
            & (self._codings["end"] > start)
        ]
        if mine.empty:
            raise CodingError(
                f"no coding of {self.names.get(code_id, code_id)} on the selected excerpt",
                hint="select an excerpt coded with the code to split",
            )
        new_id = slugify(name)
        moved = split_code(
            self.study,
            code_id,
            {new_id: name},
            {int(coding_id): new_id for coding_id in mine["coding_id"]},
        )
        self._after_edit(
            f"Split {name} off {self.names.get(code_id, code_id)}: {moved} coding(s) moved."
        )
