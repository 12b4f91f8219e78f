"""`b24app sla`: open clocks by working time left, the month's breaches, counts per integrator."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import insert

from b24app.cli.main import build_parser
from b24app.cli.sla import cmd_sla, integrator_names
from b24app.reporting.sla import build_report, format_report, shorten
from b24app.storage.schema import users
from scheduler.sla import check_sla_clocks
from tests.scheduler.conftest import INTEGRATOR, MEMBER, MSK, App, MovingClock


def test_report_orders_by_working_time_left(app: App, clock: MovingClock) -> None:
    app.task(501, title="Просрочена оценка")
    app.start(501, at=datetime(2026, 3, 2, 10, 0, tzinfo=MSK))  # due Monday 18:00
    app.task(502, title="Свежая задача", responsible_id=42)
    app.start(502, at=datetime(2026, 3, 3, 11, 0, tzinfo=MSK))  # due Wednesday 10:00
    app.task(503, title="Ответ клиенту")
    app.start(503, "reaction", at=datetime(2026, 3, 3, 9, 0, tzinfo=MSK))  # due Wed 09:00
    app.task(504, title="Оценена вовремя")
    app.start(504, at=datetime(2026, 3, 2, 12, 0, tzinfo=MSK))
    clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=MSK))
    app.stop(504)
    clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=MSK))
    check_sla_clocks(app.services)  # marks 501 breached
    report = build_report(app.services, MEMBER)
    assert [(c.task_id, c.left) for c in report.open] == [
        (501, -180),  # due 18:00 Monday, then 3 working hours on Tuesday
        (502, 480 - 60),  # working hours: 11:00 → 12:00
        (503, 1440 - 180),  # working days count whole days: 09:00 → 12:00
    ]
    assert [c.task_id for c in report.breaches] == [501]
    assert report.per_integrator() == {INTEGRATOR: (2, 1, 1), 42: (1, 0, 0)}
    lines = format_report(report)
    assert lines[1].startswith("Open clocks: 3")
    assert "left    -3:00" in lines[2]
    assert "BREACHED" in lines[2]
    assert "Breaches in 2026-03: 1" in lines
    assert any("breached 02.03 18:00, reported 03.03 12:00" in line for line in lines)
    assert f"  #{INTEGRATOR:<7}     2     1     1" in lines


def test_sla_command_is_registered() -> None:
    args = build_parser().parse_args(["sla", "--limit", "5"])
    assert args.func is cmd_sla
    assert args.limit == 5


@pytest.mark.parametrize(
    ("title", "short"),
    [
        pytest.param("Ответ клиенту", "Ответ клиенту", id="fits"),
        pytest.param(
            "Настроить интеграцию сделок с 1С и выгрузку счетов по расписанию",
            "Настроить интеграцию сделок с 1С и выгрузку…",
            id="at-a-word",
        ),
        pytest.param("Поправить, пожалуйста, обмен", "Поправить…", id="drops-the-comma"),
        pytest.param("А" * 60, "А" * 19 + "…", id="one-long-word"),
        pytest.param("Два  пробела\nи строка", "Два пробела и строка", id="spaces"),
    ],
)
def test_titles_are_cut_at_a_word(title: str, short: str) -> None:
    width = 20 if short.startswith(("Поправить", "А")) else 50
    assert shorten(title, width) == short
    assert len(shorten(title, width)) <= width


def test_integrators_by_name(app: App, clock: MovingClock) -> None:
    app.task(501, title="Просрочена оценка " + "очень длинного заголовка задачи " * 2)
    app.start(501, at=datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    app.task(502, title="Свежая задача", responsible_id=42)
    app.start(502, at=datetime(2026, 3, 3, 11, 0, tzinfo=MSK))
    clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=MSK))
    with app.services.db.begin() as conn:
        for user_id, name in ((INTEGRATOR, "Иван Интеграторов"), (42, "Мария Соколова")):
            data = json.dumps({"name": name}, ensure_ascii=False)
            conn.execute(
                insert(users).values(member_id=MEMBER, user_id=user_id, data=data, fetched_at=0.0)
            )
    report = build_report(app.services, MEMBER)
    names = integrator_names(app.services, MEMBER, report)  # from the cache: no portal call
    lines = format_report(report, names=names)
    assert "  Иван Интеграторов     1     1     0" in lines
    assert "  Мария Соколова        1     0     0" in lines
    assert not any("#42" in line for line in lines)
    task_line = next(line for line in lines if "task 501" in line)
    assert task_line.endswith("Просрочена оценка очень длинного заголовка задачи…")
