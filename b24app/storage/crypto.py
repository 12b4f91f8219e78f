"""Secrets at rest: the portals' OAuth and application tokens, encrypted with Fernet.

Keys come from `B24APP_ENCRYPTION_KEYS`: Fernet keys separated by commas, the newest first
(MultiFernet encrypts with the first and opens with any, so a key is rotated by putting the new
one first and running `b24app keys reencrypt`). Without the variable an SQLite install keeps one
key in `<data dir>/encryption.key` (created with mode 0600 and a warning), so `b24app demo` and
a first try need no set-up; PostgreSQL (usually several instances) needs the variable. A row in
the kv table, encrypted with the key, tells a wrong key at start instead of at the first call.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from b24app.config.errors import ConfigError
from b24app.config.settings import Settings

log = logging.getLogger(__name__)

ENV_NAME = "B24APP_ENCRYPTION_KEYS"
KEY_FILE_NAME = "encryption.key"
CHECK_KEY = "crypto.key_check"
CHECK_TEXT = "b24app key check"
_FERNET_VERSION = 0x80
_FERNET_MIN_BYTES = 1 + 8 + 16 + 16 + 32  # version, time, IV, one block, HMAC


class KeyMismatchError(ConfigError):
    """Stored secrets were encrypted with a key that is not configured."""


class TokenCipher:
    """Encrypts and opens the stored secrets with the configured keys (newest first)."""

    def __init__(self, keys: Sequence[bytes], source: str) -> None:
        if not keys:
            raise ConfigError(f"{ENV_NAME}: no key given")
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self.source = source
        self.key_count = len(keys)

    def encrypt(self, plain: str) -> str:
        """'' stays '' (no token is not a secret)."""
        return self._fernet.encrypt(plain.encode()).decode() if plain else ""

    def decrypt(self, stored: str) -> str:
        if not stored:
            return ""
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise KeyMismatchError(mismatch_message(self.source)) from None

    def rotate(self, stored: str) -> str:
        """Re-encrypt with the newest key (opened with any configured key)."""
        if not stored:
            return ""
        try:
            return self._fernet.rotate(stored.encode()).decode()
        except InvalidToken:
            raise KeyMismatchError(mismatch_message(self.source)) from None

    def opens(self, stored: str) -> bool:
        try:
            self.decrypt(stored)
        except KeyMismatchError:
            return False
        return True


def mismatch_message(source: str) -> str:
    return (
        f"{ENV_NAME}: stored tokens cannot be opened with the configured key ({source}); they "
        "were encrypted with another key: configure that key (a new one goes first, the old one "
        "after it, comma-separated), or reinstall the app on the portal with an empty database"
    )


def is_encrypted(value: str) -> bool:
    """True for a Fernet token (what this module stores), False for a plain Bitrix24 token."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return False
    return len(raw) >= _FERNET_MIN_BYTES and raw[0] == _FERNET_VERSION


def generate_key() -> str:
    return Fernet.generate_key().decode()


def _parse_keys(text: str, where: str) -> list[bytes]:
    keys = [k.strip().encode() for k in text.replace("\n", ",").split(",") if k.strip()]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, binascii.Error):
            raise ConfigError(
                f"{where}: not a Fernet key (32 url-safe base64 bytes; "
                "make one with `b24app keys generate`)"
            ) from None
    if not keys:
        raise ConfigError(f"{where}: no key given")
    return keys


def key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE_NAME


def load_cipher(settings: Settings, *, create: bool = True) -> TokenCipher:
    """The keys from the environment, else the data directory's key file (made for SQLite)."""
    if settings.encryption_keys:
        keys = _parse_keys(settings.encryption_keys, ENV_NAME)
        return TokenCipher(keys, f"{ENV_NAME}, {len(keys)} key(s)")
    path = key_file(settings)
    if path.is_file():
        return TokenCipher(_parse_keys(path.read_text(), str(path)), f"key file {path}")
    if not settings.effective_database_url.startswith("sqlite"):
        raise ConfigError(
            f"{ENV_NAME}: required with PostgreSQL (every instance must use the same key); "
            "make one with `b24app keys generate`"
        )
    if not create:
        raise ConfigError(f"{ENV_NAME}: not set and {path} does not exist")
    _write_key_file(path)
    return TokenCipher(_parse_keys(path.read_text(), str(path)), f"key file {path}")


def _write_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    with os.fdopen(fd, "w") as handle:
        handle.write(generate_key() + "\n")
    log.warning(
        "generated an encryption key for stored tokens in %s (mode 0600): keep it out of "
        "database backups, and in production set %s instead (docs/OPERATIONS.md)",
        path,
        ENV_NAME,
    )
