"""The settings page's work: show the config, check and save what an admin submits, and find
portal users and workgroups by name for its pickers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from b24app.bitrix.errors import BitrixError, PortalUnavailableError
from b24app.bitrix.gateway import PortalGateway
from b24app.bitrix.groups import group_names, search_groups
from b24app.pages.auth import Viewer
from b24app.pages.client_rows import ClientRow
from b24app.pages.configdoc import config_file, config_to_document, save_document
from b24app.pages.people import user_names
from b24app.pages.samples import message_samples
from b24app.pages.settings_fields import WEEKDAYS, client_fields, override_fields, sections
from b24app.pages.settings_form import (
    error_labels,
    form_values,
    groups_shown,
    people_shown,
    submitted_values,
    validate,
)
from b24app.services import Services

log = logging.getLogger(__name__)

MIN_QUERY = 2  # letters typed before the portal is asked
FOUND_LIMIT = 20


def settings_response(
    svc: Services, member_id: str, viewer: Viewer, form: Any | None
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, template values): the form, or the submitted one saved or with its errors."""
    path = config_file(svc.settings)
    values = form_values(svc.config)
    errors: dict[str, str] = {}
    saved = False
    if form is not None:
        values = submitted_values(form)
        config, errors = validate(values)
        if config is not None:
            author = f"{viewer.name} (#{viewer.user_id})"
            # only what differs from the defaults goes to the file (a future default applies)
            svc.set_config(save_document(path, config_to_document(config), author, svc.now()))
            log.info("settings saved to %s by user %s", path, viewer.user_id)
            values, saved = form_values(svc.config), True
    names, answered = _names(svc, member_id, people_shown(values))
    return 400 if errors else 200, {
        "values": values,
        "errors": errors,
        "error_list": error_labels(errors, values),
        "saved": saved,
        "sections": sections(),
        "client_fields": client_fields(),
        "override_fields": override_fields(),
        "weekdays": WEEKDAYS,
        "names": names,
        "groups": _group_names(svc, member_id, groups_shown(values)) if answered else None,
        "empty_row": ClientRow(),
        "samples": message_samples(svc.now(), svc.config.regulation),
    }


def _names(svc: Services, member_id: str, user_ids: set[int]) -> tuple[dict[int, str], bool]:
    """(«Фамилия Имя», as the people picker finds them; whether the portal answered). If it did
    not, the names the pages stored, and the page asks the portal nothing more: each further read
    would wait out INTERACTIVE_CALL_TIMEOUT_SECONDS again."""
    gateway = svc.gateway_for(member_id, interactive=True) if user_ids else None
    if gateway is None:
        return user_names(svc, member_id, user_ids), True
    try:
        listed = {int(k): v for k, v in gateway.listed_names(user_ids).items()}
    except BitrixError as exc:
        log.warning("user names for the settings page: %s", exc)
        down = isinstance(exc, PortalUnavailableError)
        return user_names(svc, member_id, user_ids, ask_portal=not down), not down
    return user_names(svc, member_id, user_ids - set(listed)) | listed, True


def _group_names(svc: Services, member_id: str, group_ids: set[int]) -> dict[int, str] | None:
    """id → workgroup name; an id missing from it was not returned by the portal. None: the
    portal was not asked or did not answer (then no group is called missing)."""
    if not group_ids:
        return {}
    gateway = svc.gateway_for(member_id, interactive=True)
    if gateway is None:
        return None
    try:
        return group_names(gateway.client, group_ids)
    except BitrixError as exc:
        log.warning("workgroup names for the settings page: %s", exc)
        return None


def user_search_response(svc: Services, member_id: str, text: str) -> tuple[int, str]:
    """(status, JSON): `[{"id": 7, "name": "Иванов Иван"}, …]`, or an error in Russian."""
    return _search_response(
        svc, member_id, text, "user", lambda gateway, q: gateway.search_users(q, FOUND_LIMIT)
    )


def group_search_response(svc: Services, member_id: str, text: str) -> tuple[int, str]:
    """(status, JSON): `[{"id": 12, "name": "Клиент: Ромашка"}, …]`, or an error in Russian."""
    return _search_response(
        svc,
        member_id,
        text,
        "workgroup",
        lambda gateway, q: search_groups(gateway.client, q, FOUND_LIMIT),
    )


def _search_response(
    svc: Services,
    member_id: str,
    text: str,
    what: str,
    search: Callable[[PortalGateway, str], Sequence[tuple[int, str]]],
) -> tuple[int, str]:
    """One picker's search: at least MIN_QUERY letters, one bounded read of the portal."""
    text = " ".join(text.split())[:100]
    if len(text) < MIN_QUERY:
        return 200, "[]"
    gateway = svc.gateway_for(member_id, interactive=True)
    if gateway is None:
        return 503, json.dumps({"error": "Портал не подключён."}, ensure_ascii=False)
    try:
        found = search(gateway, text)
    except BitrixError as exc:
        log.warning("%s search on the settings page: %s", what, exc)
        return 502, json.dumps({"error": "Битрикс24 не ответил на поиск."}, ensure_ascii=False)
    return 200, json.dumps([{"id": i, "name": n} for i, n in found], ensure_ascii=False)
