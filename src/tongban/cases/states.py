"""The case state machine: the only way a case changes state.

``TRANSITIONS`` is the whole table; ``transition`` refuses anything not in it. Each change is
saved with a timeline event, an audit entry and messages to the applicant, in the caller's
transaction (the SMS leaves the outbox after commit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.errors import Conflict
from tongban.notify.services import message_for_inbox, message_for_outbox, messages_queue

from .choices import CaseState as S
from .choices import EventKind
from .clock import DELIVERY_DAYS, add_workdays
from .errors import CaseError
from .models import Case, CaseEvent

if TYPE_CHECKING:
    from tongban.notify.models import Message

BEFORE_DECISION = (
    S.DRAFT,
    S.SUBMITTED,
    S.PRE_REVIEW,
    S.CORRECTION_REQUESTED,
    S.ACCEPTED,
    S.UNDER_REVIEW,
)

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.PRE_REVIEW, S.WITHDRAWN}),
    S.PRE_REVIEW: frozenset({S.ACCEPTED, S.REFUSED, S.CORRECTION_REQUESTED, S.WITHDRAWN}),
    S.CORRECTION_REQUESTED: frozenset({S.PRE_REVIEW, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.DECIDED, S.WITHDRAWN}),
    S.DECIDED: frozenset({S.DELIVERED, S.REVOKED}),
    S.DELIVERED: frozenset({S.CLOSED, S.REVOKED}),
    S.CLOSED: frozenset({S.REVOKED}),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.REVOKED: frozenset(),
}


def allowed(frm: str, to: str) -> bool:
    return to in TRANSITIONS.get(frm, frozenset())


def check(case: Case, to: str) -> None:
    _check(case.state, to)


def _check(frm: str, to: str) -> None:
    if not allowed(frm, to):
        raise Conflict(
            CaseError.TRANSITION_NOT_ALLOWED,
            _("办件当前状态为“%(frm)s”，不能变更为“%(to)s”。")
            % {"frm": S(frm).label, "to": S(to).label},
        )


def event(case: Case, *, kind: EventKind, actor=None, note: str = "", **details) -> CaseEvent:
    """A timeline event of ``case``, not yet written: ``record_event`` writes it at once, or
    ``transitions`` writes it with the events of the transitions that follow it."""
    return CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        actor_label=str(actor)[:200] if actor is not None else "",
        note=note,
        details=details,
    )


def record_event(
    case: Case, *, kind: EventKind, actor=None, note: str = "", **details
) -> CaseEvent:
    written = event(case, kind=kind, actor=actor, note=note, **details)
    written.save()
    return written


def record_events(events: list[CaseEvent]) -> None:
    """Events built by ``event``, written in one INSERT."""
    CaseEvent.objects.bulk_create(events)


def _state_messages(case: Case, to: str) -> list[Message]:
    body = _("【一网通办】您的办件 %(number)s（%(title)s）状态已更新为：%(state)s。") % {
        "number": case.number,
        "title": case.title,
        "state": S(to).label,
    }
    subject = _("办件 %(number)s 状态更新") % {"number": case.number}
    link = reverse("portal:my_case", args=[case.pk])
    return _messages(case.applicant, body, subject=subject, link=link)


def _messages(person, body: str, *, subject: str, link: str) -> list[Message]:
    """An applicant's messages: an SMS to their mobile, and one into their site inbox (站内消息)
    if they have an account (a walk-in applicant without one gets the SMS only)."""
    messages: list[Message] = []
    if person.mobile:
        messages.append(
            message_for_outbox(
                channel="sms",
                recipient=person.mobile,
                recipient_masked=person.mobile_masked,
                body=body,
            )
        )
    if person.account_id:
        messages.append(
            message_for_inbox(account_id=person.account_id, body=body, subject=subject, link=link)
        )
    return messages


def notify_person(person, body: str, *, subject: str = "", link: str = "") -> None:
    """A message to an applicant, by SMS and into their site inbox (``_messages``)."""
    messages_queue(_messages(person, body, subject=subject, link=link))


@dataclass(frozen=True)
class Step:
    """One transition of ``transitions``: the state to move to, who moves it (an account, or
    None for the system, e.g. a deadline rule), and the note and details of its event."""

    to: str
    actor: Any = None
    note: str = ""
    details: dict = field(default_factory=dict)


def transition(case: Case, to: str, *, actor=None, note: str = "", **details) -> Case:
    """Move ``case`` to ``to`` (``transitions`` with one step)."""
    return transitions(case, [Step(to, actor, note, details)])


def transitions(case: Case, steps: Sequence[Step], *, events: Sequence[CaseEvent] = ()) -> Case:
    """Move ``case`` through ``steps`` in turn (submission is two: draft → submitted →
    pre-review), or refuse with ``case.transition_not_allowed`` if any is not allowed from the
    state before it: then nothing has changed and the transaction is still usable.

    What they change is written together: the case once; the timeline in one INSERT — the
    ``events`` the same request built before and has not written (``event``: the case's
    creation, its files), then one per step; an audit entry per step; and the applicant's
    messages of every step in one INSERT (``notify.services.messages_queue``). No savepoint:
    they run in the service's durable transaction, and a failure among them fails all of it."""
    frm = case.state
    for step in steps:
        _check(frm, step.to)
        frm = step.to
    timeline: list[CaseEvent] = list(events)
    messages: list[Message] = []
    with transaction.atomic(savepoint=False):
        for step in steps:
            timeline.append(_moved(case, step))
            messages += _state_messages(case, step.to)
        case.save()
        record_events(timeline)
        messages_queue(messages)
    return case


def _moved(case: Case, step: Step) -> CaseEvent:
    """The case (in memory) in its new state, audited; its event, not yet written."""
    frm, to, now = case.state, step.to, timezone.now()
    case.state, case.updated_at = to, now
    stamp = {S.DECIDED: "decided_at", S.DELIVERED: "delivered_at", S.CLOSED: "closed_at"}
    if to in stamp:
        setattr(case, stamp[to], now)
    if to == S.DECIDED:  # 行政许可法第四十四条: certificate delivered within 10 working days
        case.delivery_due = add_workdays(timezone.localdate(now), DELIVERY_DAYS)
    audit_record(
        action="cases.case.transition",
        actor=step.actor,
        target=case,
        subject_person_id=case.applicant_id,
        details={"from": frm, "to": to, "number": case.number},
    )
    moved = event(case, kind=EventKind.TRANSITION, actor=step.actor, note=step.note)
    moved.from_state, moved.to_state = frm, to
    moved.details = {
        k: v for k, v in step.details.items() if isinstance(v, str | int | bool | list)
    }
    return moved
