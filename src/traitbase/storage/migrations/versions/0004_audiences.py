"""audiences

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audience_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=8), nullable=False),
        sa.Column("environment", sa.String(length=12), nullable=False),
        sa.Column("area_type", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_md5", sa.String(length=32), nullable=False),
        sa.Column("blob_key", sa.String(length=512), nullable=False),
        sa.Column("data_path", sa.String(length=600), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_audience_uploads_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_audience_uploads_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_uploads")),
        sa.UniqueConstraint("blob_key", name=op.f("uq_audience_uploads_blob_key")),
        sa.UniqueConstraint("data_path", name=op.f("uq_audience_uploads_data_path")),
    )
    with op.batch_alter_table("audience_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audience_uploads_project_id"), ["project_id"], unique=False)

    op.create_table(
        "audiences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=8), nullable=False),
        sa.Column("environment", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("identifier_type", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.Integer(), nullable=True),
        sa.Column("area_type", sa.Integer(), nullable=True),
        sa.Column("device_types", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_audiences_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_audiences_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audiences")),
    )
    with op.batch_alter_table("audiences", schema=None) as batch_op:
        batch_op.create_index("ix_audiences_tenant", ["project_id", "environment", "source"], unique=False)

    op.create_table(
        "audience_loads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=8), nullable=False),
        sa.Column("environment", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total_lines", sa.BigInteger(), nullable=False),
        sa.Column("successful_lines", sa.BigInteger(), nullable=False),
        sa.Column("failed_lines", sa.BigInteger(), nullable=False),
        sa.Column("error_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audience_id"], ["audiences.id"], name=op.f("fk_audience_loads_audience_id_audiences"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_loads")),
    )
    with op.batch_alter_table("audience_loads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audience_loads_audience_id"), ["audience_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audience_loads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audience_loads_audience_id"))

    op.drop_table("audience_loads")
    with op.batch_alter_table("audiences", schema=None) as batch_op:
        batch_op.drop_index("ix_audiences_tenant")

    op.drop_table("audiences")
    with op.batch_alter_table("audience_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audience_uploads_project_id"))

    op.drop_table("audience_uploads")
