"""Initial schema: coders, documents, codes, excerpts, codings, memos.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coders")),
        sa.UniqueConstraint("name", name=op.f("uq_coders_name")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(200)),
        sa.Column("source_path", sa.String(1000), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("encoding", sa.String(40), nullable=False),
        sa.Column("n_chars", sa.Integer, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_table(
        "codes",
        sa.Column("id", sa.String(200)),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("parent_id", sa.String(200), nullable=True),
        sa.Column("colour", sa.String(9), nullable=True),
        sa.Column("process_step", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codes")),
    )
    op.create_table(
        "excerpts",
        sa.Column("id", sa.Integer),
        sa.Column("document_id", sa.String(200), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("document_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_excerpts")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_excerpts_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("document_id", "start", "end", name="uq_excerpts_span"),
        sa.CheckConstraint('"start" >= 0 AND "end" > "start"', name=op.f("ck_excerpts_span_valid")),
    )
    op.create_index(op.f("ix_excerpts_document_id"), "excerpts", ["document_id"])
    op.create_table(
        "codings",
        sa.Column("id", sa.Integer),
        sa.Column("excerpt_id", sa.Integer, nullable=False),
        sa.Column("code_id", sa.String(200), nullable=False),
        sa.Column("coder_id", sa.Integer, nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codings")),
        sa.ForeignKeyConstraint(
            ["excerpt_id"],
            ["excerpts.id"],
            name=op.f("fk_codings_excerpt_id_excerpts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"], name=op.f("fk_codings_code_id_codes")),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_codings_coder_id_coders")
        ),
        sa.UniqueConstraint("excerpt_id", "code_id", "coder_id", name="uq_codings_once"),
        sa.CheckConstraint(
            "origin IN ('manual', 'rule', 'suggestion')", name=op.f("ck_codings_origin_known")
        ),
    )
    op.create_index(op.f("ix_codings_excerpt_id"), "codings", ["excerpt_id"])
    op.create_index(op.f("ix_codings_code_id"), "codings", ["code_id"])
    op.create_table(
        "memos",
        sa.Column("id", sa.Integer),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("coder_id", sa.Integer, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memos")),
        sa.ForeignKeyConstraint(["coder_id"], ["coders.id"], name=op.f("fk_memos_coder_id_coders")),
        sa.CheckConstraint(
            "target_kind IN ('study', 'document', 'code', 'coding')",
            name=op.f("ck_memos_target_known"),
        ),
    )
    op.create_index("ix_memos_target", "memos", ["target_kind", "target_id"])


def downgrade() -> None:
    op.drop_index("ix_memos_target", table_name="memos")
    op.drop_table("memos")
    op.drop_table("codings")
    op.drop_table("excerpts")
    op.drop_table("codes")
    op.drop_table("documents")
    op.drop_table("coders")
