"""Survey clustering: kept cluster runs, their assignments, and researchers' cluster edits.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_edits",
        sa.Column("id", sa.Integer),
        sa.Column("survey_id", sa.String(200), nullable=False),
        sa.Column("question", sa.String(1000), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("coder_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_edits")),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_cluster_edits_coder_id_coders")
        ),
        sa.UniqueConstraint("survey_id", "question", "seq", name="uq_cluster_edits_seq"),
        sa.CheckConstraint(
            "kind IN ('rename', 'merge', 'split', 'pin')", name=op.f("ck_cluster_edits_kind_known")
        ),
    )
    op.create_table(
        "cluster_runs",
        sa.Column("id", sa.Integer),
        sa.Column("survey_id", sa.String(200), nullable=False),
        sa.Column("question", sa.String(1000), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("n_responses", sa.Integer, nullable=False),
        sa.Column("n_clusters", sa.Integer, nullable=False),
        sa.Column("coder_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_runs")),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_cluster_runs_coder_id_coders")
        ),
    )
    op.create_index("ix_cluster_runs_question", "cluster_runs", ["survey_id", "question"])
    op.create_table(
        "cluster_assignments",
        sa.Column("run_id", sa.Integer),
        sa.Column("respondent_id", sa.String(200)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("cluster", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("label", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "respondent_id", name=op.f("pk_cluster_assignments")),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["cluster_runs.id"],
            name=op.f("fk_cluster_assignments_run_id_cluster_runs"),
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("cluster_assignments")
    op.drop_index("ix_cluster_runs_question", table_name="cluster_runs")
    op.drop_table("cluster_runs")
    op.drop_table("cluster_edits")
