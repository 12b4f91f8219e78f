"""Task chats (the chat-based task card): a message found by paging, and a chat's whole history.

Message ids are portal-wide and a chat is read 50 messages a page (docs:
api-reference/chats/messages/im-dialog-messages-get.md: LIMIT ≤ 50).
"""

from __future__ import annotations

from typing import Any

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.mapping import chat_messages, message_id

MAX_CHAT_PAGES = 20  # 1 000 messages around the one looked for
CHAT_PAGE = 50


def pick(messages: list[dict[str, Any]], wanted: int) -> dict[str, Any] | None:
    return next((m for m in messages if message_id(m) == wanted), None)


def find_message(
    client: BitrixClient, chat_id: int | None, wanted: int, page: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Find one message of a task chat, starting from a page of it already read. Message ids are
    portal-wide, so a neighbour id (`FIRST_ID = id - 1`) is usually another chat's: the docs
    answer an id that is not in the chat with an empty array, and a FIRST_ID read has no order
    in the core (core: modules/im/lib/chat.php Chat::getMessages). So paging starts only from
    ids this chat returned: back with LAST_ID (`ID < N`, newest first) while the message is
    older than the page, forward with FIRST_ID (`ID > N`, sorted here) while it is newer."""
    dialog = f"chat{chat_id}"
    for _ in range(MAX_CHAT_PAGES):
        ids = [message_id(m) for m in page]
        if not ids:
            return None
        if min(ids) > wanted:
            bound = {"LAST_ID": min(ids)}
        elif max(ids) < wanted:
            bound = {"FIRST_ID": max(ids)}
        else:
            return None  # inside the range read, and not there: deleted or hidden
        answer = client.call(
            "im.dialog.messages.get", {"DIALOG_ID": dialog, "LIMIT": CHAT_PAGE, **bound}
        )
        page = chat_messages(answer)
        found = pick(page, wanted)
        if found is not None:
            return found
    return None


def chat_history(client: BitrixClient, chat_id: int) -> list[dict[str, Any]]:
    """Every message of a chat, oldest first: paged back from the newest with LAST_ID until the
    chat's first message."""
    messages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"DIALOG_ID": f"chat{chat_id}", "LIMIT": CHAT_PAGE}
    while True:
        page = chat_messages(client.call("im.dialog.messages.get", params))
        messages.extend(page)
        if len(page) < CHAT_PAGE:
            break
        params = {**params, "LAST_ID": min(message_id(m) for m in page)}
    unique = {message_id(m): m for m in messages}
    return [unique[i] for i in sorted(unique)]
