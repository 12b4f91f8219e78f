"""Fidelity: sonet_group.get as the settings page's workgroup picker uses it — search by part of
the name, who sees which group, order, filter operations and pages.

Sources: docs api-reference/sonet-group/sonet-group-get.md; core
modules/socialnetwork/classes/general/rest.php (CSocNetLogRestService::getGroup, checkGroupFilter)
and classes/mysql/group.php (CSocNetGroup::GetList, CHECK_PERMISSIONS)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from b24sandbox.portal import SandboxPortal

SCOPES = ["sonet_group", "user_basic"]


def groups(portal: SandboxPortal, user: int, params: dict[str, Any]) -> dict[str, Any]:
    hook = portal.webhook_url(user, scopes=SCOPES)
    answer = requests.post(hook + "sonet_group.get", json=params, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def names(body: dict[str, Any]) -> list[str]:
    return [g["NAME"] for g in body["result"]]


@pytest.fixture
def seeded(portal: SandboxPortal) -> dict[str, int]:
    """An employee, an open (visible) group, a secret group he is in and one he is not; their
    owner is another employee, so the admin (user 1) is a member of none."""
    worker = portal.add_user("Пётр", "Сидоров")
    boss = portal.add_user("Олег", "Начальников")
    return {
        "worker": worker,
        "open": portal.add_group("Клиент: Ромашка", owner_id=boss, visible=True),
        "his": portal.add_group("Ромашка — закрытая", [worker], owner_id=boss),
        "hidden": portal.add_group("Василёк секретный", owner_id=boss),
    }


def test_percent_name_is_a_case_insensitive_substring_search(
    portal: SandboxPortal, seeded: dict[str, int]
) -> None:
    """docs: `%` — LIKE, substring search (the example FILTER {"%NAME": "Pro"})."""
    body = groups(portal, 1, {"FILTER": {"%NAME": "ромаш"}, "IS_ADMIN": "Y"})
    assert sorted(names(body)) == ["Клиент: Ромашка", "Ромашка — закрытая"]
    assert body["total"] == 2
    row = body["result"][0]
    assert {"ID", "NAME", "VISIBLE", "OPENED", "CLOSED", "PROJECT", "IS_EXTRANET"} <= set(row)


def test_default_order_is_id_descending_and_order_name_sorts(
    portal: SandboxPortal, seeded: dict[str, int]
) -> None:
    """docs: ORDER default `ID:'DESC'`; core: getGroup sets {"ID": "DESC"} when ORDER is not an
    array."""
    ids = [int(g["ID"]) for g in groups(portal, 1, {"IS_ADMIN": "Y"})["result"]]
    assert ids == sorted(ids, reverse=True)
    by_name = names(groups(portal, 1, {"IS_ADMIN": "Y", "ORDER": {"NAME": "ASC"}}))
    assert by_name == sorted(by_name)


@pytest.mark.parametrize(
    ("who", "is_admin", "expected"),
    [
        pytest.param("admin", "Y", {"open", "his", "hidden"}, id="admin-with-is-admin-sees-all"),
        pytest.param("admin", "N", {"open"}, id="admin-without-is-admin-is-checked"),
        pytest.param("worker", "N", {"open", "his"}, id="member-sees-open-and-his-own"),
        pytest.param("worker", "Y", {"open", "his"}, id="is-admin-ignored-for-non-admin"),
    ],
)
def test_secret_groups_are_seen_only_by_members_unless_an_admin_asks(
    portal: SandboxPortal, seeded: dict[str, int], who: str, is_admin: str, expected: set[str]
) -> None:
    """core: getGroup adds CHECK_PERMISSIONS = the caller unless IS_ADMIN=Y from a portal admin;
    GetList with CHECK_PERMISSIONS = VISIBLE='Y' groups UNION VISIBLE='N' groups the caller is a
    member of (role ≤ K). The admin here (user 1) is in no group."""
    user = 1 if who == "admin" else seeded["worker"]
    body = groups(portal, user, {"IS_ADMIN": is_admin})
    by_id = {v: k for k, v in seeded.items()}
    assert {by_id[int(g["ID"])] for g in body["result"]} == expected


def test_id_list_and_group_id(portal: SandboxPortal, seeded: dict[str, int]) -> None:
    """FILTER ID takes a list (the old-API PrepareSql ORs an array's values); GROUP_ID adds
    `ID = GROUP_ID` (docs)."""
    wanted = [seeded["open"], seeded["hidden"], 999]
    body = groups(portal, 1, {"FILTER": {"ID": wanted}, "IS_ADMIN": "Y"})
    assert sorted(int(g["ID"]) for g in body["result"]) == sorted(wanted[:2])
    one = groups(portal, 1, {"GROUP_ID": seeded["his"], "IS_ADMIN": "Y"})
    assert [int(g["ID"]) for g in one["result"]] == [seeded["his"]]


def test_a_filter_operation_outside_the_allowed_list_is_dropped(
    portal: SandboxPortal, seeded: dict[str, int]
) -> None:
    """core: checkGroupFilter unsets keys whose prefix is not in $arAllowedOperations
    ('', '!', '<', '<=', '>', '>=', '><', '!><', '?', '=', '!=', '%', '!%') — `=%NAME` filters
    nothing; CHECK_PERMISSIONS from the caller is dropped too."""
    body = groups(portal, 1, {"FILTER": {"=%NAME": "Рома%"}, "IS_ADMIN": "Y"})
    assert body["total"] == 3
    worker = groups(portal, seeded["worker"], {"FILTER": {"CHECK_PERMISSIONS": "N"}})
    assert body["total"] > worker["total"]


def test_fifty_a_page_with_next(portal: SandboxPortal) -> None:
    """docs: page size 50, `start = (N - 1) * 50`, `next` omitted on the last page."""
    for n in range(55):
        portal.add_group(f"Проект {n:02d}", visible=True)
    first = groups(portal, 1, {"FILTER": {"%NAME": "проект"}})
    assert (len(first["result"]), first["next"], first["total"]) == (50, 50, 55)
    second = groups(portal, 1, {"FILTER": {"%NAME": "проект"}, "start": 50})
    assert len(second["result"]) == 5
    assert "next" not in second
