"""§4.2 task fields: UPPER input names, camelCase output, select, filter getters."""

from __future__ import annotations

from typing import Any

from b24sandbox.clock import iso, parse_date
from b24sandbox.errors import core
from b24sandbox.model import Task
from b24sandbox.state import PortalState

# UPPER -> (attribute, camelCase, kind)
FIELDS: dict[str, tuple[str, str, str]] = {
    "ID": ("id", "id", "int"),
    "PARENT_ID": ("parent_id", "parentId", "int"),
    "TITLE": ("title", "title", "str"),
    "DESCRIPTION": ("description", "description", "str"),
    "MARK": ("mark", "mark", "str"),
    "PRIORITY": ("priority", "priority", "int"),
    "STATUS": ("status", "status", "int"),
    "STAGE_ID": ("stage_id", "stageId", "int"),
    "CREATED_BY": ("created_by", "createdBy", "int"),
    "CREATED_DATE": ("created_date", "createdDate", "date"),
    "RESPONSIBLE_ID": ("responsible_id", "responsibleId", "int"),
    "ACCOMPLICES": ("accomplices", "accomplices", "ids"),
    "AUDITORS": ("auditors", "auditors", "ids"),
    "CHANGED_BY": ("changed_by", "changedBy", "int"),
    "CHANGED_DATE": ("changed_date", "changedDate", "date"),
    "STATUS_CHANGED_BY": ("status_changed_by", "statusChangedBy", "int"),
    "STATUS_CHANGED_DATE": ("status_changed_date", "statusChangedDate", "date"),
    "CLOSED_BY": ("closed_by", "closedBy", "int"),
    "CLOSED_DATE": ("closed_date", "closedDate", "date"),
    "DATE_START": ("date_start", "dateStart", "date"),
    "DEADLINE": ("deadline", "deadline", "date"),
    "TIME_ESTIMATE": ("time_estimate", "timeEstimate", "int"),
    "ALLOW_TIME_TRACKING": ("allow_time_tracking", "allowTimeTracking", "yn"),
    "TASK_CONTROL": ("task_control", "taskControl", "yn"),
    "GROUP_ID": ("group_id", "groupId", "int"),
    "CHAT_ID": ("chat_id", "chatId", "int"),
    "TAGS": ("tags", "tags", "tags"),
    "UF_CRM_TASK": ("uf_crm_task", "ufCrmTask", "uf"),
    "UF_TASK_WEBDAV_FILES": ("uf_task_webdav_files", "ufTaskWebdavFiles", "uf"),
    "UF_MAIL_MESSAGE": ("", "ufMailMessage", "uf"),
}
COMPUTED = {"TIME_SPENT_IN_LOGS": "timeSpentInLogs", "SUB_STATUS": "subStatus"}
SYSTEM_UF = ("UF_CRM_TASK", "UF_TASK_WEBDAV_FILES", "UF_MAIL_MESSAGE")
WRITABLE = {
    "TITLE",
    "DESCRIPTION",
    "RESPONSIBLE_ID",
    "CREATED_BY",
    "GROUP_ID",
    "PARENT_ID",
    "PRIORITY",
    "DEADLINE",
    "TIME_ESTIMATE",
    "ALLOW_TIME_TRACKING",
    "TASK_CONTROL",
    "STAGE_ID",
    "ACCOMPLICES",
    "AUDITORS",
    "TAGS",
    "UF_CRM_TASK",
    "UF_TASK_WEBDAV_FILES",
    "STATUS",
    "MARK",
    "CREATED_DATE",
}


def _to_int_list(value: Any) -> list[int]:
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list | tuple):
        value = [value] if value not in (None, "") else []
    return [int(v) for v in value]


def _to_str_list(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list | tuple):
        value = [value] if value not in (None, "", False) else []
    return [str(v) for v in value if str(v) != ""]


