"""Fuzzing: the payload parser, the real event endpoint, and the text rules never crash."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24app.app import create_app
from b24app.bitrix.events import Event, MalformedEventError, parse_event, unflatten
from rules.approval import decide_approval, is_approval_text
from rules.comments import PlainText, read_bbcode, to_plain
from rules.estimate import Estimate, Unreadable
from rules.estimate_text import parse_estimate
from rules.regulation import RegulationConfig
from rules.remarks import Remark, classify_remark, expects_answer
from rules.types import Role, TaskState
from tests.webapp import MEMBER, TOKEN, installed_services

FUZZ = settings(
    max_examples=200,
    deadline=1000,
    database=None,  # no .hypothesis directory in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# The endpoint examples write to SQLite: fewer of them keep the suite fast.
WEB_FUZZ = settings(FUZZ, max_examples=120)

# Keys and values shaped like Bitrix24's PHP bracket form, with the odd characters that break
# hand-written parsers: unicode digits, brackets, empty segments, "undefined", huge numbers.
odd_text = st.text(
    alphabet=st.sampled_from(list("09²٣①xX_-[] \t\n%&=/.ёЁ<>\"'\\\x00"))
    | st.characters(exclude_categories=["Cs"]),
    max_size=12,
)
segment = (
    st.sampled_from(
        [
            "data",
            "auth",
            "event",
            "ts",
            "FIELDS_AFTER",
            "FIELDS_BEFORE",
            "ID",
            "TASK_ID",
            "MESSAGE_ID",
            "member_id",
            "application_token",
            "event_handler_id",
            "",
        ]
    )
    | odd_text
)
key = (
    st.builds(
        lambda head, rest: head + "".join(f"[{r}]" for r in rest),
        segment,
        st.lists(segment, max_size=9),
    )
    | odd_text
)
value = (
    st.sampled_from(
        [
            "ONTASKADD",
            "ONTASKCOMMENTADD",
            "ONTASKUPDATE",
            "ONAPPUNINSTALL",
            "undefined",
            "",
            "1",
            "4512",
            "²",
            "٣",
            "99999999999999999999999999",
            MEMBER,
            TOKEN,
            "-1",
            "0",
        ]
    )
    | odd_text
)
pairs = st.lists(st.tuples(key, value), max_size=40)


def valid_pairs(task_id: str, comment_id: str, ts: str) -> list[tuple[str, str]]:
    return [
        ("event", "ONTASKCOMMENTADD"),
        ("data[FIELDS_AFTER][ID]", comment_id),
        ("data[FIELDS_AFTER][TASK_ID]", task_id),
        ("ts", ts),
        ("auth[member_id]", MEMBER),
        ("auth[application_token]", TOKEN),
    ]


@FUZZ
@given(pairs)
def test_unflatten_returns_a_dict_or_says_why(form: list[tuple[str, str]]) -> None:
    try:
        result: object = unflatten(form)
    except MalformedEventError as exc:
        result = str(exc)
    assert isinstance(result, dict) or result  # a dict, or the reason it is not one


@FUZZ
@given(pairs)
def test_parse_event_returns_an_event_or_says_why(form: list[tuple[str, str]]) -> None:
    try:
        event = parse_event(form)
    except MalformedEventError as exc:
        reason = str(exc)
        assert reason
        return
    assert isinstance(event, Event)
    event.dedup_key()  # a parsed event can always be stored


@FUZZ
@given(task_id=value, comment_id=value, ts=value)
def test_parse_event_with_odd_ids(task_id: str, comment_id: str, ts: str) -> None:
    try:
        event = parse_event(valid_pairs(task_id, comment_id, ts))
    except MalformedEventError:
        return
    assert event.task_id > 0
    assert event.comment_id > 0
    event.dedup_key()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    svc = installed_services(tmp_path)
    yield create_app(svc).test_client()
    svc.close()


def check_answer(status: int, json_body: object, *, body_type_known: bool = True) -> None:
    """A JSON answer, one of the intake's statuses; 415 only for a body neither form nor JSON."""
    allowed = (200, 400, 401, 403, 413) + (() if body_type_known else (415,))
    assert status in allowed, status
    if status >= 400:
        assert isinstance(json_body, dict)
        assert json_body.get("error")


