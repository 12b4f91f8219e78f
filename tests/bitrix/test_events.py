"""Parsing Bitrix24's form-encoded event payloads (bitrix24-rest.md §3.2, §3.3)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from b24app.bitrix.events import (
    EventSource,
    MalformedEventError,
    json_pairs,
    parse_event,
    task_update,
    tokens_match,
    unflatten,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "events"


def load(name: str) -> list[tuple[str, str]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    body = next(line for line in lines if line and not line.startswith("#"))
    return parse_qsl(body, keep_blank_values=True)


def test_ontaskadd_from_the_docs() -> None:
    event = parse_event(load("ontaskadd.txt"))
    assert event.name == "ONTASKADD"
    assert event.task_id == 4512
    assert event.data["FIELDS_BEFORE"] == "undefined"
    assert event.member_id == "a223c6b3710f85df22e9377d6c4f7553"
    assert event.application_token == "51856fefc120afa4b628cc82d3935cce"
    assert event.ts == 1763651112


@pytest.mark.parametrize(
    ("fixture", "comment_id", "message_id"),
    [
        pytest.param("ontaskcommentadd_classic.txt", 9981, 0, id="classic-card"),
        pytest.param("ontaskcommentadd_chat.txt", 0, 1458, id="chat-card"),
    ],
)
def test_comment_event_on_both_task_cards(fixture: str, comment_id: int, message_id: int) -> None:
    event = parse_event(load(fixture))
    assert (event.task_id, event.comment_id, event.message_id) == (4512, comment_id, message_id)


def test_same_delivery_has_same_key_whatever_the_tokens() -> None:
    pairs = load("ontaskadd.txt")
    other = [(k, "other" if k == "auth[access_token]" else v) for k, v in pairs]
    assert parse_event(pairs).dedup_key() == parse_event(other).dedup_key()


def test_comment_key_names_the_comment_not_the_delivery() -> None:
    pairs = load("ontaskcommentadd_classic.txt")
    later = [(k, "1763659999" if k == "ts" else v) for k, v in pairs]
    assert parse_event(pairs).dedup_key() == parse_event(later).dedup_key()


def test_task_updates_share_a_coalescing_key() -> None:
    event = parse_event(load("ontaskupdate.txt"))
    assert event.dedup_key().startswith("u:")


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        pytest.param([], "missing field 'event'", id="empty"),
        pytest.param([("event", "ONTASKADD")], "missing section 'auth'", id="no-auth"),
        pytest.param(
            [("event", "<script>"), ("auth[member_id]", "m")], "not an event name", id="bad-name"
        ),
        pytest.param(
            [("event", "ONTASKADD"), ("auth[application_token]", "t")],
            "missing 'auth[member_id]'",
            id="no-member",
        ),
        pytest.param(
            [("event", "ONTASKADD"), ("auth[member_id]", "m")], "without a task id", id="no-task"
        ),
        pytest.param(
            [("event", "ONTASKADD"), ("auth[member_id]", "m"), ("data[FIELDS_AFTER][ID]", "abc")],
            "not a number",
            id="task-not-number",
        ),
        pytest.param(
            [("event", "ONTASKADD"), ("auth[member_id]", "m"), ("ts", "yesterday")],
            "'ts' must be a Unix time",
            id="bad-ts",
        ),
        pytest.param(
            [
                ("event", "ONTASKCOMMENTADD"),
                ("auth[member_id]", "m"),
                ("data[FIELDS_AFTER][TASK_ID]", "5"),
            ],
            "without a comment id",
            id="comment-without-id",
        ),
        pytest.param(
            [("event", "X1X"), ("auth", "plain"), ("auth[member_id]", "m")],
            "conflicts",
            id="conflicting-keys",
        ),
        pytest.param([("a]b", "1")], "unreadable field name", id="unreadable-key"),
    ],
)
def test_malformed_payloads_name_the_problem(pairs: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(MalformedEventError, match=re.escape(message)):
        parse_event(pairs)


def test_unflatten_limits() -> None:
    with pytest.raises(MalformedEventError, match="too many fields"):
        unflatten((f"k{i}", "v") for i in range(2001))
    with pytest.raises(MalformedEventError, match="nested too deeply"):
        unflatten([("a" + "[x]" * 9, "v")])
    assert unflatten([("a[]", "1"), ("a[]", "2")]) == {"a": {"0": "1", "1": "2"}}


JSON_BODIES = [  # the docs print every payload as JSON; read as http_build_query would send it
    pytest.param(
        b'{"event": "ONTASKADD", "data": {"FIELDS_AFTER": {"ID": 123}}, "ts": "1"}',
        [("event", "ONTASKADD"), ("data[FIELDS_AFTER][ID]", "123"), ("ts", "1")],
        id="integer-id",
    ),
    pytest.param(
        b'{"a": [true, false, null, 1.5]}',
        [("a[0]", "1"), ("a[1]", "0"), ("a[3]", "1.5")],
        id="php-scalars",
    ),
]


@pytest.mark.parametrize(("body", "pairs"), JSON_BODIES)
def test_json_body_becomes_the_form_pairs(body: bytes, pairs: list[tuple[str, str]]) -> None:
    assert json_pairs(body) == pairs


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"{", "not valid JSON", id="broken"),
        pytest.param(b"\xff", "not valid JSON", id="not-utf8"),
        pytest.param(b"[1]", "must be an object", id="list"),
        pytest.param(b'{"a":' * 20 + b"1" + b"}" * 20, "nested too deeply", id="deep"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "not valid JSON", id="recursion"),
        pytest.param(
            ('{"a": [' + ",".join(["1"] * 2001) + "]}").encode(), "too many fields", id="many"
        ),
    ],
)
def test_unreadable_json_body_names_the_problem(body: bytes, message: str) -> None:
    with pytest.raises(MalformedEventError, match=re.escape(message)):
        json_pairs(body)


@pytest.mark.parametrize(
    ("given", "expected", "ok"),
    [
        pytest.param("abc", "abc", True, id="equal"),
        pytest.param("abd", "abc", False, id="different"),
        pytest.param("", "", False, id="both-empty"),
        pytest.param("abc", "", False, id="no-expected"),
    ],
)
def test_tokens_match(given: str, expected: str, ok: bool) -> None:
    assert tokens_match(given, expected) is ok


NORMALISED = [  # fixture → (kind, task, comment, message); the key is the parser's own
    pytest.param("ontaskadd.txt", ("ONTASKADD", 4512, 0, 0), id="task-added"),
    pytest.param(
        "ontaskcommentadd_classic.txt", ("ONTASKCOMMENTADD", 4512, 9981, 0), id="classic-comment"
    ),
    pytest.param(
        "ontaskcommentadd_chat.txt", ("ONTASKCOMMENTADD", 4512, 0, 1458), id="chat-message"
    ),
]


@pytest.mark.parametrize(("fixture", "expected"), NORMALISED)
def test_event_is_normalised_once_for_the_inbox(
    fixture: str, expected: tuple[str, int, int, int]
) -> None:
    event = parse_event(load(fixture))
    normalised = event.normalised()
    found = (normalised.name, normalised.task_id, normalised.comment_id, normalised.message_id)
    assert found == expected
    assert (normalised.member_id, normalised.source) == (event.member_id, EventSource.ONLINE)
    assert normalised.dedup_key == event.dedup_key()


def test_synthetic_update_coalesces_with_a_real_one() -> None:
    """A sweep's or timer's re-read of a task shares the key of the portal's ONTASKUPDATE."""
    real = parse_event(load("ontaskupdate.txt")).normalised()
    synthetic = task_update(real.member_id, real.task_id, EventSource.SWEEP)
    assert (synthetic.name, synthetic.dedup_key) == ("ONTASKUPDATE", real.dedup_key)
    assert synthetic.source == "sweep"
