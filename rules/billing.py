"""Monthly billing of a client company: package hours, overflow, urgent and chat (п. 3, 6)."""

# Decisions on points the regulation leaves open (REGULATION.md, п. 3.1, 3.3, 3.4, 6.1, 6.2):
# - Rounding (п. 3.1): every entry is rounded up to whole minutes, then by
#   rules.estimate.round_up_minutes (the one rounding function) to `unit_minutes`, minimum one
#   unit (a 0-second entry is one unit too: the regulation makes no exception).
#   Estimation time is billed like any other entry, whatever happened to the task later.
# - Order: entries are consumed by (at, entry_id); `at` must be aware and inside the month, read
#   in its own zone (the caller gives it in the portal's zone).
# - Package first (п. 6.1, 6.2): п. 6.2 is titled «Стоимость вне пакета», so package hours cover
#   any work, urgent included; only work past the package is billed at the regular or urgent rate.
# - Warranty rework (п. 3.2) is listed with its rounded minutes, amount 0, consumes no package.
# - Time past the approved estimate that the client has not approved (п. 3.3) is its own line
#   «сверх оценки, не согласовано», amount 0, consumes no package and is not in the total until
#   the client approves (the caller gives each entry's `unapproved_minutes`, from
#   rules.overrun.unapproved_parts, or 0 when the config bills such time anyway).
# - Split: an entry crossing the end of the package gives two lines with the same entry: the
#   package part, then the overflow part with `continued=True`. Per entry_id the lines' minutes
#   sum to the entry's rounded minutes; raw time is shown on the first part only.
# - Contract changed mid-month: the month is cut at each contract start inside it. Each part
#   bills the entries dated in it with its own package; a package's hours and price are pro-rata
#   by calendar days, rounded for the client (hours up, price down); parts do not share hours.
#   A contract that covers the whole month gives the full hours and price. `package` of the bill
#   is the one in force on the month's last day; `parts` lists every part.
# - Money: amount of a run of minutes at a rate is (minutes * rate + 30) // 60 (half up). Lines
#   get cumulative differences per rate kind, so they sum exactly to the summary amounts.
# - Chat (п. 1.6): the cheapest tier whose max users ≥ users; no such tier is a config error.

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from rules.estimate import round_up_minutes, whole_minutes
from rules.regulation import (
    ChatOption,
    ClientCompany,
    Package,
    PackageKind,
    Rates,
    RegulationConfig,
)


@dataclass(frozen=True, slots=True)
class BillableEntry:
    """One time entry as billing sees it (the handler maps urgency and warranty from the task)."""

    entry_id: int
    task_id: int
    task_title: str
    integrator_id: int
    integrator_name: str
    at: datetime
    raw_seconds: int
    urgent: bool = False  # п. 6.2.2
    warranty_rework: bool = False  # п. 3.2
    unapproved_minutes: int = 0  # п. 3.3: the tail of the entry past the approved estimate


class LineKind(StrEnum):
    """How a line of the month's report is paid."""

    PACKAGE = "package"  # п. 6.1: inside the package, covered by its price
    REGULAR = "regular"  # п. 6.2.1
    URGENT = "urgent"  # п. 6.2.2
    WARRANTY = "warranty"  # п. 3.2: rework, not billed
    UNAPPROVED = "unapproved"  # п. 3.3: past the approved estimate, not approved: not billed


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One line of the report; a split entry gives two lines, the second `continued`."""

    entry: BillableEntry
    kind: LineKind
    billed_minutes: int
    rate_kopecks: int  # per hour; 0 for package and warranty lines
    amount_kopecks: int
    continued: bool = False  # overflow part of an entry that started inside the package


@dataclass(frozen=True, slots=True)
class TaskOverrun:
    """п. 3.3: a task whose billable time passed its estimate: the estimate it passed, the one
    approved now (after a re-approval, the new one), and the minutes not approved."""

    task_id: int
    task_title: str
    approved_minutes: int
    billed_minutes: int
    first_minutes: int = 0  # the estimate the time passed (0: the same as approved)
    unapproved_minutes: int = 0


@dataclass(frozen=True, slots=True)
class ContractPart:
    """п. 6.1: the days of the month under one package, with its pro-rata hours and price."""

    package: PackageKind
    first_day: date
    last_day: date
    included_minutes: int
    price_kopecks: int
    used_minutes: int = 0


@dataclass(frozen=True, slots=True)
class ClientBill:
    """The month's bill of one client company (п. 6.1, 6.2, 1.6) with every line behind it."""

    client: str
    month: tuple[int, int]
    package: PackageKind
    included_minutes: int
    package_used_minutes: int
    remaining_minutes: int
    overflow_regular_minutes: int
    overflow_urgent_minutes: int
    warranty_minutes: int
    package_price_kopecks: int
    regular_amount_kopecks: int
    urgent_amount_kopecks: int
    chat_amount_kopecks: int
    total_kopecks: int
    lines: tuple[InvoiceLine, ...]
    overruns: tuple[TaskOverrun, ...]
    package_used_percent: int
    parts: tuple[ContractPart, ...] = ()
    unapproved_minutes: int = 0  # п. 3.3: listed, not in the total


