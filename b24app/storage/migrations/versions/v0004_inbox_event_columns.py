"""inbox: the normalised event's ids as columns in place of the raw `payload`.

Up to 0003 an inbox row kept the event's raw data section as JSON, and the worker read the
comment and chat message ids out of it (`FIELDS_AFTER`). Events are now normalised once when
they are stored (b24app.bitrix.events.InboxEvent): this revision adds `comment_id` and
`message_id`, fills them for the rows that may still be processed (pending, processing,
failed) exactly as the worker read them, and drops `payload`. Dedup keys are not touched.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from b24app.bitrix.events import InboxEvent
from b24app.bitrix.legacy_inbox import payload_of, stored_payload_ids

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

LIVE_STATUSES = ("pending", "processing", "failed")

inbox = sa.table(
    "inbox",
    sa.column("id", sa.Integer),
    sa.column("event", sa.String),
    sa.column("task_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("payload", sa.Text),
    sa.column("comment_id", sa.BigInteger),
    sa.column("message_id", sa.BigInteger),
)


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(
            sa.Column("comment_id", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("message_id", sa.BigInteger(), nullable=False, server_default="0")
        )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(inbox.c.id, inbox.c.event, inbox.c.payload).where(
            inbox.c.status.in_(LIVE_STATUSES)
        )
    ).all()
    for row in rows:
        comment_id, message_id = stored_payload_ids(row.event, _json(row.payload))
        if comment_id or message_id:
            conn.execute(
                sa.update(inbox)
                .where(inbox.c.id == row.id)
                .values(comment_id=comment_id, message_id=message_id)
            )
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("payload")


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=False, server_default="{}"))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            inbox.c.id, inbox.c.event, inbox.c.task_id, inbox.c.comment_id, inbox.c.message_id
        )
    ).all()
    for row in rows:
        event = InboxEvent(
            member_id="",
            name=row.event,
            task_id=row.task_id,
            dedup_key="",
            comment_id=row.comment_id,
            message_id=row.message_id,
        )
        payload = json.dumps(payload_of(event), ensure_ascii=False)
        conn.execute(sa.update(inbox).where(inbox.c.id == row.id).values(payload=payload))
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("message_id")
        batch.drop_column("comment_id")


def _json(text: str | None) -> object:
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}
