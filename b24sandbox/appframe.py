"""The portal's pages that show the app in a frame, as Bitrix24 shows a local app (§13.2).

Bitrix24 opens an app page by POSTing a form into an iframe: AUTH_ID, AUTH_EXPIRES, REFRESH_ID,
member_id, status, PLACEMENT, PLACEMENT_OPTIONS (a JSON string) in the body, DOMAIN, PROTOCOL,
LANG, APP_SID in the query string (docs: api-reference/widgets/_includes/widget_data.md, the
data every widget handler receives; the form itself comes from b24sandbox.install). The sandbox
serves two such pages:

- `/marketplace/app/<code>/` — the app's main page (placement DEFAULT); `?options=<json>` is
  passed as PLACEMENT_OPTIONS, as `BX24.openApplication(params)` does (docs:
  sdk/bx24-js-sdk/additional-functions/bx24-open-application.md);
- `/company/personal/user/<id>/tasks/task/view/<task>/` — a task card with the app's
  TASK_VIEW_TAB tab (PLACEMENT_OPTIONS `{"taskId": "<task>"}`).

The sandbox has no login: the viewer is `?user=<id>` on the first page and the path's user on
the task card (sandbox only). Each page load issues a fresh token for that viewer.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Protocol
from urllib.parse import parse_qsl

APP_PAGE = re.compile(r"^/marketplace/app/([\w.-]+)/?$")
TASK_CARD = re.compile(r"^/company/personal/user/(\d+)/tasks/task/view/(\d+)/?$")


class FramedApp(Protocol):
    """What the page needs from the portal (b24sandbox.install.InstallActions)."""

    def frame_form(
        self, user_id: int, placement: str, options: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """(handler URL with the §13.2 query string, the §13.2 form) for this viewer."""
        ...


def frame_page(portal: FramedApp, path: str, query: str) -> str | None:
    """The HTML of a portal page that frames the app, or None when `path` is not one."""
    params = dict(parse_qsl(query))
    if match := APP_PAGE.match(path):
        options = _options(params.get("options", ""))
        user = int(params["user"]) if params.get("user", "").isdigit() else 1
        action, form = portal.frame_form(user, "DEFAULT", options)
        return _page("Приложение «Регламент»", action, form)
    if match := TASK_CARD.match(path):
        user, task = int(match.group(1)), match.group(2)
        try:
            action, form = portal.frame_form(user, "TASK_VIEW_TAB", {"taskId": task})
        except KeyError:  # the app has no tab bound: the card has nothing of the app
            return None
        return _page(f"Задача #{task} — вкладка «Регламент»", action, form)
    return None


def _options(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _page(title: str, action: str, form: dict[str, Any]) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(str(k))}" value="{html.escape(str(v))}">'
        for k, v in form.items()
    )
    return (
        "<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{margin:0;font:14px system-ui,sans-serif;background:#eef2f4}"
        "header{padding:10px 16px;background:#2fc6f6;color:#fff;font-weight:600}"
        "iframe{display:block;border:0;width:100%;height:calc(100vh - 40px);background:#fff}"
        "</style></head><body>"
        f"<header>Битрикс24 (песочница) · {html.escape(title)}</header>"
        '<iframe name="app" id="app" title="Регламент"></iframe>'
        f'<form id="launch" method="post" target="app" action="{html.escape(action)}">{inputs}'
        "</form><script>document.getElementById('launch').submit()</script></body></html>"
    )
