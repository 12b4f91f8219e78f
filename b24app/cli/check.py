"""`b24app check [--fix]`: the configuration, the database, the portal, its plan and the offline
handlers, every URL and error masked (a webhook's URL carries its secret)."""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit

from b24app.bitrix.errors import BitrixError
from b24app.cli.reach import check_reachable
from b24app.cli.startup import (
    CommandError,
    Subparsers,
    at_rest,
    build_services,
    known_secrets,
    next_step_hint,
    out,
)
from b24app.config.calendar import calendar_warning, table_end
from b24app.install.bindings import bind
from b24app.install.check import ConnectionReport, check_connection
from b24app.redact import mask_url, redact
from b24app.services import Services
from b24app.storage.portals import Portal
from b24app.web.access import exposure


def register(sub: Subparsers) -> None:
    check = sub.add_parser("check", help="verify config, the portal connection and its plan")
    check.add_argument(
        "--fix", action="store_true", help="re-bind offline handlers that need another connector"
    )
    check.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    """Verify the configuration and the portal connection, saying what is wrong (every URL
    and error masked: a webhook's URL carries its secret)."""
    services = build_services(args)
    settings = services.settings
    try:
        out(
            f"config: ok ({settings.config_path or 'regulation defaults'}), "
            f"{len(services.config.clients)} clients, shadow mode "
            f"{'on' if services.config.shadow_mode else 'off'}"
        )
        out(f"database: ok ({services.db.engine.url.render_as_string(hide_password=True)})")
        out(calendar_line(services))
        out(at_rest(services))
        out(f"access: {exposure(settings)}")
        return _check_portal(services, fix=args.fix)
    finally:
        services.close()


def _check_portal(services: Services, *, fix: bool) -> int:
    settings = services.settings
    portal = services.default_portal()
    if portal is None and settings.webhook_mode:
        services.ensure_webhook_portal("webhook", "")
        portal = services.portals.get("webhook")
    if portal is None:
        out("portal: none connected — " + next_step_hint(settings, services, "<public url>"))
        return 1
    endpoint = services.endpoint_for(portal)  # the URL the calls really go to
    source = " (B24_WEBHOOK_URL)" if services.uses_webhook(portal) else ""
    name = portal.domain or urlsplit(endpoint).hostname or portal.member_id
    out(f"portal {name}: mode {portal.mode}, REST endpoint {mask_url(endpoint)}{source}")
    try:
        check_reachable(endpoint)
    except CommandError as exc:
        out(f"portal {name}: FAILED: {exc}")
        return 1
    try:
        report = check_connection(services, portal)
    except BitrixError as exc:
        out(f"portal {name}: FAILED: {redact(str(exc), known_secrets(settings))}")
        return 1
    out(f"app: {describe_app(report.app)}")
    user = f"{report.profile.get('NAME', '')} {report.profile.get('LAST_NAME', '')}".strip()
    out(f"acting user: #{report.profile.get('ID')} {user}".rstrip())
    out(f"portal {name}: ok")
    if portal.mode != "app":
        return 0
    try:
        return _check_offline(services, portal, report, fix=fix)
    except BitrixError as exc:
        out(f"offline handlers: FAILED: {redact(str(exc), known_secrets(settings))}")
        return 1


def _check_offline(
    services: Services, portal: Portal, report: ConnectionReport, *, fix: bool
) -> int:
    """Plan features, fallbacks in use and the offline handlers (`--fix` moves them)."""
    features = ", ".join(f"{k} {v}" for k, v in report.features.describe().items())
    out(f"plan features: {features}")
    for fallback in report.features.fallbacks() or ["none"]:
        out(f"fallback: {fallback}")
    problems = report.offline_problems()
    if not problems:
        out(f"offline handlers: ok (connector '{report.connector}')")
        return 0
    for problem in problems:
        out(f"offline handlers: {problem}")
    if not fix:
        out("offline handlers: run `b24app check --fix` (a running `serve` also fixes it daily)")
        return 1
    done = bind(services, portal, services.settings.public_url, online=False)
    out(f"offline handlers: fixed ({done['bound']} bound, {done['errors']} errors)")
    return 0 if not done["errors"] else 1


def describe_app(app: Any) -> str:
    """app.info in words: an incoming webhook has no application (no INSTALLED field)."""
    if not isinstance(app, dict) or "INSTALLED" not in app:
        return "none: an incoming webhook has no application (events come from its outgoing one)"
    if app.get("INSTALLED") in (True, "Y", "true", 1):
        return f"installed (version {app.get('VERSION', '?')}, status {app.get('STATUS', '?')})"
    return (
        "NOT finished: the install page did not call BX24.installFinish — open the app once "
        "in the portal (Приложения → Регламент)"
    )


def calendar_line(services: Services) -> str:
    """Working time never stops the app, but the shortened-day table needs a yearly update."""
    warning = calendar_warning(services.now().date(), services.config.calendar)
    if warning:
        return f"calendar: WARNING: {warning}"
    return f"calendar: ok (shortened pre-holiday days known to {table_end().isoformat()})"
