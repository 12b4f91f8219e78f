"""`b24app replay --task ID | --since DATE [--config other.toml]`: the rules over tasks' history
from the portal, in shadow mode, beside the live history (b24app.replay)."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from b24app.bitrix.gateway import PortalGateway
from b24app.cli.progress import progress_for
from b24app.cli.reach import check_portal_reachable
from b24app.cli.startup import (
    Subparsers,
    check_database,
    describe_storage,
    note,
    out,
    regulation_path,
)
from b24app.config.regulation import load_app_config
from b24app.config.settings import settings_from_environment
from b24app.replay import History, live_rows, play, read_histories, summary, summary_line
from b24app.services import Services
from rules.regulation import AppConfig
from rules.types import TaskFacts


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("replay", help="run the rules over tasks' history (shadow mode)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--task", type=int, help="one task id: print every decision")
    target.add_argument("--since", help="every task changed since this date (YYYY-MM-DD)")
    parser.add_argument(
        "--config", dest="compare_config", help="another TOML config: show what would change"
    )
    parser.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    settings = settings_from_environment()
    note(describe_storage(settings))
    check_database(settings)
    # `b24app --config X replay`, else B24APP_CONFIG, else the settings page's saved file (as serve)
    base = load_app_config(regulation_path(settings, args))
    other = load_app_config(Path(args.compare_config)) if args.compare_config else None
    services = Services(settings, base)
    portal = services.default_portal()
    gateway = services.gateway_for(portal.member_id) if portal else None
    if portal is None or gateway is None:
        out("No portal connected: install the app or set the webhook variables first.")
        return 1
    check_portal_reachable(services, portal.member_id)
    since = None if args.task else since_start(args.since, services.tz)
    task_ids = [args.task] if since is None else _changed_since(gateway, since)
    store = services.task_store(portal.member_id)
    histories: list[History] = []
    with progress_for(len(task_ids), "tasks read") as advance:
        for task_id in task_ids:
            histories += read_histories(gateway, store, [task_id])
            advance(1)
    base_rows = _play_all(histories, base, portal.user_id)
    if args.task and base_rows:
        print_decisions(histories[0].task, base_rows[0])
    _print_summary("current config", summary(base_rows), len(histories))
    live = live_rows(store, histories)
    if any(live):
        _print_summary("live history", summary(live), len(histories))
    if other is not None:
        other_rows = _play_all(histories, other, portal.user_id)
        _print_summary(f"with {args.compare_config}", summary(other_rows), len(histories))
        changed = sum(
            [r["decision"] for r in a] != [r["decision"] for r in b]
            for a, b in zip(base_rows, other_rows, strict=True)
        )
        out(f"tasks whose decisions change: {changed} of {len(histories)}")
    services.close()
    return 0


def _play_all(
    histories: list[History], config: AppConfig, user_id: int
) -> list[list[dict[str, Any]]]:
    """play() over every history, with a progress bar on a terminal."""
    rows = []
    with progress_for(len(histories), "tasks replayed") as advance:
        for history in histories:
            rows.append(play(history, config, user_id))
            advance(1)
    return rows


def since_start(since: str | None, tz: ZoneInfo) -> datetime:
    """`--since 2026-11-01` is midnight in the regulation's time zone ([calendar] timezone, the
    portal's working time), not the host's: a server in UTC would otherwise miss three hours."""
    start = datetime.fromisoformat(since or "2000-01-01")
    return start if start.tzinfo is not None else start.replace(tzinfo=tz)


def _changed_since(gateway: PortalGateway, start: datetime) -> list[int]:
    return [task_id for task_id, _ in gateway.changed_task_ids(start)]


def print_decisions(task: TaskFacts, rows: list[dict[str, Any]]) -> None:
    out(f"Task #{task.task_id} «{task.title}»")
    for row in rows:
        moved = f"{row['from_state']} → {row['to_state']}" if row["to_state"] else ""
        out(f"  п. {row['clause'] or '—':<8} {row['decision']:<26} {moved:<34} {row['trigger']}")


def _print_summary(label: str, counts: Counter[str], total: int) -> None:
    out(summary_line(label, counts, total))
