"""`b24app`: serve, check, events, sandbox, demo, replay and the report commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from b24app.access import exposure
from b24app.config import ConfigError, Settings, load_app_config, settings_from_environment
from b24app.install import ConnectionReport
from b24app.portals import Portal
from b24app.redact import RedactingFilter, mask_url, redact
from b24app.services import Services

log = logging.getLogger("b24app")

Command = Callable[[argparse.Namespace], int]


def configure_logging(level: str, secrets: Sequence[str] = (), stream: Any = None) -> None:
    """One stderr handler on the root logger whose filter masks secrets (b24app.redact):
    webhook URLs, token parameters, and the configured `secrets` wherever they appear."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "b24app", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    handler.b24app = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for noisy in ("fast_bitrix24", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def known_secrets(settings: Settings) -> tuple[str, ...]:
    """Values the log filter masks wherever they appear."""
    return (
        settings.client_secret,
        settings.api_token,
        settings.metrics_token,
        settings.webhook_application_token,
        *settings.encryption_keys.split(","),
    )


def out(text: str = "") -> None:
    """Command output for people (logs go to stderr)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def build_services(args: argparse.Namespace | None = None) -> Services:
    settings = settings_from_environment()
    saved = settings.data_dir / "regulation.toml"  # written by the settings page (b24app.pages)
    fallback = saved if saved.is_file() else None
    config_path = getattr(args, "config", None) or settings.config_path or fallback
    return Services(settings, load_app_config(Path(config_path) if config_path else None))


def next_step_hint(settings: Settings, services: Services, url: str) -> str:
    if settings.webhook_mode or services.default_portal():
        return ""
    if settings.client_id:
        return (
            f"No portal installed yet: in Bitrix24 create a local app with handler {url}/b24/app "
            f"and install path {url}/b24/install (see README), then open it once."
        )
    return (
        "No portal connected: set B24_CLIENT_ID/B24_CLIENT_SECRET and install the local app, "
        "or set B24_WEBHOOK_URL/B24_APPLICATION_TOKEN, or try `b24app demo` (README)."
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Web server (waitress), inbox worker and scheduler in one process."""
    from waitress import create_server

    from b24app.web import create_app
    from b24app.worker import Worker
    from scheduler import build_scheduler

    services = build_services(args)
    url = services.settings.public_url or f"http://{args.host}:{args.port}"
    worker = Worker(services)
    released = services.inbox.release_claims_of_dead_workers()
    if released:
        log.info("%d events left in progress by a stopped process are queued again", released)
    app = create_app(services, wakeup=worker.wakeup.set)
    server = create_server(app, host=args.host, port=args.port, threads=8)
    stop = threading.Event()
    worker_thread = threading.Thread(target=worker.run, args=(stop,), name="worker", daemon=True)
    if services.settings.worker_enabled:
        worker_thread.start()
    scheduler, leader = build_scheduler(services)
    scheduler.start()
    hint = next_step_hint(services.settings, services, url)
    where = f"http://{args.host}:{server.effective_port}"
    out(f"b24app serving on {where} — {exposure(services.settings)}")
    out(at_rest(services) + (f"\n{hint}" if hint else ""))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        worker.wakeup.set()
        scheduler.shutdown(wait=False)
        leader.release()
        if worker_thread.is_alive():
            worker_thread.join(timeout=10)
        services.close()
    return 0


def at_rest(services: Services) -> str:
    """How the stored tokens are protected; a key file beside the database is for trying out."""
    line = f"tokens at rest: encrypted ({services.cipher.source})"
    if not services.settings.encryption_keys:
        line += " — the key lies beside the data: in production set B24APP_ENCRYPTION_KEYS"
    return line


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
    from b24app.bitrix import BitrixError
    from b24app.install import check_connection

    settings = services.settings
    portal = services.default_portal()
    if portal is None and settings.webhook_mode:
        services.ensure_webhook_portal("webhook", "")
        portal = services.portals.get("webhook")
    if portal is None:
        out("portal: none connected — " + next_step_hint(settings, services, "<public url>"))
        return 1
    endpoint = services.endpoint_for(portal)  # the URL the calls really go to
    source = " (B24_WEBHOOK_URL)" if portal.mode == "webhook" or settings.webhook_mode else ""
    name = portal.domain or urlsplit(endpoint).hostname or portal.member_id
    out(f"portal {name}: mode {portal.mode}, REST endpoint {mask_url(endpoint)}{source}")
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
    from b24app.install import bind

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
    from b24app.calendar_source import calendar_warning, table_end

    warning = calendar_warning(services.now().date(), services.config.calendar)
    if warning:
        return f"calendar: WARNING: {warning}"
    return f"calendar: ok (shortened pre-holiday days known to {table_end().isoformat()})"


def cmd_events(args: argparse.Namespace) -> int:
    services = build_services(args)
    if args.action == "retry":
        count = services.inbox.retry_failed([int(i) for i in args.ids] or None)
        out(f"{count} failed events queued again; a running `b24app serve` picks them up")
        return 0
    rows = services.inbox.list_rows(args.status, limit=args.limit)
    for row in rows:
        out(
            f"#{row['id']:>6} {row['status']:<10} {row['event']:<18} task {row['task_id']:<7} "
            f"attempts {row['attempts']} {row['last_error'][:80]}"
        )
    out(json.dumps(services.inbox.stats()))
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from b24app.sandbox import run_sandbox

    run_sandbox(args.host, args.port, rate_limit=not args.no_rate_limit, state_file=args.state)
    return 0


def build_parser(extra: Sequence[Callable[[Any], None]] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="b24app", description=__doc__)
    parser.add_argument("--config", help="regulation TOML file (default: $B24APP_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server, worker and scheduler")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(func=cmd_serve)
    check = sub.add_parser("check", help="verify config, the portal connection and its plan")
    check.add_argument(
        "--fix", action="store_true", help="re-bind offline handlers that need another connector"
    )
    check.set_defaults(func=cmd_check)
    events = sub.add_parser("events", help="list inbox events or retry failed ones")
    events.add_argument("action", choices=["list", "retry"])
    events.add_argument("ids", nargs="*", help="inbox ids to retry (default: all failed)")
    events.add_argument("--status", choices=["pending", "processing", "done", "failed", "ignored"])
    events.add_argument("--limit", type=int, default=50)
    events.set_defaults(func=cmd_events)
    sandbox = sub.add_parser("sandbox", help="run a local sandbox Bitrix24 portal")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8090)
    sandbox.add_argument("--no-rate-limit", action="store_true")
    sandbox.add_argument("--state", type=Path, help="keep the portal's state in this JSON file")
    sandbox.set_defaults(func=cmd_sandbox)
    for register in extra:
        register(sub)
    return parser


def _extra_commands() -> list[Callable[[Any], None]]:
    from b24app.extensions import cli_registrars

    return cli_registrars()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(_extra_commands()).parse_args(argv)
    try:
        settings = settings_from_environment()
        configure_logging(settings.log_level, known_secrets(settings))
        return int(args.func(args))
    except ConfigError as exc:
        sys.stderr.write(f"b24app: configuration error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
