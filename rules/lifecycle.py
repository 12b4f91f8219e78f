"""REGULATION.md "The life of a task": one table of (state, trigger) → (next state, clause)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from rules.types import TaskState


class Trigger(StrEnum):
    """What happened to a task, as the state machine sees it."""

    TASK_VALID = "task_valid"
    TASK_INVALID = "task_invalid"
    ESTIMATE_AUTO_ACCEPTED = "estimate_auto_accepted"
    ESTIMATE_NEEDS_APPROVAL = "estimate_needs_approval"
    APPROVED = "approved"
    OVERRUN = "overrun"
    WORK_DONE = "work_done"
    WARRANTY_REWORK = "warranty_rework"
    WARRANTY_EXPIRED = "warranty_expired"
    CLIENT_ACCEPTED = "client_accepted"


_S = TaskState
_T = Trigger

TRANSITIONS: Mapping[tuple[TaskState, Trigger], tuple[TaskState, str]] = MappingProxyType(
    {
        (_S.NEW, _T.TASK_VALID): (_S.AWAITING_ESTIMATE, "2.1"),
        (_S.NEEDS_INFO, _T.TASK_VALID): (_S.AWAITING_ESTIMATE, "2.1"),
        (_S.NEW, _T.TASK_INVALID): (_S.NEEDS_INFO, "2.1"),
        (_S.NEEDS_INFO, _T.TASK_INVALID): (_S.NEEDS_INFO, "2.1"),
        (_S.AWAITING_ESTIMATE, _T.ESTIMATE_AUTO_ACCEPTED): (_S.IN_PROGRESS, "3.5"),
        (_S.AWAITING_APPROVAL, _T.ESTIMATE_AUTO_ACCEPTED): (_S.IN_PROGRESS, "3.5"),
        (_S.REESTIMATE, _T.ESTIMATE_AUTO_ACCEPTED): (_S.IN_PROGRESS, "3.5"),
        (_S.AWAITING_ESTIMATE, _T.ESTIMATE_NEEDS_APPROVAL): (_S.AWAITING_APPROVAL, "4.1"),
        (_S.AWAITING_APPROVAL, _T.ESTIMATE_NEEDS_APPROVAL): (_S.AWAITING_APPROVAL, "4.1"),
        (_S.REESTIMATE, _T.ESTIMATE_NEEDS_APPROVAL): (_S.AWAITING_APPROVAL, "3.3"),
        # п. 3.3: a larger estimate written while the task is in work is agreed like the first
        (_S.IN_PROGRESS, _T.ESTIMATE_NEEDS_APPROVAL): (_S.AWAITING_APPROVAL, "3.3"),
        (_S.IN_PROGRESS, _T.ESTIMATE_AUTO_ACCEPTED): (_S.IN_PROGRESS, "3.5"),
        (_S.AWAITING_APPROVAL, _T.APPROVED): (_S.IN_PROGRESS, "4.2"),
        (_S.IN_PROGRESS, _T.OVERRUN): (_S.REESTIMATE, "3.3"),
        (_S.IN_PROGRESS, _T.WORK_DONE): (_S.DONE, "5.1"),
        (_S.REESTIMATE, _T.WORK_DONE): (_S.DONE, "5.1"),
        # work that was approved before and waits for the approval of a larger estimate
        (_S.AWAITING_APPROVAL, _T.WORK_DONE): (_S.DONE, "5.1"),
        (_S.DONE, _T.WARRANTY_REWORK): (_S.IN_PROGRESS, "3.2"),
        (_S.DONE, _T.WARRANTY_EXPIRED): (_S.CLOSED, "3.2"),
        # the client accepts the task in Bitrix24 (status 5 after control): the check ends
        (_S.DONE, _T.CLIENT_ACCEPTED): (_S.CLOSED, "5.2"),
    }
)


@dataclass(frozen=True, slots=True)
class Transition:
    """A legal move of a task's state and the clause that causes it."""

    from_state: TaskState
    to_state: TaskState
    trigger: Trigger
    clause: str


def decide_transition(state: TaskState, trigger: Trigger) -> Transition | None:
    """The move the table allows for this trigger in this state; None when it is illegal."""
    try:
        target = TRANSITIONS.get((state, trigger))
    except TypeError:  # an unhashable argument is just another illegal pair
        return None
    if target is None:
        return None
    to_state, clause = target
    return Transition(TaskState(state), to_state, Trigger(trigger), clause)
