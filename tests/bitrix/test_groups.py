"""Workgroups by name over real HTTP against the sandbox: the settings page's search and the
names of configured ids (docs: api-reference/sonet-group/sonet-group-get.md — 50 a page)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.groups import group_names, listed_group, search_groups
from b24app.bitrix.limits import RetryPolicy
from b24app.bitrix.transport import Transport
from b24sandbox.portal import SandboxPortal


@pytest.fixture
def portal() -> Iterator[SandboxPortal]:
    with SandboxPortal(rate_limit=None) as sandbox:
        yield sandbox


@pytest.fixture
def client(portal: SandboxPortal) -> Iterator[BitrixClient]:
    transport = Transport()
    hook = portal.webhook_url(1, scopes=["sonet_group"])
    yield BitrixClient(transport, hook, None, retry=RetryPolicy(attempts=1, base_delay=0.01))
    transport.close()


def test_names_of_more_than_a_page_of_ids_come_in_pages_of_fifty(
    portal: SandboxPortal, client: BitrixClient
) -> None:
    made = {portal.add_group(f"Клиент {n:02d}"): f"Клиент {n:02d}" for n in range(60)}
    wanted = [*made, 10_000]  # the last one does not exist
    before = portal.count("sonet_group.get")
    assert group_names(client, wanted) == made
    assert portal.count("sonet_group.get") == before + 2


def test_search_lists_by_name_and_stops_at_the_limit(
    portal: SandboxPortal, client: BitrixClient
) -> None:
    for name in ("Ромашка: склад", "Лютик", "Ромашка: поддержка", "Ромашка: сайт"):
        portal.add_group(name)
    found = search_groups(client, "РОМАШКА", limit=2)
    assert [name for _, name in found] == ["Ромашка: поддержка", "Ромашка: сайт"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({"ID": "12", "NAME": " Клиент "}, (12, "Клиент"), id="trimmed"),
        pytest.param({"ID": "12", "NAME": ""}, (12, "группа 12"), id="no-name"),
        pytest.param({"ID": "x", "NAME": "Клиент"}, None, id="bad-id"),
        pytest.param("12", None, id="not-a-row"),
    ],
)
def test_listed_group(raw: object, expected: tuple[int, str] | None) -> None:
    assert listed_group(raw) == expected
