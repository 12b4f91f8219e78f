"""inbox.dedup_key 64 → 128 characters.

A coalesced task-update key is "u:" + 64 hex digits (66), and a claim renames it to
"<key>:<id>" to free it: PostgreSQL enforces VARCHAR lengths (SQLite does not), so every
ONTASKUPDATE was refused there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.alter_column(
            "dedup_key",
            existing_type=sa.String(length=64),
            type_=sa.String(length=128),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.alter_column(
            "dedup_key",
            existing_type=sa.String(length=128),
            type_=sa.String(length=64),
            existing_nullable=False,
        )
