"""п. 6.1: read new time entries, then tell a client at 80 % and 100 % of its package hours.

Every 30 minutes, per portal: an incremental time sync of the tasks active this month (one batch
request per 50 tasks), the month's bills from the stored entries, and a Notify to the client's
responsible(s) and the integrators for the highest threshold reached. Keys
`package:{client}:{month}:{threshold}:{user}` make each notice once-only per month; a client that
jumps past both thresholds between two runs gets the 100 % notice only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from b24app.bitrix.errors import BitrixError
from b24app.reporting.billing import ClientReport, MonthReport, build_month_report
from b24app.reporting.months import month_range
from b24app.reporting.time_sync import sync_time, tasks_active_in
from b24app.services import Services
from handlers import messages
from handlers.effects import Notify
from rules.billing import package_usage_thresholds_crossed
from rules.regulation import AppConfig, ClientCompany
from rules.types import UserId

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 30 * 60
THRESHOLDS = (80, 100)


def recipients(client: ClientCompany, report: ClientReport) -> tuple[UserId, ...]:
    """The client's responsible(s), and its integrators: from the config, else who logged time."""
    integrators = client.integrator_ids or tuple(
        UserId(line.entry.integrator_id) for line in report.bill.lines
    )
    return tuple(dict.fromkeys((*client.responsible_ids, *integrators)))


def plan_package_notices(
    report: MonthReport, config: AppConfig, thresholds: Sequence[int] = THRESHOLDS
) -> list[Notify]:
    """п. 6.1: one Notify per recipient for the highest threshold each client has reached."""
    clients = {c.name: c for c in config.clients}
    notices = []
    for client_report in report.clients:
        bill = client_report.bill
        reached = package_usage_thresholds_crossed(
            0, bill.package_used_minutes, bill.included_minutes, tuple(thresholds)
        )
        if not reached:
            continue
        text = messages.package_usage(
            bill.client, bill.package_used_percent, bill.package_used_minutes, bill.included_minutes
        )
        notices += [
            Notify(
                key=f"package:{bill.client}:{report.label}:{reached[-1]}:{user}",
                user_id=user,
                text=text,
            )
            for user in recipients(clients[bill.client], client_report)
        ]
    return notices


def check_package_usage(services: Services) -> str:
    """The job: sync, bill, notify, for every installed portal; returns a line for the log."""
    sent = 0
    for portal in services.portals.installed():
        gateway = services.gateway_for(portal.member_id)
        if gateway is None or portal.status != "installed":
            continue
        now = services.now()
        start, end = month_range(now.year, now.month, services.tz)
        records = services.task_store(portal.member_id).list_tasks()
        try:
            sync_time(
                services.db,
                gateway,
                portal.member_id,
                tasks_active_in(records, start, end),
                spent_minutes={
                    r.task_id: r.time_spent_minutes for r in records if r.time_spent_minutes
                },
            )
        except BitrixError as exc:  # bill from what is stored; the next run reads again
            log.warning("portal %s: time sync failed: %s", portal.member_id, exc)
        report = build_month_report(
            services.db, services.config, portal.member_id, now.year, now.month, services.tz
        )
        applied = services.applier_for(portal.member_id, gateway).apply(
            plan_package_notices(report, services.config)
        )
        sent += len(applied.written) + len(applied.shadowed)
    return f"{sent} package usage notices" if sent else ""
