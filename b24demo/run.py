"""`b24app demo`: the sandbox portal and the app on loopback, playing a scripted month, then the
month's bill and a replay of it beside the live history."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from b24app.replay import live_rows, play, read_histories, summary, summary_line
from b24app.reporting.billing import build_month_report
from b24app.reporting.render import render_table
from b24app.reporting.time_sync import sync_time
from b24demo.month import MSK, START, Demo, demo_config, play_month, seed, write
from b24demo.stack import LocalStack
from b24demo.urls import page_urls, shown_task
from rules.types import TaskId


def print_report(demo: Demo) -> None:
    stack = demo.stack
    services = stack.services
    gateway = services.gateway_for(stack.member_id)
    assert gateway is not None  # noqa: S101 - installed above
    tasks = [TaskId(r.task_id) for r in services.task_store(stack.member_id).list_tasks()]
    sync_time(services.db, gateway, stack.member_id, tasks, full=True)
    report = build_month_report(services.db, services.config, stack.member_id, 2026, 11, MSK)
    write("\n══ Billing report, November 2026 ══")
    write(render_table(report))


def print_replay_check(demo: Demo) -> None:
    """What `b24app replay --since 2026-11-01` says over this month, beside the live history."""
    services = demo.stack.services
    gateway = services.gateway_for(demo.stack.member_id)
    portal = services.default_portal()
    if gateway is None or portal is None:
        return
    store = services.task_store(demo.stack.member_id)
    histories = read_histories(gateway, store, [r.task_id for r in store.list_tasks()])
    replayed = summary([play(h, services.config, portal.user_id) for h in histories])
    live = summary(live_rows(store, histories))
    write("\n══ Replay of the month (b24app replay --since 2026-11-01) ══")
    write(summary_line("replay", replayed, len(histories)))
    write(summary_line("live history", live, len(histories)))
    write("replay agrees with the live history" if replayed == live else "REPLAY DIFFERS")


def run_demo(*, keep_running: bool, data_dir: Path | None = None) -> int:
    directory = data_dir or Path(tempfile.mkdtemp(prefix="b24app-demo-"))
    stack = LocalStack(directory, config=demo_config(), use_portal_clock=True)
    demo = Demo(stack)
    demo.at(START)
    stack.start()
    try:
        write(f"Sandbox portal: {stack.portal.url}   App: {stack.url}   Data: {directory}")
        stack.install()
        write(f"The app is installed into the sandbox (member_id {stack.member_id}).")
        seed(demo)
        play_month(demo)
        print_report(demo)
        print_replay_check(demo)
        events = sum(c for _, c, _ in demo.step_costs)
        jobs = sum(j for _, _, j in demo.step_costs)
        write(
            f"\nREST requests for the whole month: {events} for events, {jobs} for scheduled "
            f"jobs (the portal allows 2 per second, 172 800 a day)"
        )
        limited = sum(r.error == "QUERY_LIMIT_EXCEEDED" for r in stack.portal.requests)
        write(
            f"Rate-limit answers from the portal: {limited}, retried: "
            f"{stack.services.stats.rate_limited} (REST errors left unhandled: "
            f"{stack.services.stats.errors})"
        )
        stats = stack.services.inbox.stats()
        write(
            f"Inbox: {stats['done']} processed, {stats['ignored']} ignored, "
            f"{stats['failed']} failed"
        )
        if keep_running:
            write(
                f"\nStill running — app {stack.url}/healthz, "
                f"portal {stack.portal.url}/_sandbox/requests. Press Ctrl+C to stop."
            )
            task = shown_task(stack)
            if task is not None:
                write("Pages in the sandbox portal, as Bitrix24 shows them (open in a browser):")
                for name, url in page_urls(stack, task).items():
                    write(f"  {name}: {url}")
            write(
                "The read API needs the demo's token (B24APP_API_TOKEN of this run): "
                f'curl -H "Authorization: Bearer {stack.settings.api_token}" '
                f"{stack.url}/api/reports/2026-11"
            )
            write(
                f"Commands against it from another shell: B24APP_DATA_DIR={directory} "
                f"B24_WEBHOOK_URL={stack.portal.webhook_url(1)} b24app replay --since 2026-11-01"
            )
            threading.Event().wait()
        return 0 if stats["failed"] == 0 else 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()
