"""At start: the database's key-check value opens with our keys (written on first start), so a
wrong B24APP_ENCRYPTION_KEYS stops the app before it reads a token."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from b24app.storage.crypto import (
    CHECK_KEY,
    CHECK_TEXT,
    KeyMismatchError,
    TokenCipher,
    mismatch_message,
)
from b24app.storage.database import Database
from b24app.storage.schema import kv


def check_database_key(db: Database, cipher: TokenCipher) -> None:
    """At start: the database's check value opens with our keys (written on first start)."""
    stored = db.get_value("", CHECK_KEY)
    if stored is None:
        try:
            with db.begin() as conn:
                conn.execute(
                    insert(kv).values(member_id="", key=CHECK_KEY, value=cipher.encrypt(CHECK_TEXT))
                )
        except IntegrityError:
            pass  # another instance wrote it first; it is checked at its next start
        return
    if cipher.decrypt(stored) != CHECK_TEXT:
        raise KeyMismatchError(mismatch_message(cipher.source))
