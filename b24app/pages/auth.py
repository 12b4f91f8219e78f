"""Who is looking at a page: verify Bitrix24's iframe POST, then carry a signed session token.

The iframe POST (§13.2) can be forged by anyone who knows the URL, so a page request is trusted
only after (§13.3): member_id, DOMAIN and APPLICATION_TOKEN match an installed portal (constant
time), and `user.current` with the request's AUTH_ID succeeds on that portal's *stored* REST
endpoint. The result is a `Viewer`, signed into a short-lived token that the pages carry in their
own links and forms (`?s=`): third-party cookies are not reliable inside the portal's iframe.
The signing key is derived from a random secret kept in the database and the portal's
application token, so a reinstall (new application token) invalidates every session.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.errors import (
    AuthRevokedError,
    BitrixError,
    PortalUnavailableError,
    RateLimitedError,
)
from b24app.bitrix.limits import INTERACTIVE_CALL_TIMEOUT_SECONDS, RetryPolicy
from b24app.bitrix.mapping import user_facts
from b24app.pages.refusals import (
    EXPIRED,
    INVALID,
    INVALID_LINK_TEXT,
    REFUSED,
    REFUSED_TEXT,
    UNAVAILABLE,
    UNAVAILABLE_TEXT,
    PageAuthError,
    expired_text,
)
from b24app.services import Services
from b24app.storage.portals import UNINSTALLED, Portal
from b24app.storage.schema import kv
from rules.regulation import AppConfig, ClientCompany

log = logging.getLogger(__name__)

SESSION_MAX_AGE_SECONDS = 4 * 3600  # half a working day; then the user reopens the app
_SECRET_KEY = "pages.session_secret"  # noqa: S105 - the kv row name, not a secret
_SALT = "b24app.pages.session"
_MAX_GROUP_LOOKUPS = 50  # one batch request


@dataclass(frozen=True, slots=True)
class FramePost:
    """The fields of the iframe POST that matter (§13.2)."""

    member_id: str
    domain: str
    auth_id: str
    application_token: str
    placement: str
    options: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Viewer:
    """A verified portal user, as the session token carries them."""

    member_id: str
    user_id: int
    name: str
    is_admin: bool
    is_extranet: bool
    group_ids: tuple[int, ...] = ()  # configured client groups the user is a member of

    def company(self, config: AppConfig) -> ClientCompany | None:
        """The client company of this user (ids first, then workgroup membership)."""
        for client in config.clients:
            if self.user_id in client.all_user_ids():
                return client
        for client in config.clients:
            if set(client.group_ids) & set(self.group_ids):
                return client
        return None

    def is_client(self, config: AppConfig) -> bool:
        """Restricted to its company: extranet (or no department) or listed as a client user."""
        if self.user_id in config.integrator_ids:
            return False
        return self.is_extranet or self.company(config) is not None


class ViewerTokens:
    """TokenSource for the viewer's AUTH_ID: it cannot be refreshed, a rejection is final."""

    def __init__(self, auth_id: str) -> None:
        self._auth_id = auth_id

    def access_token(self) -> str:
        return self._auth_id

    def refresh(self, rejected_token: str) -> str:
        raise AuthRevokedError("VIEWER_TOKEN_REJECTED", "the portal refused the page's AUTH_ID")


def read_frame_post(form: Mapping[str, str], query: Mapping[str, str]) -> FramePost:
    """§13.2: DOMAIN comes in the query string; PLACEMENT_OPTIONS is a JSON string."""
    try:
        options = json.loads(form.get("PLACEMENT_OPTIONS") or "{}")
    except ValueError:
        options = {}
    return FramePost(
        member_id=form.get("member_id", ""),
        domain=query.get("DOMAIN", "") or form.get("DOMAIN", ""),
        auth_id=form.get("AUTH_ID", ""),
        application_token=form.get("APPLICATION_TOKEN", ""),
        placement=form.get("PLACEMENT", ""),
        options=options if isinstance(options, dict) else {},
    )


