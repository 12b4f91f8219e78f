"""п. 4.2: is a client comment the approval «Согласовано»; the «Ознакомлен» sign-off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rules.amount_roles import ceil_minutes, words
from rules.approval_words import (
    APPROVAL_TYPO_RE,
    CHANGE_REQUEST_RE,
    CONSENT_FILLER,
    CONSENT_MARKS,
    CONSENT_WORDS,
    HEDGES_BEFORE,
    NAMED_WORD_RE,
    NEGATIONS,
    POLITE_IF_RE,
    RESERVATION_WORDS,
    RESERVATIONS_AFTER,
    TAG_QUESTIONS,
)
from rules.comments import read_bbcode, without_signature
from rules.durations import Unit, find_amounts
from rules.estimate import round_up_minutes
from rules.estimate_words import EXTRA
from rules.regulation import RegulationConfig
from rules.types import Role, TaskState

APPROVED = "approved"
NO_APPROVAL_WORD = "no_approval_word"
NEGATED = "negated"
QUESTION = "question"
CONDITIONAL = "conditional"
QUOTED_ONLY = "quoted_only"
OTHER_WORD_FORM = "other_word_form"
NOT_CLIENT = "not_client"
NOT_COMPANY_USER = "not_company_user"
NOT_RESPONSIBLE = "not_responsible"
WRONG_STATE = "wrong_state"
CONSENT_WITHOUT_WORD = "consent_without_word"  # «Согласен», «ок», 👍: the client is told the word
RESERVATION = "reservation"  # «Да, согласовано. Но срок сдвиньте на пятницу»

# Short passive participles state a fact («смета согласована»); every other form does not.
APPROVAL_FORMS = frozenset({"согласовано", "согласована", "согласован", "согласованы"})
ACKNOWLEDGEMENT_FORMS = frozenset(
    {"ознакомлен", "ознакомлена", "ознакомлены", "ознакомился", "ознакомилась", "ознакомились"}
)
_SENTENCE_RE = re.compile(r"[^.!?…\n]+[.!?…]*")
_CLAUSE_SPLIT_RE = re.compile(r"[,;:()«»\"]|\s[-–—]\s")
_WORD_RE = re.compile(r"[a-zа-я0-9]+(?:-[a-zа-я0-9]+)*")
# Words and clauses around an occurrence that are read: enough for a sentence, linear on any input.
_WINDOW = 8
_REASON_ORDER = (NEGATED, APPROVED, CONDITIONAL, QUESTION)
_CONSENT_MAX_OTHER_WORDS = 3  # names and a word or two more; a longer text is a discussion


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    """п. 4.2: whether a comment approves the estimate, and why (one of the reason constants)."""

    approved: bool
    reason: str
    clause: str = "4.2"


@dataclass(frozen=True, slots=True)
class _Occurrence:
    """One approval-like word with its clause and the rest of its sentence."""

    before: tuple[str, ...]  # words of its clause before it
    after: tuple[str, ...]  # words of its clause after it
    later_clauses: tuple[tuple[str, ...], ...]  # the next clauses of the sentence
    is_question: bool  # the sentence ends with «?»
    negated_word: bool  # «несогласовано»


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD_RE.findall(text))


def _occurrences(plain: str, forms: frozenset[str]) -> Iterator[_Occurrence]:
    for sentence in _SENTENCE_RE.findall(plain):
        body = sentence.rstrip(".!?…")
        clauses = [_words(part) for part in _CLAUSE_SPLIT_RE.split(body)]
        for index, clause in enumerate(clauses):
            for pos, word in enumerate(clause):
                negated_word = word.startswith("не") and word[2:] in forms
                if word in forms or negated_word:
                    yield _Occurrence(
                        before=clause[max(pos - _WINDOW, 0) : pos],
                        after=clause[pos + 1 : pos + 1 + _WINDOW],
                        later_clauses=tuple(
                            c[:_WINDOW] for c in clauses[index + 1 : index + 1 + _WINDOW] if c
                        ),
                        is_question="?" in sentence[len(body) :],
                        negated_word=negated_word,
                    )


def _asks(occ: _Occurrence) -> bool:
    """The question mark belongs to the approval word's clause, not to a later question."""
    if occ.after[:1] == ("ли",):
        return True
    if not occ.is_question:
        return False
    return all(set(c) <= TAG_QUESTIONS or c[0] == "или" for c in occ.later_clauses)


def _is_negated(occ: _Occurrence) -> bool:
    near = set(occ.before[-3:]) | set(occ.after[:2])
    return occ.negated_word or bool(near & NEGATIONS)


def _has_reservation(occ: _Occurrence) -> bool:
    rest = {word for clause in occ.later_clauses for word in clause} | set(occ.after)
    return bool(set(occ.before) & HEDGES_BEFORE or rest & RESERVATIONS_AFTER)


def _classify(occ: _Occurrence, *, check_conditions: bool) -> str:
    if _asks(occ):
        return QUESTION
    if _is_negated(occ):
        return NEGATED
    if check_conditions and _has_reservation(occ):
        return CONDITIONAL
    return APPROVED


def _affirmation_reason(
    plain: str, forms: frozenset[str], stem: str, *, check_conditions: bool
) -> str:
    """Reasons of every occurrence, folded: a negation anywhere wins, then any clean statement."""
    reasons = {_classify(o, check_conditions=check_conditions) for o in _occurrences(plain, forms)}
    for reason in _REASON_ORDER:
        if reason in reasons:
            return reason
    if any(word.startswith(stem) for word in _words(plain)):
        return OTHER_WORD_FORM
    return NO_APPROVAL_WORD


