"""What changed in a month's time entries since its bill was locked: entries added, changed
(time, date, task or client) or removed, each with its time and amount in the bill and now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from b24app.reporting.model import ClientReport, DetailLine, LineChange
from rules.estimate import whole_minutes


@dataclass(frozen=True, slots=True)
class _Entry:
    """One time entry as the bill shows it: its first line and its lines' amount."""

    first: DetailLine
    amount_kopecks: int

    @property
    def minutes(self) -> int:
        return whole_minutes(self.first.raw_seconds or 0)

    def same_facts(self, other: _Entry) -> bool:
        mine, theirs = self.first, other.first
        return (mine.raw_seconds, mine.at, mine.task_id, mine.client) == (
            theirs.raw_seconds,
            theirs.at,
            theirs.task_id,
            theirs.client,
        )


def _entries(clients: Iterable[ClientReport]) -> dict[int, _Entry]:
    """Entry id → the entry; a split entry's parts are added up."""
    found: dict[int, _Entry] = {}
    for client in clients:
        for line in client.details:
            if not line.entry_id:
                continue
            seen = found.get(line.entry_id)
            if seen is None:
                found[line.entry_id] = _Entry(line, line.amount_kopecks)
            else:
                found[line.entry_id] = replace(
                    seen, amount_kopecks=seen.amount_kopecks + line.amount_kopecks
                )
    return found


def entry_changes(
    locked: Iterable[ClientReport], now: Iterable[ClientReport]
) -> tuple[LineChange, ...]:
    """Entries of `now` that the locked bill did not have, has otherwise, or that are gone."""
    before, after = _entries(locked), _entries(now)
    changes: list[LineChange] = []
    for entry_id in sorted(before.keys() | after.keys()):
        old, new = before.get(entry_id), after.get(entry_id)
        if old is not None and new is not None and old.same_facts(new):
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        shown = (new or old).first  # type: ignore[union-attr]  # one of them is set
        changes.append(
            LineChange(
                client=shown.client,
                change=kind,
                entry_id=entry_id,
                task_id=shown.task_id,
                title=shown.title,
                at=shown.at,
                integrator=shown.integrator,
                locked_minutes=None if old is None else old.minutes,
                now_minutes=None if new is None else new.minutes,
                locked_amount_kopecks=0 if old is None else old.amount_kopecks,
                now_amount_kopecks=0 if new is None else new.amount_kopecks,
            )
        )
    return tuple(changes)
