"""Workgroups by name for the settings page: sonet_group.get searched and read by id.

docs: api-reference/sonet-group/sonet-group-get.md (scope `sonet_group`, FILTER with `%` = LIKE
substring search, IS_ADMIN, 50 a page). core: modules/socialnetwork/classes/general/rest.php
(CSocNetLogRestService::getGroup): without IS_ADMIN=Y from a portal admin the list is checked
against the caller, and classes/mysql/group.php (CSocNetGroup::GetList) then returns the visible
groups plus the secret ones the caller is a member of. The app asks with IS_ADMIN=Y, so a portal
admin's token sees every group; any other token sees what that user sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from b24app.bitrix.client import BitrixClient

PAGE = 50  # sonet_group.get answers 50 groups a page


def listed_group(raw: Any) -> tuple[int, str] | None:
    """sonet_group.get item → (id, name); None for a row without a numeric ID."""
    if not isinstance(raw, dict) or not str(raw.get("ID") or "").isdigit():
        return None
    group_id = int(raw["ID"])
    return group_id, str(raw.get("NAME") or "").strip() or f"группа {group_id}"


def search_groups(client: BitrixClient, text: str, limit: int = 20) -> list[tuple[int, str]]:
    """Groups whose name contains `text` (any letter case), by name; the first page only."""
    answer = client.call(
        "sonet_group.get",
        {"FILTER": {"%NAME": text}, "ORDER": {"NAME": "ASC"}, "IS_ADMIN": "Y"},
    )
    found = (listed_group(row) for row in answer or [])
    return [item for item in found if item is not None][:limit]


def group_names(client: BitrixClient, group_ids: Iterable[int]) -> dict[int, str]:
    """id → name of the groups the portal returns; an id it does not return is left out (the
    group was deleted, or the app's user may not see it)."""
    ids = sorted({int(i) for i in group_ids if int(i) > 0})
    names: dict[int, str] = {}
    for start in range(0, len(ids), PAGE):
        chunk = ids[start : start + PAGE]
        answer = client.call("sonet_group.get", {"FILTER": {"ID": chunk}, "IS_ADMIN": "Y"})
        found = (listed_group(row) for row in answer or [])
        names.update(item for item in found if item is not None)
    return names
