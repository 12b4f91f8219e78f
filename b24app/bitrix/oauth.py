"""The Bitrix24 OAuth server (oauth.bitrix.info, or the sandbox's): refreshing a token pair."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests

from b24app.bitrix.errors import PortalUnavailableError
from b24app.redact import redact

# The refresh is a GET whose query string carries the client secret and the refresh token
# (§2), and urllib3 logs every request line at DEBUG: keep it above DEBUG so that
# B24APP_LOG_LEVEL=DEBUG never writes secrets to the log.
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)

OAUTH_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What the OAuth server answers to a refresh."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float
    member_id: str
    client_endpoint: str
    server_endpoint: str
    scope: str
    user_id: int


class OAuthError(Exception):
    """The OAuth server refused (invalid_grant: the refresh token is dead, reinstall needed)."""

    def __init__(self, code: str, description: str = "") -> None:
        super().__init__(f"{code}: {description}")
        self.code = code


class OAuthServer:
    """Talks to the Bitrix24 OAuth server (oauth.bitrix.info, or the sandbox's)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret

    def refresh(self, refresh_token: str, now: float) -> TokenPair:
        params = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": refresh_token,
        }
        try:
            answer = requests.get(self.token_url, params=params, timeout=OAUTH_TIMEOUT_SECONDS)
            body: dict[str, Any] = answer.json()
        except (requests.RequestException, ValueError) as exc:
            # requests names the URL in its errors, and the query string holds both secrets
            detail = redact(str(exc), (self.client_secret, refresh_token))[:200]
            raise PortalUnavailableError("OAUTH_UNAVAILABLE", detail) from None
        if "error" in body or "access_token" not in body:
            description = redact(str(body.get("error_description", "")), (refresh_token,))
            raise OAuthError(str(body.get("error", "invalid_response")), description)
        expires = float(body.get("expires") or now + float(body.get("expires_in", 3600)))
        return TokenPair(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            expires_at=expires,
            member_id=str(body.get("member_id", "")),
            client_endpoint=str(body.get("client_endpoint", "")),
            server_endpoint=str(body.get("server_endpoint", "")),
            scope=str(body.get("scope", "")),
            user_id=int(body.get("user_id") or 0),
        )
