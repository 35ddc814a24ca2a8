"""page configuration and goals (web collection)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _tenant_columns(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=8), nullable=False),
        sa.Column("environment", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f(f"fk_{table}_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f(f"fk_{table}_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "page_configs",
        *_tenant_columns("page_configs"),
        sa.Column("match", sa.String(length=8), nullable=False),
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("device", sa.String(length=8), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "project_id",
            "environment",
            "match",
            "url_key",
            "device",
            name=op.f("uq_page_configs_project_id_environment_match_url_key_device"),
        ),
    )
    op.create_index(op.f("ix_page_configs_project_id"), "page_configs", ["project_id"])
    op.create_table(
        "goals",
        *_tenant_columns("goals"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("match", sa.String(length=1024), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "environment", "name", name=op.f("uq_goals_project_id_environment_name")),
    )
    op.create_index(op.f("ix_goals_project_id"), "goals", ["project_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_goals_project_id"), table_name="goals")
    op.drop_table("goals")
    op.drop_index(op.f("ix_page_configs_project_id"), table_name="page_configs")
    op.drop_table("page_configs")
