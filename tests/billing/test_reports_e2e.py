"""End to end: time entries on the sandbox portal → `b24app sync-time` → `b24app report` → file.

The task records are written as the handlers write them; the time entries live on the portal
and reach the app only through `sync-time` (task.elapseditem.getlist in batches).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

from b24app.app import create_app
from b24app.cli import reports as reports_cli
from b24app.cli import startup
from b24app.cli.main import main
from b24app.config.settings import load_settings
from b24app.services import Services
from b24app.storage.task_store import TaskStore
from b24sandbox.portal import SandboxPortal
from handlers.effects import Audit
from handlers.records import TaskRecord
from rules.regulation import AppConfig
from rules.types import TaskId
from tests.billing.conftest import CONFIG, LYUTIK, MEMBER, MSK, ROMASHKA, at

EXPECTED = Path(__file__).parent / "expected"
CONFIG_TOML = """
[[clients]]
name = "ООО Ромашка"
group_ids = [11]
package = "standard"
start = 2026-01-01

[[clients]]
name = "ООО Лютик"
group_ids = [12]
package = "advanced"
start = 2026-01-01
chat = { enabled = true, users = 20, tiers = [[50, 5000]] }

[[clients]]
name = "ИП Иванов"
group_ids = [13]
"""


@dataclass
class Stack:
    portal: SandboxPortal
    env: dict[str, str]
    made: list[Services]  # by the test; the commands close their own

    def services(self) -> Services:
        from b24app.config.regulation import load_app_config

        settings = load_settings(self.env)
        clock = at(3, 12).timestamp  # audit rows written while seeding are dated 3 November
        svc = Services(settings, load_app_config(settings.config_path), clock=clock)
        self.made.append(svc)
        return svc


@pytest.fixture
def stack(
    tmp_path: Path, portal: SandboxPortal, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    (tmp_path / "reglament.toml").write_text(CONFIG_TOML, encoding="utf-8")
    env = {
        "B24APP_DATA_DIR": str(tmp_path / "data"),
        "B24APP_CONFIG": str(tmp_path / "reglament.toml"),
        "B24_WEBHOOK_URL": portal.webhook_url(1),
        "B24_APPLICATION_TOKEN": "token",
        "B24APP_REQUESTS_PER_SECOND": "100",
        "B24APP_TIMEZONE": "",
        "B24APP_API_TOKEN": "s3cret",  # /api is closed without one
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # no stray .env
    by_commands: list[Services] = []
    real = startup.build_services

    def tracked(args: Any, **options: Any) -> Services:
        by_commands.append(real(args, **options))
        return by_commands[-1]

    monkeypatch.setattr(reports_cli, "build_services", tracked)
    stack = Stack(portal, env, [])
    yield stack
    for svc in stack.made:
        svc.close()
    for svc in (*stack.made, *by_commands):
        if svc._transport is not None:  # LoopThread.stop() leaves its loop open
            svc._transport._loop.loop.close()


def rest(portal: SandboxPortal, method: str, params: list[Any]) -> None:
    answer = requests.post(portal.webhook_url(1) + method, json=params, timeout=10)
    assert answer.status_code == 200, answer.text


def seed(stack: Stack) -> dict[str, int]:
    """Two clients' tasks on the portal; records and audit rows as the handlers leave them."""
    portal = stack.portal
    ivan = portal.add_user("Иван", "Интеграторов")
    anna = portal.add_user("Анна", "Клиентова", extranet=True)
    t1 = portal.create_task(anna, "Настроить воронку продаж", responsible_id=ivan)
    t2 = portal.create_task(anna, "Упал обмен с 1С", responsible_id=ivan, priority=2)
    t3 = portal.create_task(anna, "Доработка отчёта по сделкам", responsible_id=ivan)
    svc = stack.services()
    store = TaskStore(svc.db, MEMBER)
    svc.ensure_webhook_portal(MEMBER, "sandbox.local")
    for task_id, client, title, extra in (
        (t1, ROMASHKA, "Настроить воронку продаж", {"estimate_minutes": 600}),
        (t2, ROMASHKA, "Упал обмен с 1С", {"urgent": True}),
        (t3, LYUTIK, "Доработка отчёта по сделкам", {"rework_since": at(20)}),
    ):
        record = TaskRecord(TaskId(task_id), client=client, title=title, created_at=at(1), **extra)
        store.save(record, [], shadow=False)
    store.save(None, [Audit(TaskId(t1), "regulation_acknowledged", "", "comment 5",
                            details={"company": ROMASHKA})], shadow=False)  # fmt: skip
    store.save(None, [Audit(TaskId(t1), "overrun", "3.3", "ONTASKUPDATE",
                            details={"billable_minutes": 630, "approved_minutes": 600})],
               shadow=False)  # fmt: skip
    add = portal.add_time
    add(ivan, t1, 3600, "старое", created_date=at(30, month=10))  # October: not in the report
    add(ivan, t1, 5 * 3600, "настройка стадий", created_date=at(2))
    add(ivan, t1, 4 * 3600 + 50 * 60, "роботы", created_date=at(5))  # 290 → 300: package full
    add(ivan, t2, 41 * 60, "срочный разбор", created_date=at(6))  # 45 min urgent
    changed = add(ivan, t1, 10 * 60, "правки", created_date=at(9))  # becomes 20 min → 30 regular
    dropped = add(ivan, t1, 3600, "ошибочная запись", created_date=at(9))  # deleted later
    add(ivan, t3, 2 * 3600 + 1, "отчёт", created_date=at(10))  # 121 → 135 package
    add(ivan, t3, 3600, "гарантийная доработка", created_date=at(21))  # warranty
    return {"t1": t1, "changed": changed, "dropped": dropped, "ivan": ivan}


