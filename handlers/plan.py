"""A handler's plan: the record as it becomes, and the effects that get it there."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from handlers.effects import AddComment, Audit, Effect, SaveTask
from handlers.records import TaskRecord
from handlers.routing import Outcome
from rules.lifecycle import Trigger, decide_transition

log = logging.getLogger(__name__)

MAX_REMEMBERED_COMMENTS = 100


@dataclass(slots=True)
class Plan:
    """Collects decisions for one task while a handler walks through the rules."""

    record: TaskRecord
    trigger: str  # what caused this work: "ONTASKADD inbox:12", "comment 3157"
    effects: list[Effect] = field(default_factory=list)
    changed: bool = False

    def transition(self, trigger: Trigger, clause: str = "", **details: object) -> bool:
        """Move along the lifecycle table; an illegal move is a logged no-op (False).

        `clause` names the clause that decided it when more precise than the table's own
        (a refusal cites the clauses of its violations).
        """
        step = decide_transition(self.record.state, trigger)
        if step is None:
            log.info(
                "task %s: %s is not possible in state %s; nothing to do",
                self.record.task_id,
                trigger.value,
                self.record.state.value,
            )
            return False
        self.effects.append(
            Audit(
                task_id=self.record.task_id,
                decision=trigger.value,
                clause=clause or step.clause,
                trigger=self.trigger,
                from_state=step.from_state.value,
                to_state=step.to_state.value,
                details=dict(details),
            )
        )
        self.update(state=step.to_state)
        return True

    def audit(self, decision: str, clause: str, **details: object) -> None:
        """A decision that changes no state (a discussion comment, a warning, an ignored input)."""
        self.effects.append(
            Audit(
                task_id=self.record.task_id,
                decision=decision,
                clause=clause,
                trigger=self.trigger,
                details=dict(details),
            )
        )
        self.changed = True

    def update(self, **changes: object) -> None:
        self.record = self.record.replace(**changes)
        self.changed = True

    def comment(self, key: str, text: str) -> None:
        self.effects.append(
            AddComment(key=f"{key}:{self.record.task_id}", task_id=self.record.task_id, text=text)
        )

    def add(self, *effects: Effect) -> None:
        self.effects.extend(effects)
        self.changed = True

    def remember_comment(self, comment_id: int) -> None:
        seen = (*self.record.processed_comments, comment_id)[-MAX_REMEMBERED_COMMENTS:]
        self.update(processed_comments=seen)

    def outcome(self, nothing_reason: str) -> Outcome:
        if not self.changed and not self.effects:
            return Outcome.ignore(nothing_reason)
        return Outcome(effects=(*self.effects, SaveTask(self.record)))
