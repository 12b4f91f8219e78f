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


def action_not_allowed() -> RestError:
    """§4.1: status actions on a missing/forbidden task."""
    return RestError(400, "1048582", "Action on the task is not allowed")


def task_not_found() -> RestError:
    """Chosen reading: tasks.task.get/update of a missing or hidden task (docs give no code)."""
    return RestError(400, "ERROR_CORE", "Task not found or access denied")


def core(description: str) -> RestError:
    return RestError(400, "ERROR_CORE", description)


def missing(param: str) -> RestError:
    return RestError(400, "100", f"Parameter '{param}' is required")


def access_denied(description: str = "Access denied") -> RestError:
    return RestError(403, "ACCESS_DENIED", description)


def wrong_auth_type() -> RestError:
    return RestError(403, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method")
