"""REGULATION.md "The life of a task": the transition table."""

from __future__ import annotations

import itertools

import pytest

from rules import lifecycle
from rules.lifecycle import Transition, Trigger
from rules.types import TaskState as S

T = Trigger

ROWS = [
    pytest.param(S.NEW, T.TASK_VALID, S.AWAITING_ESTIMATE, "2.1", id="new-valid"),
    pytest.param(S.NEEDS_INFO, T.TASK_VALID, S.AWAITING_ESTIMATE, "2.1", id="fixed-valid"),
    pytest.param(S.NEW, T.TASK_INVALID, S.NEEDS_INFO, "2.1", id="new-invalid"),
    pytest.param(S.NEEDS_INFO, T.TASK_INVALID, S.NEEDS_INFO, "2.1", id="still-invalid"),
    pytest.param(
        S.AWAITING_ESTIMATE, T.ESTIMATE_AUTO_ACCEPTED, S.IN_PROGRESS, "3.5", id="auto-accepted"
    ),
    pytest.param(
        S.AWAITING_APPROVAL, T.ESTIMATE_AUTO_ACCEPTED, S.IN_PROGRESS, "3.5",
        id="lowered-estimate-auto-accepted",
    ),
    pytest.param(
        S.REESTIMATE, T.ESTIMATE_AUTO_ACCEPTED, S.IN_PROGRESS, "3.5", id="reestimate-small"
    ),
    pytest.param(
        S.AWAITING_ESTIMATE, T.ESTIMATE_NEEDS_APPROVAL, S.AWAITING_APPROVAL, "4.1",
        id="needs-approval",
    ),
    pytest.param(
        S.AWAITING_APPROVAL, T.ESTIMATE_NEEDS_APPROVAL, S.AWAITING_APPROVAL, "4.1",
        id="new-estimate-while-awaiting",
    ),
    pytest.param(
        S.REESTIMATE, T.ESTIMATE_NEEDS_APPROVAL, S.AWAITING_APPROVAL, "3.3",
        id="reestimate-needs-approval",
    ),
    pytest.param(S.AWAITING_APPROVAL, T.APPROVED, S.IN_PROGRESS, "4.2", id="approved"),
    pytest.param(S.IN_PROGRESS, T.OVERRUN, S.REESTIMATE, "3.3", id="overrun"),
    pytest.param(S.IN_PROGRESS, T.WORK_DONE, S.DONE, "5.1", id="done"),
    pytest.param(S.REESTIMATE, T.WORK_DONE, S.DONE, "5.1", id="done-while-reestimating"),
    pytest.param(S.DONE, T.WARRANTY_REWORK, S.IN_PROGRESS, "3.2", id="warranty-rework"),
    pytest.param(S.DONE, T.WARRANTY_EXPIRED, S.CLOSED, "3.2", id="warranty-expired"),
    pytest.param(
        S.IN_PROGRESS, T.ESTIMATE_NEEDS_APPROVAL, S.AWAITING_APPROVAL, "3.3",
        id="issue-larger-estimate-in-work",
    ),
    pytest.param(
        S.IN_PROGRESS, T.ESTIMATE_AUTO_ACCEPTED, S.IN_PROGRESS, "3.5",
        id="larger-estimate-in-work-still-small",
    ),
    pytest.param(
        S.AWAITING_APPROVAL, T.WORK_DONE, S.DONE, "5.1", id="done-while-reapproval-waits"
    ),
    pytest.param(S.DONE, T.CLIENT_ACCEPTED, S.CLOSED, "5.2", id="issue-accepted-in-bitrix24"),
]  # fmt: skip


@pytest.mark.parametrize(("state", "trigger", "to_state", "clause"), ROWS)
def test_every_row(state: S, trigger: Trigger, to_state: S, clause: str) -> None:
    assert lifecycle.decide_transition(state, trigger) == Transition(
        state, to_state, trigger, clause
    )


def test_table_has_exactly_these_rows() -> None:
    expected = {(p.values[0], p.values[1]) for p in ROWS}
    assert set(lifecycle.TRANSITIONS) == expected


ILLEGAL = [
    pytest.param(state, trigger, id=f"{state}-{trigger}")
    for state, trigger in itertools.product(S, Trigger)
    if (state, trigger) not in lifecycle.TRANSITIONS
]


@pytest.mark.parametrize(("state", "trigger"), ILLEGAL)
def test_illegal_pairs_return_none(state: S, trigger: Trigger) -> None:
    assert lifecycle.decide_transition(state, trigger) is None


def test_plain_strings_are_read_as_enums() -> None:
    transition = lifecycle.decide_transition("awaiting_approval", "approved")  # type: ignore[arg-type]
    assert transition == Transition(S.AWAITING_APPROVAL, S.IN_PROGRESS, T.APPROVED, "4.2")
    assert transition is not None
    assert type(transition.from_state) is S
    assert type(transition.trigger) is Trigger


GARBAGE = [
    pytest.param("unknown", T.APPROVED, id="unknown-state"),
    pytest.param(S.NEW, "unknown", id="unknown-trigger"),
    pytest.param([], T.APPROVED, id="unhashable"),
    pytest.param(None, None, id="none"),
]


@pytest.mark.parametrize(("state", "trigger"), GARBAGE)
def test_never_raises(state: object, trigger: object) -> None:
    assert lifecycle.decide_transition(state, trigger) is None  # type: ignore[arg-type]
