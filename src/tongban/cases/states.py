"""The case state machine: the only way a case changes state.

``TRANSITIONS`` is the whole table; ``transition`` refuses anything not in it. Each change is
saved with a timeline event, an audit entry and a message to the applicant, in the caller's
transaction (the message leaves the outbox after commit)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.errors import Conflict
from tongban.notify.services import message_queue, message_to_account

from .choices import CaseState as S
from .choices import EventKind
from .clock import DELIVERY_DAYS, add_workdays
from .errors import CaseError
from .models import Case, CaseEvent

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
    if not allowed(case.state, to):
        raise Conflict(
            CaseError.TRANSITION_NOT_ALLOWED,
            _("办件当前状态为“%(frm)s”，不能变更为“%(to)s”。")
            % {"frm": S(case.state).label, "to": S(to).label},
        )


def record_event(
    case: Case, *, kind: EventKind, actor=None, note: str = "", **details
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        actor_label=str(actor)[:200] if actor is not None else "",
        note=note,
        details=details,
    )


def _notify(case: Case, to: str) -> None:
    body = _("【一网通办】您的办件 %(number)s（%(title)s）状态已更新为：%(state)s。") % {
        "number": case.number,
        "title": case.title,
        "state": S(to).label,
    }
    subject = _("办件 %(number)s 状态更新") % {"number": case.number}
    link = reverse("portal:my_case", args=[case.pk])
    notify_person(case.applicant, body, subject=subject, link=link)


def notify_person(person, body: str, *, subject: str = "", link: str = "") -> None:
    """A message to an applicant: by SMS to their mobile, and into their site inbox (站内消息)
    if they have an account (a walk-in applicant without one gets the SMS only)."""
    if person.mobile:
        message_queue(
            channel="sms", recipient=person.mobile, recipient_masked=person.mobile_masked, body=body
        )
    if person.account_id:
        message_to_account(account_id=person.account_id, body=body, subject=subject, link=link)


def transition(
    case: Case, to: str, *, actor=None, note: str = "", save: bool = True, **details
) -> Case:
    """Move ``case`` to ``to`` or refuse with ``case.transition_not_allowed`` (nothing changed).
    ``actor`` is an account, or None for the system (e.g. a deadline rule). ``save=False``
    leaves saving the case to the transition that follows at once in the same transaction
    (submitted → pre-review): its event, audit entry and messages are written all the same.

    A refusal changes nothing and leaves the transaction usable; the writes take no savepoint:
    they run in the service's durable transaction, and a failure among them fails all of it."""
    check(case, to)
    with transaction.atomic(savepoint=False):
        return _transition(case, to, actor=actor, note=note, save=save, **details)


def _transition(case: Case, to: str, *, actor, note: str, save: bool, **details) -> Case:
    frm, now = case.state, timezone.now()
    case.state, case.updated_at = to, now
    stamp = {S.DECIDED: "decided_at", S.DELIVERED: "delivered_at", S.CLOSED: "closed_at"}
    if to in stamp:
        setattr(case, stamp[to], now)
    if to == S.DECIDED:  # 行政许可法第四十四条: certificate delivered within 10 working days
        case.delivery_due = add_workdays(timezone.localdate(now), DELIVERY_DAYS)
    if save:
        case.save()
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.TRANSITION,
        from_state=frm,
        to_state=to,
        actor=actor,
        actor_label=str(actor)[:200] if actor is not None else "",
        note=note,
        details={k: v for k, v in details.items() if isinstance(v, str | int | bool | list)},
    )
    audit_record(
        action="cases.case.transition",
        actor=actor,
        target=case,
        subject_person_id=case.applicant_id,
        details={"from": frm, "to": to, "number": case.number},
    )
    _notify(case, to)
    return case
