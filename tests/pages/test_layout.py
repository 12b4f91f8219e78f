"""Every page inside the portal frame at 1000 px and 400 px: nothing scrolls sideways, and
the visible text has no internal code and no English word (Chromium, one browser for the module)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pages.browser import CHROMIUM, open_in_portal
from tests.pages.russian import VISIBLE_TEXT_JS, internal_codes, problems_in
from tests.pages.scenario import Scenario

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's chromium is needed at {CHROMIUM}"),
]

WIDTHS = (1000, 400)
# (id, viewer, placement, options, the element that proves the page is the right one)
PAGES = [
    ("dashboard", "admin", "DEFAULT", None, "#in-work"),
    ("dashboard-integrator", "ivan", "DEFAULT", None, "#estimate-queue"),
    ("task-refused", "admin", "TASK_VIEW_TAB", "refused", "#problems"),
    ("task-awaiting-estimate", "admin", "TASK_VIEW_TAB", "late", "#clocks"),
    ("task-awaiting-approval", "admin", "TASK_VIEW_TAB", "approval", "#approval"),
    ("task-in-work", "admin", "TASK_VIEW_TAB", "script", "#time-percent"),
    ("task-reestimate", "admin", "TASK_VIEW_TAB", "reestimate", "#deadline"),
    ("task-done", "admin", "TASK_VIEW_TAB", "done", "#warranty dl"),
    ("task-internal", "admin", "TASK_VIEW_TAB", "internal", "#internal"),
    ("client-view", "anna", "DEFAULT", None, "#client-tasks"),
    ("client-task", "anna", "TASK_VIEW_TAB", "refused", "#problems"),
    ("settings", "admin", "DEFAULT", {"page": "settings"}, "form.settings-form"),
    # the workgroup picker: a client's group as a named chip with its number
    ("settings-groups", "admin", "DEFAULT", {"page": "settings"}, ".people.groups .chip-id"),
]

OVERFLOW_JS = """
() => {
  const wide = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    wide.push(`page ${root.scrollWidth}>${root.clientWidth}`);
  }
  document.querySelectorAll('.card, fieldset, main, header').forEach((el, i) => {
    if (el.scrollWidth > el.clientWidth) {
      wide.push(`${el.tagName.toLowerCase()}#${el.id || i} ${el.scrollWidth}>${el.clientWidth}`);
    }
  });
  return wide;
}
"""


def _open(browser: Any, scenario: Scenario, spec: tuple[Any, ...], width: int) -> Any:
    _, who, placement, options, marker = spec
    user = 1 if who == "admin" else scenario.users[who]
    if isinstance(options, str):
        options = {"taskId": str(scenario.tasks[options])}
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()
    frame, status = open_in_portal(page, scenario, user, placement, options)
    assert status in (200, 303)
    frame.locator(marker).first.wait_for()
    app = next(f for f in page.frames if "/b24/" in f.url)
    return context, app


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spec", PAGES, ids=[p[0] for p in PAGES])
def test_nothing_scrolls_sideways(
    browser: Any, scenario: Scenario, spec: tuple[Any, ...], width: int
) -> None:
    context, app = _open(browser, scenario, spec, width)
    try:
        assert app.evaluate(OVERFLOW_JS) == []
    finally:
        context.close()


@pytest.mark.parametrize("spec", PAGES, ids=[p[0] for p in PAGES])
def test_only_russian_is_shown(browser: Any, scenario: Scenario, spec: tuple[Any, ...]) -> None:
    context, app = _open(browser, scenario, spec, 1000)
    try:
        text = app.evaluate(VISIBLE_TEXT_JS)
        assert len(text) > 40
        found = problems_in(text, internal_codes())
        assert found == [], found
    finally:
        context.close()


def test_the_scan_finds_a_code_and_an_english_word() -> None:
    """The check itself can fail: a refusal code and an English word are both caught."""
    found = problems_in("Замечания: title_generic; status: 4; job done", internal_codes())
    assert {"title_generic", "status", "job", "done"} <= set(found)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_refused_page_fits_and_speaks_russian(
    browser: Any, scenario: Scenario, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()
    try:
        frame, status = open_in_portal(page, scenario, 1, auth_id="forged-by-someone")
        assert status == 403
        frame.locator("#message").wait_for()
        app = next(f for f in page.frames if "/b24/" in f.url)
        assert app.evaluate(OVERFLOW_JS) == []
        assert problems_in(app.evaluate(VISIBLE_TEXT_JS), internal_codes()) == []
    finally:
        context.close()
