"""п. 4.1, 1.2: reminders and breaches of SLA clocks, each sent once, with the true breach time."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from b24app.applier import RetryableWriteError
from b24app.bitrix.errors import RateLimitedError
from b24app.bitrix.events import InboxEvent
from b24app.web.api import task_view
from handlers.effects import AddComment, PortalWrite
from rules.regulation import AppConfig, ClientCompany
from scheduler.jobs import JOBS
from scheduler.runner import Leader, guarded
from scheduler.sla import check_sla_clocks
from tests.fakes import FakeBitrix
from tests.scheduler.conftest import (
    INTEGRATOR,
    MEMBER,
    MONDAY,
    MSK,
    SUPERVISORS,
    App,
    MovingClock,
    notifies,
    with_regulation,
)

DUE = datetime(2026, 3, 2, 18, 0, tzinfo=MSK)  # 8 working hours after Monday 10:00
REMIND = datetime(2026, 3, 2, 16, 0, tzinfo=MSK)  # 75 % of them


def test_jobs_are_registered() -> None:
    names = [name for name, _, _ in JOBS]
    assert {"check_sla_clocks", "expire_warranties", "refresh_time_entries"} <= set(names)


def test_reminder_then_breach_each_once(app: App, clock: MovingClock, portal: FakeBitrix) -> None:
    app.task(101)
    app.start(101)
    assert task_view(app.services, MEMBER, 101)["estimate_due"] == DUE.isoformat()  # type: ignore[index]
    clock.set(REMIND)
    clock.move(minutes=-1)
    assert check_sla_clocks(app.services) == 0
    clock.set(REMIND)
    assert check_sla_clocks(app.services) == 1
    assert check_sla_clocks(app.services) == 0
    clock.move(minutes=90)
    assert check_sla_clocks(app.services) == 0
    [reminder] = notifies(portal)
    assert reminder.user_id == INTEGRATOR
    assert "до 2 марта 2026, 18:00 (п. 4.1)" in reminder.text
    clock.set(DUE)
    assert check_sla_clocks(app.services) == 3
    clock.move(days=1)
    assert check_sla_clocks(app.services) == 0
    breaches = notifies(portal)[1:]
    assert sorted(n.user_id for n in breaches) == sorted([INTEGRATOR, *SUPERVISORS])
    assert all("срок истёк 2 марта 2026, 18:00 (п. 4.1)" in n.text for n in breaches)
    assert not any("с опозданием" in n.text for n in breaches)
    row = app.clock_row(101)
    assert row["reminded_at"] == REMIND.timestamp()
    assert row["breached_at"] == DUE.timestamp()
    assert row["breach_notified_at"] == DUE.timestamp()
    assert [h["decision"] for h in app.history(101)] == ["sla_reminder", "sla_breached"]


def test_reaction_clock_counts_working_days(
    app: App, clock: MovingClock, portal: FakeBitrix
) -> None:
    """п. 1.2: 24 hours of working days; Friday 12:00 → Monday 12:00, reminder Monday 06:00."""
    friday = datetime(2026, 3, 13, 12, 0, tzinfo=MSK)
    app.task(102)
    app.start(102, "reaction", at=friday)
    clock.set(datetime(2026, 3, 15, 12, 0, tzinfo=MSK))  # Sunday: no working time passes
    assert check_sla_clocks(app.services) == 0
    clock.set(datetime(2026, 3, 16, 6, 0, tzinfo=MSK))
    assert check_sla_clocks(app.services) == 1
    clock.set(datetime(2026, 3, 16, 12, 0, tzinfo=MSK))
    assert check_sla_clocks(app.services) == 3
    texts = [n.text for n in notifies(portal)]
    assert "ответ клиенту до 16 марта 2026, 12:00 (п. 1.2)" in texts[0]
    assert "срок ответа клиенту" in texts[1]


def test_breach_during_downtime_is_reported_once_with_its_true_time(
    app: App, clock: MovingClock, portal: FakeBitrix
) -> None:
    app.task(103)
    app.start(103)
    clock.set(datetime(2026, 3, 3, 11, 30, tzinfo=MSK))  # the app was down from 15:00 Monday
    assert check_sla_clocks(app.services) == 3  # the breach only: the reminder is moot now
    assert check_sla_clocks(app.services) == 0
    sent = notifies(portal)
    assert len(sent) == 3
    assert all("срок истёк 2 марта 2026, 18:00" in n.text for n in sent)
    assert all("с опозданием, 3 марта 2026, 11:30" in n.text for n in sent)
    row = app.clock_row(103)
    assert row["breached_at"] == DUE.timestamp()  # the real breach time, not when it was seen
    assert row["breach_notified_at"] == clock.at.timestamp()
    assert row["reminded_at"] is None
    [audit] = app.history(103)
    assert audit["decision"] == "sla_breached"
    assert audit["clause"] == "4.1"
    assert '"breached_at": "2026-03-02T18:00:00+03:00"' in audit["details"]
    assert '"noticed_at": "2026-03-03T11:30:00+03:00"' in audit["details"]


def test_stopped_clock_stays_quiet(app: App, clock: MovingClock, portal: FakeBitrix) -> None:
    app.task(104)
    app.start(104)
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=MSK))
    app.stop(104)  # the integrator's estimate came in time
    for at in (REMIND, DUE, datetime(2026, 3, 10, 12, 0, tzinfo=MSK)):
        clock.set(at)
        assert check_sla_clocks(app.services) == 0
    assert portal.written == []


def test_event_waiting_in_the_inbox_defers_the_breach(
    app: App, clock: MovingClock, portal: FakeBitrix
) -> None:
    """An unprocessed event of the task may be the answer that stops the clock: wait for it."""
    app.task(105)
    app.start(105)
    clock.set(DUE)
    app.services.inbox.put(
        InboxEvent(
            dedup_key="comment-1",
            member_id=MEMBER,
            name="ONTASKCOMMENTADD",
            task_id=105,
            source="online",
        )
    )
    assert check_sla_clocks(app.services) == 0
    [item] = app.services.inbox.claim("worker")
    app.services.inbox.finish(item.id, ignored_reason="not an answer")
    clock.move(seconds=30)
    assert check_sla_clocks(app.services) == 3
    assert app.clock_row(105)["breached_at"] == DUE.timestamp()


class FlakyPortal(FakeBitrix):
    """Answers the first write request with QUERY_LIMIT_EXCEEDED for every command."""

    failures: int = 1

    def write(self, writes: Sequence[PortalWrite]) -> dict[str, Any]:
        if self.failures:
            self.failures -= 1
            return {w.key: RateLimitedError("QUERY_LIMIT_EXCEEDED") for w in writes}
        return super().write(writes)


def test_failed_send_is_claimed_again_next_tick(
    tmp_path: Path, config: AppConfig, clock: MovingClock
) -> None:
    portal = FlakyPortal()
    app = App(tmp_path, config, clock, portal)
    app.task(106)
    app.start(106)
    clock.set(DUE)
    with pytest.raises(RetryableWriteError):
        check_sla_clocks(app.services)
    assert app.clock_row(106)["breached_at"] is None  # released for the next tick
    assert app.history(106) == []
    clock.move(seconds=30)
    assert check_sla_clocks(app.services) == 3
    assert check_sla_clocks(app.services) == 0
    assert len(notifies(portal)) == 3
    assert app.clock_row(106)["breached_at"] == DUE.timestamp()
    app.services.close()


@pytest.mark.parametrize(
    ("breach_comment", "client_override", "comments"),
    [
        pytest.param(False, False, 0, id="default-no-comment"),
        pytest.param(True, False, 1, id="config-comment"),
        pytest.param(False, True, 1, id="client-override-comment"),
    ],
)
def test_breach_comment_only_where_config_says(
    tmp_path: Path,
    config: AppConfig,
    clock: MovingClock,
    breach_comment: bool,
    client_override: bool,
    comments: int,
) -> None:
    overrides: dict[str, Any] = {"breach_comment": True} if client_override else {}
    client = ClientCompany(name="ООО Ромашка", overrides=overrides)
    config = with_regulation(config, breach_comment=breach_comment)
    portal = FakeBitrix()
    app = App(tmp_path, dataclasses.replace(config, clients=(client,)), clock, portal)
    app.task(107, client="ООО Ромашка")
    app.start(107)
    clock.set(DUE)
    check_sla_clocks(app.services)
    written = [w for w in portal.written if isinstance(w, AddComment)]
    assert len(written) == comments
    assert all("истёк 2 марта 2026, 18:00 (п. 4.1)" in w.text for w in written)
    assert len(notifies(portal)) == 3
    app.services.close()


def test_shadow_mode_records_but_sends_nothing(
    tmp_path: Path, config: AppConfig, clock: MovingClock
) -> None:
    portal = FakeBitrix()
    app = App(tmp_path, dataclasses.replace(config, shadow_mode=True), clock, portal)
    app.task(108)
    app.start(108)
    clock.set(DUE)
    assert check_sla_clocks(app.services) == 3  # shadowed writes
    assert check_sla_clocks(app.services) == 0
    assert portal.written == []
    assert app.clock_row(108)["breached_at"] == DUE.timestamp()
    assert [bool(h["shadow"]) for h in app.history(108)] == [True]
    app.services.close()


def test_two_processes_with_leaders_send_one_notification(
    tmp_path: Path, config: AppConfig, clock: MovingClock, portal: FakeBitrix
) -> None:
    first, second = (App(tmp_path, config, clock, portal) for _ in range(2))
    first.task(109)
    first.start(109)
    clock.set(DUE)
    leaders = [Leader(first.services), Leader(second.services)]
    for app, leader in zip((first, second, second, first), leaders + leaders[::-1], strict=True):
        guarded(app.services, leader, check_sla_clocks, "check_sla_clocks")()
    assert len(notifies(portal)) == 3
    assert not leaders[1].is_leader()
    for app in (first, second):
        app.services.close()


def test_two_concurrent_runs_claim_every_clock_once(
    tmp_path: Path, config: AppConfig, clock: MovingClock, portal: FakeBitrix
) -> None:
    """No leader at all: the conditional UPDATE … RETURNING alone keeps notices single."""
    first, second = (App(tmp_path, config, clock, portal) for _ in range(2))
    task_ids = range(200, 240)
    for task_id in task_ids:
        first.task(task_id)
        first.start(task_id, at=MONDAY)
    clock.set(DUE)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run(app: App) -> None:
        barrier.wait()
        results.append(check_sla_clocks(app.services))

    threads = [threading.Thread(target=run, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    sent = notifies(portal)
    assert sum(results) == len(sent) == 3 * len(task_ids)
    assert len({n.key for n in sent}) == len(sent)
    assert check_sla_clocks(first.services) == check_sla_clocks(second.services) == 0
    for app in (first, second):
        app.services.close()
