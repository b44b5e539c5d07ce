"""Interview notes → documents: text exactly as read, plus the participant's attributes.

A note is a Markdown or text file whose optional YAML front matter (between two ``---`` lines at
the top) holds attributes such as participant, role, ward and date; a Word file (.docx) is read
paragraph by paragraph and table row by table row, in document order, with the same front
matter allowed in its first paragraphs. The document's text is everything after the front
matter, exactly as decoded: offsets into it are Unicode code points, end exclusive, and the
file's SHA-256 lets a study notice a note that changed after it was coded.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from research_kit.errors import NoteError, Problem
from research_kit.rawfiles import decode_text, read_raw_bytes, sha256_bytes
from research_kit.yamlfiles import YamlMap, parse_yaml

NOTE_SUFFIXES = (".md", ".markdown", ".txt", ".docx")
_FENCE = "---"


@dataclass(frozen=True)
class Document:
    """One interview note as read from the study folder.

    Attributes
    ----------
    id : str
        The file name without its suffix (unique within a study's notes folder).
    path : Path
        The file.
    text : str
        The note's body exactly as read (front matter removed).
    attributes : dict
        Front-matter values (participant, role, ward, date, …).
    content_hash : str
        SHA-256 of the file's bytes.
    encoding : str
        The encoding the file was decoded with.
    body_line : int
        1-based line of the file where ``text`` starts.
    """

    id: str
    path: Path
    text: str
    attributes: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""
    encoding: str = "utf-8"
    body_line: int = 1

    @property
    def n_words(self) -> int:
        """Whitespace-separated words in the text."""
        return len(self.text.split())

    def line_of(self, offset: int) -> int:
        """Return the file's 1-based line for a code-point offset into ``text``."""
        return self.body_line + self.text.count("\n", 0, offset)


def read_note(path: Path | str) -> Document:
    """Read one interview note (.md, .txt or .docx) into a :class:`Document`.

    Parameters
    ----------
    path : Path or str
        The note.

    Returns
    -------
    Document

    Raises
    ------
    NoteError
        If the file is empty, binary, not a note type, or its front matter is broken.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> note = pathlib.Path(tempfile.mkdtemp()) / "P01.md"
    >>> _ = note.write_text("---\\nparticipant: P01\\nrole: resident\\n---\\nQ: Hello?\\n")
    >>> doc = read_note(note)
    >>> doc.id, doc.attributes["role"], doc.text
    ('P01', 'resident', 'Q: Hello?\\n')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in NOTE_SUFFIXES:
        raise NoteError(
            f"is not an interview note type ({suffix or 'no suffix'})",
            path=path,
            hint=f"save notes as one of {', '.join(NOTE_SUFFIXES)}",
        )
    data = read_raw_bytes(path, error_class=NoteError)
    if suffix == ".docx":
        text, encoding = _docx_text(data, path), "docx"
    else:
        raw = decode_text(data, path, error_class=NoteError)
        text, encoding = raw.text, raw.encoding
    attributes, body, body_line = split_front_matter(text, path)
    return Document(
        id=path.stem,
        path=path,
        text=body,
        attributes=attributes,
        content_hash=sha256_bytes(data),
        encoding=encoding,
        body_line=body_line,
    )


def split_front_matter(text: str, path: Path | str) -> tuple[dict[str, Any], str, int]:
    """Split ``text`` into front-matter attributes, the body, and the body's first line.

    Text without a leading ``---`` line has no front matter: the whole text is the body.

    Examples
    --------
    >>> split_front_matter("---\\nward: Ward 2\\n---\\nBody", "n.md")
    ({'ward': 'Ward 2'}, 'Body', 4)
    >>> split_front_matter("Just notes", "n.md")
    ({}, 'Just notes', 1)
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        return {}, text, 1
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == _FENCE:
            header = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            return _parse_front_matter(header, path), body, index + 2
    raise NoteError(
        "front matter is not closed",
        path=path,
        line=1,
        hint="add a line with just '---' after the attributes at the top of the note",
    )


def _parse_front_matter(header: str, path: Path | str) -> dict[str, Any]:
    if not header.strip():
        return {}
    data = parse_yaml(header, path, line_offset=1, error_class=NoteError)
    if not isinstance(data, dict):
        raise NoteError(
            "front matter must be 'key: value' lines",
            path=path,
            line=2,
            hint="write each attribute on its own line, e.g. 'role: resident'",
        )
    return {str(key): _plain(value) for key, value in data.items()}


def _plain(value: Any) -> Any:
    """Drop YAML line bookkeeping; keep dates, numbers and strings as YAML read them."""
    if isinstance(value, YamlMap):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _docx_text(data: bytes, path: Path) -> str:
    """Paragraph texts of a Word file joined by blank lines (front matter lines kept as lines)."""
    import io

    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as exc:
        raise NoteError(
            "is not a readable Word document",
            path=path,
            hint="open it in Word and save it again as .docx, or save the note as .txt",
        ) from exc
    return _join_docx_paragraphs(_docx_blocks(document))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_blocks(document) -> list[str]:
    """The text of every paragraph and every table row of a Word body, in document order.

    ``document.paragraphs`` alone skips tables, where many transcripts keep their text
    (speaker | utterance). A row's cells are joined by tabs; a cell merged across columns or
    rows is read once, as Word stores it (python-docx would repeat it for each grid cell).
    Paragraphs inside content controls (``w:sdt``) are read too.
    """
    return _blocks_of(document.element.body, document)


def _blocks_of(container, parent) -> list[str]:
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    pending = list(container.iterchildren())[::-1]
    while pending:  # a stack, so content controls inside content controls cost no recursion
        element = pending.pop()
        if element.tag == f"{_W}p":
            blocks.append(Paragraph(element, parent).text)
        elif element.tag == f"{_W}tbl":
            blocks += _table_rows(element, parent)
        elif element.tag == f"{_W}sdt":
            content = element.find(f"{_W}sdtContent")
            if content is not None:
                pending.extend(list(content.iterchildren())[::-1])
    return blocks


def _table_rows(table, parent) -> list[str]:
    """One text per row, cells joined by tabs (a nested table's rows are lines of its cell).

    Nested tables recurse, but Word files cannot nest deeply: the XML parser python-docx uses
    refuses documents nested over 256 elements, a few dozen tables at most.
    """
    rows = []
    for row in table.iterchildren(f"{_W}tr"):
        cells = [
            "\n".join(text for text in _blocks_of(cell, parent) if text.strip())
            for cell in row.iterchildren(f"{_W}tc")
            if not _continues_merge(cell)
        ]
        rows.append("\t".join(cells))
    return rows


def _continues_merge(cell) -> bool:
    """Whether a table cell continues a cell merged from the row above (its text is there)."""
    merge = cell.find(f"{_W}tcPr/{_W}vMerge")
    return merge is not None and merge.get(f"{_W}val", "continue") == "continue"


def _join_docx_paragraphs(paragraphs: list[str]) -> str:
    """Keep a front-matter block line by line; separate the body's paragraphs by blank lines."""
    if paragraphs and paragraphs[0].strip() == _FENCE:
        for index, paragraph in enumerate(paragraphs[1:], start=1):
            if paragraph.strip() == _FENCE:
                header = "\n".join(paragraphs[: index + 1]) + "\n"
                return header + "\n\n".join(p for p in paragraphs[index + 1 :] if p.strip())
    return "\n\n".join(p for p in paragraphs if p.strip())


def note_paths(folder: Path | str) -> list[Path]:
    """Return the note files in ``folder`` (not hidden, known suffixes), sorted by name.

    Anything with a note's name that is not a folder is listed, pipes and devices included,
    so that reading it reports what it is instead of the note silently going missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if not path.is_dir()
        and path.suffix.lower() in NOTE_SUFFIXES
        and not path.name.startswith((".", "~$"))
        and path.name.lower() != "readme.md"
    )


def read_notes(folder: Path | str) -> list[Document]:
    """Read every note in ``folder`` (see :func:`read_note`); the first broken note raises.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "P02.txt").write_text("Field notes.")
    >>> [doc.id for doc in read_notes(folder)]
    ['P02']
    """
    return [read_note(path) for path in note_paths(folder)]


def documents_table(documents: list[Document]) -> pd.DataFrame:
    """Return one row per document: id, path, words, hash and one column per attribute.

    Examples
    --------
    >>> doc = Document("P01", Path("P01.md"), "two words", {"role": "resident"})
    >>> documents_table([doc])[["document_id", "n_words", "role"]].values.tolist()
    [['P01', 2, 'resident']]
    """
    rows = [
        {
            "document_id": doc.id,
            "path": str(doc.path),
            "n_chars": len(doc.text),
            "n_words": doc.n_words,
            "content_hash": doc.content_hash,
            **doc.attributes,
        }
        for doc in documents
    ]
    base = ["document_id", "path", "n_chars", "n_words", "content_hash"]
    return pd.DataFrame(rows, columns=list(dict.fromkeys(base + [k for r in rows for k in r])))


def validate_note_file(path: Path) -> tuple[Document | None, list[Problem]]:
    """Read one note for ``research-kit check``: the document (if readable) and its problems."""
    try:
        document = read_note(path)
    except NoteError as exc:
        return None, [exc.as_problem()]
    problems = []
    if document.encoding in {"cp1252", "latin-1"}:
        problems.append(
            Problem(
                path,
                f"is not UTF-8; read as {document.encoding}",
                "save the note as UTF-8 so accents and quotes survive everywhere",
                severity="warning",
            )
        )
    if not document.text.strip():
        problems.append(
            Problem(path, "has attributes but no text", "add the interview notes below the '---'")
        )
    return document, problems