def test_time_entries_to_csv_report(stack: Stack, tmp_path: Path) -> None:
    ids = seed(stack)
    assert main(["sync-time", "--month", "2026-11"]) == 0
    rest(stack.portal, "task.elapseditem.update",
         [ids["t1"], ids["changed"], {"SECONDS": 1200, "COMMENT_TEXT": "правки"}])  # fmt: skip
    rest(stack.portal, "task.elapseditem.delete", [ids["t1"], ids["dropped"]])
    assert main(["sync-time", "--month", "2026-11"]) == 0  # reconciles the change and deletion
    for table, name in (("lines", "report-2026-11.csv"), ("summary", "report-2026-11-summary.csv")):
        out = tmp_path / name
        command = ["report", "--month", "2026-11", "--format", "csv", "--table", table]
        assert main([*command, "--output", str(out)]) == 0
        assert out.read_bytes() == (EXPECTED / name).read_bytes(), name


def test_report_to_stdout_and_errors(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    seed(stack)
    assert main(["sync-time"]) == 0  # this month (the portal's clock): nothing to bill
    capsys.readouterr()
    assert main(["report", "--month", "2026-11", "--client", LYUTIK]) == 0
    text = capsys.readouterr().out
    assert "ООО Лютик — Регламент не подписан" in text
    assert "75 000,00" in text
    assert main(["report", "--month", "2026-11", "--client", "Нет такого"]) == 2
    assert main(["report", "--month", "11.2026"]) == 2
    assert main(["report", "--month", "2026-11", "--format", "xlsx"]) == 2
    assert "needs --output" in capsys.readouterr().err


def test_web_reports(stack: Stack) -> None:
    seed(stack)
    assert main(["sync-time", "--month", "2026-11"]) == 0
    svc = stack.services()
    client = create_app(svc).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer s3cret"
    doc = client.get("/api/reports/2026-11").get_json()
    assert [c["client"] for c in doc["clients"]] == [ROMASHKA, LYUTIK, "ИП Иванов"]
    one = client.get("/api/reports/2026-11", query_string={"client": LYUTIK}).get_json()
    assert [c["total"] for c in one["clients"]] == ["75000.00"]
    csv_answer = client.get("/api/reports/2026-11.csv")
    assert (
        csv_answer.headers["Content-Disposition"]
        == "attachment; filename=\"report-2026-11.csv\"; filename*=UTF-8''report-2026-11.csv"
    )
    first_line = (EXPECTED / "report-2026-11.csv").read_bytes().split(b"\r\n")[0]
    assert csv_answer.data.startswith(first_line + b"\r\n")  # BOM, `;`, Russian headings
    summary = client.get("/api/reports/2026-11.csv", query_string={"table": "summary"})
    assert summary.data.startswith("\ufeffКлиент;Пакет;".encode())
    assert "report-2026-11-summary.csv" in summary.headers["Content-Disposition"]
    assert client.get("/api/reports/2026-11.csv?table=all").status_code == 400
    xlsx = client.get("/api/reports/2026-11.xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).sheetnames[0] == "Сводка"
    assert client.get("/api/reports/2026-13").status_code == 400
    assert client.get("/api/reports/2026-11.pdf").status_code == 404
    assert client.get("/api/reports/2026-11?client=Нет").status_code == 404
    assert json.loads(client.get("/api/reports/2026-11.json").data)["month"] == "2026-11"


def test_web_reports_need_the_bearer_token(tmp_path: Path) -> None:
    settings = load_settings({"B24APP_DATA_DIR": str(tmp_path), "B24APP_API_TOKEN": "s3cret"})
    svc = Services(settings, AppConfig(clients=CONFIG.clients))
    try:
        svc.ensure_webhook_portal(MEMBER, "x")
        client = create_app(svc).test_client()
        assert client.get("/api/reports/2026-11.csv").status_code == 401
        ok = client.get("/api/reports/2026-11", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
    finally:
        svc.close()


def test_report_says_when_no_time_sync_ran(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13: the report showed 0:00 used until a time sync had run, without a word."""
    seed(stack)
    assert main(["report", "--month", "2026-11"]) == 0
    captured = capsys.readouterr()
    assert "не загружались из портала (ни разу)" in captured.err
    assert "b24app sync-time --month 2026-11" in captured.out
    assert main(["sync-time", "--month", "2026-11"]) == 0
    capsys.readouterr()
    assert main(["report", "--month", "2026-11", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert "не загружались" not in captured.err + captured.out


def test_lock_the_sent_bill(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report --lock` once the bill is sent: a later sync changes only the «changes» part."""
    ids = seed(stack)
    lock = ["report", "--month", "2026-11", "--lock"]
    assert main(lock) == 2  # no time read since the month ended: the bill would miss time
    assert "run `b24app sync-time --month 2026-11` first" in capsys.readouterr().err
    assert main(["sync-time", "--month", "2026-11"]) == 0
    assert main(lock) == 0
    assert "2026-11 locked" in capsys.readouterr().out
    assert main(lock) == 2  # once
    billed = tmp_path / "billed.csv"
    summary = ["report", "--month", "2026-11", "--format", "csv", "--table", "summary"]
    assert main([*summary, "--output", str(billed)]) == 0
    stack.portal.add_time(ids["ivan"], ids["t1"], 3 * 3600, "после счёта", created_date=at(29))
    assert main(["sync-time", "--month", "2026-11"]) == 0
    said = capsys.readouterr().out
    assert "2026-11 is locked" in said
    assert "1 entries differ from it now" in said
    after = tmp_path / "after.csv"
    assert main([*summary, "--output", str(after)]) == 0
    assert after.read_bytes() == billed.read_bytes()  # the bill as sent
    assert "Изменений после фиксации: 1" in capsys.readouterr().err
    changes = tmp_path / "changes.csv"
    assert main(["report", "--month", "2026-11", "--format", "csv", "--table", "changes",
                 "--output", str(changes)]) == 0  # fmt: skip
    assert "добавлена;" in changes.read_text(encoding="utf-8-sig")
    assert main(["report", "--month", "2026-11", "--unlock"]) == 0
    assert main([*summary, "--output", str(after)]) == 0
    assert after.read_bytes() != billed.read_bytes()
    assert main(["report", "--month", "2026-11", "--unlock"]) == 2


def test_this_month_cannot_be_locked(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    seed(stack)
    this_month = f"{datetime.now(MSK):%Y-%m}"
    assert main(["report", "--month", this_month, "--lock"]) == 2
    assert "is not over yet" in capsys.readouterr().err
