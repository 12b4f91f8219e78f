"""user.*, profile, department.get, sonet_group.* (§7)."""

from __future__ import annotations

import re
from typing import Any

from b24sandbox.clock import iso
from b24sandbox.context import USER_SCOPES, CallContext, ListResult, arg
from b24sandbox.filters import apply_order, matches, page
from b24sandbox.methods.table import MethodTable
from b24sandbox.model import Department, Group, User
from b24sandbox.state import PortalState

methods = MethodTable()

LIST_KEYS = {"SORT", "ORDER", "START", "SELECT", "FILTER", "ADMIN_MODE", "AUTH", "AUTH_CONNECTOR"}


# docs: api-reference/user/user-scope.md "Limited user scope versions": with user_basic or
# user_brief "only the listed fields are accessible" — neither list has USER_TYPE (nor
# LAST_LOGIN); user_brief has no EMAIL either. Reading: the docs table is followed; the core
# (modules/rest/lib/api/user.php User::getAllowedUserFields) adds USER_TYPE when the intranet
# module is present, i.e. on cloud — the app must not rely on it.
_NOT_BASIC = {"USER_TYPE", "LAST_LOGIN"}
_NOT_BRIEF = _NOT_BASIC | {"EMAIL"}


def user_fields(user: User, scopes: list[str]) -> dict[str, Any]:
    """user.get/user.current row as the caller's user scope allows it."""
    row = user_out(user)
    if "user" in scopes:
        return row
    hidden = _NOT_BASIC if "user_basic" in scopes else _NOT_BRIEF
    return {k: v for k, v in row.items() if k not in hidden}


def user_out(user: User) -> dict[str, Any]:
    """The full-scope (`user`) row."""
    return {
        "ID": str(user.id),
        "XML_ID": "",
        "ACTIVE": user.active,
        "NAME": user.name,
        "LAST_NAME": user.last_name,
        "SECOND_NAME": "",
        "EMAIL": user.email,
        "LAST_LOGIN": None,
        "DATE_REGISTER": iso(user.date_register),
        "IS_ONLINE": "N",
        "TIME_ZONE": "",
        "TIME_ZONE_OFFSET": "10800",
        "PERSONAL_GENDER": "",
        "PERSONAL_PHOTO": None,
        "WORK_POSITION": user.work_position,
        "UF_DEPARTMENT": list(user.departments),
        "USER_TYPE": "extranet" if user.extranet else "employee",
    }


def _user_get(user: User, name: str) -> tuple[str, Any]:
    values: dict[str, tuple[str, Any]] = {
        "ID": ("int", user.id),
        "ACTIVE": ("bool", user.active),
        "NAME": ("str", user.name),
        "LAST_NAME": ("str", user.last_name),
        "EMAIL": ("str", user.email),
        "WORK_POSITION": ("str", user.work_position),
        "UF_DEPARTMENT": ("list", user.departments),
        "USER_TYPE": ("str", "extranet" if user.extranet else "employee"),
        "NAME_SEARCH": ("str", f"{user.name} {user.last_name}"),
    }
    return values[name]


def _filter_of(params: Any) -> dict[str, Any]:
    """user.get takes FILTER, or (legacy) filter fields at the top level."""
    flt = arg(params, "FILTER")
    if isinstance(flt, dict):
        return dict(flt)
    if isinstance(params, dict):
        return {k: v for k, v in params.items() if str(k).upper() not in LIST_KEYS}
    return {}


def _select(row: dict[str, Any], select: Any) -> dict[str, Any]:
    names = [str(s).upper() for s in select] if isinstance(select, list) else []
    if not names or "*" in names:
        return row
    return {k: v for k, v in row.items() if k in names or k == "ID"}


def _found(user: User, state: PortalState, text: str) -> bool:
    """FIND: every word of the query starts a word of the user's first or last name, job title
    or department name (the sandbox's reading of the portal's beginning-of-string search)."""
    deps = [state.departments[d].name for d in user.departments if d in state.departments]
    words = " ".join([user.name, user.last_name, user.work_position, *deps]).lower().split()
    return all(any(w.startswith(q) for w in words) for q in text.lower().split())


