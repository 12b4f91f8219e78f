"""`b24app report` (the month's billing report) and `b24app sync-time` (time entries)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from b24app.billing_report import (
    UnknownClientError,
    build_month_report,
    month_range,
    parse_month,
)
from b24app.report_render import FORMATS, render
from b24app.services import Services
from b24app.time_sync import SyncReport, sync_time, tasks_active_in
from handlers.messages import time_not_synced


def register_cli(subparsers: Any) -> None:
    report = subparsers.add_parser("report", help="the month's billing report per client")
    report.add_argument("--month", help="YYYY-MM (default: this month)")
    report.add_argument("--client", help="one client by its name in the config")
    report.add_argument("--format", choices=FORMATS, default="table")
    report.add_argument("--output", type=Path, help="write to this file (xlsx needs one)")
    report.add_argument("--member-id", help="portal (default: the installed one)")
    report.set_defaults(func=cmd_report)
    sync = subparsers.add_parser("sync-time", help="re-read a month's time entries from the portal")
    sync.add_argument("--month", help="YYYY-MM (default: this month)")
    sync.add_argument(
        "--all-tasks", action="store_true", help="every tracked task, not only active"
    )
    sync.add_argument("--member-id", help="portal (default: the installed one)")
    sync.set_defaults(func=cmd_sync_time)


def _services(args: argparse.Namespace) -> Services:
    from b24app.cli import build_services

    return build_services(args)


def _err(text: str) -> int:
    sys.stderr.write(f"b24app: {text}\n")
    return 2


def _month(services: Services, text: str | None) -> tuple[int, int]:
    if text:
        return parse_month(text)
    now = services.now()
    return now.year, now.month


def _member_id(services: Services, given: str | None) -> str | None:
    if given:
        return given
    portal = services.default_portal()
    return portal.member_id if portal else None


def cmd_report(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        year, month = _month(services, args.month)
        member_id = _member_id(services, args.member_id)
        if member_id is None:
            return _err("no portal is installed (see `b24app check`)")
        if args.format == "xlsx" and args.output is None:
            return _err("--format xlsx needs --output FILE")
        report = build_month_report(
            services.db, services.config, member_id, year, month, services.tz, client=args.client
        )
    except ValueError as exc:
        return _err(str(exc))
    except UnknownClientError:
        return _err(f"no client named {args.client!r} in the config")
    finally:
        services.close()
    if report.time_not_synced:  # said on stderr too, so a CSV or JSON file stays clean
        sys.stderr.write(f"b24app: {time_not_synced(report.label, report.time_synced_at)}\n")
    body = render(report, args.format)
    if args.output is not None:
        if isinstance(body, bytes):
            args.output.write_bytes(body)
        else:
            args.output.write_text(body, encoding="utf-8")
    else:
        sys.stdout.write(body if isinstance(body, str) else body.decode())
    return 0


def resync_month(
    services: Services, member_id: str, year: int, month: int, *, all_tasks: bool = False
) -> SyncReport | None:
    """Read every entry of the month's tasks again and reconcile; None when the portal is gone."""
    gateway = services.gateway_for(member_id)
    if gateway is None:
        return None
    records = services.task_store(member_id).list_tasks()
    start, end = month_range(year, month, services.tz)
    chosen = [r.task_id for r in records] if all_tasks else tasks_active_in(records, start, end)
    return sync_time(services.db, gateway, member_id, chosen, full=True)


def cmd_sync_time(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        year, month = _month(services, args.month)
        member_id = _member_id(services, args.member_id)
        if member_id is None:
            return _err("no portal is installed (see `b24app check`)")
        result = resync_month(services, member_id, year, month, all_tasks=args.all_tasks)
    except ValueError as exc:
        return _err(str(exc))
    finally:
        services.close()
    if result is None:
        return _err(f"portal {member_id} is not installed")
    sys.stdout.write(result.summary() + "\n")
    for task_id, error in sorted(result.failed.items()):
        sys.stdout.write(f"task {task_id}: {error}\n")
    return 1 if result.failed else 0
