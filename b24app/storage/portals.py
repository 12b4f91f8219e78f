"""Installed portals: their records, their stored tokens, and the refresh serialised across
threads and instances (PortalTokens, the TokenSource of b24app.bitrix.client)."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import insert, select, update

from b24app.bitrix.errors import AuthRevokedError, BitrixError, PortalUnavailableError
from b24app.bitrix.oauth import OAuthError, OAuthServer, TokenPair
from b24app.redact import redact
from b24app.storage.crypto import TokenCipher
from b24app.storage.database import Database
from b24app.storage.schema import portals

log = logging.getLogger(__name__)

INSTALLED, UNINSTALLED, NEEDS_REINSTALL = "installed", "uninstalled", "needs_reinstall"
REFRESH_LEASE_SECONDS = 30.0
_PROCESS = uuid.uuid4().hex[:12]  # this process, unique across instances and hosts


@dataclass(frozen=True, slots=True)
class Portal:
    """One portal the app is installed on (keyed by member_id, stable across domain changes)."""

    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float
    application_token: str = field(repr=False)
    scope: str
    user_id: int
    status: str
    mode: str
    installed_at: float
    refreshed_at: float
    last_error: str


SECRET_COLUMNS = ("access_token", "refresh_token", "application_token")


class PortalStore:
    """The portals table; its tokens are stored encrypted (storage.crypto) and read back open."""

    def __init__(self, db: Database, cipher: TokenCipher) -> None:
        self.db = db
        self.cipher = cipher

    def _portal(self, row: Any) -> Portal:
        values = dict(row._mapping)
        for name in SECRET_COLUMNS:
            values[name] = self.cipher.decrypt(values[name])
        return Portal(**values)

    def _sealed(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self.cipher.encrypt(v) if k in SECRET_COLUMNS else v for k, v in values.items()}

    def get(self, member_id: str) -> Portal | None:
        with self.db.begin() as conn:
            row = conn.execute(select(portals).where(portals.c.member_id == member_id)).first()
        return self._portal(row) if row else None

    def installed(self) -> list[Portal]:
        with self.db.begin() as conn:
            rows = conn.execute(select(portals).where(portals.c.status != UNINSTALLED)).all()
        return [self._portal(r) for r in rows]

    def save_install(self, **values: Any) -> Portal:
        """Insert or overwrite a portal on install (a reinstall brings a new application token)."""
        values = dict(values, status=INSTALLED, installed_at=self.db.clock(), last_error="")
        values = self._sealed(values)
        member_id = values["member_id"]
        with self.db.begin() as conn:
            changed = conn.execute(
                update(portals).where(portals.c.member_id == member_id).values(**values)
            ).rowcount
            if not changed:
                conn.execute(insert(portals).values(**values))
        portal = self.get(member_id)
        assert portal is not None  # noqa: S101 - written just above
        return portal

    def mark_uninstalled(self, member_id: str) -> None:
        """ONAPPUNINSTALL: keep the record (and the data) but drop the tokens."""
        with self.db.begin() as conn:
            conn.execute(
                update(portals)
                .where(portals.c.member_id == member_id)
                .values(status=UNINSTALLED, access_token="", refresh_token="", expires_at=0.0)
            )

    def set_status(self, member_id: str, status: str, error: str = "") -> None:
        with self.db.begin() as conn:
            conn.execute(
                update(portals)
                .where(portals.c.member_id == member_id)
                .values(status=status, last_error=redact(error)[:1000])
            )

    def store_refreshed(self, member_id: str, old_refresh: str, pair: TokenPair) -> bool:
        """Persist a rotated pair atomically, only over the refresh token it replaced.

        Encryption is randomised, so the condition compares the stored ciphertext that opened
        to `old_refresh`, read in the same transaction."""
        values: dict[str, Any] = {
            "access_token": self.cipher.encrypt(pair.access_token),
            "refresh_token": self.cipher.encrypt(pair.refresh_token),
            "expires_at": pair.expires_at,
            "refreshed_at": self.db.clock(),
            "status": INSTALLED,
            "last_error": "",
        }
        if pair.client_endpoint:
            values["client_endpoint"] = pair.client_endpoint
        with self.db.begin() as conn:
            stored = conn.execute(
                select(portals.c.refresh_token).where(portals.c.member_id == member_id)
            ).scalar()
            if stored is None or self.cipher.decrypt(stored) != old_refresh:
                return False
            return bool(
                conn.execute(
                    update(portals)
                    .where(portals.c.member_id == member_id, portals.c.refresh_token == stored)
                    .values(**values)
                ).rowcount
            )

    def reencrypt(self) -> int:
        """Every stored token under the newest key (`b24app keys reencrypt`); returns rows."""
        count = 0
        with self.db.begin() as conn:
            for row in conn.execute(select(portals)).all():
                values = {name: self.cipher.rotate(getattr(row, name)) for name in SECRET_COLUMNS}
                conn.execute(
                    update(portals).where(portals.c.member_id == row.member_id).values(**values)
                )
                count += 1
        return count


class PortalTokens:
    """TokenSource for one portal: the stored token, refreshed on `expired_token`, one at a time.

    Both tokens rotate on every refresh, so two concurrent refreshes would invalidate each other:
    a per-process lock and a database lease serialise them across threads and instances, and a
    caller that finds the token already replaced simply uses the new one.
    """

    _locks: ClassVar[dict[str, threading.Lock]] = {}
    _locks_guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, store: PortalStore, oauth: OAuthServer, member_id: str) -> None:
        self.store = store
        self.oauth = oauth
        self.member_id = member_id

    def _portal(self) -> Portal:
        portal = self.store.get(self.member_id)
        if portal is None or portal.status == UNINSTALLED:
            raise AuthRevokedError("APP_NOT_INSTALLED", f"portal {self.member_id} is not installed")
        return portal

    def access_token(self) -> str:
        portal = self._portal()
        if portal.status == NEEDS_REINSTALL:
            raise AuthRevokedError("NEEDS_REINSTALL", portal.last_error or "reinstall the app")
        return portal.access_token

    def refresh(self, rejected_token: str) -> str:
        with self._lock():
            db = self.store.db
            holder = f"{_PROCESS}-{threading.get_ident()}"  # thread ids repeat across processes
            lease = f"refresh:{self.member_id}"
            deadline = db.clock() + REFRESH_LEASE_SECONDS
            while not db.try_lease(lease, holder, REFRESH_LEASE_SECONDS):
                if db.clock() > deadline:
                    raise PortalUnavailableError("REFRESH_BUSY", "another instance is refreshing")
                threading.Event().wait(0.2)
            try:
                return self._refresh_locked(rejected_token)
            finally:
                db.release_lease(lease, holder)

    def _refresh_locked(self, rejected_token: str) -> str:
        portal = self._portal()
        if portal.access_token and portal.access_token != rejected_token:
            return portal.access_token  # someone else refreshed meanwhile
        try:
            pair = self.oauth.refresh(portal.refresh_token, self.store.db.clock())
        except OAuthError as exc:
            self.store.set_status(
                self.member_id, NEEDS_REINSTALL, f"token refresh refused: {exc.code}"
            )
            log.error(
                "portal %s: refresh refused (%s): reinstall the app", self.member_id, exc.code
            )
            raise AuthRevokedError(
                exc.code, "the refresh token was refused; reinstall the app"
            ) from exc
        if not self.store.store_refreshed(self.member_id, portal.refresh_token, pair):
            raise BitrixError("REFRESH_CONFLICT", "the stored refresh token changed during refresh")
        log.info("portal %s: access token refreshed", self.member_id)
        return pair.access_token

    def _lock(self) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(self.member_id, threading.Lock())
