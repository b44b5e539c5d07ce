"""Writing what a study keeps beside notes and codings into ``project.qde``: variables, Cases,
non-text sources and Sets.

Part of :func:`~research_kit.interviews.refi_export.export_qdpx`: note, case and media
attributes become Variables with VariableValues; every case of
:func:`~research_kit.interviews.cases.cases` becomes a Case with its attributes and SourceRefs
(stored cases as stored, participants' cases from their notes: see
:func:`~research_kit.interviews.cases.case_records`); picture, audio, video and PDF sources
kept as references become their REFI-QDA source elements with their selections and codings
(and their files in the archive when the study holds them); sets become Sets of codes and
sources. ``guids`` is the export's GUID maker (``guids(kind, key)``), so every object keeps its
GUID from one export to the next.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
from lxml import etree

from research_kit.interviews.refi_model import tag, xml_safe
from research_kit.interviews.refi_records import Case, CodeSet, MediaSource

__all__ = [
    "case_elements",
    "media_elements",
    "set_elements",
    "timestamp",
    "typed_like",
    "variable_kinds",
    "variable_value_elements",
]

Guids = Callable[[str, object], str]

#: Media kind → (source element, selection element).
_ELEMENTS = {
    "picture": ("PictureSource", "PictureSelection"),
    "pdf": ("PDFSource", "PDFSelection"),
    "audio": ("AudioSource", "AudioSelection"),
    "video": ("VideoSource", "VideoSelection"),
}


def timestamp(value: object) -> str | None:
    """A datetime as REFI-QDA writes it (UTC, ``Z``); ``None`` for anything else.

    Examples
    --------
    >>> timestamp(datetime(2026, 12, 6, 18, 0)), timestamp(None)
    ('2026-12-06T18:00:00Z', None)
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def variable_kinds(attribute_sets: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Attribute name → REFI variable type (one type per attribute; Text when they differ).

    Examples
    --------
    >>> variable_kinds([{"age": 31, "role": "clerk"}, {"age": "unknown"}])
    {'age': 'Text', 'role': 'Text'}
    """
    kinds: dict[str, set[str]] = {}
    for attributes in attribute_sets:
        for name, value in attributes.items():
            if value is not None and value != "":
                kinds.setdefault(name, set()).add(_variable_type(value))
    return {name: found.pop() if len(found) == 1 else "Text" for name, found in kinds.items()}


def typed_like(attributes: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    """``attributes`` with ISO text made a date (or datetime) where ``kinds`` types it so.

    A stored case keeps its attributes as JSON, where a date becomes text; typed like the
    notes' variable of the same name, it does not turn that variable into Text on export.

    Examples
    --------
    >>> typed_like({"date": "2026-04-02", "ward": "Ward 5"}, {"date": "Date"})
    {'date': datetime.date(2026, 4, 2), 'ward': 'Ward 5'}
    """
    parsers = {"Date": date.fromisoformat, "DateTime": datetime.fromisoformat}
    typed = {}
    for name, value in attributes.items():
        parse = parsers.get(kinds.get(name, ""))
        if parse is not None and isinstance(value, str):
            # not a date after all: it stays text, and the variable becomes Text
            with contextlib.suppress(ValueError):
                value = parse(value)
        typed[name] = value
    return typed


def _variable_type(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float" if math.isfinite(value) and "e" not in repr(value) else "Text"
    if isinstance(value, datetime):
        return "DateTime"
    if isinstance(value, date):
        return "Date"
    return "Text"


def variable_value_elements(
    holder: etree._Element, attributes: dict[str, Any], variables: dict[str, str], guids: Guids
) -> None:
    """One VariableValue per attribute of ``attributes`` under ``holder``."""
    for name, value in attributes.items():
        if value is None or value == "" or name not in variables:
            continue
        element = etree.SubElement(holder, tag("VariableValue"))
        etree.SubElement(element, tag("VariableRef"), targetGUID=guids("variable", name))
        kind = variables[name]
        etree.SubElement(element, tag(f"{kind}Value")).text = _variable_text(value, kind)


def _variable_text(value: Any, kind: str) -> str:
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "DateTime":
        return timestamp(value) or str(value)
    if kind in ("Date", "Integer", "Float"):
        return value.isoformat() if isinstance(value, date) else repr(value)
    if isinstance(value, list):
        return xml_safe(", ".join(str(item) for item in value))
    return xml_safe(value.isoformat() if isinstance(value, date) else str(value))


def _description(holder: etree._Element, text: str) -> None:
    if text.strip():
        etree.SubElement(holder, tag("Description")).text = xml_safe(text)


def case_elements(
    root: etree._Element,
    cases: list[Case],
    variables: dict[str, str],
    guids: Guids,
    exported: set[tuple[str, str]],
) -> None:
    """Cases with their attributes and the exported sources they refer to."""
    if not cases:
        return
    holder = etree.SubElement(root, tag("Cases"))
    for case in cases:
        # a stored case by its id; a participant's case (not stored) by its name
        key = case.id if case.id is not None else f"participant:{case.name}"
        element = etree.SubElement(
            holder, tag("Case"), guid=guids("case", key), name=xml_safe(case.name)
        )
        _description(element, case.description)
        variable_value_elements(element, case.attributes, variables, guids)
        for kind, ids in (("document", case.documents), ("media", case.media)):
            for member in ids:
                if (kind, member) in exported:
                    guid = guids("source" if kind == "document" else "media", member)
                    etree.SubElement(element, tag("SourceRef"), targetGUID=guid)


def media_elements(
    holder: etree._Element,
    media: list[MediaSource],
    folder: Path,
    variables: dict[str, str],
    guids: Guids,
    codes: set[str],
) -> dict[str, bytes]:
    """Each media source as its REFI-QDA element; return the archive members of its files.

    A coding of a code no longer in the codebook (merged away) is left out; a source whose
    file the study does not hold keeps the reference the exporting tool gave it, if that was
    outside the archive.
    """
    members: dict[str, bytes] = {}
    for source in media:
        source_tag, selection_tag = _ELEMENTS[source.kind]
        guid = guids("media", source.id)
        element = etree.SubElement(holder, tag(source_tag), guid=guid, name=xml_safe(source.name))
        file = folder / source.path if source.path else None
        if file is not None and file.is_file():
            member = f"{guid}{PurePosixPath(source.path).suffix}"
            members[f"sources/{member}"] = file.read_bytes()
            element.set("path", f"internal://{member}")
        elif source.original_path.lower().startswith(("relative://", "absolute://")):
            element.set("path", xml_safe(source.original_path))
        _description(element, source.description)
        whole = []
        for number, selection in enumerate(source.selections):
            if not selection.position:
                whole.append(selection)
                continue
            item = etree.SubElement(
                element,
                tag(selection_tag),
                guid=guids("media-selection", f"{source.id}:{number}"),
                name=xml_safe(selection.name),
                **{key: str(value) for key, value in selection.position.items()},
            )
            _description(item, selection.description)
            _codings(item, selection.codes, f"{source.id}:{number}", guids, codes)
        for selection in whole:
            _codings(element, selection.codes, f"{source.id}:whole", guids, codes)
        variable_value_elements(element, source.attributes, variables, guids)
    return members


def _codings(holder, pairs, key: str, guids: Guids, codes: set[str]) -> None:
    for code_id, coder in pairs:
        if code_id not in codes:
            continue
        coding = etree.SubElement(
            holder,
            tag("Coding"),
            guid=guids("media-coding", f"{key}:{code_id}:{coder}"),
            creatingUser=guids("user", coder),
        )
        etree.SubElement(coding, tag("CodeRef"), targetGUID=guids("code", code_id))


def set_elements(
    holder: etree._Element,
    sets: list[CodeSet],
    guids: Guids,
    codes: set[str],
    exported: set[tuple[str, str]],
    *,
    member_code: Callable[[str], dict[str, str]] | None = None,
    namespace_tag: Callable[[str], str] = tag,
) -> None:
    """Sets with their member codes (those in the codebook), exported sources and memos.

    ``member_code`` gives a MemberCode's attributes from its GUID (the codebook schema names
    it ``guid``, the project schema ``targetGUID``); ``namespace_tag`` the tags' namespace.
    A QDC has no sources, so ``exported`` is empty there.
    """
    member_code = member_code or (lambda guid: {"targetGUID": guid})
    for code_set in sets:
        element = etree.SubElement(
            holder,
            namespace_tag("Set"),
            guid=guids("set", code_set.id),
            name=xml_safe(code_set.name) or "set",
        )
        if code_set.description.strip():
            description = etree.SubElement(element, namespace_tag("Description"))
            description.text = xml_safe(code_set.description)
        for code_id in code_set.codes:
            if code_id in codes:
                etree.SubElement(
                    element, namespace_tag("MemberCode"), **member_code(guids("code", code_id))
                )
        for kind, ids in (("document", code_set.documents), ("media", code_set.media)):
            for member in ids:
                if (kind, member) in exported:
                    guid = guids("source" if kind == "document" else "media", member)
                    etree.SubElement(element, namespace_tag("MemberSource"), targetGUID=guid)
        for memo_id in code_set.memos:
            if ("memo", memo_id) in exported:
                guid = guids("memo", memo_id)
                etree.SubElement(element, namespace_tag("MemberNote"), targetGUID=guid)
