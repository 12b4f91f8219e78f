"""The catch-up sweep over `>=CHANGED_DATE` does not re-read what the app changed itself, and
still re-reads a task someone else changed after the app's write (scheduler.catchup._sweep).

A task set in the burst shows up in the sweep by its own CHANGED_DATE; the app has read it for
its event after that (inbox processed_at: when the handling began) and wrote its comment, so
there is nothing new to read. Writes that change the task the handler has just read are stamped
with the portal's clock at the end of the write request that carried them (the answer's
`time.finish`); a scheduled job's writes are not.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from b24app.bitrix.client import BitrixClient
from b24demo.stack import LocalStack
from bench.common import APP_USER, World, app_comments
from rules.regulation import AppConfig, ClientCompany
from scheduler.catchup import _sweep
from scheduler.sla import check_sla_clocks


def _sweep_now(stack: LocalStack) -> tuple[int, int]:
    """(inbox rows the sweep queued, REST requests it made)."""
    portal = stack.services.portals.get(stack.member_id)
    assert portal is not None
    before = stack.portal.count()
    queued = _sweep(stack.services, portal, stack.services.now() - timedelta(hours=1))
    return queued, stack.portal.count() - before


def test_the_apps_own_comments_cost_no_read_and_a_later_change_is_read(tmp_path: Path) -> None:
    with LocalStack(tmp_path, rate_limit=None, run_worker=False) as stack:
        stack.install()
        world = World.create(stack.portal)
        tasks = [world.add_task(n) for n in range(1, 6)]
        stack.settle()
        assert set(app_comments(stack.portal)) == set(tasks)

        queued, requests = _sweep_now(stack)
        assert (queued, requests) == (0, 1)  # one tasks.task.list page, nothing to re-read

        stack.portal.advance_time(2)  # a later second than the app's write
        stack.portal.update_task(APP_USER, tasks[2], title="Исправить опечатку: уточнённый текст")
        stack.portal.update_task(world.client_id, tasks[4], description="Уточнение: и в подвале.")
        stack.portal.wait_idle()
        with stack.services.db.begin() as conn:  # their events were lost on the way
            lost = conn.exec_driver_sql("DELETE FROM inbox WHERE status = 'pending'").rowcount
        assert lost == 2
        queued, _ = _sweep_now(stack)
        assert queued == 2
        with stack.services.db.begin() as conn:
            rows = conn.exec_driver_sql(
                "SELECT task_id FROM inbox WHERE source = 'sweep' ORDER BY task_id"
            ).all()
        assert [r.task_id for r in rows] == [tasks[2], tasks[4]]


def test_a_change_between_two_write_requests_of_one_round_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 new tasks of one company claimed together write 51 comments: two write requests. A
    colleague changes the first task (its comment went in the first request) seconds before the
    second request goes out, and that change's event is lost: the app never read that change,
    so the sweep must re-read the task. Neither the end of the round's last write request nor
    the end of the round's processing is the app's view of the first task."""
    config = AppConfig(clients=(ClientCompany(name="ООО Ромашка", group_ids=(1,)),))
    with LocalStack(
        tmp_path, config=config, rate_limit=None, run_worker=False, use_portal_clock=True
    ) as stack:
        stack.install()
        world = World.create(stack.portal)
        assert world.group_id == 1  # the company's group: its first task gets the summary
        tasks = [world.add_task(n, good=True) for n in range(1, 51)]
        stack.portal.wait_idle()
        sent = BitrixClient.batch
        writes = []

        def batch(self: BitrixClient, commands: Any, **kwargs: Any) -> Any:
            methods = {method for method, _ in commands.values()}
            if "task.commentitem.add" in methods:
                writes.append(len(commands))
                if len(writes) == 2:  # the colleague, between the two write requests
                    stack.portal.advance_time(2)
                    stack.portal.update_task(
                        world.client_id, tasks[0], description="Уточнение: и в подвале."
                    )
                    stack.portal.wait_idle()
            return sent(self, commands, **kwargs)

        monkeypatch.setattr(BitrixClient, "batch", batch)
        assert stack.worker.drain() == 50
        monkeypatch.undo()
        assert writes == [50, 1]
        assert _lose_task_updates(stack) == 1  # the colleague's event was lost on the way
        stack.settle()  # the echoes of the app's own comments
        queued, _ = _sweep_now(stack)
        with stack.services.db.begin() as conn:
            rows = conn.exec_driver_sql("SELECT task_id FROM inbox WHERE source = 'sweep'").all()
        assert [r.task_id for r in rows] == [tasks[0]]
        assert queued == 1


def _lose_task_updates(stack: LocalStack) -> int:
    """Task events waiting in the inbox are dropped, as if never delivered."""
    stack.portal.wait_idle()
    with stack.services.db.begin() as conn:
        return int(
            conn.exec_driver_sql(
                "DELETE FROM inbox WHERE status = 'pending' AND event = 'ONTASKUPDATE'"
            ).rowcount
        )


def test_the_echo_of_the_apps_comment_is_not_a_read_of_the_task(tmp_path: Path) -> None:
    """The app writes its comment; a colleague changes the task seconds later and that event is
    lost; then the worker gets to the echo of the app's comment (ignored as its own, the task
    not read). The colleague's change came after everything the app saw: the sweep reads it."""
    with LocalStack(tmp_path, rate_limit=None, run_worker=False, use_portal_clock=True) as stack:
        stack.install()
        world = World.create(stack.portal)
        task = world.add_task(1, good=True)
        stack.portal.wait_idle()
        assert stack.worker.drain() == 1  # ONTASKADD: the app reads the task and comments
        assert set(app_comments(stack.portal)) == {task}
        stack.portal.wait_idle()  # the echo of the comment waits in the inbox
        stack.portal.advance_time(2)
        stack.portal.update_task(world.client_id, task, description="Уточнение: и в подвале.")
        assert _lose_task_updates(stack) == 1
        stack.portal.advance_time(2)
        stack.settle()  # the echo: "the app's own comment"
        queued, _ = _sweep_now(stack)
        assert queued == 1


def test_a_change_before_a_scheduled_comment_is_read(tmp_path: Path) -> None:
    """A scheduled job writes to a task without reading it (here the SLA breach comment). A
    colleague's change made since the app last read the task, whose event was lost, is hidden
    behind that comment's CHANGED_DATE unless the sweep reads the task: a job's write is not a
    sign that the app has seen the task."""
    client = ClientCompany(name="ООО Ромашка", group_ids=(1,))
    config = AppConfig(clients=(client,))
    config = dataclasses.replace(
        config, regulation=dataclasses.replace(config.regulation, breach_comment=True)
    )
    with LocalStack(
        tmp_path, config=config, rate_limit=None, run_worker=False, use_portal_clock=True
    ) as stack:
        stack.install()
        world = World.create(stack.portal)
        task = world.add_task(1, good=True)
        stack.settle()  # accepted: the estimate clock runs
        stack.portal.advance_time(7 * 24 * 3600)  # well past its due time
        stack.portal.update_task(world.client_id, task, description="Уточнение: и в подвале.")
        assert _lose_task_updates(stack) == 1
        stack.portal.advance_time(2)
        assert check_sla_clocks(stack.services) >= 1
        assert app_comments(stack.portal) == {task: 3}  # accepted, summary, breach
        stack.settle()
        queued, _ = _sweep_now(stack)
        assert queued == 1