FORM = "application/x-www-form-urlencoded"


@WEB_FUZZ
@given(form=pairs)
def test_endpoint_answers_every_form_with_json(
    client: FlaskClient, form: list[tuple[str, str]]
) -> None:
    answer = client.post("/b24/events", data=urlencode(form), content_type=FORM)
    check_answer(answer.status_code, answer.get_json(silent=True))


@WEB_FUZZ
@given(task_id=value, comment_id=value, ts=value)
def test_endpoint_with_odd_ids(client: FlaskClient, task_id: str, comment_id: str, ts: str) -> None:
    body = urlencode(valid_pairs(task_id, comment_id, ts))
    answer = client.post("/b24/events", data=body, content_type=FORM)
    check_answer(answer.status_code, answer.get_json(silent=True))


@WEB_FUZZ
@given(
    raw=st.binary(max_size=400),
    content_type=st.sampled_from([FORM, "application/json", "text/plain", "multipart/form-data"]),
)
def test_endpoint_with_raw_bytes(client: FlaskClient, raw: bytes, content_type: str) -> None:
    answer = client.post("/b24/events", data=raw, content_type=content_type)
    known = content_type != "text/plain"  # the form types and JSON are read, never 415
    check_answer(answer.status_code, answer.get_json(silent=True), body_type_known=known)


# -- the text rules ----------------------------------------------------------------------------
bbcode_piece = st.sampled_from(
    [
        "[QUOTE]",
        "[/QUOTE]",
        "[B]",
        "[/B]",
        "[URL=",
        "[URL]",
        "[/URL]",
        "[USER=5]",
        "[/USER]",
        "[DISK FILE ID=n12]",
        "[IMG]",
        "[/IMG]",
        "[LIST]",
        "[*]",
        "[/LIST]",
        "[CODE]",
        "[/CODE]",
        "]",
        "[",
        "&amp;",
        "&#91;",
        "&lt;script&gt;",
        ">>",
        "-" * 25 + "\n",
        "\n",
        "Согласовано",
        "не",
        "?",
        "2 ч",
        "1,5 часа",
        "30 мин",
        "оценка:",
        "итого",
        "до 5 декабря",
        "за 3 дня",
        "https://acme.bitrix24.ru/crm/deal/details/1/",
        "ё",
        " ",
    ]
) | st.text(max_size=8)
bbcode_text = st.lists(bbcode_piece, max_size=30).map("".join)


@FUZZ
@given(bbcode_text)
def test_bbcode_reader_never_raises(text: str) -> None:
    plain = read_bbcode(text)
    assert isinstance(plain, PlainText)
    assert "\n\n" not in plain.text


@FUZZ
@given(bbcode_text, st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_estimate_parser_never_raises(text: str, today: date) -> None:
    estimate = parse_estimate(to_plain(text), today, RegulationConfig())
    if isinstance(estimate, Estimate) and estimate.raw_minutes is not None:
        assert estimate.raw_minutes >= 0
    if isinstance(estimate, Unreadable):
        assert estimate.reason


@FUZZ
@given(bbcode_text)
def test_remark_reader_never_raises(text: str) -> None:
    plain = to_plain(text)
    assert isinstance(classify_remark(plain), Remark)
    assert isinstance(expects_answer(plain), bool)


@FUZZ
@given(
    bbcode_text,
    st.sampled_from(list(Role)),
    st.sampled_from(list(TaskState)),
    st.booleans(),
    st.booleans(),
)
def test_approval_detector_never_raises(
    text: str, role: Role, state: TaskState, company: bool, responsible: bool
) -> None:
    assert is_approval_text(to_plain(text)) in (True, False)
    decision = decide_approval(
        text,
        role,
        state,
        is_company_user=company,
        is_responsible=responsible,
        config=RegulationConfig(),
    )
    assert decision.reason
