"""The demo's pages as a person opens them: the sandbox portal's page with the app in its frame.

Bitrix24 shows a local app inside its own page (an iframe the portal POSTs the placement form
into); opening the app's URL directly gives «Сессия недействительна». These URLs open the
sandbox's portal pages (b24sandbox.appframe) for the portal's admin (user 1)."""

from __future__ import annotations

import json
from urllib.parse import quote

from b24demo.stack import LocalStack

APP_CODE = "reglament"
ADMIN = 1


def page_urls(stack: LocalStack, task_id: int) -> dict[str, str]:
    """Dashboard, a task's «Регламент» tab, settings (BX24.openApplication({"page": ...}))."""
    portal = stack.portal.url
    settings = quote(json.dumps({"page": "settings"}, separators=(",", ":")))
    return {
        "Дашборд": f"{portal}/marketplace/app/{APP_CODE}/?user={ADMIN}",
        "Вкладка «Регламент» задачи": (
            f"{portal}/company/personal/user/{ADMIN}/tasks/task/view/{task_id}/"
        ),
        "Настройки": f"{portal}/marketplace/app/{APP_CODE}/?user={ADMIN}&options={settings}",
    }


def shown_task(stack: LocalStack) -> int | None:
    """A task the app keeps by the regulation (the tab shows it in full), the newest one."""
    records = [r for r in stack.services.task_store(stack.member_id).list_tasks() if not r.deleted]
    return max((int(r.task_id) for r in records), default=None)
