"""Bitrix24's error answers as typed exceptions, and the codes that decide what happens next."""

from __future__ import annotations

RETRYABLE_CODES = frozenset({"QUERY_LIMIT_EXCEEDED", "INTERNAL_SERVER_ERROR", "OVERLOAD_LIMIT"})
OPERATING_LIMIT = "OPERATION_TIME_LIMIT"
WRONG_LICENSE = "WRONG_LICENSE"
TOKEN_CODES = frozenset({"expired_token", "invalid_token", "NO_AUTH_FOUND"})


class BitrixError(Exception):
    """A Bitrix24 error answer: its code and description."""

    def __init__(self, code: str, description: str = "", *, method: str = "") -> None:
        super().__init__(f"{method}: {code}: {description}" if method else f"{code}: {description}")
        self.code = code
        self.description = description
        self.method = method


class RateLimitedError(BitrixError):
    """The portal kept answering QUERY_LIMIT_EXCEEDED/OPERATION_TIME_LIMIT after our retries."""

    def __init__(
        self, code: str, description: str = "", *, method: str = "", retry_after: float = 60.0
    ):
        super().__init__(code, description, method=method)
        self.retry_after = retry_after


class PortalUnavailableError(BitrixError):
    """The portal could not be reached or kept failing with 5xx."""


class AuthRevokedError(BitrixError):
    """The tokens cannot be refreshed (invalid_grant, app uninstalled): reinstall is needed."""


class LicenseRefusedError(BitrixError):
    """403 WRONG_LICENSE: the portal's plan lacks a feature the request used (core:
    modules/rest/lib/licenseexception.php); e.g. `auth_connector` below the Professional plan."""

    @property
    def feature(self) -> str:
        """The plan feature refused, read from the core's message ('' when not recognised)."""
        if "auth_connector" in self.description:
            return "rest_auth_connector"
        if "offline" in self.description:
            return "rest_offline_extended"
        return ""


class AccessDeniedError(BitrixError):
    """The app's user may not do this (ACCESS_DENIED, ACCESS_ERROR, insufficient_scope, …)."""


ACCESS_CODES = frozenset(
    {
        "ACCESS_DENIED",
        "ACCESS_ERROR",
        "insufficient_scope",
        "INVALID_CREDENTIALS",
        "user_access_error",
    }
)


def typed_error(code: str, description: str, method: str) -> BitrixError:
    """A Bitrix24 error code as the exception the caller handles."""
    if code in ACCESS_CODES:
        return AccessDeniedError(code, description, method=method)
    if code == WRONG_LICENSE:
        return LicenseRefusedError(code, description, method=method)
    if code in ("QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"):
        return RateLimitedError(code, description, method=method)
    return BitrixError(code, description, method=method)


# what tasks.task.get and the elapsed-time methods answer for a task that is gone
NOT_FOUND_CODES = frozenset({"ERROR_CORE", "1048582", "0", "ERROR_NOT_FOUND", "NOT_FOUND"})


class ChatAccessError(BitrixError):
    """The app's user cannot read a task chat, or cannot find a message in it. Access to a task
    chat follows the task's read rights (core: the tasks module's chat access check; see
    docs/SANDBOX.md); the app makes its user an auditor of client tasks to have them."""
