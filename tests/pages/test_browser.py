"""The pages in headless Chromium, inside a portal iframe, against the app on the sandbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from rules.types import TaskState
from tests.pages.browser import BX24_SCRIPT, CHROMIUM, open_in_portal
from tests.pages.scenario import CRM_TEXT, LUTIK, ROMASHKA, Scenario

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    ),
]


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
    sync_api.expect(frame.locator("#errors")).to_contain_text("Оценка без согласования")
    sync_api.expect(
        frame.locator(".setting[data-key='regulation.auto_accept_max_minutes'] .field-error")
    ).to_contain_text("ожидается целое число")
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


def test_my_tasks_shows_only_the_viewers_tasks(page: Any, scenario: Scenario) -> None:
    frame, _ = open_in_portal(page, scenario, scenario.users["maria"])
    all_rows = frame.locator("#estimate-queue tbody tr")
    sync_api.expect(all_rows.first).to_be_visible()
    assert all_rows.count() > 1
    frame.locator("#mine").click()
    sync_api.expect(frame.locator("h1")).to_contain_text("мои")
    mine = [r.get_attribute("data-task") for r in frame.locator("[data-task]").all()]
    assert mine, "maria has tasks"
    maria_tasks = {str(scenario.tasks["fresh"]), str(scenario.tasks["approval"])}
    assert set(mine) <= maria_tasks


def test_the_month_picker_drives_the_breaches_and_the_bill(page: Any, scenario: Scenario) -> None:
    frame, _ = open_in_portal(page, scenario, 1)
    breaches = frame.locator("#breaches")
    sync_api.expect(breaches).to_contain_text("Нарушения сроков в ноябре 2026")
    sync_api.expect(breaches.locator("tbody tr")).to_have_count(1)
    frame.locator("#month").select_option("2026-10")  # the page submits itself
    sync_api.expect(breaches).to_contain_text("Нарушения сроков в октябре 2026")
    sync_api.expect(breaches).to_contain_text("Сроки не нарушались")
    sync_api.expect(frame.locator("#package-hours h2")).to_contain_text("октябрь 2026")
    sync_api.expect(frame.locator("#report h2")).to_contain_text("октябрь 2026")


def test_work_in_progress_shows_deadline_and_estimate_used(page: Any, scenario: Scenario) -> None:
    frame, _ = open_in_portal(page, scenario, 1)
    script = frame.locator(f"#in-work tr[data-task='{scenario.tasks['script']}']")
    sync_api.expect(script).to_contain_text("12.11.2026 18:00")
    sync_api.expect(script.locator("td.used")).to_contain_text("66 %")  # 1:30 of 2:15
    again = frame.locator(f"#estimate-queue tr[data-task='{scenario.tasks['reestimate']}']")
    sync_api.expect(again).to_contain_text("повторная оценка")
    sync_api.expect(again).to_contain_text("12.11.2026 18:00")  # its due time, not «—»


def test_each_client_bar_is_on_its_own_scale(page: Any, scenario: Scenario) -> None:
    frame, _ = open_in_portal(page, scenario, 1)
    rows = frame.locator("#package-hours .usage")
    over = rows.filter(has_text=ROMASHKA)
    sync_api.expect(over).to_have_class(re.compile(r"\bover\b"))
    sync_api.expect(over).to_contain_text("110 %")
    under = rows.filter(has_text=LUTIK)
    sync_api.expect(under).to_contain_text("20 %")
    # the client over its package fills its own bar; the quota mark sits before the red tail
    assert _width(over, "i.used") + _width(over, "i.over") == pytest.approx(100, abs=0.2)
    assert _width(over, "i.quota") < 100
    assert _width(under, "i.quota") == pytest.approx(100, abs=0.2)


def _width(row: Any, selector: str) -> float:
    style = row.locator(selector).get_attribute("style") or ""
    match = re.search(r"width:\s*([\d.]+)%", style)
    return float(match.group(1)) if match else 0.0


BX24_PORTAL = """window.BX24 = {
  init: function (done) { done(); },
  fitWindow: function () {},
  openPath: function (path) { document.documentElement.setAttribute("data-opened", path); }
};"""


def test_a_title_opens_the_bitrix24_task_card(page: Any, scenario: Scenario) -> None:
    """Inside the portal through BX24.openPath; without BX24 a plain link to the card."""
    frame, _ = open_in_portal(page, scenario, 1)
    task = scenario.tasks["late"]
    link = frame.locator(f"#estimate-queue tr[data-task='{task}'] a.task-title")
    path = f"/company/personal/user/1/tasks/task/view/{task}/"
    assert link.get_attribute("href") == f"http://{scenario.portal.domain}{path}"
    assert link.get_attribute("target") == "_top"
    page.unroute(BX24_SCRIPT)
    page.route(
        BX24_SCRIPT,
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body=BX24_PORTAL
        ),
    )
    frame.locator("#mine").click()  # reload the frame, now with the portal's BX24
    sync_api.expect(frame.locator("h1")).to_contain_text("мои")
    frame.locator("#mine").click()  # and back to every task (each click is a new page)
    sync_api.expect(frame.locator("h1")).not_to_contain_text("мои")
    sync_api.expect(frame.locator("html")).to_have_attribute("data-bx24", "yes")
    frame.locator(f"#estimate-queue tr[data-task='{task}'] a.task-title").click()
    sync_api.expect(frame.locator("html")).to_have_attribute("data-opened", path)


def test_an_internal_task_gets_one_quiet_line(page: Any, scenario: Scenario) -> None:
    options = {"taskId": str(scenario.tasks["internal"])}
    frame, status = open_in_portal(page, scenario, 1, "TASK_VIEW_TAB", options)
    assert status == 200
    assert frame.locator("main").inner_text().strip() == (
        "Внутренняя задача: регламент работы с клиентами к ней не применяется."
    )
    assert frame.locator("header").count() == 0


def test_a_client_sees_what_each_task_waits_for(page: Any, scenario: Scenario) -> None:
    frame, _ = open_in_portal(page, scenario, scenario.users["anna"])
    refused = frame.locator(f".client-task[data-task='{scenario.tasks['refused']}']")
    sync_api.expect(refused).to_contain_text("Нужно дополнить задачу")
    sync_api.expect(refused).to_contain_text("заголовок «Помогите» не говорит, о чём задача")
    first = frame.locator(".client-task").first
    assert first.get_attribute("data-task") == str(scenario.tasks["refused"])
    breaches = frame.locator("#client-breaches")
    sync_api.expect(breaches).to_contain_text("Не приходят уведомления")
    assert "Иван" not in breaches.inner_text()  # no integrator names
    assert frame.locator("#in-work, #estimate-queue").count() == 0  # no studio-internal tables