def has_reservation(plain: str) -> bool:
    """п. 4.2: «но», «если», «кроме», or a request to change something, anywhere in the text."""
    text = POLITE_IF_RE.sub(" ", plain)
    return bool(set(_words(text)) & RESERVATION_WORDS or CHANGE_REQUEST_RE.search(text))


def is_consent_without_word(plain: str) -> bool:
    """п. 4.2: a short, plain consent in other words («Согласна, делайте», «Ок», 👍)."""
    if "?" in plain:
        return False
    words = _words(plain)
    if set(words) & NEGATIONS:
        return False
    consent = [w for w in words if w in CONSENT_WORDS or APPROVAL_TYPO_RE.fullmatch(w)]
    if not consent and not any(mark in plain for mark in CONSENT_MARKS):
        return False
    known = CONSENT_WORDS | CONSENT_FILLER | RESERVATION_WORDS
    other = [w for w in words if w not in known]
    return len(other) <= _CONSENT_MAX_OTHER_WORDS


def approval_reason(plain: str) -> str:
    """п. 4.2: why a normalized comment text is or is not the approval «Согласовано»."""
    plain = NAMED_WORD_RE.sub(" ", POLITE_IF_RE.sub(" ", without_signature(plain)))
    reason = _affirmation_reason(plain, APPROVAL_FORMS, "соглас", check_conditions=True)
    if reason == APPROVED and has_reservation(plain):
        return RESERVATION
    if reason in (NO_APPROVAL_WORD, OTHER_WORD_FORM) and is_consent_without_word(plain):
        return RESERVATION if has_reservation(plain) else CONSENT_WITHOUT_WORD
    return reason


def is_approval_text(plain: str) -> bool:
    """п. 4.2: the comment states «Согласовано» as a plain, unconditional affirmative."""
    return approval_reason(plain) == APPROVED


def is_acknowledgement_text(plain: str) -> bool:
    """Regulation sign-off: «Ознакомлен(а)» stated, not negated and not asked."""
    reason = _affirmation_reason(plain, ACKNOWLEDGEMENT_FORMS, "ознаком", check_conditions=False)
    return reason == APPROVED


def _author_reason(
    author_role: Role,
    task_state: TaskState,
    *,
    is_company_user: bool,
    is_responsible: bool,
    config: RegulationConfig,
) -> str | None:
    if task_state != TaskState.AWAITING_APPROVAL:
        return WRONG_STATE
    if author_role != Role.CLIENT:
        return NOT_CLIENT
    if not is_company_user:
        return NOT_COMPANY_USER
    if config.approval_from_responsible_only and not is_responsible:
        return NOT_RESPONSIBLE
    return None


def _has_form(plain: str, forms: frozenset[str]) -> bool:
    return any(True for _ in _occurrences(plain, forms))


def names_other_amount(
    plain: str,
    estimate_minutes: int | None,
    config: RegulationConfig,
    approved_minutes: int | None = None,
) -> bool:
    """п. 4.2: «Согласовано на 2 часа» when the estimate is 3 h agrees to another amount. An
    addition («Согласовано ещё 2 часа», п. 3.3) is compared with what the re-estimate adds to
    the approved estimate, when that is known."""
    if estimate_minutes is None:
        return False
    unit = config.rounding_unit_minutes
    for a in find_amounts(plain):
        if a.unit is not Unit.MINUTES or a.clock:
            continue
        if set(words(plain[: a.start])[-1:]) & EXTRA:
            expected = None if approved_minutes is None else estimate_minutes - approved_minutes
        else:
            expected = estimate_minutes
        if expected is not None and (
            a.vague or round_up_minutes(ceil_minutes(a.value), unit) != expected
        ):
            return True
    return False


def decide_approval(
    text_bbcode: str,
    author_role: Role,
    task_state: TaskState,
    *,
    is_company_user: bool,
    is_responsible: bool,
    config: RegulationConfig,
    estimate_minutes: int | None = None,
    approved_minutes: int | None = None,
) -> ApprovalDecision:
    """п. 4.2: a client of the company approves an estimate awaiting approval with «Согласовано»;
    one that names another amount than the estimate (rounded minutes), or another addition to
    the approved one (`approved_minutes`, a re-estimate), is a reservation."""
    reason = _author_reason(
        author_role,
        task_state,
        is_company_user=is_company_user,
        is_responsible=is_responsible,
        config=config,
    )
    if reason is None:
        plain = read_bbcode(text_bbcode)
        quoted_only = not _has_form(plain.normalized, APPROVAL_FORMS) and _has_form(
            plain.quoted, APPROVAL_FORMS
        )
        reason = approval_reason(plain.normalized)
        if quoted_only and reason in (NO_APPROVAL_WORD, OTHER_WORD_FORM):
            reason = QUOTED_ONLY  # «[QUOTE]Согласовано[/QUOTE] Хорошо» is consent: answered
        named = names_other_amount(plain.normalized, estimate_minutes, config, approved_minutes)
        if reason == APPROVED and named:
            reason = RESERVATION
    return ApprovalDecision(approved=reason == APPROVED, reason=reason)