def coerce(name: str, value: Any) -> Any:
    """Turn an input value (JSON or form string) into the stored Python value."""
    kind = FIELDS[name][2]
    try:
        if kind == "int":
            return int(value) if value not in (None, "") else 0
        if kind == "date":
            return parse_date(value)
        if kind == "yn":
            return str(value).upper() in ("Y", "TRUE", "1")
        if kind == "ids":
            return _to_int_list(value)
        if kind in ("uf", "tags"):
            return _to_str_list(value)
    except (TypeError, ValueError) as exc:
        raise core(f"Wrong value for field {name}") from exc
    return "" if value is None else str(value)


def parse_fields(fields: Any) -> dict[str, Any]:
    """Known writable UPPER fields → coerced values; unknown keys are ignored like Bitrix does."""
    if not isinstance(fields, dict):
        raise core("Parameter 'fields' must be an object")
    return {k.upper(): coerce(k.upper(), v) for k, v in fields.items() if k.upper() in WRITABLE}


def time_spent(state: PortalState, task_id: int) -> int | None:
    entries = [e.seconds for e in state.elapsed.values() if e.task_id == task_id]
    return sum(entries) if entries else None


def sub_status(task: Task, now: float) -> int:
    """§4.2: meta status -1 overdue on top of the real one."""
    if task.deadline is not None and task.deadline < now and task.status not in (4, 5, 6):
        return -1
    return task.status


def _out(kind: str, value: Any) -> Any:
    if kind == "int":
        return None if value is None else str(value)
    if kind == "date":
        return iso(value)
    if kind == "yn":
        return "Y" if value else "N"
    if kind == "ids":
        return [str(v) for v in value]
    if kind == "tags":
        return {str(i + 1): {"id": str(i + 1), "title": t} for i, t in enumerate(value)} or []
    if kind == "uf":
        # Chosen reading: an empty multiple UF comes back as `false` (PHP convention).
        return list(value) if value else False
    return value


def wanted(select: Any) -> list[str]:
    """§4.2: select of UPPER names; none or "*" → all non-UF fields; one system UF → all three."""
    names = [str(s).upper() for s in select] if isinstance(select, list | tuple) else []
    if isinstance(select, dict):
        names = [str(s).upper() for s in select.values()]
    if not names or "*" in names:
        base = [n for n in FIELDS if n not in SYSTEM_UF] + list(COMPUTED)
        names = base + [n for n in names if n != "*"]
    if any(n in SYSTEM_UF for n in names):
        names += [n for n in SYSTEM_UF if n not in names]
    if "ID" not in names:
        names.insert(0, "ID")
    return list(dict.fromkeys(n for n in names if n in FIELDS or n in COMPUTED))


def to_camel(state: PortalState, task: Task, select: Any, now: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in wanted(select):
        if name == "TIME_SPENT_IN_LOGS":
            spent = time_spent(state, task.id)
            out["timeSpentInLogs"] = None if spent is None else str(spent)
        elif name == "SUB_STATUS":
            out["subStatus"] = str(sub_status(task, now))
        else:
            attr, camel, kind = FIELDS[name]
            out[camel] = _out(kind, getattr(task, attr) if attr else [])
    return out


def getter_for(state: PortalState, now: float) -> Any:
    def get(task: Task, name: str) -> tuple[str, Any]:
        if name == "REAL_STATUS":
            return "int", task.status
        if name == "STATUS":
            return "int", sub_status(task, now)
        if name in ("TAG",):
            return "list", task.tags
        if name in ("ACCOMPLICE",):
            return "list", task.accomplices
        if name in ("AUDITOR",):
            return "list", task.auditors
        if name == "MEMBER":
            return "list", [task.created_by, task.responsible_id, *task.accomplices, *task.auditors]
        if name in FIELDS and FIELDS[name][0]:
            attr, _, kind = FIELDS[name]
            mapped = {"yn": "bool", "ids": "list", "tags": "list", "uf": "list"}.get(kind, kind)
            return mapped, getattr(task, attr)
        raise KeyError(name)

    return get
