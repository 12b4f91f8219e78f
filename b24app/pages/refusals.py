"""Why a page cannot be shown: the kind of refusal, its HTTP status and the Russian text.

A session that expired, an authorisation the portal refused and a portal that did not answer
offer «Открыть заново» (the portal reloads the app: BX24.reloadWindow, a fresh iframe POST); a
forged or foreign request does not, since reopening would not help.
"""

from __future__ import annotations

from b24app.storage.portals import Portal

EXPIRED, INVALID, UNAVAILABLE, REFUSED, FORGED = (
    "expired",
    "invalid",
    "unavailable",
    "refused",
    "forged",
)
RELOADABLE = frozenset({EXPIRED, UNAVAILABLE, REFUSED})
STATUS = {EXPIRED: 401, INVALID: 403, UNAVAILABLE: 503, REFUSED: 403, FORGED: 403}

UNAVAILABLE_TEXT = (
    "Портал Битрикс24 не отвечает, попробуйте через минуту. "
    "Битрикс24 не ответил на проверку входа: портал недоступен или перегружен, "
    "поэтому данные не показаны."
)
REFUSED_TEXT = (
    "Битрикс24 не подтвердил вход: авторизация страницы устарела или отозвана. "
    "Откройте приложение заново."
)
INVALID_LINK_TEXT = (
    "Ссылка недействительна (например, приложение переустановлено): "
    "откройте приложение «Регламент» из меню Битрикс24."
)


def expired_text(max_age_seconds: int) -> str:
    return (
        f"Сессия истекла: страница была открыта больше {max_age_seconds // 3600} часов назад, "
        "и для безопасности данные больше не показываются. "
        "Нажмите «Открыть заново» — Битрикс24 заново подтвердит вход."
    )


class PageAuthError(Exception):
    """The page request cannot be trusted; the message is safe to show (in Russian)."""

    def __init__(self, message: str, *, portal: Portal | None = None, kind: str = FORGED) -> None:
        super().__init__(message)
        self.portal = portal
        self.kind = kind

    @property
    def status(self) -> int:
        return STATUS.get(self.kind, 403)

    @property
    def reloadable(self) -> bool:
        return self.kind in RELOADABLE
