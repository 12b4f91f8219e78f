"""REST errors in Bitrix24's `{"error", "error_description"}` shape (§12)."""

from __future__ import annotations

from typing import Any


class RestError(Exception):
    """An error answer: HTTP status plus Bitrix's error code and description."""

    def __init__(self, status: int, code: str, description: str = "") -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.description}


def not_found_method(method: str) -> RestError:
    return RestError(404, "ERROR_METHOD_NOT_FOUND", f"Method '{method}' not found!")


# A tasks.task.* action on a missing, hidden or forbidden task: each method's own error table
# (docs: api-reference/tasks/…, "Error Handling"), always HTTP 400. The codes differ by method.
_NOT_ALLOWED = "Action on the task is not allowed"
TASK_ACTION_ERRORS: dict[str, tuple[str, str]] = {
    "start": ("0", _NOT_ALLOWED),  # docs: api-reference/tasks/status/tasks-task-start.md
    "complete": ("0", _NOT_ALLOWED),  # docs: …/status/tasks-task-complete.md
    "delegate": ("0", _NOT_ALLOWED),  # docs: api-reference/tasks/tasks-task-delegate.md
    "pause": ("1048582", _NOT_ALLOWED),  # docs: …/status/tasks-task-pause.md
    "defer": ("1048582", _NOT_ALLOWED),  # docs: …/status/tasks-task-defer.md
    "renew": ("1048582", _NOT_ALLOWED),  # docs: …/status/tasks-task-renew.md
    "approve": ("1048582", _NOT_ALLOWED),  # docs: api-reference/tasks/tasks-task-approve.md
    "disapprove": ("1048582", _NOT_ALLOWED),  # docs: …/tasks-task-disapprove.md
    "update": ("0", _NOT_ALLOWED + " (internal error)"),  # docs: …/tasks-task-update.md
    "delete": ("1048582", "No access to delete the task"),  # docs: …/tasks-task-delete.md
    "startwatch": ("1048584", "a:0:{}"),  # docs: …/user-actions/tasks-task-start-watch.md
    "stopwatch": ("1048584", "a:0:{}"),  # docs: …/user-actions/tasks-task-stop-watch.md
}


def action_not_allowed(action: str = "pause") -> RestError:
    """The error a tasks.task.<action> gives for a missing, hidden or disallowed task."""
    code, description = TASK_ACTION_ERRORS[action]
    return RestError(400, code, description)


def wrong_task_id() -> RestError:
    """docs: every tasks.task.* error table — `0` "wrong task id" for a non-integer taskId."""
    return RestError(400, "0", "wrong task id")


def task_id_missing() -> RestError:
    """docs: tasks-task-get.md and the others — `100` when taskId is not passed."""
    return RestError(
        400, "100", "CTaskItem All parameters in the constructor must have real class type"
    )


def task_not_found() -> RestError:
    """The old task.commentitem.* / task.elapseditem.* methods on a missing or hidden task: the
    docs list only ERROR_CORE texts for them (task-comment-item-add.md: "Insufficient
    permissions…"); the sandbox answers 400 ERROR_CORE."""
    return RestError(400, "ERROR_CORE", "Task not found or access denied")


def core(description: str) -> RestError:
    return RestError(400, "ERROR_CORE", description)


def missing(param: str) -> RestError:
    return RestError(400, "100", f"Parameter '{param}' is required")


def access_denied(description: str = "Access denied") -> RestError:
    return RestError(403, "ACCESS_DENIED", description)


def wrong_auth_type() -> RestError:
    return RestError(403, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method")
