"""Offline queue records → inbox rows (b24app.bitrix.offline.normalise): the task of a comment
event is its TASK_ID.

docs: api-reference/tasks/comment-item/events-comment/on-task-comment-add.md — a comment
event's `ID` is the comment's (0 on the chat card, with `MESSAGE_ID`), `TASK_ID` its task;
EVENT_DATA of an offline record is the online handler's `data` (core: modules/rest/lib/event/
callback.php).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from b24app.config.settings import load_settings
from b24app.services import Services
from rules.regulation import AppConfig
from scheduler.catchup import _store_offline


@pytest.fixture
def services(tmp_path: Path) -> Services:
    svc = Services(load_settings({"B24APP_DATA_DIR": str(tmp_path)}), AppConfig())
    return svc


def _record(name: str, data: dict[str, object], record_id: int = 1) -> dict[str, object]:
    return {
        "ID": str(record_id),
        "TIMESTAMP_X": "2026-11-20T16:00:00+03:00",
        "EVENT_NAME": name,
        "EVENT_DATA": data,
        "MESSAGE_ID": "0f3c",
    }


RECORDS = [
    pytest.param(
        "ONTASKCOMMENTADD",
        {"FIELDS_BEFORE": "undefined", "FIELDS_AFTER": {"ID": "9981", "TASK_ID": "4512"}},
        (4512, 9981, 0),
        id="classic-comment",
    ),
    pytest.param(
        "ONTASKCOMMENTADD",
        {"FIELDS_AFTER": {"ID": "0", "TASK_ID": "4512", "MESSAGE_ID": "1458"}},
        (4512, 0, 1458),
        id="chat-comment",
    ),
    pytest.param(
        "ONTASKCOMMENTADD",
        {"FIELDS_BEFORE": {"ID": "9981", "TASK_ID": "4512"}, "FIELDS_AFTER": {"ID": "9981"}},
        (4512, 9981, 0),
        id="task-only-before",
    ),
    pytest.param(
        "ONTASKCOMMENTADD",
        {"FIELDS_BEFORE": {"ID": "9981"}, "FIELDS_AFTER": {"ID": "9981"}},
        None,
        id="no-task-id-skipped-not-misread",
    ),
    pytest.param(
        "ONTASKUPDATE",
        {"FIELDS_BEFORE": {"ID": "77"}, "FIELDS_AFTER": {"ID": "77"}},
        (77, 0, 0),
        id="task",
    ),
    pytest.param(
        "ONTASKDELETE",
        {"FIELDS_BEFORE": {"ID": "78"}, "FIELDS_AFTER": "undefined"},
        (78, 0, 0),
        id="deleted",
    ),
]


@pytest.mark.parametrize(("name", "data", "ids"), RECORDS)
def test_offline_record_is_normalised_into_the_inbox(
    services: Services, name: str, data: dict[str, object], ids: tuple[int, int, int] | None
) -> None:
    """The row keeps the event's kind and ids (task, comment, chat message), not its payload."""
    stored = _store_offline(services, "m1", _record(name, data))
    rows = services.inbox.list_rows(None, limit=10)
    if ids is None:
        assert stored == 0
        assert rows == []
    else:
        assert stored == 1
        found = [(r["event"], r["task_id"], r["comment_id"], r["message_id"]) for r in rows]
        assert found == [(name, *ids)]
        assert rows[0]["source"] == "offline"
        assert "payload" not in rows[0]
