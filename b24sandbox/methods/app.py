"""app.info, placement.*, scope, server.time (§1.2, §13.1)."""

from __future__ import annotations

from typing import Any

from b24sandbox.clock import iso
from b24sandbox.context import CallContext, arg, require_app
from b24sandbox.errors import RestError, access_denied, missing
from b24sandbox.methods.table import MethodTable
from b24sandbox.model import Placement

methods = MethodTable()

PLACEMENTS = frozenset(
    {
        "DEFAULT",
        "TASK_VIEW_TAB",
        "TASK_VIEW_SIDEBAR",
        "TASK_VIEW_TOP_PANEL",
        "TASK_LIST_CONTEXT_MENU",
        "TASK_USER_LIST_TOOLBAR",
        "TASK_GROUP_LIST_TOOLBAR",
        "TASK_ROBOT_DESIGNER_TOOLBAR",
        "LEFT_MENU",
        "USER_PROFILE_MENU",
        "USER_PROFILE_TOOLBAR",
        "SONET_GROUP_DETAIL_TAB",
        "SONET_GROUP_TOOLBAR",
        "IM_TEXTAREA",
        "IM_SIDEBAR",
        "PAGE_BACKGROUND_WORKER",
        "REST_APP_URI",
    }
)
LICENSE = {"LICENSE": "ru_project", "LICENSE_TYPE": "project", "LICENSE_FAMILY": "project"}


@methods.add("app.info")
def app_info(ctx: CallContext, params: Any) -> Any:
    state = ctx.core.state
    if not ctx.is_app:
        # Chosen reading: a webhook has no app; it gets the licence and scope only.
        return {"SCOPE": ctx.scopes, **LICENSE}
    return {
        "ID": state.app_id,
        "CODE": state.client_id,
        "VERSION": state.install.version,
        "STATUS": "L",
        "INSTALLED": state.install.installed and state.install.finished,
        "PAYMENT_EXPIRED": "N",
        "DAYS": None,
        "LANGUAGE_ID": "ru",
        **LICENSE,
    }


@methods.add("scope")
def scope(ctx: CallContext, params: Any) -> Any:
    """The caller's own scopes (the app's from the admin form, or the webhook's)."""
    return list(ctx.scopes)


@methods.add("server.time")
def server_time(ctx: CallContext, params: Any) -> Any:
    return iso(ctx.core.now())


@methods.add("placement.bind", scope="placement")
def placement_bind(ctx: CallContext, params: Any) -> Any:
    require_app(ctx)
    if not ctx.core.is_admin(ctx.user_id):
        raise access_denied("Administrator rights required")
    code = str(arg(params, "PLACEMENT") or "").upper()
    if code not in PLACEMENTS:
        raise RestError(400, "ERROR_PLACEMENT_NOT_FOUND", "Placement not found")
    handler = str(arg(params, "HANDLER") or "")
    if not handler:
        raise missing("HANDLER")
    if not handler.startswith(("http://", "https://")):
        raise RestError(400, "ERROR_WRONG_HANDLER_URL", "Wrong handler URL")
    state = ctx.core.state
    if any(p.placement == code and p.handler == handler for p in state.placements.values()):
        raise RestError(400, "ERROR_PLACEMENT_HANDLER_EXISTS", "Handler already binded")
    options = arg(params, "OPTIONS") or {}
    placement = Placement(
        state.next_id("placements"),
        code,
        handler,
        str(arg(params, "TITLE") or ""),
        str(arg(params, "DESCRIPTION") or ""),
        options if isinstance(options, dict) else {},
        int(arg(params, "USER_ID") or 0),
    )
    state.placements[placement.id] = placement
    return True


@methods.add("placement.unbind", scope="placement")
def placement_unbind(ctx: CallContext, params: Any) -> Any:
    require_app(ctx)
    code = str(arg(params, "PLACEMENT") or "").upper()
    handler = arg(params, "HANDLER")
    state = ctx.core.state
    doomed = [
        p.id
        for p in state.placements.values()
        if p.placement == code and (not handler or p.handler == handler)
    ]
    for pid in doomed:
        del state.placements[pid]
    return {"count": len(doomed)}


@methods.add("placement.get", scope="placement")
def placement_get(ctx: CallContext, params: Any) -> Any:
    require_app(ctx)
    return [
        {
            "placement": p.placement,
            "handler": p.handler,
            "title": p.title,
            "description": p.description,
            "options": p.options or [],
            "langAll": [],
        }
        for p in sorted(ctx.core.state.placements.values(), key=lambda p: p.id)
    ]


@methods.add("placement.list", scope="placement")
def placement_list(ctx: CallContext, params: Any) -> Any:
    require_app(ctx)
    return sorted(PLACEMENTS)


@methods.add("feature.get")
def feature_get(ctx: CallContext, params: Any) -> Any:
    """docs: api-reference/common/system/feature-get.md; core: classes/general/rest_provider.php
    (CRestProvider::getFeature) — `{"value": "Y"|"N"}`; an empty CODE → 400 CODE_EMPTY; a code
    the plan does not know is simply "N" (cloud: Feature::isFeatureEnabled)."""
    code = arg(params, "CODE")
    if not code:
        raise RestError(400, "CODE_EMPTY", "CODE can't be empty")
    return {"value": "Y" if ctx.core.state.feature(str(code)) else "N"}
