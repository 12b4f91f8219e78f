"""`b24app replay`: the rules over a task's history from the portal, in shadow mode."""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

import pytest

from b24app.cli.main import main
from b24app.cli.replay import since_start
from b24app.replay import play, read_history, summary
from b24demo.stack import LocalStack
from rules.regulation import AppConfig
from tests.e2e.conftest import GOOD_TEXT, GOOD_TITLE, people


def test_replay_repeats_live_decisions_and_compares_configs(stack: LocalStack) -> None:
    integrator, client = people(stack.portal)
    task = stack.portal.create_task(client, "Ошибка", "[IMG]x.png[/IMG]", responsible_id=integrator)
    stack.settle()
    stack.portal.update_task(client, task, title=GOOD_TITLE, description=GOOD_TEXT)
    stack.settle()
    stack.portal.add_comment(integrator, task, "Оценка: 45 минут")
    stack.settle()
    live = [r["decision"] for r in stack.services.task_store(stack.member_id).history(task)]
    gateway = stack.services.gateway_for(stack.member_id)
    assert gateway is not None
    writes_before = len(stack.portal.requests_for("task.commentitem.add"))
    history = read_history(gateway, task, stack.services.task_store(stack.member_id).is_own_comment)
    assert history is not None
    assert [c.text for c in history.comments][-1] == "Оценка: 45 минут"
    replayed = play(history, AppConfig(), app_user_id=1)
    # the creation is replayed with today's text, so the refusal is not seen again
    assert [r["decision"] for r in replayed] == live[1:]
    assert all(r["shadow"] for r in replayed)
    assert len(stack.portal.requests_for("task.commentitem.add")) == writes_before  # read only
    stricter = dataclasses.replace(
        AppConfig(),
        regulation=dataclasses.replace(AppConfig().regulation, auto_accept_max_minutes=30),
    )
    other = play(history, stricter, app_user_id=1)
    assert summary([replayed])["estimate_auto_accepted"] == 1
    assert summary([other])["estimate_needs_approval"] == 1


SINCE = [
    pytest.param("2026-11-01", "Europe/Moscow", "2026-11-01T00:00:00+03:00", id="moscow-midnight"),
    pytest.param(
        "2026-11-01", "Asia/Vladivostok", "2026-11-01T00:00:00+10:00", id="regulation-zone"
    ),
    pytest.param(
        "2026-11-01T09:00:00+00:00", "Europe/Moscow", "2026-11-01T09:00:00+00:00", id="explicit"
    ),
]


@pytest.mark.parametrize(("given", "zone", "expected"), SINCE)
def test_replay_since_is_read_in_the_regulations_zone(given: str, zone: str, expected: str) -> None:
    assert since_start(given, ZoneInfo(zone)).isoformat() == expected


def test_replay_command_plays_under_the_saved_regulation(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --config: the settings page's saved file, as `serve` reads it (п. 3.5 at 30 min)."""
    integrator, client = people(stack.portal)
    task = stack.portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
    stack.settle()
    stack.portal.add_comment(integrator, task, "Оценка: 45 минут")
    stack.settle()
    saved = stack.settings.data_dir / "regulation.toml"
    saved.write_text("[regulation]\nauto_accept_max_minutes = 30\n", encoding="utf-8")
    for name in ("B24APP_CONFIG", "B24APP_DATABASE_URL", "B24_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("B24APP_DATA_DIR", str(stack.settings.data_dir))
    assert main(["replay", "--task", str(task)]) == 0
    out = capsys.readouterr().out
    assert "estimate_needs_approval: 1" in out.split("current config")[1].splitlines()[0]
    assert "estimate_auto_accepted: 1" in out.split("live history")[1].splitlines()[0]
