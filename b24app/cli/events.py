"""`b24app events list|retry`: the inbox, and failed events queued again."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import select

from b24app.cli.startup import Subparsers, build_services, fail, out
from b24app.services import Services
from b24app.storage.schema import inbox


def register(sub: Subparsers) -> None:
    events = sub.add_parser("events", help="list inbox events or retry failed ones")
    events.add_argument("action", choices=["list", "retry"])
    events.add_argument("ids", nargs="*", type=int, help="inbox ids to retry (default: all failed)")
    events.add_argument("--status", choices=["pending", "processing", "done", "failed", "ignored"])
    events.add_argument("--limit", type=int, default=50)
    events.set_defaults(func=cmd_events)


def cmd_events(args: argparse.Namespace) -> int:
    services = build_services(args, must_exist=True)
    try:
        if args.action == "retry":
            return _retry(services, args.ids)
        rows = services.inbox.list_rows(args.status, limit=args.limit)
        for row in rows:
            out(
                f"#{row['id']:>6} {row['status']:<10} {row['event']:<18} task {row['task_id']:<7} "
                f"attempts {row['attempts']} {row['last_error'][:80]}"
            )
        out(json.dumps(services.inbox.stats()))
        return 0
    finally:
        services.close()


def _retry(services: Services, ids: list[int]) -> int:
    """All failed events, or the given ones: an id that does not exist or has not failed is
    named, and the command exits 1."""
    if not ids:
        count = services.inbox.retry_failed(None)
        out(f"{count} failed events queued again; a running `b24app serve` picks them up")
        return 0
    with services.db.begin() as conn:
        found = dict(
            conn.execute(select(inbox.c.id, inbox.c.status).where(inbox.c.id.in_(ids))).all()
        )
    missing = [i for i in ids if i not in found]
    not_failed = [i for i in ids if i in found and found[i] != "failed"]
    wanted = [i for i in ids if found.get(i) == "failed"]
    count = services.inbox.retry_failed(wanted) if wanted else 0
    for event_id in missing:
        fail(f"event #{event_id}: no such event in the inbox")
    for event_id in not_failed:
        fail(f"event #{event_id} is {found[event_id]}, not failed: nothing to retry")
    if count:
        out(f"{count} failed events queued again; a running `b24app serve` picks them up")
    return 1 if missing or not_failed else 0
