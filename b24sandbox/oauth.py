"""OAuth 2.0 tokens of the local app (§2): issue, check, refresh with rotation, revoke."""

from __future__ import annotations

import secrets
from typing import Any

from b24sandbox.clock import Clock
from b24sandbox.errors import RestError
from b24sandbox.model import AccessToken, RefreshToken
from b24sandbox.state import PortalState

REFRESH_TTL = 180 * 24 * 3600  # §2: refresh token lives 180 days


class OAuthError(Exception):
    """An auth-server error (`invalid_grant`, `invalid_client`, ...)."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.description}


class Tokens:
    def __init__(self, state: PortalState, clock: Clock, ttl: int) -> None:
        self.state = state
        self.clock = clock
        self.ttl = ttl

    def issue(self, user_id: int) -> AccessToken:
        """A new access+refresh pair for `user_id` (install, UI page, refresh)."""
        now = self.clock.now()
        refresh = RefreshToken(secrets.token_hex(32), user_id, now + REFRESH_TTL)
        access = AccessToken(secrets.token_hex(32), user_id, now + self.ttl, refresh.token)
        self.state.refresh_tokens[refresh.token] = refresh
        self.state.access_tokens[access.token] = access
        return access

    def check(self, token: str) -> AccessToken:
        """§2/§12: unknown → 401 NO_AUTH_FOUND, expired → 401 expired_token."""
        access = self.state.access_tokens.get(token)
        if access is None:
            raise RestError(401, "NO_AUTH_FOUND", "Wrong authorization data")
        if access.expires <= self.clock.now():
            raise RestError(401, "expired_token", "The access token provided has expired.")
        return access

    def refresh(self, params: dict[str, str]) -> AccessToken:
        """§2: both tokens rotate; the old refresh token becomes invalid_grant."""
        if params.get("grant_type") != "refresh_token":
            raise OAuthError(400, "invalid_request", "Unsupported grant_type")
        if (
            params.get("client_id") != self.state.client_id
            or params.get("client_secret") != self.state.client_secret
        ):
            raise OAuthError(401, "invalid_client", "Invalid client credentials")
        if not self.state.install.installed:
            raise OAuthError(401, "invalid_client", "Application is not installed")
        old = self.state.refresh_tokens.pop(params.get("refresh_token", ""), None)
        if old is None or old.expires <= self.clock.now():
            raise OAuthError(400, "invalid_grant", "Invalid refresh token")
        return self.issue(old.user_id)

    def expire_all(self) -> None:
        now = self.clock.now()
        for access in self.state.access_tokens.values():
            access.expires = min(access.expires, now - 1)

    def revoke_refresh(self) -> None:
        self.state.refresh_tokens.clear()

    def revoke_all(self) -> None:
        self.state.access_tokens.clear()
        self.state.refresh_tokens.clear()

    def purge_expired(self) -> None:
        now = self.clock.now()
        stale = [t for t, a in self.state.access_tokens.items() if a.expires < now - 86400]
        for token in stale:
            del self.state.access_tokens[token]
