"""The sandbox's portal pages that frame the app POST the §13.2 form, as Bitrix24 does
(docs: api-reference/widgets/_includes/widget_data.md)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
import requests

from b24sandbox.portal import SandboxPortal

FIELDS = ("AUTH_ID", "AUTH_EXPIRES", "REFRESH_ID", "member_id", "status", "PLACEMENT")


@pytest.fixture
def portal() -> Iterator[SandboxPortal]:
    sandbox = SandboxPortal(rate_limit=None)
    sandbox.start()
    sandbox.install_app("http://127.0.0.1:9/install", "http://127.0.0.1:9/app")
    yield sandbox
    sandbox.stop()


def _form(page: str) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form id="launch" method="post" target="app" action="([^"]+)"', page)
    assert action, "the page POSTs a form into the frame"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    return html.unescape(action.group(1)), {k: html.unescape(v) for k, v in fields.items()}


def test_the_app_page_posts_the_placement_form_into_its_frame(portal: SandboxPortal) -> None:
    options = json.dumps({"page": "settings"})
    answer = requests.get(
        f"{portal.url}/marketplace/app/reglament/",
        params={"user": "1", "options": options},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert '<iframe name="app"' in answer.text
    action, form = _form(answer.text)
    assert action.startswith("http://127.0.0.1:9/app?")
    for key in ("DOMAIN=", "PROTOCOL=0", "LANG=ru", "APP_SID="):
        assert key in action
    assert set(FIELDS) <= set(form)
    assert form["PLACEMENT"] == "DEFAULT"
    assert json.loads(form["PLACEMENT_OPTIONS"]) == {"page": "settings"}
    # the token is the viewer's: the app verifies it with user.current (§13.3)
    me = requests.post(
        f"{portal.url}/rest/user.current.json", data={"auth": form["AUTH_ID"]}, timeout=10
    )
    assert me.status_code == 200
    assert str(me.json()["result"]["ID"]) == "1"


def test_a_task_card_without_the_apps_tab_is_not_framed(portal: SandboxPortal) -> None:
    answer = requests.get(f"{portal.url}/company/personal/user/1/tasks/task/view/5/", timeout=10)
    assert answer.status_code == 404
