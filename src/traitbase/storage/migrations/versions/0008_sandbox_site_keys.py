"""projects.sandbox_site_key: a second public site key whose tracker data goes to the sandbox

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sandbox_site_key", sa.String(length=64), nullable=True))
    # Every existing project gets its own key, as a new project does (domain/control/service.py).
    conn = op.get_bind()
    projects = sa.table("projects", sa.column("id", sa.String()), sa.column("sandbox_site_key", sa.String()))
    for (project_id,) in conn.execute(sa.select(projects.c.id)).all():
        conn.execute(
            projects.update()
            .where(projects.c.id == project_id)
            .values(sandbox_site_key="tbx_" + secrets.token_urlsafe(18))
        )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.alter_column("sandbox_site_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_projects_sandbox_site_key"), ["sandbox_site_key"])


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_projects_sandbox_site_key"), type_="unique")
        batch_op.drop_column("sandbox_site_key")