@methods.add("user.get", scope=USER_SCOPES)
def user_get(ctx: CallContext, params: Any) -> Any:
    return _user_list(ctx, params, find=False)


# docs: api-reference/user/user-search.md — user.search inherits user.get's parameters and adds
# FILTER[FIND], "applied simultaneously to the first name, last name, middle name, job title, and
# department name"; the portal picks full-text or `LIKE "Text%"` search itself.
@methods.add("user.search", scope=USER_SCOPES)
def user_search(ctx: CallContext, params: Any) -> Any:
    return _user_list(ctx, params, find=True)


def _user_list(ctx: CallContext, params: Any, *, find: bool) -> Any:
    flt = _filter_of(params)
    text = str(flt.pop("FIND", "") or "").strip() if find else ""
    users = sorted(ctx.core.state.users.values(), key=lambda u: u.id)
    rows = [u for u in users if matches(u, flt, _user_get)]
    if text:
        rows = [u for u in rows if _found(u, ctx.core.state, text)]
    sort, order = arg(params, "sort"), arg(params, "order", "ASC")
    if isinstance(sort, str):
        rows = apply_order(rows, {sort: order}, _user_get)
    chunk, nxt, total = page(rows, arg(params, "start"))
    out = [_select(user_fields(u, ctx.scopes), arg(params, "select")) for u in chunk]
    return ListResult(out, total, nxt)


@methods.add("user.current", scope=USER_SCOPES)
def user_current(ctx: CallContext, params: Any) -> Any:
    return user_fields(ctx.core.state.users[ctx.user_id], ctx.scopes)


@methods.add("user.admin")
def user_admin(ctx: CallContext, params: Any) -> Any:
    return ctx.core.is_admin(ctx.user_id)


@methods.add("profile")
def profile(ctx: CallContext, params: Any) -> Any:
    user = ctx.core.state.users[ctx.user_id]
    return {
        "ID": str(user.id),
        "ADMIN": user.admin,
        "NAME": user.name,
        "LAST_NAME": user.last_name,
        "PERSONAL_GENDER": "",
        "PERSONAL_PHOTO": None,
        "TIME_ZONE": "",
        "TIME_ZONE_OFFSET": 10800,
    }


def department_out(dep: Department) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": str(dep.id), "NAME": dep.name, "SORT": dep.sort}
    if dep.parent:
        out["PARENT"] = str(dep.parent)
    if dep.head:
        out["UF_HEAD"] = str(dep.head)
    return out


def _dep_get(dep: Department, name: str) -> tuple[str, Any]:
    values: dict[str, tuple[str, Any]] = {
        "ID": ("int", dep.id),
        "NAME": ("str", dep.name),
        "SORT": ("int", dep.sort),
        "PARENT": ("int", dep.parent),
        "UF_HEAD": ("int", dep.head),
    }
    return values[name]


@methods.add("department.get", scope="department")
def department_get(ctx: CallContext, params: Any) -> Any:
    flt = {k: v for k, v in (params or {}).items() if str(k).upper() not in LIST_KEYS}
    deps = sorted(ctx.core.state.departments.values(), key=lambda d: d.id)
    rows = [d for d in deps if matches(d, flt, _dep_get)]
    if isinstance(arg(params, "sort"), str):
        rows = apply_order(rows, {arg(params, "sort"): arg(params, "order", "ASC")}, _dep_get)
    chunk, nxt, total = page(rows, arg(params, "START") or arg(params, "start"))
    return ListResult([department_out(d) for d in chunk], total, nxt)


