"""`b24app report` (the month's billing report; `--lock`/`--unlock` once the bill is sent) and
`b24app sync-time` (time entries)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from b24app.cli.progress import progress_for
from b24app.cli.reach import check_portal_reachable
from b24app.cli.startup import Subparsers, build_services, fail, note, out
from b24app.reporting.billing import UnknownClientError, build_month_report, compute_month_report
from b24app.reporting.csv_file import BOM
from b24app.reporting.locks import load_lock, remove_lock, save_lock
from b24app.reporting.model import MonthReport
from b24app.reporting.months import month_range, parse_month
from b24app.reporting.render import FORMATS, render, rubles_ru
from b24app.reporting.tables import TABLES
from b24app.reporting.time_sync import SyncReport, last_sync_at, sync_time, tasks_active_in
from b24app.services import Services
from handlers.report_texts import changes_since_lock, month_locked, time_not_synced


def register(subparsers: Subparsers) -> None:
    report = subparsers.add_parser("report", help="the month's billing report per client")
    report.add_argument("--month", help="YYYY-MM (default: this month)")
    report.add_argument("--client", help="one client by its name in the config")
    report.add_argument("--format", choices=FORMATS, default="table")
    report.add_argument(
        "--table", choices=TABLES, default="lines", help="CSV: which table (one per file)"
    )
    report.add_argument("--output", type=Path, help="write to this file (xlsx needs one)")
    report.add_argument("--member-id", help="portal (default: the installed one)")
    lock = report.add_mutually_exclusive_group()
    lock.add_argument(
        "--lock", action="store_true", help="the bill is sent: keep these figures (Kimai-style)"
    )
    lock.add_argument("--unlock", action="store_true", help="undo --lock")
    report.set_defaults(func=cmd_report)
    sync = subparsers.add_parser("sync-time", help="re-read a month's time entries from the portal")
    sync.add_argument("--month", help="YYYY-MM (default: this month)")
    sync.add_argument(
        "--all-tasks", action="store_true", help="every tracked task, not only active"
    )
    sync.add_argument("--member-id", help="portal (default: the installed one)")
    sync.set_defaults(func=cmd_sync_time)


def _month(services: Services, text: str | None) -> tuple[int, int]:
    if text:
        return parse_month(text)
    now = services.now()
    return now.year, now.month


def cmd_report(args: argparse.Namespace) -> int:
    if (args.lock or args.unlock) and (not args.month or args.client):
        return fail("--lock and --unlock need --month and lock every client's bill of the month")
    if args.format == "xlsx" and args.output is None and not (args.lock or args.unlock):
        return fail("--format xlsx needs --output FILE")
    services = build_services(args, must_exist=True)
    try:
        year, month = _month(services, args.month)
        member_id = services.default_member_id(args.member_id)
        if member_id is None:
            return fail("no portal is installed in this database (see `b24app check`)")
        if args.lock or args.unlock:
            return _lock(services, member_id, year, month, unlock=args.unlock)
        report = build_month_report(
            services.db, services.config, member_id, year, month, services.tz, client=args.client
        )
    except ValueError as exc:
        return fail(str(exc))
    except UnknownClientError:
        return fail(f"no client named {args.client!r} in the config")
    finally:
        services.close()
    _say_on_stderr(report)
    body = render(report, args.format, args.table)
    if args.format == "csv" and (args.output is not None or not sys.stdout.isatty()):
        body = BOM + str(body)  # Excel's cue for UTF-8, in a file or a pipe (not on a terminal)
    _write(body, args.output)
    return 0


def _say_on_stderr(report: MonthReport) -> None:
    """Notes for the person running it, on stderr too, so a CSV or JSON file stays clean."""
    if report.time_not_synced:
        note(time_not_synced(report.label, report.time_synced_at))
    if report.locked_at is not None:
        note(month_locked(report.label, report.locked_at))
        delta = report.total_now_kopecks - report.total_kopecks
        note(changes_since_lock(len(report.changes), delta))


def _write(body: str | bytes, output: Path | None) -> None:
    data = body.encode("utf-8") if isinstance(body, str) else body
    if output is not None:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _lock(services: Services, member_id: str, year: int, month: int, *, unlock: bool) -> int:
    label = f"{year:04d}-{month:02d}"
    db = services.db
    if unlock:
        if not remove_lock(db, member_id, year, month):
            return fail(f"{label} is not locked")
        out(f"{label} unlocked: the report shows the figures from the stored time entries again")
        return 0
    existing = load_lock(db, member_id, year, month)
    if existing is not None:
        return fail(f"{label} is already locked (since {existing.locked_at:%Y-%m-%d %H:%M})")
    _, end = month_range(year, month, services.tz)
    if services.now() < end:
        return fail(f"{label} is not over yet: lock a month's bill after the month has ended")
    synced = last_sync_at(db, member_id)
    if synced is None or synced < end.timestamp():
        return fail(
            f"time entries were not read from the portal since {label} ended: run "
            f"`b24app sync-time --month {label}` first, then lock"
        )
    report = compute_month_report(db, services.config, member_id, year, month, services.tz)
    lock = save_lock(db, member_id, report, getpass.getuser(), services.tz)
    out(
        f"{label} locked at {lock.locked_at:%Y-%m-%d %H:%M}: {len(report.clients)} clients, "
        f"total {rubles_ru(report.total_kopecks)} ₽. `b24app report --month {label}` shows these "
        "figures and, apart, what changes after; `--unlock` undoes it."
    )
    return 0


def resync_month(
    services: Services, member_id: str, year: int, month: int, *, all_tasks: bool = False
) -> SyncReport | None:
    """Read every entry of the month's tasks again and reconcile; None when the portal is gone."""
    gateway = services.gateway_for(member_id)
    if gateway is None:
        return None
    check_portal_reachable(services, member_id)
    records = services.task_store(member_id).list_tasks()
    start, end = month_range(year, month, services.tz)
    chosen = [r.task_id for r in records] if all_tasks else tasks_active_in(records, start, end)
    with progress_for(len(chosen), "tasks") as advance:
        return sync_time(services.db, gateway, member_id, chosen, full=True, progress=advance)


def cmd_sync_time(args: argparse.Namespace) -> int:
    services = build_services(args, must_exist=True)
    try:
        year, month = _month(services, args.month)
        member_id = services.default_member_id(args.member_id)
        if member_id is None:
            return fail("no portal is installed in this database (see `b24app check`)")
        result = resync_month(services, member_id, year, month, all_tasks=args.all_tasks)
        locked = _locked_note(services, member_id, year, month) if result else ""
    except ValueError as exc:
        return fail(str(exc))
    finally:
        services.close()
    if result is None:
        return fail(f"portal {member_id} is not installed")
    out(result.summary())
    for task_id, error in sorted(result.failed.items()):
        out(f"task {task_id}: {error}")
    if locked:
        out(locked)
    return 1 if result.failed else 0


def _locked_note(services: Services, member_id: str, year: int, month: int) -> str:
    """A locked month's bill does not change with the sync: say what did."""
    report = build_month_report(services.db, services.config, member_id, year, month, services.tz)
    if report.locked_at is None:
        return ""
    delta = report.total_now_kopecks - report.total_kopecks
    return (
        f"{report.label} is locked (billed {report.locked_at:%Y-%m-%d %H:%M}): the bill keeps "
        f"its figures; {len(report.changes)} entries differ from it now, total "
        f"{'+' if delta > 0 else ''}{rubles_ru(delta)} ₽ (`b24app report --month {report.label}`)"
    )
