"""`b24app sla`: open SLA clocks by working time left, this month's breaches, per integrator."""

from __future__ import annotations

import argparse

from b24app.cli.reach import check_portal_reachable
from b24app.cli.startup import CommandError, Subparsers, build_services, fail, note, out
from b24app.pages.people import stored_names, user_names
from b24app.reporting.sla import SlaReport, build_report, format_report
from b24app.services import Services


def register(subparsers: Subparsers) -> None:
    sla = subparsers.add_parser("sla", help="open SLA clocks, this month's breaches")
    sla.add_argument("--member-id", help="portal (default: the installed one)")
    sla.add_argument("--limit", type=int, default=50, help="open clocks to list")
    sla.set_defaults(func=cmd_sla)


def cmd_sla(args: argparse.Namespace) -> int:
    services = build_services(args, must_exist=True)
    try:
        member_id = services.default_member_id(args.member_id)
        if not member_id:
            return fail("no portal is installed in this database (give --member-id)")
        report = build_report(services, member_id)
        names = integrator_names(services, member_id, report)
        for line in format_report(report, args.limit, names):
            out(line)
    finally:
        services.close()
    return 0


def integrator_names(services: Services, member_id: str, report: SlaReport) -> dict[int, str]:
    """Names from the app's user cache, the rest with one user.get when the portal answers
    (ids otherwise: the report does not wait for an unreachable portal)."""
    ids = {i for i in report.per_integrator() if i}
    names = stored_names(services, member_id, ids)
    missing = {i for i in ids if not names.get(i)}
    if not missing:
        return names
    try:
        check_portal_reachable(services, member_id)
    except CommandError as exc:
        note(f"{exc}; integrators without a stored name are shown by id")
        return names
    return names | user_names(services, member_id, missing)
