"""`b24app replay`: the rules over a task's history from the portal, in shadow mode."""

from __future__ import annotations

import dataclasses

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
