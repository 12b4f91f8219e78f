"""REST requests per regulation path (issue 4): each step of each path, counted at the portal.

Run by hand:  python bench/path_costs.py
It plays every path of the state machine on the sandbox portal (no rate limit, no scheduler
ticks) and prints, per step, the HTTP requests the app sent and the REST methods inside them.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from b24demo.stack import LocalStack
from rules.regulation import AppConfig

TITLE = "Добавить поле ИНН в карточку компании"
TEXT = (
    "В карточке компании https://acme.bitrix24.ru/crm/company/details/5/ нужно поле ИНН: "
    "обязательное, 10 или 12 цифр, с проверкой контрольной суммы."
)


def measure(stack: LocalStack, label: str, action: Callable[[], Any], rows: list[str]) -> Any:
    before = len(stack.portal.requests)
    result = action()
    stack.settle()
    new = stack.portal.requests[before:]
    methods = Counter(m for r in new for m in (r.sub_methods or [r.rest_method or r.path]))
    detail = ", ".join(f"{m}×{n}" for m, n in sorted(methods.items()))
    rows.append(f"| {label} | {len(new)} | {detail} |")
    return result


def main() -> int:
    rows = ["| step | HTTP requests | REST methods inside them |", "|---|---|---|"]
    with LocalStack(Path(tempfile.mkdtemp()), config=AppConfig(), rate_limit=None) as stack:
        stack.install()
        p = stack.portal
        ivan = p.add_user("Иван", "Петров", departments=[1])
        anna = p.add_user("Анна", "Смирнова", extranet=True)

        def new(title: str = TITLE, text: str = TEXT, **kw: Any) -> int:
            return int(p.create_task(anna, title, text, responsible_id=ivan, **kw))

        t1 = measure(
            stack, "screenshot-only task → refused", lambda: new("Ошибка", "[IMG]x[/IMG]"), rows
        )
        measure(
            stack,
            "client fixes the text → accepted",
            lambda: p.update_task(anna, t1, title=TITLE, description=TEXT),
            rows,
        )
        measure(
            stack,
            "estimate 45 min → auto-accepted",
            lambda: p.add_comment(ivan, t1, "Оценка: 45 минут"),
            rows,
        )
        t2 = measure(stack, "valid task → accepted", new, rows)
        measure(
            stack,
            "estimate 3 h 10 min → awaiting approval",
            lambda: p.add_comment(ivan, t2, "Оценка: 3 ч 10 мин"),
            rows,
        )
        measure(
            stack,
            "«Не согласовано» → discussion",
            lambda: p.add_comment(anna, t2, "Не согласовано"),
            rows,
        )
        measure(
            stack,
            "«Согласовано» → in progress",
            lambda: p.add_comment(anna, t2, "Согласовано"),
            rows,
        )
        p.add_time(ivan, t2, 4 * 3600)
        measure(
            stack,
            "task update with time logged → overrun, re-estimate",
            lambda: p.update_task(ivan, t2, priority=2),
            rows,
        )
        measure(stack, "work done → done", lambda: p.complete_task(ivan, t1), rows)
        measure(
            stack,
            "client comment in window → rework",
            lambda: p.add_comment(anna, t1, "Не работает"),
            rows,
        )
        p.complete_task(ivan, t1)
        stack.settle()
        p.advance_time(16 * 86400)
        measure(
            stack,
            "client comment after 14 days → answer + new task",
            lambda: p.add_comment(anna, t1, "Опять не работает"),
            rows,
        )
    sys.stdout.write("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
