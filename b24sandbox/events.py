"""Event bindings and fan-out: online POSTs (§3.2-3.5) and the offline queue (§3.6)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from b24sandbox.clock import Clock
from b24sandbox.delivery import Deliverer
from b24sandbox.model import AccessToken, OfflineRecord
from b24sandbox.oauth import Tokens
from b24sandbox.state import PortalState

UNDEFINED = "undefined"
KNOWN_EVENTS = frozenset(
    {
        "ONTASKADD",
        "ONTASKUPDATE",
        "ONTASKDELETE",
        "ONTASKCOMMENTADD",
        "ONTASKCOMMENTUPDATE",
        "ONTASKCOMMENTDELETE",
        "ONAPPINSTALL",
        "ONAPPUNINSTALL",
        "ONAPPUPDATE",
        "ONAPPTEST",
        "ONUSERADD",
        "ONOFFLINEEVENT",
        "ONSONETGROUPADD",
        "ONSONETGROUPUPDATE",
        "ONSONETGROUPDELETE",
        "ONIMCONNECTORMESSAGEADD",
    }
)
# The request origin a change carries to the offline queue: None = not the application (the UI,
# a webhook, an agent); otherwise the app request's `auth_connector` as sent ('' when absent).
Connector = object


def connector_id(connector: Connector) -> str:
    """The CONNECTOR_ID string the core stores/filters by for a request's auth_connector."""
    if connector is None or connector is False:
        return ""
    if connector is True:
        return "1"
    return str(connector)


def suppressed(request_connector: Connector, binding_connector: str) -> bool:
    """core: modules/rest/lib/event/provideroffline.php (ProviderOffline::finalize) — a change is
    NOT queued for an offline binding when the request came from the same application
    (client_id) AND its auth_connector `===` the binding's CONNECTOR_ID; a request without
    auth_connector counts as '' (getServerAuthData), so empty equals empty. The comparison is
    strict: a non-string connector (a JSON number) never equals the stored string."""
    if request_connector is None:  # the UI, a webhook, an agent: client_id differs
        return False
    return isinstance(request_connector, str) and request_connector == binding_connector


@dataclass
class Endpoints:
    domain: str
    client_endpoint: str
    server_endpoint: str


def task_data(event: str, task_id: int) -> dict[str, Any]:
    """§3.3 data sections: ids only, `undefined` for the missing side."""
    ref = {"ID": str(task_id)}
    if event == "ONTASKADD":
        return {
            "FIELDS_BEFORE": UNDEFINED,
            "FIELDS_AFTER": ref,
            "IS_ACCESSIBLE_BEFORE": "N",
            "IS_ACCESSIBLE_AFTER": UNDEFINED,
        }
    if event == "ONTASKDELETE":
        return {
            "FIELDS_BEFORE": ref,
            "FIELDS_AFTER": UNDEFINED,
            "IS_ACCESSIBLE_BEFORE": UNDEFINED,
            "IS_ACCESSIBLE_AFTER": "N",
        }
    return {
        "FIELDS_BEFORE": ref,
        "FIELDS_AFTER": dict(ref),
        "IS_ACCESSIBLE_BEFORE": UNDEFINED,
        "IS_ACCESSIBLE_AFTER": UNDEFINED,
    }


def comment_data(event: str, task_id: int, comment_id: int, message_id: int = 0) -> dict[str, Any]:
    """core (corp): modules/tasks/classes/general/commentitem.php (CTaskCommentItem::
    onEventFilter): an old-card ADD says IS_ACCESSIBLE_BEFORE=N (the docs print `undefined`);
    the chat card's ADD (ID=0 + MESSAGE_ID) is only in the docs, with both `undefined`."""
    after: dict[str, Any] = {"ID": str(comment_id), "TASK_ID": str(task_id)}
    accessible_before = UNDEFINED
    if event == "ONTASKCOMMENTADD":
        if message_id:
            after["MESSAGE_ID"] = str(message_id)
        else:
            accessible_before = "N"
        before: Any = UNDEFINED
    else:
        before = {"ID": str(comment_id), "TASK_ID": str(task_id)}
        after["ACTION"] = "EDIT" if event == "ONTASKCOMMENTUPDATE" else "DEL"
    return {
        "FIELDS_BEFORE": before,
        "FIELDS_AFTER": after,
        "IS_ACCESSIBLE_BEFORE": accessible_before,
        "IS_ACCESSIBLE_AFTER": UNDEFINED,
    }


