"""Encrypt the portals' stored tokens; keep no webhook secret in the database.

Up to 0002 the OAuth access and refresh tokens and the application token lay in `portals` as
plain text, and in webhook mode `client_endpoint` held the incoming webhook's URL with its
secret. This revision encrypts every plain token with the configured key (b24app.storage.crypto;
`b24app migrate` passes it in), masks a webhook row's URL (calls read B24_WEBHOOK_URL), and
writes the key-check value. No column changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

from b24app.redact import mask_url
from b24app.storage.crypto import CHECK_KEY, CHECK_TEXT, TokenCipher, is_encrypted
from b24app.storage.migrations import MigrationError

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

SECRETS = ("access_token", "refresh_token", "application_token")

portals = sa.table(
    "portals",
    sa.column("member_id", sa.String),
    sa.column("client_endpoint", sa.String),
    sa.column("mode", sa.String),
    *(sa.column(name, sa.Text) for name in SECRETS),
)
kv = sa.table("kv", sa.column("member_id", sa.String), sa.column("key"), sa.column("value"))


def _cipher() -> TokenCipher | None:
    cipher: Any = context.config.attributes.get("cipher")
    return cipher if isinstance(cipher, TokenCipher) else None


def _need_cipher(cipher: TokenCipher | None) -> TokenCipher:
    if cipher is None:
        raise MigrationError(
            "revision 0003 encrypts the stored tokens: set B24APP_ENCRYPTION_KEYS "
            "(or keep the SQLite key file) and run `b24app migrate`"
        )
    return cipher


def upgrade() -> None:
    conn = op.get_bind()
    cipher = _cipher()
    for row in conn.execute(sa.select(portals)).all():
        values: dict[str, str] = {
            name: _need_cipher(cipher).encrypt(getattr(row, name))
            for name in SECRETS
            if getattr(row, name) and not is_encrypted(getattr(row, name))
        }
        if row.mode == "webhook" and mask_url(row.client_endpoint) != row.client_endpoint:
            values["client_endpoint"] = mask_url(row.client_endpoint)
        if values:
            conn.execute(
                sa.update(portals).where(portals.c.member_id == row.member_id).values(**values)
            )
    if cipher is not None:
        found = conn.execute(
            sa.select(kv.c.value).where(kv.c.member_id == "", kv.c.key == CHECK_KEY)
        ).first()
        if found is None:
            conn.execute(
                sa.insert(kv).values(member_id="", key=CHECK_KEY, value=cipher.encrypt(CHECK_TEXT))
            )


def downgrade() -> None:
    """Back to plain tokens (a webhook's URL is not restored: 0002 read it from the
    environment for calls too)."""
    conn = op.get_bind()
    cipher = _cipher()
    for row in conn.execute(sa.select(portals)).all():
        values = {
            name: _need_cipher(cipher).decrypt(getattr(row, name))
            for name in SECRETS
            if getattr(row, name) and is_encrypted(getattr(row, name))
        }
        if values:
            conn.execute(
                sa.update(portals).where(portals.c.member_id == row.member_id).values(**values)
            )
    conn.execute(sa.delete(kv).where(kv.c.member_id == "", kv.c.key == CHECK_KEY))
