"""Qualitative coding of interview notes: documents, excerpts, the codebook, codings, agreement."""

from research_kit.interviews.agreement import agreement as coder_agreement
from research_kit.interviews.agreement import (
    cohen_kappa,
    disagreements,
    krippendorff_alpha,
    percent_agreement,
)
from research_kit.interviews.codebook import Code, Codebook, parse_codebook, read_codebook
from research_kit.interviews.codebook_edits import (
    add_code,
    merge_codes,
    move_code,
    rename_code,
    split_code,
    write_codebook,
)
from research_kit.interviews.coding import (
    accept_document_change,
    add_memo,
    apply_code,
    apply_codes,
    coders,
    codings,
    memos,
    remove_code,
    remove_coding,
    stale_codings,
    update_memo,
)
from research_kit.interviews.documents import Document, documents_table, read_note, read_notes
from research_kit.interviews.segments import paragraphs, segment

__all__ = [
    "Code",
    "Codebook",
    "Document",
    "accept_document_change",
    "add_code",
    "add_memo",
    "apply_code",
    "apply_codes",
    "coder_agreement",
    "coders",
    "codings",
    "cohen_kappa",
    "disagreements",
    "documents_table",
    "krippendorff_alpha",
    "memos",
    "merge_codes",
    "move_code",
    "paragraphs",
    "parse_codebook",
    "percent_agreement",
    "read_codebook",
    "read_note",
    "read_notes",
    "remove_code",
    "remove_coding",
    "rename_code",
    "segment",
    "split_code",
    "stale_codings",
    "update_memo",
    "write_codebook",
]