def is_urgent(priority: int, tags: Sequence[str], reg: RegulationConfig) -> bool:
    """п. 6.2.2: urgent work — high priority or the configured tag — is billed at the urgent rate
    once the package is used up."""
    wanted = reg.urgent_tag.casefold()
    return priority >= reg.urgent_priority or any(t.casefold() == wanted for t in tags)


def billed_minutes(raw_seconds: int, unit_minutes: int) -> int:
    """п. 3.1: seconds rounded up to whole minutes, then up to the unit, minimum one unit."""
    if raw_seconds < 0 or unit_minutes <= 0:
        raise ValueError(f"bad time entry: {raw_seconds} s, unit {unit_minutes} min")
    return round_up_minutes(whole_minutes(raw_seconds), unit_minutes)


def amount_kopecks(minutes: int, rate_kopecks: int) -> int:
    """п. 6.2: the price of `minutes` at an hourly rate, rounded half up to a kopeck."""
    return (minutes * rate_kopecks + 30) // 60


def chat_price_kopecks(chat: ChatOption) -> int:
    """п. 1.6: the monthly price of the support chat for the portal's number of users."""
    if not chat.enabled:
        return 0
    for max_users, price in sorted(chat.price_tiers):
        if chat.users <= max_users:
            return price
    raise ValueError(f"no chat price tier for {chat.users} users")