def group_out(group: Group) -> dict[str, Any]:
    visible = "Y" if group.visible else "N"
    return {
        "ID": str(group.id),
        "SITE_ID": "s1",
        "NAME": group.name,
        "DESCRIPTION": "",
        "DATE_CREATE": iso(group.date_create),
        "DATE_UPDATE": iso(group.date_create),
        "ACTIVE": "Y",
        "VISIBLE": visible,
        "OPENED": "N",
        "CLOSED": "N",
        "SUBJECT_ID": "1",
        "OWNER_ID": str(group.owner_id),
        "NUMBER_OF_MEMBERS": str(len(group.members)),
        "DATE_ACTIVITY": iso(group.date_create),
        "PROJECT": "N",
        "IS_EXTRANET": "Y" if group.extranet else "N",
    }


def _group_get(group: Group, name: str) -> tuple[str, Any]:
    values: dict[str, tuple[str, Any]] = {
        "ID": ("int", group.id),
        "NAME": ("str", group.name),
        "OWNER_ID": ("int", group.owner_id),
        "ACTIVE": ("bool", True),
        "VISIBLE": ("bool", group.visible),
        "IS_EXTRANET": ("bool", group.extranet),
    }
    return values[name]


# core: modules/socialnetwork/classes/general/rest.php (CSocNetLogRestService::$arAllowedOperations,
# checkGroupFilter): a key whose prefix is not one of these is dropped, and so is
# CHECK_PERMISSIONS (the method sets it itself).
_GROUP_OPS = {"", "!", "<", "<=", ">", ">=", "><", "!><", "?", "=", "!=", "%", "!%"}
_PREFIX = re.compile(r"([^a-zA-Z]*)(.*)", re.DOTALL)


def _group_filter(flt: Any) -> dict[str, Any]:
    if not isinstance(flt, dict):
        return {}
    kept: dict[str, Any] = {}
    for key, value in flt.items():
        found = _PREFIX.fullmatch(str(key))
        if found and found[1] in _GROUP_OPS and found[2].upper() != "CHECK_PERMISSIONS":
            kept[str(key)] = value
    return kept


def _visible_groups(state: PortalState, user_id: int, admin: bool) -> list[Group]:
    """core: classes/mysql/group.php (CSocNetGroup::GetList with CHECK_PERMISSIONS): VISIBLE='Y'
    groups, UNION the VISIBLE='N' ones the caller is a member of (owner, moderator, member)."""
    groups = sorted(state.groups.values(), key=lambda g: g.id)
    return [g for g in groups if admin or g.visible or user_id in g.members]


# docs: api-reference/sonet-group/sonet-group-get.md; core: classes/general/rest.php
# (CSocNetLogRestService::getGroup): IS_ADMIN=Y counts only from a portal admin, ORDER defaults
# to ID DESC, GROUP_ID adds `ID = GROUP_ID`, 50 a page.
@methods.add("sonet_group.get", scope="sonet_group")
def sonet_group_get(ctx: CallContext, params: Any) -> Any:
    admin = str(arg(params, "IS_ADMIN", "N")).upper() == "Y" and ctx.core.is_admin(ctx.user_id)
    flt = _group_filter(arg(params, "FILTER"))
    group_id = str(arg(params, "GROUP_ID", "") or "")
    if group_id.isdigit() and int(group_id) > 0:
        flt["ID"] = int(group_id)
    rows = [
        g
        for g in _visible_groups(ctx.core.state, ctx.user_id, admin)
        if matches(g, flt, _group_get)
    ]
    order = arg(params, "ORDER")
    rows = apply_order(rows, order if isinstance(order, dict) else {"ID": "DESC"}, _group_get)
    chunk, nxt, total = page(rows, arg(params, "start"))
    return ListResult([group_out(g) for g in chunk], total, nxt)


@methods.add("sonet_group.user.get", scope="sonet_group")
def sonet_group_user_get(ctx: CallContext, params: Any) -> Any:
    group = ctx.core.state.groups.get(int(arg(params, "ID", 0) or 0))
    if group is None:
        return []
    return [{"USER_ID": str(u), "ROLE": "A" if u == group.owner_id else "K"} for u in group.members]
