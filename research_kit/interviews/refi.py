"""REFI-QDA interchange: a study's coding work in and out of QDPX projects and QDC codebooks.

REFI-QDA (www.qdasoftware.org) is the exchange format of ATLAS.ti, NVivo, MAXQDA, QualCoder and
others. A ``.qdpx`` file is a zip archive holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and a ``sources/`` folder with each text as a plain-text file; a
``.qdc`` file is a codebook alone (``urn:QDA-XML:codebook:1.0``).

This module is where the functions have always been imported from. :func:`export_qdpx` and
:func:`export_qdc` live in :mod:`.refi_export` (coders, codebook, notes, excerpts, codings,
attributes and memos out, with GUIDs that stay the same from one export to the next);
:func:`import_qdpx`, :func:`read_qdc` and :func:`import_qdc` in :mod:`.refi_import` (checked
first, then written all or nothing); both share :mod:`.refi_model`.
"""

from __future__ import annotations

from research_kit.interviews.refi_export import export_qdc, export_qdpx
from research_kit.interviews.refi_import import QdpxImport, import_qdc, import_qdpx, read_qdc
from research_kit.interviews.refi_model import (
    CODEBOOK_NS,
    MAX_CODE_DEPTH,
    MAX_COMPRESSION_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    MISSING_SOURCES,
    PROJECT_NS,
    QdpxError,
)

__all__ = [
    "CODEBOOK_NS",
    "MAX_CODE_DEPTH",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "MISSING_SOURCES",
    "PROJECT_NS",
    "QdpxError",
    "QdpxImport",
    "export_qdc",
    "export_qdpx",
    "import_qdc",
    "import_qdpx",
    "read_qdc",
]