def _same(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def installed_portal(svc: Services, post: FramePost) -> Portal:
    """§13.3 step 1: the request names an installed portal and carries its application token."""
    portal = svc.portals.get(post.member_id) if post.member_id else None
    if portal is None or portal.status == UNINSTALLED:
        raise PageAuthError("Приложение не установлено на этом портале.")
    if svc.uses_webhook(portal):
        # A webhook URL authenticates by itself and would ignore the viewer's AUTH_ID.
        raise PageAuthError("Страницы приложения доступны только в режиме локального приложения.")
    token_ok = _same(post.application_token, portal.application_token)
    domain_ok = _same(post.domain.lower(), portal.domain.lower())
    if not (token_ok and domain_ok and post.auth_id):
        raise PageAuthError("Запрос не от портала, на котором установлено приложение.")
    return portal


def verify_frame_post(svc: Services, post: FramePost) -> tuple[Portal, Viewer]:
    """§13.3: the installed portal, then `user.current`/`user.admin` with the viewer's AUTH_ID."""
    portal = installed_portal(svc, post)
    client = BitrixClient(
        svc.transport,
        portal.client_endpoint,  # stored at install, never a URL from the request
        ViewerTokens(post.auth_id),
        retry=RetryPolicy(attempts=2, base_delay=0.2, max_delay=1.0),
        stats=svc.stats,
        call_timeout=INTERACTIVE_CALL_TIMEOUT_SECONDS,  # «не отвечает» in seconds, not ~17 s
    )
    try:
        answer = client.batch({"user": ("user.current", {}), "admin": ("user.admin", {})})
    except (PortalUnavailableError, RateLimitedError) as exc:
        log.warning("page auth: portal %s did not answer: %s", portal.member_id, exc.code)
        raise PageAuthError(UNAVAILABLE_TEXT, portal=portal, kind=UNAVAILABLE) from exc
    except BitrixError as exc:
        log.warning("page auth refused for portal %s: %s", portal.member_id, exc.code)
        raise PageAuthError(REFUSED_TEXT, portal=portal, kind=REFUSED) from exc
    facts = user_facts(answer.results.get("user"))
    if facts is None:
        raise PageAuthError(REFUSED_TEXT, portal=portal, kind=REFUSED)
    viewer = Viewer(
        member_id=portal.member_id,
        user_id=int(facts.user_id),
        name=facts.name,
        is_admin=answer.results.get("admin") is True,
        is_extranet=facts.is_extranet or not facts.departments,
    )
    if viewer.is_extranet and viewer.company(svc.config) is None:
        viewer = _with_groups(viewer, client, svc.config)
    return portal, viewer


def _with_groups(viewer: Viewer, client: BitrixClient, config: AppConfig) -> Viewer:
    """A client user matched by workgroup membership (one batch of sonet_group.user.get)."""
    groups = sorted({g for c in config.clients for g in c.group_ids})[:_MAX_GROUP_LOOKUPS]
    if not groups:
        return viewer
    commands = {f"g{g}": ("sonet_group.user.get", {"ID": g}) for g in groups}
    try:
        answer = client.batch(commands)
    except BitrixError as exc:
        log.warning("group lookup failed for user %s: %s", viewer.user_id, exc.code)
        return viewer
    member_of = tuple(
        g for g in groups if viewer.user_id in _member_ids(answer.results.get(f"g{g}") or [])
    )
    return Viewer(**{**_fields(viewer), "group_ids": member_of})


def _member_ids(rows: Iterable[Any]) -> set[int]:
    return {
        int(r["USER_ID"]) for r in rows if isinstance(r, dict) and str(r.get("USER_ID")).isdigit()
    }


def _fields(viewer: Viewer) -> dict[str, Any]:
    return {name: getattr(viewer, name) for name in Viewer.__slots__}


# -- the session token -----------------------------------------------------------------------
def _app_secret(svc: Services) -> str:
    """A random secret created once and shared by every instance through the database."""
    value = svc.db.get_value("", _SECRET_KEY)
    if value:
        return value
    try:
        with svc.db.begin() as conn:
            conn.execute(
                insert(kv).values(member_id="", key=_SECRET_KEY, value=secrets.token_hex(32))
            )
    except IntegrityError:
        pass  # another instance created it first
    value = svc.db.get_value("", _SECRET_KEY)
    assert value  # noqa: S101 - written just above
    return value


def _serializer(svc: Services, portal: Portal) -> URLSafeTimedSerializer:
    key = hashlib.sha256(
        f"{_app_secret(svc)}:{portal.member_id}:{portal.application_token}".encode()
    ).hexdigest()
    return URLSafeTimedSerializer(key, salt=_SALT)


def issue_session(svc: Services, portal: Portal, viewer: Viewer) -> str:
    """A signed token bound to (member_id, user_id); its member_id prefix picks the key."""
    payload = {
        "u": viewer.user_id,
        "n": viewer.name,
        "a": viewer.is_admin,
        "x": viewer.is_extranet,
        "g": list(viewer.group_ids),
    }
    return f"{portal.member_id}.{_serializer(svc, portal).dumps(payload)}"


def load_session(svc: Services, token: str) -> tuple[Portal, Viewer]:
    """Check the token's signature, age and portal; PageAuthError when it is not good."""
    member_id, _, signed = token.partition(".")
    portal = svc.portals.get(member_id) if member_id and signed else None
    if portal is None or portal.status == UNINSTALLED:
        raise PageAuthError(INVALID_LINK_TEXT, kind=INVALID)
    try:
        data = _serializer(svc, portal).loads(signed, max_age=SESSION_MAX_AGE_SECONDS)
    except SignatureExpired as exc:
        message = expired_text(SESSION_MAX_AGE_SECONDS)
        raise PageAuthError(message, portal=portal, kind=EXPIRED) from exc
    except BadSignature as exc:
        raise PageAuthError(INVALID_LINK_TEXT, portal=portal, kind=INVALID) from exc
    viewer = Viewer(
        member_id=portal.member_id,
        user_id=int(data["u"]),
        name=str(data["n"]),
        is_admin=bool(data["a"]),
        is_extranet=bool(data["x"]),
        group_ids=tuple(int(g) for g in data["g"]),
    )
    return portal, viewer
