"""Database tables (SQLAlchemy Core): the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1  # pre-Alembic marker in schema_info; revisions live in b24app/storage/migrations

metadata = MetaData()

schema_info = Table(
    "schema_info",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

portals = Table(
    "portals",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("domain", String(255), nullable=False),
    Column("client_endpoint", String(500), nullable=False),
    Column("server_endpoint", String(500), nullable=False, default=""),
    Column("access_token", Text, nullable=False, default=""),
    Column("refresh_token", Text, nullable=False, default=""),
    Column("expires_at", Float, nullable=False, default=0.0),
    Column("application_token", String(255), nullable=False),
    Column("scope", String(500), nullable=False, default=""),
    Column("user_id", Integer, nullable=False, default=0),  # the installing user: REST runs as them
    Column("status", String(20), nullable=False),  # installed | uninstalled | needs_reinstall
    Column("mode", String(10), nullable=False, default="app"),  # app | webhook
    Column("installed_at", Float, nullable=False),
    Column("refreshed_at", Float, nullable=False, default=0.0),
    Column("last_error", Text, nullable=False, default=""),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedup_key", String(128), nullable=False, unique=True),  # "u:"+64 hex+":id" (0002)
    Column("member_id", String(64), nullable=False),
    Column("event", String(64), nullable=False),
    Column("task_id", Integer, nullable=False, default=0),
    # the event normalised by b24app.bitrix.events (InboxEvent); up to 0003 a raw `payload`
    Column("comment_id", BigInteger, nullable=False, default=0, server_default="0"),
    Column("message_id", BigInteger, nullable=False, default=0, server_default="0"),
    Column("source", String(10), nullable=False, default="online"),  # EventSource
    Column("received_at", Float, nullable=False),
    Column("status", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False, default=0.0),
    Column("lease_until", Float, nullable=False, default=0.0),
    Column("claimed_by", String(64), nullable=False, default=""),
    Column("processed_at", Float, nullable=False, default=0.0),
    Column("last_error", Text, nullable=False, default=""),
)
Index("ix_inbox_due", inbox.c.status, inbox.c.next_attempt_at)

tasks = Table(
    "tasks",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("task_id", Integer, primary_key=True),
    Column("state", String(24), nullable=False),
    Column("client", String(255), nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("responsible_id", Integer, nullable=False, default=0),
    Column("updated_at", Float, nullable=False),
    Column("record", Text, nullable=False),  # the full TaskRecord as JSON
)
Index("ix_tasks_state", tasks.c.member_id, tasks.c.state)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(64), nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("from_state", String(24), nullable=False, default=""),
    Column("to_state", String(24), nullable=False, default=""),
    Column("clause", String(16), nullable=False, default=""),
    Column("trigger", String(120), nullable=False, default=""),
    Column("decision", String(64), nullable=False),
    Column("details", Text, nullable=False, default="{}"),
    Column("shadow", Boolean, nullable=False, default=False),
)
Index("ix_audit_task", audit.c.member_id, audit.c.task_id)

effects = Table(
    "effects",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("task_id", Integer, nullable=False, default=0),
    Column("status", String(12), nullable=False),  # started | done | shadow
    Column("result", Text, nullable=False, default=""),
    Column("at", Float, nullable=False),
)

own_writes = Table(
    "own_writes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(64), nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # comment | message | task
    Column("object_id", Integer, nullable=False, default=0),
    Column("digest", String(64), nullable=False, default=""),
    Column("at", Float, nullable=False),
)
Index("ix_own_writes_task", own_writes.c.member_id, own_writes.c.task_id)

clocks = Table(
    "clocks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(64), nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # estimate | reaction
    Column("mode", String(16), nullable=False),
    Column("total_minutes", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("due_at", Float, nullable=False),
    Column("remind_at", Float, nullable=False),
    Column("stopped_at", Float, nullable=True),
    Column("reminded_at", Float, nullable=True),
    Column("breached_at", Float, nullable=True),
    Column("breach_notified_at", Float, nullable=True),
    Column("source", String(120), nullable=False, default=""),
    UniqueConstraint("member_id", "task_id", "kind", "source", name="uq_clock_source"),
)
Index("ix_clocks_open", clocks.c.stopped_at, clocks.c.remind_at, clocks.c.due_at)

time_entries = Table(
    "time_entries",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("entry_id", Integer, primary_key=True),
    Column("task_id", Integer, nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("seconds", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("comment", Text, nullable=False, default=""),
)
Index("ix_time_entries_task", time_entries.c.member_id, time_entries.c.task_id)

users = Table(
    "users",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("data", Text, nullable=False),
    Column("fetched_at", Float, nullable=False),
)

kv = Table(
    "kv",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("key", String(120), primary_key=True),
    Column("value", Text, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("holder", String(120), nullable=False),
    Column("until", Float, nullable=False),
)
