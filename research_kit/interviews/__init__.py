"""Qualitative coding of interview notes: documents, excerpts, the codebook, codings, memos,
cases (participants) and coding queries, agreement."""

from research_kit.interviews.agreement import (
    coder_agreement,
    disagreements,
    pairwise_agreement,
)
from research_kit.interviews.analysis import (
    code_by_attribute,
    code_cooccurrence,
    code_frequencies,
    quotes,
    saturation_curve,
    theme_summary,
)
from research_kit.interviews.autocode import apply_rules, read_rules
from research_kit.interviews.cases import (
    case_attributes,
    case_code_matrix,
    case_codes,
    case_documents,
    cases,
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
    apply_code,
    apply_codes,
    coders,
    codings,
    remove_code,
    remove_coding,
    stale_codings,
)
from research_kit.interviews.coding_io import (
    CodingsFileError,
    export_codings,
    import_codings,
    import_shipped_codings,
    read_codings_csv,
)
from research_kit.interviews.documents import Document, documents_table, read_note, read_notes
from research_kit.interviews.export import (
    code_matrix,
    codebook_html,
    codebook_markdown,
    codebook_table,
    export_code_matrix,
    export_codebook,
    export_memos,
    export_quotes,
)
from research_kit.interviews.material import (
    check,
    code_ids,
    register_codebook,
    register_documents,
    study_codebook,
    study_document,
    study_documents,
    study_documents_table,
)
from research_kit.interviews.memoing import add_memo, delete_memo, memos, update_memo
from research_kit.interviews.queries import code_query
from research_kit.interviews.refi import (
    QdpxError,
    QdpxImport,
    export_qdc,
    export_qdpx,
    import_qdc,
    import_qdpx,
    read_qdc,
)
from research_kit.interviews.reliability import cohen_kappa, krippendorff_alpha, percent_agreement
from research_kit.interviews.segments import paragraphs, segment
from research_kit.interviews.suggester import (
    CodeSuggester,
    suggest,
    suggester_agreement,
    training_data,
)
from research_kit.study import register_study_method

__all__ = [
    "Code",
    "CodeSuggester",
    "Codebook",
    "CodingsFileError",
    "Document",
    "QdpxError",
    "QdpxImport",
    "accept_document_change",
    "add_code",
    "add_memo",
    "apply_code",
    "apply_codes",
    "apply_rules",
    "case_attributes",
    "case_code_matrix",
    "case_codes",
    "case_documents",
    "cases",
    "check",
    "code_by_attribute",
    "code_cooccurrence",
    "code_frequencies",
    "code_ids",
    "code_matrix",
    "code_query",
    "codebook_html",
    "codebook_markdown",
    "codebook_table",
    "coder_agreement",
    "coders",
    "codings",
    "cohen_kappa",
    "delete_memo",
    "disagreements",
    "documents_table",
    "export_code_matrix",
    "export_codebook",
    "export_codings",
    "export_memos",
    "export_qdc",
    "export_qdpx",
    "export_quotes",
    "import_codings",
    "import_qdc",
    "import_qdpx",
    "import_shipped_codings",
    "krippendorff_alpha",
    "memos",
    "merge_codes",
    "move_code",
    "pairwise_agreement",
    "paragraphs",
    "parse_codebook",
    "percent_agreement",
    "quotes",
    "read_codebook",
    "read_codings_csv",
    "read_note",
    "read_notes",
    "read_qdc",
    "read_rules",
    "register_codebook",
    "register_documents",
    "remove_code",
    "remove_coding",
    "rename_code",
    "saturation_curve",
    "segment",
    "split_code",
    "stale_codings",
    "study_codebook",
    "study_document",
    "study_documents",
    "study_documents_table",
    "suggest",
    "suggester_agreement",
    "theme_summary",
    "training_data",
    "update_memo",
    "write_codebook",
]

# The interview room's readers, offered on every study (study.documents(), …).
_STUDY_METHODS = {
    "documents": study_documents,
    "document": study_document,
    "documents_table": study_documents_table,
    "codebook": study_codebook,
    "register_documents": register_documents,
    "register_codebook": register_codebook,
    "code_ids": code_ids,
    "import_qdpx": import_qdpx,
    "export_qdpx": export_qdpx,
    "cases": cases,
    "case_code_matrix": case_code_matrix,
    "code_query": code_query,
}
for _name, _function in _STUDY_METHODS.items():
    register_study_method(_function, name=_name)
