"""The demo's month: a client company, its people, and what they do in November 2026."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from b24demo.stack import LocalStack
from rules.regulation import AppConfig, ClientCompany, ContractPeriod, PackageKind
from rules.types import UserId

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 2, 9, 30, tzinfo=MSK)  # a Monday morning
CLIENT_NAME = "ООО Ромашка"


def write(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@dataclass
class Demo:
    """Drives the sandbox like people would and prints what the app did after each step."""

    stack: LocalStack
    step_costs: list[tuple[str, int, int]] = field(default_factory=list)
    seen_comments: int = 0
    seen_audit: int = 0
    users: dict[str, int] = field(default_factory=dict)
    group: int = 0
    chat: int = 0  # a plain group chat: its messages share the portal-wide message ids

    @property
    def portal(self) -> Any:
        return self.stack.portal

    def at(self, moment: datetime) -> None:
        self.portal.clock.set_offset(0.0)
        self.portal.clock.set_offset(moment.timestamp() - self.portal.clock.now())

    def later(self, **delta: float) -> None:
        self.portal.advance_time(timedelta(**delta).total_seconds())

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.portal.clock.now(), MSK)

    def step(self, title: str, action: Callable[[], object]) -> Any:
        before = self.portal.count()
        write(f"\n▶ {self.now():%d.%m %H:%M}  {title}")
        result = action()
        self.stack.settle(timeout=120)
        events = self.portal.count() - before
        self.stack.tick()  # the scheduler's interval jobs (SLA, warranty, time, catch-up)
        self.stack.settle(timeout=120)
        jobs = self.portal.count() - before - events
        self.step_costs.append((title, events, jobs))
        self._show_reactions()
        write(f"   ({events} REST requests for the events, {jobs} for the scheduler's jobs)")
        return result

    def _show_reactions(self) -> None:
        snapshot = self.portal.snapshot()
        chats = {c["id"]: c["task_id"] for c in snapshot.get("chats", [])}
        items = [
            (c["post_date"], c["task_id"], c["message"])
            for c in snapshot["comments"]
            if c["author_id"] == 1
        ] + [
            (m["date"], chats.get(m["chat_id"], 0), m["text"])
            for m in snapshot.get("messages", [])
            if m["author_id"] == 1
        ]
        for _, task_id, text in sorted(items)[self.seen_comments :]:
            flat = " ".join(str(text).replace("[*]", "• ").split())
            flat = flat.replace("[LIST]", "").replace("[/LIST]", "")
            write(f"   💬 app → task #{task_id}: {flat}")
        self.seen_comments = len(items)
        store = self.stack.services.task_store(self.stack.member_id)
        rows = [r for t in store.list_tasks() for r in store.history(t.task_id)]
        for row in sorted(rows, key=lambda r: r["id"])[self.seen_audit :]:
            if row["to_state"] and row["to_state"] != row["from_state"]:
                write(
                    f"   ⚙ task #{row['task_id']}: {row['from_state']} → {row['to_state']} "
                    f"(п. {row['clause']}, {row['decision']})"
                )
            elif row["decision"] not in ("task_invalid",):
                write(f"   ⚙ task #{row['task_id']}: {row['decision']} (п. {row['clause'] or '—'})")
        self.seen_audit = len(rows)


def demo_config() -> AppConfig:
    return AppConfig(
        clients=(
            ClientCompany(
                name=CLIENT_NAME,
                group_ids=(1,),
                user_ids=(UserId(3), UserId(4)),
                responsible_ids=(UserId(3),),
                contracts=(ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),),
            ),
        )
    )


def seed(demo: Demo) -> None:
    portal = demo.portal
    dept = portal.add_department("Отдел внедрения", 1)
    demo.users["ivan"] = portal.add_user("Иван", "Петров", departments=[dept])
    demo.users["anna"] = portal.add_user("Анна", "Смирнова", extranet=True)
    demo.users["oleg"] = portal.add_user("Олег", "Кузнецов", extranet=True)
    demo.group = portal.add_group(
        CLIENT_NAME, [1, demo.users["ivan"], demo.users["anna"], demo.users["oleg"]]
    )
    demo.chat = portal.add_chat(
        demo.users["ivan"], f"{CLIENT_NAME}: общий чат", [demo.users["anna"], demo.users["oleg"]]
    )


def play_month(demo: Demo) -> None:
    portal, ivan, anna = demo.portal, demo.users["ivan"], demo.users["anna"]
    group = demo.group

    def task(title: str, text: str, **options: Any) -> int:
        return int(
            portal.create_task(anna, title, text, responsible_id=ivan, group_id=group, **options)
        )

    t1 = demo.step(
        "Client posts a task that is only a screenshot",
        lambda: task("Ошибка", "[IMG]https://example.com/screen.png[/IMG]", files=1),
    )
    demo.later(minutes=40)
    demo.step(
        "Client fixes the title and describes the problem in text",
        lambda: portal.update_task(
            anna,
            t1,
            title="Не сохраняется поле «Телефон» в карточке контакта",
            description="В карточке контакта https://romashka.bitrix24.ru/crm/contact/details/15/ "
            "после ввода телефона и нажатия «Сохранить» поле снова пустое. Проверено в Chrome.",
        ),
    )
    demo.later(hours=2)
    demo.step(
        "Integrator estimates it at 45 minutes",
        lambda: portal.add_comment(ivan, t1, "Оценка: 45 минут, срок 1 рабочий день"),
    )
    demo.later(hours=1)
    demo.step(
        "Integrator logs 40 minutes and marks the work done",
        lambda: (portal.add_time(ivan, t1, 40 * 60, "исправлено"), portal.complete_task(ivan, t1)),
    )

    demo.later(hours=1)
    t2 = demo.step(
        "Client posts a bigger task",
        lambda: task(
            "Выгрузка сделок в 1С по кнопке",
            "Нужна кнопка в карточке сделки https://romashka.bitrix24.ru/crm/deal/details/42/, "
            "которая выгружает сделку с товарами в 1С через обмен. Доступы к 1С пришлём текстом.",
        ),
    )
    demo.later(hours=3)
    demo.step(
        "Integrator spends 10 minutes on analysis and estimates 3 h 10 min",
        lambda: (
            portal.add_time(ivan, t2, 10 * 60, "анализ"),
            portal.add_comment(ivan, t2, "Предварительная оценка — 3 ч 10 мин, срок 3 рабочих дня"),
        ),
    )
    demo.later(hours=1)
    demo.step(
        "Client writes «Не согласовано»",
        lambda: portal.add_comment(anna, t2, "Не согласовано, давайте обсудим объём"),
    )
    demo.later(hours=1)
    demo.step(
        "Client writes «Согласовано»",
        lambda: portal.add_comment(
            anna, t2, f"[USER={ivan}]Иван Петров[/USER], добрый день! Согласовано."
        ),
    )
    demo.later(days=1)
    demo.step(
        "Integrator logs 3 h 30 min; the app's scheduled time check finds the overrun",
        lambda: portal.add_time(ivan, t2, 3 * 3600 + 30 * 60, "разработка"),
    )
    demo.step(
        "Integrator re-estimates at 5 hours",
        lambda: portal.add_comment(
            ivan, t2, "Повторная оценка: 5 часов — обмен с 1С потребовал доработки"
        ),
    )
    demo.step(
        "Client approves the new estimate", lambda: portal.add_comment(anna, t2, "Согласовано")
    )
    demo.later(hours=5)
    demo.step(
        "Integrator logs 1 h 10 min more and marks the work done",
        lambda: (portal.add_time(ivan, t2, 70 * 60, "доработка"), portal.complete_task(ivan, t2)),
    )

    demo.later(days=5)
    demo.step(
        "A defect is reported on the first task inside the 14 days",
        lambda: portal.add_comment(anna, t1, "Снова не сохраняется телефон с добавочным"),
    )
    demo.later(hours=2)
    demo.step(
        "Integrator fixes it (20 minutes, not billed) and marks it done",
        lambda: (portal.add_time(ivan, t1, 20 * 60, "гарантия"), portal.complete_task(ivan, t1)),
    )
    demo.later(days=10)
    demo.step(
        "A comment on the second task arrives after its 14 days",
        lambda: portal.add_comment(anna, t2, "В выгрузке не хватает склада, поправьте"),
    )

    t3 = demo.step(
        "Client posts an urgent task (high priority, new chat-based task card)",
        lambda: task(
            "Срочно: не уходят письма из CRM клиентам",
            "С утра письма из карточек сделок не отправляются клиентам, висят в исходящих. "
            "Пример: https://romashka.bitrix24.ru/crm/deal/details/77/",
            priority=2,
            chat_card=True,
        ),
    )
    demo.step(
        "Meanwhile people talk in another chat (it takes message ids too)",
        lambda: (
            portal.post_message(anna, demo.chat, "Письма не уходят, посмотрите, пожалуйста"),
            portal.post_message(ivan, demo.chat, "Смотрю, отпишусь в задаче"),
        ),
    )
    demo.step("Integrator estimates 4 hours", lambda: portal.add_comment(ivan, t3, "Оценка: 4 ч"))
    demo.step(
        "More talk in the other chat",
        lambda: portal.post_message(anna, demo.chat, "Спасибо, ждём оценку в задаче"),
    )
    demo.step("Client approves", lambda: portal.add_comment(anna, t3, "Согласовано, спасибо"))
    demo.later(hours=4)
    demo.step(
        "Integrator logs 4 h 30 min (the Standard package runs out) and finishes",
        lambda: (
            portal.add_time(ivan, t3, 4 * 3600 + 30 * 60, "починка почты"),
            portal.complete_task(ivan, t3),
        ),
    )
