"""`b24app demo`'s page URLs open the sandbox portal's page with the app inside its frame,
as Bitrix24 shows it (the portal POSTs the placement form into the iframe)."""

from __future__ import annotations

from typing import Any

import pytest

from b24demo.urls import page_urls, shown_task
from tests.pages.browser import BX24_SCRIPT, CHROMIUM, launch
from tests.pages.scenario import Scenario

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's chromium is needed at {CHROMIUM}"),
]

EXPECTED = {  # what proves the app's own page is shown inside the portal's frame
    "Дашборд": ("#in-work", "Задачи по регламенту"),
    "Вкладка «Регламент» задачи": ("#state-label", "Состояние по регламенту"),
    "Настройки": ("form.settings-form", "Настройки регламента"),
}


def test_the_three_urls_show_the_app_inside_the_portal_frame(scenario: Scenario) -> None:
    task = shown_task(scenario.stack)
    assert task is not None
    urls = page_urls(scenario.stack, task)
    assert set(urls) == set(EXPECTED)
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for name, url in urls.items():
                assert url.startswith(scenario.portal.url)
                page: Any = browser.new_page(viewport={"width": 1000, "height": 900})
                page.route(BX24_SCRIPT, lambda route: route.abort())
                page.goto(url)
                marker, heading = EXPECTED[name]
                frame = page.frame_locator("#app")
                frame.locator(marker).first.wait_for()
                sync_api.expect(frame.locator("main")).to_contain_text(heading)
                app = next(f for f in page.frames if "/b24/" in f.url)
                assert app.parent_frame is page.main_frame, name
                page.close()
        finally:
            browser.close()
