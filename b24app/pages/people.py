"""Names of portal users for the pages: the app's user cache first, then one user.get."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from sqlalchemy import select

from b24app.bitrix.errors import BitrixError
from b24app.services import Services
from b24app.storage.schema import users

log = logging.getLogger(__name__)

_PAGE = 50  # user.get answers 50 users a page


def stored_names(svc: Services, member_id: str, user_ids: Iterable[int]) -> dict[int, str]:
    """id → name from the app's user cache, without asking the portal (names may be blank)."""
    with svc.db.begin() as conn:
        rows = conn.execute(
            select(users.c.user_id, users.c.data).where(
                users.c.member_id == member_id, users.c.user_id.in_(list(user_ids))
            )
        ).all()
    return {int(r.user_id): str(json.loads(r.data).get("name") or "") for r in rows}


def user_names(
    svc: Services, member_id: str, user_ids: Iterable[int | None], *, ask_portal: bool = True
) -> dict[int, str]:
    """id → «Имя Фамилия»; ids the portal does not answer for (or, without `ask_portal`, that
    are not stored) show as «#id»."""
    wanted = sorted({int(i) for i in user_ids if i})
    if not wanted:
        return {}
    names = stored_names(svc, member_id, wanted)
    missing = [i for i in wanted if not names.get(i)][:_PAGE]
    gateway = svc.gateway_for(member_id, interactive=True) if missing and ask_portal else None
    if gateway is not None:
        try:
            names.update({int(k): v.name for k, v in gateway.load_users(missing).items()})
        except BitrixError as exc:  # a page still renders; names fall back to ids
            log.warning("user names for the pages: %s", exc)
    return {i: names.get(i) or f"#{i}" for i in wanted}
