"""The pages in headless Chromium, inside a portal iframe, against the app on the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rules.types import TaskState
from tests.pages.browser import CHROMIUM, launch, open_in_portal
from tests.pages.scenario import CRM_TEXT, LUTIK, ROMASHKA, Scenario

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="ru-RU")
    opened = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    yield opened
    assert dialogs == [], "a page ran a script from portal data"
    assert context.cookies() == [], "the pages must not need cookies"
    context.close()


def test_task_tab_of_an_approved_task(page: Any, scenario: Scenario) -> None:
    task = scenario.tasks["script"]
    frame, status = open_in_portal(page, scenario, 1, "TASK_VIEW_TAB", {"taskId": str(task)})
    assert status == 200
    expect = sync_api.expect
    expect(frame.locator("#state-label")).to_contain_text("В работе")
    expect(frame.locator("#estimate-raw")).to_have_text("2 ч 10 мин")
    expect(frame.locator("#estimate-rounded")).to_have_text("2 ч 15 мин")
    expect(frame.locator("#approval")).to_contain_text("Анна Смирнова")
    history = frame.locator("#history tbody")
    for step in ("Новая → Ждёт оценки", "Ждёт оценки → Ждёт согласования", "→ В работе"):
        expect(history).to_contain_text(step)
    expect(history).to_contain_text("клиент согласовал оценку")
    expect(frame.locator("#clauses")).to_contain_text("п. 4.2")


def test_a_script_title_is_shown_as_text(page: Any, scenario: Scenario) -> None:
    task = scenario.tasks["script"]
    frame, _ = open_in_portal(page, scenario, 1, "TASK_VIEW_TAB", {"taskId": str(task)})
    title = frame.locator("#task-title")
    sync_api.expect(title).to_contain_text('<script>alert("xss")</script> Права на сделки')
    assert frame.locator("main script").count() == 0


def test_the_dashboard_lists_the_breached_task_first(page: Any, scenario: Scenario) -> None:
    frame, status = open_in_portal(page, scenario, 1)
    assert status == 200
    rows = frame.locator("#estimate-queue tbody tr")
    first = rows.first
    assert first.get_attribute("data-task") == str(scenario.tasks["late"])
    assert "overdue" in (first.get_attribute("class") or "")
    sync_api.expect(first).to_contain_text("просрочено на")
    breaches = frame.locator("#breaches tbody tr")
    sync_api.expect(breaches.first).to_contain_text("Не приходят уведомления")
    sync_api.expect(frame.locator("#package-hours .usage")).to_have_count(2)
    # the page's own links carry the session: no cookie, still the same viewer
    first.locator("a.task-rules").click()
    sync_api.expect(frame.locator("#state-label")).to_contain_text("Ждёт оценки")


def test_a_client_sees_only_its_company(page: Any, scenario: Scenario) -> None:
    frame, status = open_in_portal(page, scenario, scenario.users["anna"])
    assert status == 200
    main = frame.locator("main")
    sync_api.expect(main).to_contain_text(f"Задачи компании «{ROMASHKA}»")
    sync_api.expect(main).to_contain_text("Не приходят уведомления")
    text = main.inner_text()
    assert LUTIK not in text
    assert "Склад" not in text
    sync_api.expect(frame.locator("#package-hours .usage")).to_have_count(1)
    assert frame.locator("header nav").inner_text().strip() == "Задачи"  # no settings link


def test_a_forged_auth_id_gets_403(page: Any, scenario: Scenario) -> None:
    frame, status = open_in_portal(page, scenario, 1, auth_id="forged-by-someone")
    assert status == 403
    sync_api.expect(frame.locator("#message")).to_contain_text("Битрикс24 не подтвердил вход")
    assert ROMASHKA not in frame.locator("body").inner_text()


def test_settings_saved_are_used_by_the_next_event(page: Any, fresh: Scenario) -> None:
    frame, _ = open_in_portal(page, fresh, 1, height=1400)
    frame.get_by_role("link", name="Настройки").click()
    field = frame.locator("#regulation\\.auto_accept_max_minutes")
    field.fill("пять")
    frame.locator("#save").click()
    sync_api.expect(frame.locator("#errors")).to_contain_text("regulation.auto_accept_max_minutes")
    assert fresh.stack.services.config.regulation.auto_accept_max_minutes == 60

    frame.locator("#regulation\\.auto_accept_max_minutes").fill("240")
    frame.locator("#save").click()
    sync_api.expect(frame.locator("#saved")).to_be_visible()
    services, portal = fresh.stack.services, fresh.portal
    assert services.config.regulation.auto_accept_max_minutes == 240

    anna, ivan = fresh.users["anna"], fresh.users["ivan"]
    task = fresh.act(
        lambda: portal.create_task(anna, "Открыть поле «Скидка»", CRM_TEXT, responsible_id=ivan)
    )
    fresh.act(lambda: portal.add_comment(ivan, task, "Оценка: 3 часа"))
    record = services.task_store(fresh.stack.member_id).get_task(task)
    assert record is not None
    assert record.state is TaskState.IN_PROGRESS
