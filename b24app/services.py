"""The composition root: one object that wires storage, the portal clients and the handlers."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from b24app.applier import EffectApplier
from b24app.bitrix.client import BitrixClient
from b24app.bitrix.features import AUTH_CONNECTOR
from b24app.bitrix.gateway import PortalGateway
from b24app.bitrix.limits import (
    INTERACTIVE_CALL_TIMEOUT_SECONDS,
    INTERACTIVE_RETRY,
    CallStats,
    RetryPolicy,
)
from b24app.bitrix.oauth import OAuthServer
from b24app.bitrix.transport import CALL_TIMEOUT_SECONDS, Transport
from b24app.config.calendar import build_calendar
from b24app.config.settings import Settings
from b24app.redact import mask_url
from b24app.storage.clocks import ClockStore
from b24app.storage.crypto import TokenCipher, load_cipher
from b24app.storage.database import Clock, Database
from b24app.storage.features import FeatureStore
from b24app.storage.inbox import Inbox
from b24app.storage.key_check import check_database_key
from b24app.storage.portals import INSTALLED, Portal, PortalStore, PortalTokens
from b24app.storage.rate_gate import SharedRateGate
from b24app.storage.task_store import TaskStore
from handlers.context import HandlerContext
from handlers.registry import router as default_router
from handlers.routing import Router
from rules.regulation import AppConfig
from rules.worktime import WorkCalendar

log = logging.getLogger(__name__)

_WEBHOOK_USER = re.compile(r"/rest/(\d+)/[^/]+/?$")


class Services:
    """Everything a process needs, built once from Settings and the regulation config."""

    def __init__(
        self,
        settings: Settings,
        config: AppConfig,
        *,
        clock: Clock = time.time,
        retry: RetryPolicy | None = None,
        router: Router | None = None,
        gateway_factory: Callable[[str], PortalGateway | None] | None = None,
        cipher: TokenCipher | None = None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.clock = clock
        self.retry = retry
        self.router = router or default_router
        self._gateway_factory = gateway_factory  # tests and benchmarks: a fake portal
        self.cipher = cipher or load_cipher(settings)
        self.db = Database(settings.effective_database_url, clock=clock)
        self.db.create_schema()
        try:
            check_database_key(self.db, self.cipher)
        except Exception:
            self.db.dispose()
            raise
        self.inbox = Inbox(
            self.db, max_attempts=settings.max_attempts, lease_seconds=settings.inbox_lease_seconds
        )
        self.portals = PortalStore(self.db, self.cipher)
        self.features = FeatureStore(self.db)
        self.oauth = OAuthServer(settings.oauth_url, settings.client_id, settings.client_secret)
        self.stats = CallStats()
        self._transport: Transport | None = None
        self._calendar: WorkCalendar | None = None
        self._known_webhook_portals: set[str] = set()  # rows exist: no read per event
        self.chat_access_errors = 0

    # -- time ----------------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.calendar.timezone)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), self.tz)

    @property
    def calendar(self) -> WorkCalendar:
        """The working-time calendar, rebuilt when next year's public holidays are not in it."""
        year = self.now().year
        calendar = self._calendar
        if calendar is None or (
            self.config.calendar.use_public_holidays
            and year + 1 not in calendar.holidays.covered_years
        ):
            calendar = build_calendar(self.config.calendar, range(year - 1, year + 3))
            self._calendar = calendar
        return calendar

    def set_config(self, config: AppConfig) -> None:
        """New regulation numbers (settings page): used by the next event."""
        self.config = config
        self._calendar = None

    # -- portals -------------------------------------------------------------------------------
    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = Transport(
                requests_per_second=self.settings.requests_per_second, burst=self.settings.burst
            )
        return self._transport

    def expected_token(self, member_id: str) -> str:
        """The application token events of this portal must carry ('' = unknown portal)."""
        if self.settings.webhook_mode:
            return self.settings.webhook_application_token
        portal = self.portals.get(member_id)
        return portal.application_token if portal and portal.status != "uninstalled" else ""

    def ensure_webhook_portal(self, member_id: str, domain: str) -> None:
        """Webhook mode: remember the portal the outgoing webhook speaks for (its URL is read
        from the environment at every call; the database keeps it masked). A portal row is
        never deleted, so one seen once needs no read on the next event."""
        if member_id in self._known_webhook_portals:
            return
        if self.portals.get(member_id) is None:
            self.portals.save_install(
                member_id=member_id,
                domain=domain,
                client_endpoint=mask_url(self.settings.webhook_url),
                server_endpoint="",
                application_token=self.settings.webhook_application_token,
                user_id=self.webhook_user_id(),
                mode="webhook",
            )
        self._known_webhook_portals.add(member_id)

    def webhook_user_id(self) -> int:
        match = _WEBHOOK_USER.search(self.settings.webhook_url)
        return int(match.group(1)) if match else 0

    def uses_webhook(self, portal: Portal) -> bool:
        """The portal is reached through an incoming webhook (B24_WEBHOOK_URL), not OAuth."""
        return portal.mode == "webhook" or self.settings.webhook_mode

    def endpoint_for(self, portal: Portal) -> str:
        """The REST endpoint calls for this portal go to (a webhook's comes from B24_WEBHOOK_URL,
        never from the database); mask it before showing it."""
        if self.uses_webhook(portal):
            return self.settings.webhook_url
        return portal.client_endpoint

    def client_for(self, portal: Portal, *, interactive: bool = False) -> BitrixClient:
        """The app's client for the portal. `interactive`: a person waits for the answer (a
        page), so one attempt bounded by INTERACTIVE_CALL_TIMEOUT_SECONDS; the worker's and the
        jobs' calls retry, their events wait in the inbox anyway."""
        webhook = self.uses_webhook(portal)
        member_id = portal.member_id
        return BitrixClient(
            self.transport,
            self.endpoint_for(portal),
            None if webhook else PortalTokens(self.portals, self.oauth, member_id),
            retry=INTERACTIVE_RETRY if interactive else self.retry,
            stats=self.stats,
            gate=self._shared_gate(member_id),
            on_connector_refused=(
                None if webhook else lambda: self.features.mark_missing(member_id, AUTH_CONNECTOR)
            ),
            call_timeout=INTERACTIVE_CALL_TIMEOUT_SECONDS if interactive else CALL_TIMEOUT_SECONDS,
        )

    def connector_for(self, portal: Portal) -> str:
        """The auth_connector of the app's offline queue and of its writes on this portal: ''
        in webhook mode (no offline events) and where the plan lacks rest_auth_connector."""
        if self.uses_webhook(portal):
            return ""
        features = self.features.get(portal.member_id)
        return self.settings.auth_connector if features.uses_connector else ""

    def _shared_gate(self, member_id: str) -> SharedRateGate | None:
        """On PostgreSQL (several instances) the portal's bucket is shared through the database;
        a single SQLite process paces itself in the transport."""
        if self.db.is_sqlite:
            return None
        settings = self.settings
        return SharedRateGate(self.db, member_id, settings.requests_per_second, settings.burst)

    def gateway_for(self, member_id: str, *, interactive: bool = False) -> PortalGateway | None:
        """The portal's gateway; `interactive` for a page's reads (see client_for)."""
        portal = self.portals.get(member_id)
        if portal is None or portal.status == "uninstalled":
            return None
        if self._gateway_factory is not None:
            return self._gateway_factory(member_id)
        webhook = self.uses_webhook(portal)
        return PortalGateway(
            self.client_for(portal, interactive=interactive),
            portal.user_id,
            connector=self.connector_for(portal),
            notify_client_id=self.settings.auth_connector if webhook else "",
            tz=self.tz,
        )

    def default_portal(self) -> Portal | None:
        installed = [p for p in self.portals.installed() if p.status == INSTALLED]
        return installed[0] if installed else None

    def default_member_id(self, given: str | None = None) -> str | None:
        """`given` (a command's or a request's choice), else the installed portal's member_id;
        None when there is none."""
        if given:
            return given
        portal = self.default_portal()
        return portal.member_id if portal else None

    # -- handler plumbing ----------------------------------------------------------------------
    def task_store(self, member_id: str) -> TaskStore:
        return TaskStore(self.db, member_id)

    def context_for(self, member_id: str, gateway: PortalGateway, source: str) -> HandlerContext:
        return HandlerContext(
            member_id=member_id,
            config=self.config,
            portal=gateway,
            store=self.task_store(member_id),
            calendar=self.calendar,
            now=self.now(),
            source=source,
        )

    def applier_for(self, member_id: str, gateway: PortalGateway | None) -> EffectApplier:
        return EffectApplier(
            self.task_store(member_id),
            gateway,
            ClockStore(self.db, member_id),
            self.config,
        )

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self.db.dispose()
