"""The month's report as data: detail lines, a client's bill, the month, and a locked month's
changes since it was billed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from rules.billing import ClientBill

PACKAGE_FEE, CHAT_FEE = "package_fee", "chat"


@dataclass(frozen=True, slots=True)
class DetailLine:
    """One line of the detail; entry lines carry the time entry id they come from."""

    client: str
    kind: str  # package_fee | chat | package | regular | urgent | warranty | unapproved
    title: str
    amount_kopecks: int
    task_id: int = 0
    at: datetime | None = None
    integrator: str = ""
    entry_id: int = 0
    raw_seconds: int | None = None  # shown on the first part of a split entry only
    billed_minutes: int = 0
    rate_kopecks: int = 0


@dataclass(frozen=True, slots=True)
class ClientReport:
    """One client's bill with its detail lines and the regulation acknowledgement date."""

    bill: ClientBill
    details: tuple[DetailLine, ...]
    acknowledged_on: date | None = None


@dataclass(frozen=True, slots=True)
class LineChange:
    """A time entry added, changed or removed after the month's bill was locked, with its
    time (whole minutes) and amount in the bill and now."""

    client: str
    change: str  # added | changed | removed
    entry_id: int
    task_id: int
    title: str
    at: datetime | None
    integrator: str
    locked_minutes: int | None  # None: not in the bill
    now_minutes: int | None  # None: gone from the portal
    locked_amount_kopecks: int = 0
    now_amount_kopecks: int = 0


@dataclass(frozen=True, slots=True)
class MonthReport:
    """Every client's bill for a month; a locked month carries the bill as it was sent."""

    year: int
    month: int
    clients: tuple[ClientReport, ...]
    unassigned_entries: int = 0
    time_synced_at: datetime | None = None  # the last read of time entries from the portal
    locked_at: datetime | None = None  # set: `clients` are the figures billed then
    changes: tuple[LineChange, ...] = ()  # entries added/changed/removed since the lock
    totals_now: Mapping[str, int] = field(default_factory=dict)  # client → total recomputed now

    @property
    def time_not_synced(self) -> bool:
        """No time sync has run since the month began: its time may be missing."""
        if self.locked_at is not None:
            return False  # the bill was sent as it is; later time is in `changes`
        synced = self.time_synced_at
        return synced is None or synced < datetime(self.year, self.month, 1, tzinfo=synced.tzinfo)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def total_kopecks(self) -> int:
        return sum(c.bill.total_kopecks for c in self.clients)

    @property
    def total_now_kopecks(self) -> int:
        """A locked month's total recomputed from today's entries (the billed one otherwise)."""
        if self.locked_at is None:
            return self.total_kopecks
        return sum(self.totals_now.get(c.bill.client, 0) for c in self.clients)
