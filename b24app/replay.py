"""Run the rules over a task's history from the portal, in shadow mode (`b24app replay`).

For onboarding an existing portal and for debugging: the task, its comments and its time
entries are read from the portal, then played in order (creation, each change of the task,
each comment and each time entry at its time, the final state of the task) through the same
handlers and effect applier, folded into an in-memory task store (b24app.storage.task_memory),
with shadow mode on: nothing is written to the portal and no database is opened. The portal keeps
only a task's final state; where the app watched the task live, the states it saw
(TaskRecord.observations: status, title, description, estimate field) are played at their times,
so a replay of the app's own period agrees with the live history. With `--config other.toml`
the same history is played under both configs and the differences are counted.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from b24app.applier import EffectApplier
from b24app.bitrix.gateway import PortalGateway
from b24app.config.calendar import build_calendar
from b24app.storage.task_memory import MemoryClocks, MemoryTaskStore
from b24app.storage.task_store import TaskStore
from handlers.context import CommentSnapshot, HandlerContext, TaskSnapshot
from handlers.registry import router
from handlers.routing import HandlerEvent
from rules.regulation import AppConfig
from rules.types import CommentFacts, TaskFacts, TaskId, TimeEntry, UserFacts, UserId
from rules.worktime import WorkCalendar

log = logging.getLogger(__name__)
REPLAY_MEMBER = "replay"

SUMMARY_DECISIONS = (
    "task_invalid",
    "task_valid",
    "estimate_auto_accepted",
    "estimate_needs_approval",
    "approved",
    "overrun",
    "work_done",
    "warranty_rework",
    "late_comment",
)


Observation = tuple[str, int, str, str, int | None]  # handlers.records.TaskRecord.observations


@dataclass
class History:
    """What the portal knows of one task, read once, and what the app saw of it live."""

    task: TaskFacts
    comments: list[CommentFacts]
    entries: tuple[TimeEntry, ...]
    users: dict[UserId, UserFacts]
    observations: tuple[Observation, ...] = ()
    origin: int | None = None  # the task whose late comment made the app create this one


class ReplayPortal:
    """PortalReader over a recorded history, as it stood at the replay clock."""

    def __init__(self, history: History, app_user_id: int) -> None:
        self.history = history
        self.now = history.task.created_at
        self.final = False
        self._app_user_id = UserId(app_user_id)

    @property
    def app_user_id(self) -> UserId:
        return self._app_user_id

    def _task(self) -> TaskFacts:
        task = self.history.task
        if self.final:
            return task
        spent = sum(e.seconds for e in self._entries()) // 60
        seen = [o for o in self.history.observations if datetime.fromisoformat(o[0]) <= self.now]
        if not self.history.observations:
            return dataclasses.replace(task, status=2, time_spent_minutes=spent, stage_id=0)
        _, status, title, description, estimate = (seen or self.history.observations)[-1]
        return dataclasses.replace(
            task,
            status=status,
            title=title,
            description=description,
            time_estimate_minutes=estimate,
            time_spent_minutes=spent,
            stage_id=0,
        )

    def _entries(self) -> tuple[TimeEntry, ...]:
        return tuple(e for e in self.history.entries if e.created_at <= self.now)

    def load_task(self, task_id: TaskId, *, with_time_entries: bool = False) -> TaskSnapshot:
        entries = self._entries() if with_time_entries else None
        return TaskSnapshot(self._task(), self.history.users, entries)

    def load_comment(
        self, task_id: TaskId, comment_id: int, message_id: int
    ) -> CommentSnapshot | None:
        wanted = comment_id or message_id
        found = next((c for c in self.history.comments if c.comment_id == wanted), None)
        return None if found is None else CommentSnapshot(found, self._task(), self.history.users)

    def load_time_entries(self, task_id: TaskId) -> tuple[TimeEntry, ...]:
        return self._entries()

    def load_users(self, user_ids: Iterable[int]) -> dict[UserId, UserFacts]:
        return {UserId(i): u for i, u in self.history.users.items() if i in set(user_ids)}


def read_history(
    gateway: PortalGateway, task_id: int, is_own: Callable[[TaskId, CommentFacts], bool]
) -> History | None:
    """The task, its people comments (not the app's own, known from the live store) and time."""
    snapshot = gateway.load_task(TaskId(task_id), with_time_entries=True)
    if snapshot is None:
        return None
    comments = [c for c in gateway.load_comments(snapshot.task) if not is_own(c.task_id, c)]
    users = dict(snapshot.users)
    missing = {c.author_id for c in comments} - set(users) - {UserId(0)}
    users.update(gateway.load_users(missing))
    return History(snapshot.task, comments, snapshot.time_entries or (), users)


def steps_of(history: History) -> list[tuple[datetime, int, str, int]]:
    """(time, order on a tie, event, comment id): creation, each observed change of the task,
    each time entry (the timer's re-read), each comment."""
    observed = [datetime.fromisoformat(o[0]) for o in history.observations]
    created = observed[0] if observed else history.task.created_at
    steps = [(created, 0, "ONTASKADD", 0)]
    steps += [(at, 1, "ONTASKUPDATE", 0) for at in observed[1:]]
    steps += [(e.created_at, 2, "ONTASKUPDATE", 0) for e in history.entries]
    steps += [(c.posted_at, 3, "ONTASKCOMMENTADD", c.comment_id) for c in history.comments]
    return sorted(steps, key=lambda s: (s[0], s[1]))


def play(history: History, config: AppConfig, app_user_id: int) -> list[dict[str, Any]]:
    """The decisions the rules take over the history, in order (shadow mode, in memory)."""
    portal = ReplayPortal(history, app_user_id)
    shadow = dataclasses.replace(config, shadow_mode=True)
    store = MemoryTaskStore(REPLAY_MEMBER, clock=lambda: portal.now.timestamp())
    player = _Player(portal, store, shadow)
    task = history.task
    if history.origin is not None:
        store.record_task_request(history.origin, task.title, task.description)
    steps = steps_of(history)
    for n, (at, _, name, comment_id) in enumerate(steps, start=1):
        portal.now = at
        player.deliver(HandlerEvent(name, task.task_id, comment_id=comment_id), n)
    portal.final = True
    portal.now = max([task.changed_at or portal.now, portal.now])
    player.deliver(HandlerEvent("ONTASKUPDATE", task.task_id), len(steps) + 1)
    return store.history(task.task_id)


class _Player:
    """Runs each event through the handlers and folds their effects into the memory store,
    as the worker and the effect applier do live (shadow mode: nothing reaches the portal)."""

    def __init__(self, portal: ReplayPortal, store: MemoryTaskStore, config: AppConfig) -> None:
        self.portal = portal
        self.store = store
        self.config = config
        self.tz = ZoneInfo(config.calendar.timezone)
        self.applier = EffectApplier(store, None, MemoryClocks(), config)
        self._calendar: WorkCalendar | None = None

    def deliver(self, event: HandlerEvent, n: int) -> None:
        now = datetime.fromtimestamp(self.portal.now.timestamp(), self.tz)
        ctx = HandlerContext(
            member_id=REPLAY_MEMBER,
            config=self.config,
            portal=self.portal,
            store=self.store,
            calendar=self.calendar(now.year),
            now=now,
            source=f"inbox:{n}",  # the step's number, as the live trigger names its inbox row
        )
        try:
            outcome = router.dispatch(event, ctx)
        except Exception:  # the live worker parks a crashing event; replay goes on
            log.exception("replay: %s of task %s crashed the handler", event.name, event.task_id)
            return
        if not outcome.ignored:
            self.applier.apply(outcome.effects)

    def calendar(self, year: int) -> WorkCalendar:
        """As Services.calendar: built once, rebuilt when next year's holidays are missing."""
        settings = self.config.calendar
        calendar = self._calendar
        if calendar is None or (
            settings.use_public_holidays and year + 1 not in calendar.holidays.covered_years
        ):
            calendar = self._calendar = build_calendar(settings, range(year - 1, year + 3))
        return calendar


def read_histories(
    gateway: PortalGateway, store: TaskStore, task_ids: Iterable[int]
) -> list[History]:
    """Each task's history from the portal, with what the app saw of it live."""
    found = (read_history(gateway, t, store.is_own_comment) for t in task_ids)
    return [with_live_view(h, store) for h in found if h]


def live_rows(store: TaskStore, histories: Iterable[History]) -> list[list[dict[str, Any]]]:
    """The decisions the live app recorded for the same tasks (its audit log)."""
    return [store.history(h.task.task_id) for h in histories]


def with_live_view(history: History, store: TaskStore) -> History:
    """Add what the app saw of the task live (its observed states, whether it created it)."""
    record = store.get_task(history.task.task_id)
    observations = record.observations if record else ()
    origin = store.origin_of_app_task(history.task)
    return dataclasses.replace(history, observations=observations, origin=origin)


def summary(all_rows: Iterable[list[dict[str, Any]]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for rows in all_rows:
        decisions = {r["decision"] for r in rows}
        counts.update(d for d in SUMMARY_DECISIONS if d in decisions)
    return counts


def summary_line(label: str, counts: Counter[str], total: int) -> str:
    parts = ", ".join(f"{d}: {counts.get(d, 0)}" for d in SUMMARY_DECISIONS)
    return f"{label} over {total} tasks — {parts}"
