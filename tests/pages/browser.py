"""Headless Chromium (Debian's, driven by playwright) showing app pages the way Bitrix24 does:
a portal page on the portal's origin POSTs the §13.2 form into an iframe of the app."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from tests.pages.scenario import Scenario

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The test's portal page is a routed (fulfilled) response, which Chromium counts as a public
    # address; the portal's iframe then navigating to the app on 127.0.0.1 would be refused.
    "--disable-features=LocalNetworkAccessChecks",
]
BX24_SCRIPT = re.compile(r"api\.bitrix24\.com")


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def portal_page(action: str, form: dict[str, str], height: int) -> str:
    """The portal's side: an iframe and the auto-submitted form targeting it."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in form.items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>body{margin:0}"
        "iframe{border:0;width:100%;display:block}</style></head><body>"
        f'<iframe name="app" id="app" height="{height}"></iframe>'
        f'<form id="launch" method="post" target="app" action="{html.escape(action)}">{inputs}'
        "</form><script>document.getElementById('launch').submit()</script></body></html>"
    )


def open_in_portal(
    page: Any,
    scenario: Scenario,
    user: int,
    placement: str = "DEFAULT",
    options: dict[str, Any] | None = None,
    *,
    auth_id: str | None = None,
    height: int = 1000,
) -> tuple[Any, int]:
    """Open an app page inside the portal frame; returns (frame locator, HTTP status)."""
    form = scenario.frame_form(user, placement, options, auth_id=auth_id)
    wrapper = f"{scenario.portal.url}/company/app/{placement.lower()}"
    page.route(BX24_SCRIPT, lambda route: route.abort())  # no internet: BX24.js fails to load
    page.route(
        wrapper,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body=portal_page(scenario.handler_url(placement), form, height),
        ),
    )
    path = "/b24/placement/task" if placement == "TASK_VIEW_TAB" else "/b24/app"
    with page.expect_response(lambda r: path in r.url and r.request.method == "POST") as answer:
        page.goto(wrapper)
    frame = page.frame_locator("#app")
    frame.locator("main").wait_for()
    # pages.js (deferred) has run: the month picker and the card links listen from here on
    frame.locator("html[data-bx24]").wait_for(state="attached")
    return frame, answer.value.status


def app_frame(page: Any) -> Any:
    """The app's frame itself (to run a script in it), not a locator."""
    return page.frame(name="app")
