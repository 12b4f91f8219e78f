"""One REST call: auth, limits, faults, the method itself and the `time` object (§0, §11, §12)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from b24sandbox.batch import command_methods, run_batch
from b24sandbox.clock import iso
from b24sandbox.context import CallContext, ListResult
from b24sandbox.core import PortalCore
from b24sandbox.errors import RestError, not_found_method
from b24sandbox.faults import Faults
from b24sandbox.methods.registry import ALL_METHODS
from b24sandbox.ratelimit import LeakyBucket

log = logging.getLogger(__name__)


@dataclass
class Caller:
    """Who is calling: parsed from the URL (webhook) or the `auth` parameter (OAuth).

    `connector` is the request's TOP-LEVEL `auth_connector` (None when the key is absent or
    null), already moved out of the method's parameters by the HTTP layer for OAuth calls —
    core: modules/rest/lib/oauth/auth.php (Auth::onRestCheckAuth reads it only with
    array_key_exists on the request's top level) and classes/general/rest.php
    (CRestServer::checkAuth moves every `parameters_clear` key out of the method query)."""

    kind: str  # "oauth" | "webhook"
    user_id: int | None = None
    secret: str | None = None
    token: str | None = None
    connector: object = None


@dataclass
class Outcome:
    status: int
    body: dict[str, Any]
    rest_method: str
    sub_methods: list[str] = field(default_factory=list)
    auth: str = "none"
    user_id: int | None = None

    @property
    def error(self) -> str | None:
        return str(self.body["error"]) if "error" in self.body else None


class Rest:
    """Runs REST calls against the portal's core: auth, the bucket, faults, the method."""

    def __init__(self, core: PortalCore, bucket: LeakyBucket | None, faults: Faults) -> None:
        self.core = core
        self.bucket = bucket
        self.faults = faults

    def time_block(self, method: str, start: float, processing: float) -> dict[str, Any]:
        finish = start + processing
        operating, reset_at = self.core.meter.operating(method)
        return {
            "start": round(start, 6),
            "finish": round(finish, 6),
            "duration": round(finish - start, 6),
            "processing": round(processing, 6),
            "date_start": iso(start),
            "date_finish": iso(finish),
            "operating": round(operating, 6),
            "operating_reset_at": int(reset_at or (start + 600)),
        }

    def authenticate(self, caller: Caller) -> CallContext:
        state = self.core.state
        if caller.kind == "webhook":
            user = state.users.get(caller.user_id or 0)
            secret = state.webhook_secrets.get(caller.user_id or 0)
            if user is None or not user.active or secret is None or secret != caller.secret:
                raise RestError(401, "NO_AUTH_FOUND", "Wrong authorization data")
            # Reading: a webhook is not the application (no client_id), so it carries no
            # connector and never suppresses offline records.
            return CallContext(self.core, user.id, "webhook", scopes=state.hook_scopes(user.id))
        if not caller.token:
            raise RestError(401, "NO_AUTH_FOUND", "Wrong authorization data")
        access = self.core.tokens.check(caller.token)
        if caller.connector is not None and not state.feature("rest_auth_connector"):
            # core: classes/general/rest.php (CRestServer::checkAuth, newer version: `isset`,
            # so even an empty value) → lib/licenseexception.php, 403 WRONG_LICENSE, before
            # the method runs.
            raise RestError(
                403,
                "WRONG_LICENSE",
                "This feature is not enabled for the current license: auth_connector",
            )
        connector = "" if caller.connector is None else caller.connector
        return CallContext(
            self.core,
            access.user_id,
            "oauth",
            caller.token,
            connector=connector,
            scopes=list(state.app_scopes),
            client_id=state.client_id,
        )

    def call(self, method: str, params: Any, caller: Caller) -> Outcome:
        """A plain (non-batch) HTTP call of `method`."""
        method = method.lower()
        if caller.kind == "oauth" and isinstance(params, dict) and "auth_connector" in params:
            params = {k: v for k, v in params.items() if k != "auth_connector"}
        outcome = Outcome(500, {}, method, auth=caller.kind)
        if method == "batch":
            outcome.sub_methods = command_methods(params)
        try:
            if self.bucket is not None:
                self.bucket.hit()
            with self.core.lock:
                ctx = self.authenticate(caller)
                outcome.user_id = ctx.user_id
                fault = self.faults.take(method)
                if fault is not None:
                    raise fault
                if method == "batch":
                    outcome.body, _ = run_batch(self, ctx, params)
                else:
                    outcome.body = self.run_method(ctx, method, params, direct=True)
                outcome.status = 200
                self.core.save()
        except RestError as err:
            outcome.status, outcome.body = err.status, err.body()
        return outcome

    def run_method(self, ctx: CallContext, method: str, params: Any, *, direct: bool) -> Any:
        """Run one method; returns the response body (direct) or (value, extras) for batch."""
        handler = ALL_METHODS.handlers.get(method)
        if handler is None:
            raise not_found_method(method)
        ALL_METHODS.check_scope(ctx, method)
        self.core.meter.check(method)
        start = self.core.now()
        began = time.perf_counter()
        try:
            value = handler(ctx, params)
        finally:
            processing = time.perf_counter() - began
            self.core.meter.charge(method, processing)
        body: dict[str, Any] = {}
        if isinstance(value, ListResult):
            body["result"] = value.result
            if value.next is not None:
                body["next"] = value.next
            if value.total is not None:
                body["total"] = value.total
        else:
            body["result"] = value
        body["time"] = self.time_block(method, start, processing)
        return body