class EventBus:
    def __init__(
        self,
        state: PortalState,
        clock: Clock,
        tokens: Tokens,
        deliverer: Deliverer,
        endpoints: Endpoints,
    ) -> None:
        self.state = state
        self.clock = clock
        self.tokens = tokens
        self.deliverer = deliverer
        self.endpoints = endpoints
        self._event_tokens: dict[int, str] = {}

    def live(self) -> bool:
        """§1.2/§3.5: nothing is sent before the install is finished or after uninstall."""
        return self.state.install.installed and self.state.install.finished

    def auth(self, user_id: int | None, *, refresh: bool = False) -> dict[str, Any]:
        """The `auth[...]` section of an event POST (§3.2), in the order of the §3.3 sample."""
        auth: dict[str, Any] = {}
        if user_id:
            access = self._token_for(user_id, fresh=refresh)
            auth["access_token"] = access.token
            auth["expires"] = str(int(access.expires))
            auth["expires_in"] = str(self.tokens.ttl)
        auth.update(self.static_auth())
        if user_id:
            auth["user_id"] = str(user_id)
            if refresh:
                auth["refresh_token"] = self.state.access_tokens[auth["access_token"]].refresh_token
        auth["application_token"] = self.state.install.application_token
        return auth

    def _token_for(self, user_id: int, *, fresh: bool) -> AccessToken:
        """Reuse a recent event token of the user so the state does not grow per event."""
        cached = self.state.access_tokens.get(self._event_tokens.get(user_id, ""))
        if not fresh and cached and cached.expires > self.clock.now() + self.tokens.ttl / 2:
            return cached
        access = self.tokens.issue(user_id)
        self._event_tokens[user_id] = access.token
        return access

    def static_auth(self) -> dict[str, Any]:
        return {
            "scope": " ".join(self.state.app_scopes),
            "domain": self.endpoints.domain,
            "server_endpoint": self.endpoints.server_endpoint,
            "status": "L",
            "client_endpoint": self.endpoints.client_endpoint,
            "member_id": self.state.member_id,
        }

    def emit(
        self,
        event: str,
        data: dict[str, Any],
        actor: int | None,
        *,
        connector: Connector,
        key: str,
    ) -> None:
        """Fan one portal change out to every online and offline binding of `event`."""
        if not self.live():
            return
        stored = False
        for binding in sorted(self.state.bindings.values(), key=lambda b: b.id):
            if binding.event != event:
                continue
            if binding.offline:
                stored |= self._store_offline(
                    binding.auth_connector, event, data, actor, connector, key
                )
                continue
            payload = {
                "event": event,
                "event_handler_id": str(binding.id),
                "data": data,
                "ts": "",
                "auth": self.auth(binding.auth_type or actor),
            }
            self.deliverer.submit(binding.handler, payload)
        if stored:
            self._ping_offline()

    def _store_offline(
        self,
        binding_connector: str,
        event: str,
        data: dict[str, Any],
        actor: int | None,
        connector: Connector,
        key: str,
    ) -> bool:
        """§3.6: coalesce per object (core: EventOfflineTable::callEvent merges on MESSAGE_ID,
        APP_ID, CONNECTOR_ID, PROCESS_ID ''); the suppression rule is `suppressed()`."""
        if suppressed(connector, binding_connector):
            return False
        message_id = hashlib.md5(f"{event}|{key}".encode(), usedforsecurity=False).hexdigest()
        now = self.clock.now()
        for record in self.state.offline.values():
            same = (record.connector, record.event, record.message_id) == (
                binding_connector,
                event,
                message_id,
            )
            if same and record.process_id is None and not record.error:
                record.timestamp, record.data = now, data
                record.additional = {"user_id": str(actor or 0)}
                return True
        record_id = self.state.next_id("offline")
        self.state.offline[record_id] = OfflineRecord(
            record_id, event, message_id, now, data, {"user_id": str(actor or 0)}, binding_connector
        )
        return True

    def _ping_offline(self) -> None:
        """§3.6: ONOFFLINEEVENT ping, at most one per `minTimeout` seconds (default 1)."""
        now = self.clock.now()
        for binding in self.state.bindings.values():
            if binding.event != "ONOFFLINEEVENT" or binding.offline:
                continue
            min_timeout = float(binding.options.get("minTimeout", 1) or 0)
            if min_timeout and now - binding.last_ping < min_timeout:
                continue
            binding.last_ping = now
            user = binding.auth_type or self.state.install.installer_id
            payload = {
                "event": "ONOFFLINEEVENT",
                "event_handler_id": str(binding.id),
                "ts": "",
                "auth": self.auth(user, refresh=True),
            }
            self.deliverer.submit(binding.handler, payload)
