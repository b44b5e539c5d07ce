"""REFI-QDA exchange without loss: sets, cases and non-text sources kept as references.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_sets",
        sa.Column("id", sa.Integer),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_sets")),
    )
    op.create_table(
        "set_members",
        sa.Column("set_id", sa.Integer),
        sa.Column("member_kind", sa.String(20)),
        sa.Column("member_id", sa.String(200)),
        sa.PrimaryKeyConstraint("set_id", "member_kind", "member_id", name=op.f("pk_set_members")),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["code_sets.id"],
            name=op.f("fk_set_members_set_id_code_sets"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "member_kind IN ('code', 'document', 'media', 'memo')",
            name=op.f("ck_set_members_member_known"),
        ),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_table(
        "case_members",
        sa.Column("case_id", sa.Integer),
        sa.Column("member_kind", sa.String(20)),
        sa.Column("member_id", sa.String(200)),
        sa.PrimaryKeyConstraint(
            "case_id", "member_kind", "member_id", name=op.f("pk_case_members")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_members_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "member_kind IN ('document', 'media')", name=op.f("ck_case_members_member_known")
        ),
    )
    op.create_table(
        "media_sources",
        sa.Column("id", sa.String(200)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("path", sa.String(1000), nullable=True),
        sa.Column("original_path", sa.String(1000), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_sources")),
        sa.CheckConstraint(
            "kind IN ('picture', 'audio', 'video', 'pdf')",
            name=op.f("ck_media_sources_kind_known"),
        ),
    )
    op.create_table(
        "media_selections",
        sa.Column("id", sa.Integer),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("position", sa.JSON, nullable=False),
        sa.Column("codes", sa.JSON, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_selections")),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["media_sources.id"],
            name=op.f("fk_media_selections_source_id_media_sources"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_media_selections_source_id", "media_selections", ["source_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_media_selections_source_id", table_name="media_selections")
    op.drop_table("media_selections")
    op.drop_table("media_sources")
    op.drop_table("case_members")
    op.drop_table("cases")
    op.drop_table("set_members")
    op.drop_table("code_sets")
