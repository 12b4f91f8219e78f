"""The settings page in headless Chromium inside the portal frame: an admin adds a client company
with its responsible and its workgroup picked by name, a wrong value is answered in Russian next
to its input, and the page fits the frame at 1000 and 400 px (the pickers' suggestions open)."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from b24app.pages.configdoc import config_file
from tests.pages.browser import CHROMIUM, app_frame, open_in_portal
from tests.pages.scenario import Scenario

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    ),
]

OVERFLOW = """() => {
  const wide = (el) => el.scrollWidth > el.clientWidth + 1;
  const cards = [...document.querySelectorAll('.settings-card, .client-row, .setting')];
  const narrow = [...document.querySelectorAll(
    '.settings-wrap input[type=text], .settings-wrap input[type=date], .settings-wrap select,'
    + ' .settings-wrap textarea')].filter((el) => el.offsetParent !== null)
    .filter((el) => el.getBoundingClientRect().width < 159);
  return {
    page: wide(document.documentElement) || wide(document.body),
    cards: cards.filter(wide).map((el) => el.id || el.dataset.key || el.className),
    narrow: narrow.map((el) => el.name || el.id),
  };
}"""


def _settings(browser: Any, scenario: Scenario, width: int) -> tuple[Any, Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()
    frame, status = open_in_portal(page, scenario, 1, height=900)
    assert status == 200
    frame.get_by_role("link", name="Настройки").click()
    frame.locator("#settings-form").wait_for()
    return context, page, frame


def test_an_admin_adds_a_client_with_its_responsible_picked_by_name(
    browser: Any, fresh: Scenario
) -> None:
    context, _, frame = _settings(browser, fresh, 1000)
    frame.locator("#add-client").click()
    row = frame.locator(".client-row").last
    number = row.get_attribute("data-row")
    row.locator(f"[name='clients.{number}.name']").fill("АО Василёк")
    row.locator(f"[name='clients.{number}.contract']").check()
    row.locator(f"[name='clients.{number}.package']").select_option(label="Продвинутый")
    search = row.locator(f"[id='clients.{number}.responsible_ids']")
    search.press_sequentially("Лют", delay=30)
    suggestion = row.locator(".suggestion", has_text="Лютиков Борис")
    suggestion.click()
    sync_api.expect(row.locator(".chip")).to_contain_text("Лютиков Борис")
    frame.locator("#save").click()
    sync_api.expect(frame.locator("#saved")).to_be_visible()
    context.close()

    saved = tomllib.loads(config_file(fresh.stack.services.settings).read_text())
    added = saved["clients"][-1]
    assert added["name"] == "АО Василёк"
    assert added["responsible_ids"] == [fresh.users["boris"]]
    assert added["contracts"][0]["package"] == "advanced"
    assert fresh.stack.services.config.client_named("АО Василёк") is not None


def test_an_admin_picks_a_workgroup_by_name_and_removes_another(
    browser: Any, fresh: Scenario
) -> None:
    support = fresh.portal.add_group("Лютик: поддержка сайта", owner_id=fresh.users["maria"])
    context, _, frame = _settings(browser, fresh, 1000)
    row = frame.locator(".client-row[data-row='1']")
    picker = row.locator(".people.groups")
    sync_api.expect(picker.locator(".chip")).to_have_text([f"ИП Лютик № {fresh.group} ×"])
    search = row.locator("[id='clients.1.group_ids']")
    search.press_sequentially("поддерж", delay=30)
    suggestion = picker.locator(".suggestion", has_text="Лютик: поддержка сайта")
    sync_api.expect(suggestion).to_contain_text(f"№ {support}")
    suggestion.click()
    picker.locator(f".chip[data-id='{fresh.group}'] .chip-remove").click()
    sync_api.expect(picker.locator(".chip span")).to_have_text(["Лютик: поддержка сайта"])
    sync_api.expect(picker.locator(".chip .chip-id")).to_have_text([f"№\xa0{support}"])
    search.press_sequentially("нет такой", delay=10)
    sync_api.expect(picker.locator(".suggestions .none")).to_have_text(
        "Группы с таким названием не нашлись"
    )
    frame.locator("#save").click()
    sync_api.expect(frame.locator("#saved")).to_be_visible()
    context.close()

    saved = tomllib.loads(config_file(fresh.stack.services.settings).read_text())
    assert saved["clients"][1]["group_ids"] == [support]
    assert fresh.stack.services.config.clients[1].group_ids == (support,)


def test_a_wrong_value_is_answered_in_russian_next_to_its_input(
    browser: Any, fresh: Scenario
) -> None:
    path = config_file(fresh.stack.services.settings)
    before = path.read_bytes() if path.exists() else None
    context, _, frame = _settings(browser, fresh, 1000)
    frame.locator("[id='regulation.warranty_days']").fill("двенедели")
    frame.locator("#save-top").click()
    field = frame.locator(".setting[data-key='regulation.warranty_days']")
    sync_api.expect(field.locator(".field-error")).to_have_text(
        "ожидается целое число, указано «двенедели»"
    )
    sync_api.expect(frame.locator("#errors")).to_contain_text("Гарантийный срок")
    context.close()
    assert (path.read_bytes() if path.exists() else None) == before
    assert fresh.stack.services.config.regulation.warranty_days == 14


@pytest.mark.parametrize("width", [1000, 400])
def test_the_page_fits_the_portal_frame(browser: Any, fresh: Scenario, width: int) -> None:
    context, page, frame = _settings(browser, fresh, width)
    frame.locator("#add-client").click()  # an empty row too
    fresh.portal.add_group("Лютик: очень длинное название рабочей группы для проверки ширины")
    picker = frame.locator(".client-row[data-row='1'] .people.groups")
    picker.locator(".people-search").press_sequentially("лютик", delay=20)
    picker.locator(".suggestion").nth(1).click()  # a long name as a chip too
    picker.locator(".people-search").press_sequentially("лютик", delay=20)
    sync_api.expect(picker.locator(".suggestions")).to_be_visible()
    found = app_frame(page).evaluate(OVERFLOW)
    context.close()
    assert found == {"page": False, "cards": [], "narrow": []}
