"""SLA clocks for people: open ones by working time left, this month's breaches, per integrator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select

from b24app.services import Services
from b24app.storage.schema import clocks, tasks
from rules.worktime import CalendarNotCovered, ClockMode, WorkCalendar, elapsed_minutes


@dataclass(frozen=True, slots=True)
class ClockLine:
    """One clock as the report shows it; `left` is signed working minutes (< 0: overdue)."""

    task_id: int
    kind: str
    title: str
    responsible_id: int
    started_at: datetime
    due_at: datetime
    left: int | None  # None when the calendar does not cover the clock's dates
    reminded: bool
    breached_at: datetime | None
    noticed_at: datetime | None


@dataclass(slots=True)
class SlaReport:
    """What `b24app sla` prints for one portal."""

    member_id: str
    now: datetime
    open: list[ClockLine] = field(default_factory=list)
    breaches: list[ClockLine] = field(default_factory=list)  # breached this calendar month

    def per_integrator(self) -> dict[int, tuple[int, int, int]]:
        """Responsible → (open clocks, of them overdue, breaches this month)."""
        opened = Counter(c.responsible_id for c in self.open)
        overdue = Counter(c.responsible_id for c in self.open if c.left is not None and c.left < 0)
        breached = Counter(c.responsible_id for c in self.breaches)
        people = sorted(set(opened) | set(breached))
        return {p: (opened[p], overdue[p], breached[p]) for p in people}


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def build_report(
    services: Services, member_id: str, month: tuple[int, int] | None = None
) -> SlaReport:
    """Open clocks sorted by working time left (most overdue first) and the breaches of
    `month` (year, month; the current one by default)."""
    now = services.now()
    first = month_start(now)
    if month is not None:
        first = first.replace(year=month[0], month=month[1])
    following = month_start(first + timedelta(days=32))
    report = SlaReport(member_id=member_id, now=now)
    calendar = services.calendar
    stmt = select(clocks, tasks.c.title, tasks.c.responsible_id).select_from(
        clocks.outerjoin(
            tasks,
            and_(tasks.c.member_id == clocks.c.member_id, tasks.c.task_id == clocks.c.task_id),
        )
    )
    open_rows = stmt.where(clocks.c.member_id == member_id, clocks.c.stopped_at.is_(None))
    month_rows = stmt.where(
        clocks.c.member_id == member_id,
        clocks.c.breached_at >= first.timestamp(),
        clocks.c.breached_at < following.timestamp(),
    )
    with services.db.begin() as conn:
        report.open = [_line(r, now, calendar) for r in conn.execute(open_rows)]
        report.breaches = [_line(r, now, calendar) for r in conn.execute(month_rows)]
    report.open.sort(key=lambda c: (c.left is None, c.left or 0, c.due_at))
    report.breaches.sort(key=lambda c: c.breached_at or c.due_at)
    return report


def _line(row: Any, now: datetime, calendar: WorkCalendar) -> ClockLine:
    tz = now.tzinfo
    started = datetime.fromtimestamp(row.started_at, tz)
    left: int | None
    try:
        spent = elapsed_minutes(started, now, calendar, ClockMode(row.mode))
        left = row.total_minutes - spent
    except CalendarNotCovered:
        left = None
    return ClockLine(
        task_id=row.task_id,
        kind=row.kind,
        title=row.title or "",
        responsible_id=row.responsible_id or 0,
        started_at=started,
        due_at=datetime.fromtimestamp(row.due_at, tz),
        left=left,
        reminded=row.reminded_at is not None,
        breached_at=_at(row.breached_at, now),
        noticed_at=_at(row.breach_notified_at, now),
    )


def _at(ts: float | None, now: datetime) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, now.tzinfo)


def _hm(minutes: int | None) -> str:
    if minutes is None:
        return "?"
    hours, rest = divmod(abs(minutes), 60)
    return f"{'-' if minutes < 0 else ''}{hours}:{rest:02d}"


TITLE_WIDTH = 50


def shorten(text: str, width: int = TITLE_WIDTH) -> str:
    """Cut at the last word boundary that fits, with «…»; a single over-long word is cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if text[width - 1] != " " and space > width // 3:  # the cut is inside a word
        cut = cut[:space]
    return cut.rstrip(" ,.;:—-") + "…"


def format_report(
    report: SlaReport, limit: int = 50, names: Mapping[int, str] | None = None
) -> list[str]:
    """Lines for people; integrators by `names` (user id → name), else by id."""
    known = names or {}

    def _who(user_id: int) -> str:
        return known.get(user_id) or (f"#{user_id}" if user_id else "(none)")

    now = report.now
    width = max([len(_who(p)) for p in report.per_integrator()] + [8])
    lines = [f"SLA clocks of portal {report.member_id} at {now:%Y-%m-%d %H:%M %Z}"]
    lines.append(f"Open clocks: {len(report.open)} (working time left, h:mm; < 0 is overdue)")
    for c in report.open[:limit]:
        flag = "BREACHED" if c.breached_at else "reminded" if c.reminded else ""
        lines.append(
            f"  task {c.task_id:<7} {c.kind:<9} left {_hm(c.left):>8}  due {c.due_at:%d.%m %H:%M}"
            f"  {_who(c.responsible_id):<{width}} {flag:<8} {shorten(c.title)}"
        )
    if len(report.open) > limit:
        lines.append(f"  … {len(report.open) - limit} more")
    lines.append(f"Breaches in {now:%Y-%m}: {len(report.breaches)}")
    for c in report.breaches:
        breached = c.breached_at or c.due_at
        noticed = f", reported {c.noticed_at:%d.%m %H:%M}" if c.noticed_at else ""
        lines.append(
            f"  task {c.task_id:<7} {c.kind:<9} breached {breached:%d.%m %H:%M}{noticed}"
            f"  {_who(c.responsible_id)}  {shorten(c.title)}"
        )
    lines.append("Per integrator: open / overdue / breaches this month")
    for who, (opened, overdue, count) in report.per_integrator().items():
        lines.append(f"  {_who(who):<{width}} {opened:>5} {overdue:>5} {count:>5}")
    return lines
