"""The writes effects ask for, as REST calls: one batch request for up to 50 of them.

Each batch carries the app's auth_connector at its top level, so the changes it makes are not
queued for the app's own offline handlers (core: modules/rest/lib/event/provideroffline.php
ProviderOffline::finalize skips a change whose request came from the same app with the
handler's connector).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from b24app.bitrix.client import BitrixClient
from handlers.effects import (
    AddComment,
    CreateTask,
    Notify,
    PortalWrite,
    TaskAction,
    UpdateTask,
    WatchTask,
)

BATCH_LIMIT = 50


def write_all(
    client: BitrixClient,
    writes: Sequence[PortalWrite],
    *,
    connector: str = "",
    notify_client_id: str = "",
    finished: dict[str, float] | None = None,
    outcome: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Perform writes, 50 to a batch request; returns {effect key: result or BitrixError}.
    `finished` collects, per effect key, the portal's time at the end of the batch request that
    carried the write. `outcome` (returned) is filled request by request: when a later request
    raises, it holds what the earlier ones did."""
    commands = {w.key: write_command(w, notify_client_id) for w in writes}
    outcome = {} if outcome is None else outcome
    keys = list(commands)
    for start in range(0, len(keys), BATCH_LIMIT):
        chunk = {k: commands[k] for k in keys[start : start + BATCH_LIMIT]}
        batch = client.batch(chunk, connector=connector, send_without_connector=True)
        for key in chunk:
            outcome[key] = batch.errors.get(key, batch.results.get(key))
        if finished is not None and batch.finished_at is not None:
            finished.update(dict.fromkeys(chunk, batch.finished_at))
    return outcome


def write_command(write: PortalWrite, notify_client_id: str = "") -> tuple[str, dict[str, Any]]:
    """The REST call for one write effect."""
    if isinstance(write, AddComment):
        return "task.commentitem.add", {
            "TASKID": write.task_id,
            "FIELDS": {"POST_MESSAGE": write.text},
        }
    if isinstance(write, UpdateTask):
        fields: dict[str, Any] = {}
        if write.time_estimate_minutes is not None:
            fields["TIME_ESTIMATE"] = write.time_estimate_minutes * 60
            # the regulation bills logged time (п. 3.1) and the task timer works only with time
            # tracking on (core: the tasks module's TaskTimeTrackingRule; docs list the field
            # as "allowed to track time"), so the estimate comes with it
            fields["ALLOW_TIME_TRACKING"] = "Y"
        if write.deadline is not None:
            fields["DEADLINE"] = write.deadline.isoformat()
        return "tasks.task.update", {"taskId": write.task_id, "fields": fields}
    if isinstance(write, TaskAction):
        return f"tasks.task.{write.action}", {"taskId": write.task_id}
    if isinstance(write, WatchTask):
        # docs: api-reference/tasks/user-actions/tasks-task-start-watch.md (any user who can
        # read the task; adds the caller as an auditor, so the task chat's member)
        return "tasks.task.startwatch", {"taskId": write.task_id}
    if isinstance(write, Notify):
        notice = {"USER_ID": write.user_id, "MESSAGE": write.text}
        notice["TAG"] = f"b24reglament|{write.key}"[:250]
        if notify_client_id:
            notice["CLIENT_ID"] = notify_client_id
        return "im.notify.system.add", notice
    if isinstance(write, CreateTask):
        return "tasks.task.add", {
            "fields": {
                "TITLE": write.title,
                "DESCRIPTION": write.description,
                "CREATED_BY": write.created_by,
                "RESPONSIBLE_ID": write.responsible_id,
                "GROUP_ID": write.group_id,
                "PARENT_ID": write.origin_task_id,
            },
        }
    raise TypeError(f"not a portal write: {write!r}")
