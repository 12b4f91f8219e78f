"""The catch-up sweep over `>=CHANGED_DATE` does not re-read what the app changed itself, and
still re-reads a task someone else changed after the app's write (scheduler.catchup._sweep).

A task set in the burst shows up in the sweep by its own CHANGED_DATE; the app has processed
its event after that (inbox processed_at) and wrote its comment, so there is nothing new to
read. Writes that change the task are stamped with the portal's clock at the end of the write
request (the answer's `time.finish`).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from b24demo.stack import LocalStack
from bench.common import APP_USER, World, app_comments
from scheduler.catchup import _sweep


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
