"""The study database's tables, in one SQLAlchemy metadata.

The schema holds what people add to a study (documents seen, codes, excerpts, codings, coders,
memos, the survey cluster runs they kept and their edits to them, and what a REFI-QDA project
brings beside text codings: sets of codes and sources, cases with their attributes, and picture,
audio, video and PDF sources kept as references), and the study files a
committed write is still moving into place (``pending_files``, see ``staging``); raw files stay
in the study folder. A constraint naming convention makes the schema identical on SQLite and
PostgreSQL and lets Alembic migrations name what they alter. Change a table here only together
with a new migration in ``research_kit/migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

CODING_ORIGINS = ("manual", "rule", "suggestion")
MEMO_TARGETS = ("study", "document", "code", "coding")

coders = sa.Table(
    "coders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("source_path", sa.String(1000), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("encoding", sa.String(40), nullable=False),
    sa.Column("n_chars", sa.Integer, nullable=False),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

codes = sa.Table(
    "codes",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("parent_id", sa.String(200), nullable=True),
    sa.Column("colour", sa.String(9), nullable=True),
    sa.Column("process_step", sa.String(200), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

excerpts = sa.Table(
    "excerpts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "document_id",
        sa.String(200),
        sa.ForeignKey("documents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("document_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("document_id", "start", "end", name="uq_excerpts_span"),
    sa.CheckConstraint('"start" >= 0 AND "end" > "start"', name="span_valid"),
)

codings = sa.Table(
    "codings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "excerpt_id",
        sa.Integer,
        sa.ForeignKey("excerpts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("code_id", sa.String(200), sa.ForeignKey("codes.id"), nullable=False, index=True),
    sa.Column("coder_id", sa.Integer, sa.ForeignKey("coders.id"), nullable=False),
    sa.Column("origin", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("excerpt_id", "code_id", "coder_id", name="uq_codings_once"),
    sa.CheckConstraint("origin IN ('manual', 'rule', 'suggestion')", name="origin_known"),
)

memos = sa.Table(
    "memos",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("target_kind", sa.String(20), nullable=False),
    sa.Column("target_id", sa.String(200), nullable=False),
    sa.Column("coder_id", sa.Integer, sa.ForeignKey("coders.id"), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_memos_target", "target_kind", "target_id"),
    sa.CheckConstraint(
        "target_kind IN ('study', 'document', 'code', 'coding')", name="target_known"
    ),
)

CLUSTER_EDIT_KINDS = ("rename", "merge", "split", "pin")

cluster_edits = sa.Table(
    "cluster_edits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("survey_id", sa.String(200), nullable=False),
    sa.Column("question", sa.String(1000), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("coder_id", sa.Integer, sa.ForeignKey("coders.id"), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("undone", sa.Boolean, nullable=False),
    sa.UniqueConstraint("survey_id", "question", "seq", name="uq_cluster_edits_seq"),
    sa.CheckConstraint("kind IN ('rename', 'merge', 'split', 'pin')", name="kind_known"),
)

cluster_runs = sa.Table(
    "cluster_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("survey_id", sa.String(200), nullable=False),
    sa.Column("question", sa.String(1000), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("n_responses", sa.Integer, nullable=False),
    sa.Column("n_clusters", sa.Integer, nullable=False),
    sa.Column("coder_id", sa.Integer, sa.ForeignKey("coders.id"), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_cluster_runs_question", "survey_id", "question"),
)

cluster_assignments = sa.Table(
    "cluster_assignments",
    metadata,
    sa.Column(
        "run_id",
        sa.Integer,
        sa.ForeignKey("cluster_runs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("respondent_id", sa.String(200), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("cluster", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("label", sa.String(300), nullable=True),
)

pending_files = sa.Table(
    "pending_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("batch", sa.String(64), nullable=False),
    sa.Column("target", sa.String(1000), nullable=False),
    sa.Column("staged", sa.String(1000), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("keep_backup", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


SET_MEMBER_KINDS = ("code", "document", "media", "memo")

code_sets = sa.Table(
    "code_sets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

set_members = sa.Table(
    "set_members",
    metadata,
    sa.Column(
        "set_id",
        sa.Integer,
        sa.ForeignKey("code_sets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("member_kind", sa.String(20), primary_key=True),
    sa.Column("member_id", sa.String(200), primary_key=True),
    sa.CheckConstraint("member_kind IN ('code', 'document', 'media', 'memo')", name="member_known"),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

case_members = sa.Table(
    "case_members",
    metadata,
    sa.Column(
        "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("member_kind", sa.String(20), primary_key=True),
    sa.Column("member_id", sa.String(200), primary_key=True),
    sa.CheckConstraint("member_kind IN ('document', 'media')", name="member_known"),
)

MEDIA_KINDS = ("picture", "audio", "video", "pdf")

media_sources = sa.Table(
    "media_sources",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("name", sa.String(1000), nullable=False),
    sa.Column("path", sa.String(1000), nullable=True),
    sa.Column("original_path", sa.String(1000), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('picture', 'audio', 'video', 'pdf')", name="kind_known"),
)

media_selections = sa.Table(
    "media_selections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "source_id",
        sa.String(200),
        sa.ForeignKey("media_sources.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("name", sa.String(1000), nullable=False),
    sa.Column("position", sa.JSON, nullable=False),
    sa.Column("codes", sa.JSON, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def document_row(document: Any, now: datetime) -> dict[str, Any]:
    """The ``documents`` row of a note (anything with id, path, text, hash, encoding, attributes).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from datetime import UTC, datetime
    >>> note = SimpleNamespace(id="P01", path="notes/P01.md", text="Hi", content_hash="h",
    ...                        encoding="utf-8", attributes={"date": datetime(2026, 1, 2)})
    >>> document_row(note, datetime.now(UTC))["attributes"]
    {'date': '2026-01-02 00:00:00'}
    """
    return {
        "id": document.id,
        "source_path": str(document.path),
        "content_hash": document.content_hash,
        "encoding": document.encoding,
        "n_chars": len(document.text),
        "attributes": {str(key): jsonable(value) for key, value in document.attributes.items()},
        "first_seen_at": now,
        "updated_at": now,
    }


def jsonable(value: Any) -> Any:
    """A front-matter value as JSON can hold it (dates and other objects become text).

    Examples
    --------
    >>> from datetime import date
    >>> jsonable({"on": date(2026, 1, 2), "n": [1, "a"]})
    {'on': '2026-01-02', 'n': [1, 'a']}
    """
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)
