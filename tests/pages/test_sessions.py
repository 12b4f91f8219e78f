"""Sessions: an expired one says so and offers to reopen the app through the portal; a portal
that did not answer is told apart from a refused or forged request."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from itsdangerous.timed import TimestampSigner

from b24app.bitrix.limits import INTERACTIVE_CALL_TIMEOUT_SECONDS
from b24app.pages.auth import SESSION_MAX_AGE_SECONDS
from tests.pages.browser import CHROMIUM, launch
from tests.pages.scenario import ROMASHKA, Scenario
from tests.pages.test_access import open_page, session_token

UNAVAILABLE = "Битрикс24 не ответил на проверку входа"
REFUSED = "Битрикс24 не подтвердил вход"
EXPIRED = "Сессия истекла"
FORGED = "Запрос не от портала"


def test_an_expired_session_says_so_and_offers_to_reopen(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = session_token(open_page(scenario, 1))
    fresh = requests.get(f"{scenario.stack.url}/b24/app", params={"s": token}, timeout=30)
    assert fresh.status_code == 200
    late = int(time.time()) + SESSION_MAX_AGE_SECONDS + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: late)
    page = requests.get(f"{scenario.stack.url}/b24/app", params={"s": token}, timeout=30)
    assert page.status_code == 401
    assert EXPIRED in page.text
    assert "4 часов" in page.text
    assert "data-reload" in page.text  # the «Открыть заново» button
    # and a way back that works outside the frame too: the portal, where the app is reopened
    assert f'id="back-to-portal" href="http://{scenario.portal.domain}/"' in page.text
    assert ROMASHKA not in page.text
    assert 'name="s"' not in page.text


def test_a_tampered_session_is_invalid_not_expired(scenario: Scenario) -> None:
    token = session_token(open_page(scenario, 1))
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = requests.get(f"{scenario.stack.url}/b24/app", params={"s": tampered}, timeout=30)
    assert page.status_code == 403
    assert "Ссылка недействительна" in page.text
    assert EXPIRED not in page.text


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(  # waits out the page's call timeout (4 s): `pytest -m slow`
            lambda portal: portal.set_unreachable(120), id="unreachable", marks=pytest.mark.slow
        ),
        pytest.param(
            lambda portal: portal.fail_next(
                "batch", status=503, error="INTERNAL_SERVER_ERROR", times=10
            ),
            id="http-503",
        ),
    ],
)
def test_a_portal_that_does_not_answer_is_not_a_refusal(fresh: Scenario, fault: Any) -> None:
    fault(fresh.portal)
    started = time.monotonic()
    page = open_page(fresh, 1)
    # one bounded read, then the page says so (fast-bitrix24's own retries took ~17 s)
    assert time.monotonic() - started < 2 * INTERACTIVE_CALL_TIMEOUT_SECONDS
    assert page.status_code == 503
    assert "Портал Битрикс24 не отвечает, попробуйте через минуту" in page.text
    assert UNAVAILABLE in page.text
    assert REFUSED not in page.text
    assert FORGED not in page.text
    assert "data-reload" in page.text


def test_a_refused_auth_id_and_a_forged_request_say_different_things(scenario: Scenario) -> None:
    refused = requests.post(
        scenario.handler_url(), data=scenario.frame_form(1, auth_id="forged"), timeout=30
    )
    assert refused.status_code == 403
    assert REFUSED in refused.text
    assert UNAVAILABLE not in refused.text
    form = scenario.frame_form(1)
    form["APPLICATION_TOKEN"] = "0" * 32
    forged = requests.post(scenario.handler_url(), data=form, timeout=30)
    assert forged.status_code == 403
    assert FORGED in forged.text
    assert "data-reload" not in forged.text  # reopening would not help


BX24_STUB = """window.BX24 = {
  init: function (done) { done(); },
  fitWindow: function () {},
  reloadWindow: function () { document.documentElement.setAttribute("data-reloaded", "yes"); }
};"""


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's chromium is not at {CHROMIUM}")
def test_the_reopen_button_asks_the_portal_to_reload_the_app(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    token = session_token(open_page(scenario, 1))
    late = int(time.time()) + SESSION_MAX_AGE_SECONDS + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: late)
    url = f"{scenario.stack.url}/b24/app?s={token}&{scenario.frame_query()}"
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.route(
                "**/api.bitrix24.com/**",
                lambda route: route.fulfill(
                    status=200, content_type="application/javascript", body=BX24_STUB
                ),
            )
            page.goto(url)
            sync_api.expect(page.locator("#message")).to_contain_text(EXPIRED)
            page.get_by_role("button", name="Открыть заново").click()
            assert page.locator("html").get_attribute("data-reloaded") == "yes"
        finally:
            browser.close()