def contract_parts(
    client: ClientCompany, year: int, month: int, packages: Mapping[PackageKind, Package]
) -> tuple[ContractPart, ...]:
    """п. 6.1: the month cut at each contract start inside it, hours and price pro-rata by days."""
    days_in_month = calendar.monthrange(year, month)[1]
    first, last = date(year, month, 1), date(year, month, days_in_month)
    starts = sorted({p.start for p in client.contracts if first < p.start <= last} | {first})
    kinds = [client.package_on(day) for day in starts]
    cuts = [start for i, start in enumerate(starts) if i == 0 or kinds[i] != kinds[i - 1]]
    ends = [*(cut - timedelta(days=1) for cut in cuts[1:]), last]
    parts = []
    for cut, end in zip(cuts, ends, strict=True):
        package = packages[client.package_on(cut)]
        days = (end - cut).days + 1
        parts.append(
            ContractPart(
                package=package.kind,
                first_day=cut,
                last_day=end,
                included_minutes=-(-package.included_minutes * days // days_in_month),
                price_kopecks=package.monthly_price_kopecks * days // days_in_month,
            )
        )
    return tuple(parts)


def package_usage_thresholds_crossed(
    before_minutes: int,
    after_minutes: int,
    included_minutes: int,
    thresholds: tuple[int, ...] = (80, 100),
) -> tuple[int, ...]:
    """п. 6.1: the percent thresholds of the package that this usage step reached or passed."""
    if included_minutes <= 0:
        return ()
    return tuple(
        t
        for t in sorted(thresholds)
        if before_minutes * 100 < t * included_minutes <= after_minutes * 100
    )


def _check_entry(entry: BillableEntry, year: int, month: int) -> None:
    if entry.at.tzinfo is None or entry.at.utcoffset() is None:
        raise ValueError(f"entry {entry.entry_id}: naive datetime")
    if (entry.at.year, entry.at.month) != (year, month):
        raise ValueError(f"entry {entry.entry_id} at {entry.at.isoformat()} is not in the month")


def _part_index(parts: tuple[ContractPart, ...], day: date) -> int:
    return max(i for i, part in enumerate(parts) if part.first_day <= day)


def _overflow_kind(entry: BillableEntry) -> LineKind:
    return LineKind.URGENT if entry.urgent else LineKind.REGULAR


def _split_lines(
    entries: Sequence[BillableEntry], parts: tuple[ContractPart, ...], unit_minutes: int
) -> tuple[list[tuple[BillableEntry, LineKind, int, bool]], list[int]]:
    """Minutes per line in time order, and the package minutes used in each part."""
    used = [0] * len(parts)
    rows: list[tuple[BillableEntry, LineKind, int, bool]] = []
    for entry in sorted(entries, key=lambda e: (e.at, e.entry_id)):
        minutes = billed_minutes(entry.raw_seconds, unit_minutes)
        if entry.warranty_rework:
            rows.append((entry, LineKind.WARRANTY, minutes, False))
            continue
        unapproved = min(entry.unapproved_minutes, minutes)
        minutes -= unapproved
        i = _part_index(parts, entry.at.date())
        inside = min(minutes, parts[i].included_minutes - used[i])
        used[i] += inside
        if inside:
            rows.append((entry, LineKind.PACKAGE, inside, False))
        if minutes > inside:
            rows.append((entry, _overflow_kind(entry), minutes - inside, inside > 0))
        if unapproved:
            rows.append((entry, LineKind.UNAPPROVED, unapproved, minutes > 0))
    return rows, used


def _priced_lines(
    rows: list[tuple[BillableEntry, LineKind, int, bool]], rates: Rates
) -> tuple[InvoiceLine, ...]:
    """п. 6.2: each overflow line gets the cumulative difference, so lines sum to the total."""
    rate = {LineKind.REGULAR: rates.regular_kopecks, LineKind.URGENT: rates.urgent_kopecks}
    done = dict.fromkeys(rate, 0)
    lines = []
    for entry, kind, minutes, continued in rows:
        amount, line_rate = 0, rate.get(kind, 0)
        if kind in rate:
            before = amount_kopecks(done[kind], line_rate)
            done[kind] += minutes
            amount = amount_kopecks(done[kind], line_rate) - before
        lines.append(InvoiceLine(entry, kind, minutes, line_rate, amount, continued))
    return tuple(lines)


def _minutes_of(lines: tuple[InvoiceLine, ...], kind: LineKind) -> int:
    return sum(line.billed_minutes for line in lines if line.kind is kind)


def _amount_of(lines: tuple[InvoiceLine, ...], kind: LineKind) -> int:
    return sum(line.amount_kopecks for line in lines if line.kind is kind)


def bill_month(
    client: ClientCompany,
    year: int,
    month: int,
    entries: Sequence[BillableEntry],
    packages: Mapping[PackageKind, Package],
    rates: Rates,
    unit_minutes: int,
    overruns: Sequence[TaskOverrun] = (),
) -> ClientBill:
    """п. 3.1, 6.1, 6.2, 1.6: the month's bill; decisions on open points in the module notes."""
    for entry in entries:
        _check_entry(entry, year, month)
    parts = contract_parts(client, year, month, packages)
    rows, used = _split_lines(entries, parts, unit_minutes)
    lines = _priced_lines(rows, rates)
    parts = tuple(
        ContractPart(p.package, p.first_day, p.last_day, p.included_minutes, p.price_kopecks, u)
        for p, u in zip(parts, used, strict=True)
    )
    included = sum(p.included_minutes for p in parts)
    package_used = _minutes_of(lines, LineKind.PACKAGE)
    price = sum(p.price_kopecks for p in parts)
    regular = _amount_of(lines, LineKind.REGULAR)
    urgent = _amount_of(lines, LineKind.URGENT)
    chat = chat_price_kopecks(client.chat)
    return ClientBill(
        client=client.name,
        month=(year, month),
        package=parts[-1].package,
        included_minutes=included,
        package_used_minutes=package_used,
        remaining_minutes=included - package_used,
        overflow_regular_minutes=_minutes_of(lines, LineKind.REGULAR),
        overflow_urgent_minutes=_minutes_of(lines, LineKind.URGENT),
        warranty_minutes=_minutes_of(lines, LineKind.WARRANTY),
        unapproved_minutes=_minutes_of(lines, LineKind.UNAPPROVED),
        package_price_kopecks=price,
        regular_amount_kopecks=regular,
        urgent_amount_kopecks=urgent,
        chat_amount_kopecks=chat,
        total_kopecks=price + regular + urgent + chat,
        lines=lines,
        overruns=tuple(overruns),
        package_used_percent=package_used * 100 // included if included else 0,
        parts=parts,
    )
