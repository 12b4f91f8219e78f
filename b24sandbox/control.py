"""/_sandbox/<action>: the seed/UI API, install simulation and faults for other processes."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any, Protocol

from b24sandbox.core import PortalCore
from b24sandbox.errors import RestError
from b24sandbox.model import AccessToken, Notification
from b24sandbox.phpform import parse_query
from b24sandbox.reqlog import RequestLog

log = logging.getLogger(__name__)

# POST actions that map 1:1 to SandboxPortal methods taking the JSON body as keyword args
ACTIONS = {
    "create_task",
    "update_task",
    "delete_task",
    "add_comment",
    "add_time",
    "start_task",
    "pause_task",
    "complete_task",
    "approve_task",
    "disapprove_task",
    "defer_task",
    "renew_task",
    "add_user",
    "add_department",
    "add_group",
    "install_finish",
    "app_update",
    "advance_time",
    "expire_tokens",
    "revoke_refresh_tokens",
    "reset_log",
    "open_app",
    "clear_faults",
    "set_operating_limit",
    "charge_operating",
    "set_unreachable",
    "set_slow",
    "set_feature",
    "set_app_scopes",
    "add_chat",
    "post_message",
    "add_chat_member",
    "start_watch",
    "stop_watch",
    "add_binding",
}
RENAMED = {"install": "install_app", "uninstall": "uninstall_app"}


class Controlled(Protocol):
    """The portal as this API drives it (b24sandbox.portal.SandboxPortal); the ACTIONS are its
    methods of the same name."""

    core: PortalCore
    log: RequestLog
    url: str
    domain: str

    @property
    def rest_url(self) -> str: ...

    @property
    def oauth_token_url(self) -> str: ...

    @property
    def member_id(self) -> str: ...

    @property
    def client_id(self) -> str: ...

    @property
    def client_secret(self) -> str: ...

    @property
    def features(self) -> dict[str, bool]: ...

    def webhook_url(
        self, user_id: int = 1, scopes: tuple[str, ...] | list[str] | None = None
    ) -> str: ...

    def issue_token(self, user_id: int = 1) -> AccessToken: ...

    def wait_idle(self, timeout: float = 10.0) -> bool: ...

    def notifications(self, user_id: int | None = None) -> list[Notification]: ...

    def snapshot(self) -> dict[str, Any]: ...

    def clear_faults(self) -> None: ...

    def set_unreachable(self, seconds: float) -> None: ...

    def set_slow(self, seconds: float) -> None: ...

    def set_operating_limit(self, method: str, seconds: float | None) -> None: ...

    def fail_next(
        self, method: str, *, status: int, error: str, description: str = "", times: int = 1
    ) -> None: ...


def _fault(portal: Controlled, body: dict[str, Any]) -> Any:
    """{"method","status","error","description","times"} | {"unreachable": s} | {"slow": s}
    | {"operating_limit": {"method", "seconds"}} | {"clear": true}."""
    if body.get("clear"):
        portal.clear_faults()
    if "unreachable" in body:
        portal.set_unreachable(float(body["unreachable"]))
    if "slow" in body:
        portal.set_slow(float(body["slow"]))
    if "operating_limit" in body:
        spec = body["operating_limit"]
        portal.set_operating_limit(spec["method"], spec.get("seconds"))
    if "method" in body:
        portal.fail_next(
            body["method"],
            status=int(body["status"]),
            error=str(body["error"]),
            description=str(body.get("description", "")),
            times=int(body.get("times", 1)),
        )
    return True


def _get(portal: Controlled, action: str, query: str) -> Any:
    params = parse_query(query)
    if action == "requests":
        entries = portal.log.as_json()
        method = params.get("method")
        return [e for e in entries if not method or method in (e["rest_method"], *e["sub_methods"])]
    if action == "state":
        return portal.snapshot()
    if action in ("failed_deliveries", "deliveries"):
        items = getattr(portal, action)
        return [
            {
                "url": d.url,
                "event": d.event,
                "status": d.status,
                "error": d.error,
                "payload": d.payload,
            }
            for d in items
        ]
    if action == "notifications":
        return [asdict(n) for n in portal.notifications()]
    if action == "info":
        return {
            "url": portal.url,
            "rest_url": portal.rest_url,
            "domain": portal.domain,
            "oauth_token_url": portal.oauth_token_url,
            "member_id": portal.member_id,
            "client_id": portal.client_id,
            "client_secret": portal.client_secret,
            "webhook_url": portal.webhook_url(1),
            "features": portal.features,
            "app_scopes": list(portal.core.state.app_scopes),
        }
    raise KeyError(action)


def _post(portal: Controlled, action: str, body: dict[str, Any]) -> Any:
    if action == "fault":
        return _fault(portal, body)
    if action == "wait_idle":
        return portal.wait_idle(float(body.get("timeout", 10)))
    if action == "issue_token":
        return asdict(portal.issue_token(int(body.get("user_id", 1))))
    if action == "webhook_url":
        return portal.webhook_url(int(body.get("user_id", 1)), body.get("scopes"))
    name = RENAMED.get(action, action)
    if name not in ACTIONS and name not in RENAMED.values():
        raise KeyError(action)
    result = getattr(portal, name)(**body)
    if hasattr(result, "__dataclass_fields__"):
        return asdict(result)
    return result


def handle_control(
    portal: Controlled, action: str, http_method: str, body: bytes, query: str
) -> tuple[int, Any]:
    try:
        if http_method == "GET":
            return 200, {"result": _get(portal, action, query)}
        data = json.loads(body or b"{}")
        if not isinstance(data, dict):
            return 400, {"error": "BAD_REQUEST", "error_description": "JSON object expected"}
        return 200, {"result": _post(portal, action, data)}
    except KeyError as exc:
        return 404, {"error": "UNKNOWN_ACTION", "error_description": str(exc)}
    except RestError as err:
        return err.status, err.body()
    except (TypeError, ValueError) as exc:
        return 400, {"error": "BAD_REQUEST", "error_description": str(exc)}
