"""Qualitative coding of interview notes: documents, the codebook, and (later) codings."""

from research_kit.interviews.agreement import cohen_kappa, krippendorff_alpha
from research_kit.interviews.codebook import Code, Codebook, parse_codebook, read_codebook
from research_kit.interviews.documents import (
    Document,
    documents_table,
    read_note,
    read_notes,
)

__all__ = [
    "Code",
    "Codebook",
    "Document",
    "cohen_kappa",
    "documents_table",
    "krippendorff_alpha",
    "parse_codebook",
    "read_codebook",
    "read_note",
    "read_notes",
]
