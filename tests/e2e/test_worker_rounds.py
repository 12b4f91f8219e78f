"""The worker reads the tasks of the new-task events it claimed in shared batch requests and
sends their writes together (b24app.worker.Worker.drain), with the same outcome as one event at
a time: the same comments (the regulation summary once per company), the same states."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.gateway import PortalGateway
from b24app.bitrix.limits import RetryPolicy
from b24demo.stack import LocalStack
from b24sandbox.clock import PORTAL_TZ
from bench.common import APP_USER, World, app_comments
from rules.regulation import AppConfig, ClientCompany

TASKS = 7  # every third one is refused (bench.common.World.add_task)
# Both runs start at this portal time: the comments name the estimate deadline to the minute,
# so two runs on the wall clock differ whenever a minute turns between them.
START = datetime(2026, 11, 30, 10, 0, tzinfo=PORTAL_TZ).timestamp()


def _run(tmp_path: Path, *, limit: int) -> tuple[dict[int, str], list[tuple[int, str]], int]:
    """(state per task, the app's comments per task, requests of the first round); tasks are
    numbered in the order they were set."""
    with LocalStack(tmp_path, rate_limit=None, run_worker=False, use_portal_clock=True) as stack:
        stack.portal.clock.set_offset(START - time.time())
        stack.install()
        world = World.create(stack.portal)
        tasks = [world.add_task(n) for n in range(1, TASKS + 1)]
        stack.portal.wait_idle()
        stack.portal.reset_log()
        stack.worker.drain(limit=limit)
        first_round = stack.portal.count()
        stack.settle()
        assert set(app_comments(stack.portal)) == set(tasks)
        store = stack.services.task_store(stack.member_id)
        states = {}
        for n, task_id in enumerate(tasks):
            record = store.get_task(task_id)  # type: ignore[arg-type]
            assert record is not None
            states[n] = record.state.value
        number = {task_id: n for n, task_id in enumerate(tasks)}
        with stack.portal.core.lock:
            comments = sorted(
                (number[c.task_id], c.message)
                for c in stack.portal.core.state.comments.values()
                if c.author_id == APP_USER
            )
        return states, comments, first_round


def test_new_task_events_claimed_together_cost_one_read_and_one_write(tmp_path: Path) -> None:
    one_by_one = _run(tmp_path / "single", limit=1)
    together = _run(tmp_path / "together", limit=50)
    assert together[0] == one_by_one[0]
    assert together[1] == one_by_one[1]
    assert one_by_one[2] == 2  # the first event alone: one read batch + one write batch
    assert together[2] == 2  # all seven: one read batch (3 commands each) + one write batch


def test_a_summary_whose_write_failed_for_a_passing_reason_is_written_on_the_retry(
    tmp_path: Path,
) -> None:
    """The company's first two tasks claimed together: the first one's comments (acceptance and
    the regulation summary) fail with a passing error, the second one's goes in. The summary
    stays planned for the first task: its retry writes it (once in the company), instead of
    reading its own unfinished write as "the company had the summary already"."""
    config = AppConfig(clients=(ClientCompany(name="ООО Ромашка", group_ids=(1,)),))
    with LocalStack(
        tmp_path, config=config, rate_limit=None, run_worker=False, use_portal_clock=True
    ) as stack:
        stack.install()
        world = World.create(stack.portal)
        assert world.group_id == 1
        first, second = world.add_task(1, good=True), world.add_task(2, good=True)
        stack.portal.wait_idle()
        stack.portal.fail_next(
            "task.commentitem.add", status=500, error="INTERNAL_SERVER_ERROR", times=2
        )
        assert stack.worker.drain() == 2
        assert app_comments(stack.portal) == {second: 1}
        stack.portal.advance_time(60)  # the first task's back-off is over
        stack.settle()
        assert app_comments(stack.portal) == {first: 2, second: 1}


def test_events_not_reached_within_a_third_of_the_lease_go_back_counting_the_shared_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease of every claimed row runs from the claim: when the round of new tasks alone
    took longer than a third of it, the other claimed events go back to the inbox untouched
    instead of being started with little of their lease left."""
    with LocalStack(
        tmp_path, rate_limit=None, run_worker=False, settings={"inbox_lease_seconds": 3.0}
    ) as stack:
        stack.install()
        world = World.create(stack.portal)
        known = world.add_task(1, good=True)
        stack.settle()
        with stack.services.db.begin() as conn:
            last = conn.exec_driver_sql("SELECT max(id) FROM inbox").scalar()
        stack.portal.update_task(world.client_id, known, description="Уточнение: и в подвале.")
        fresh = [world.add_task(n, good=True) for n in (2, 3)]
        stack.portal.wait_idle()
        prefetch = PortalGateway.prefetch_tasks

        def slow_prefetch(self: PortalGateway, task_ids: Any) -> None:
            time.sleep(1.2)  # a slow portal: more than a third of the lease
            prefetch(self, task_ids)

        monkeypatch.setattr(PortalGateway, "prefetch_tasks", slow_prefetch)
        assert stack.worker.drain() == 2
        with stack.services.db.begin() as conn:
            rows = conn.exec_driver_sql(
                "SELECT task_id, event, status FROM inbox WHERE id > ? ORDER BY id", (last,)
            ).all()
        assert [tuple(r) for r in rows[:3]] == [
            (known, "ONTASKUPDATE", "pending"),
            (fresh[0], "ONTASKADD", "done"),
            (fresh[1], "ONTASKADD", "done"),
        ]


def test_what_the_first_write_request_did_is_kept_when_the_second_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 new tasks of one company: 51 comments, two write requests. The portal keeps refusing
    the second one (its request limit), so the round fails and every event waits its turn.
    The 50 comments of the first request (the last task's is the 51st) are on the portal: they
    are recorded as done, with their ids, and not looked for again (nor written twice) when the
    events come back."""
    config = AppConfig(clients=(ClientCompany(name="ООО Ромашка", group_ids=(1,)),))
    with LocalStack(
        tmp_path,
        config=config,
        rate_limit=None,
        run_worker=False,
        use_portal_clock=True,
        retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01),
    ) as stack:
        stack.install()
        world = World.create(stack.portal)
        assert world.group_id == 1
        tasks = [world.add_task(n, good=True) for n in range(1, 51)]
        stack.portal.wait_idle()
        sent = BitrixClient.batch
        writes = []

        def batch(self: BitrixClient, commands: Any, **kwargs: Any) -> Any:
            if "task.commentitem.add" in {method for method, _ in commands.values()}:
                writes.append(len(commands))
                if len(writes) == 2:
                    stack.portal.fail_next(
                        "batch", status=503, error="QUERY_LIMIT_EXCEEDED", times=2
                    )
            return sent(self, commands, **kwargs)

        monkeypatch.setattr(BitrixClient, "batch", batch)
        assert stack.worker.drain() == 50
        monkeypatch.undo()
        assert writes == [50, 1]
        assert set(app_comments(stack.portal)) == set(tasks[:-1])  # the 51st: refused
        store = stack.services.task_store(stack.member_id)
        keys = [f"accepted:{t}" for t in tasks] + [f"summary:ООО Ромашка:{tasks[0]}"]
        done = store.effect_statuses(keys)
        assert sorted(done.values()).count("done") == 50

        stack.portal.advance_time(60)  # the round's back-off is over
        stack.portal.reset_log()
        stack.settle()
        assert app_comments(stack.portal) == {t: 2 if t == tasks[0] else 1 for t in tasks}
        # only the 51st is in doubt (its request got no answer the app could trust)
        assert stack.portal.count("task.commentitem.getlist") == 1
