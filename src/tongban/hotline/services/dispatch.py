"""The dispatch desk (派单): confirm or correct the classifier's suggestion and send the
ticket to the department the responsibility list names (a lead and co-handlers); arbitrate a
department's return (退单); close a ticket nobody can call back; reopen one. Every dispatch
keeps a ``Correction`` row, the next model's training data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.identity import selectors as identity_selectors

from .. import access, classifier, states
from ..choices import EventKind, PlaceLevel
from ..choices import TicketState as S
from ..errors import HotlineError, conflict, invalid
from ..models import Category, Correction, Responsibility, Ticket
from ._common import (
    category_or_422,
    department_by_code,
    department_or_422,
    duties_at,
    note,
    responsible,
    service,
    set_due,
    today,
)

if TYPE_CHECKING:
    from tongban.identity.models import Department, Staff

CO_HANDLERS_MAX = 5


def _suggested_department(ticket: Ticket, chosen: Department) -> Department | None:
    """The department the suggestion ranked first (None if removed since): the chosen one
    when they agree, else read by its code."""
    ranked = ticket.suggestion.get("departments") or []
    if not ranked:
        return None
    if ranked[0][0] == chosen.code:
        return chosen
    return department_by_code(ranked[0][0])


def _correction(ticket: Ticket, staff: Staff, category: Category, department: Department):
    Correction.objects.create(
        ticket=ticket,
        dispatcher=staff.account,
        text=ticket.text,
        model_version=ticket.suggestion.get("model", classifier.MODEL_VERSION),
        suggested_category_id=ticket.suggested_category_id,
        chosen_category=category,
        suggested_department=_suggested_department(ticket, department),
        chosen_department=department,
    )


def _co_handlers(codes: object, lead: Department) -> list[Department]:
    if codes in (None, ""):
        return []
    if not isinstance(codes, list | tuple) or len(codes) > CO_HANDLERS_MAX:
        message = _("协办部门最多 %(max)s 个。") % {"max": CO_HANDLERS_MAX}
        raise invalid(HotlineError.CO_HANDLERS, message, "co_handlers")
    departments = [department_or_422(code, "co_handlers") for code in codes]
    if any(d.pk == lead.pk for d in departments):
        raise invalid(HotlineError.CO_HANDLERS, _("主办部门不能同时是协办部门。"), "co_handlers")
    return list({d.pk: d for d in departments}.values())


@service
def ticket_dispatch(
    *,
    staff: Staff,
    ticket_id: int,
    category: object,
    department: object = None,
    co_handlers: object = None,
    note_text: str = "",
) -> Ticket:
    """派单: the dispatcher settles the category (the suggestion confirmed, or corrected) and
    the lead department (given, or else the list's for the category at the ticket's place),
    with co-handlers; the working-day clock starts."""
    ticket = access.ticket_for_desk_or_404(staff, ticket_id, access.DISPATCHERS)
    if ticket.state == S.RETURNED:
        raise conflict(HotlineError.TRANSITION_NOT_ALLOWED, _("退单的工单请先仲裁。"))
    states.check(ticket, S.DISPATCHED)
    chosen = category_or_422(category)
    if department in (None, ""):
        lead = responsible(chosen, duties_at(ticket.district_id, ticket.street_id, [chosen]))
        if lead is None:
            raise invalid(
                HotlineError.NO_RESPONSIBILITY,
                _("权责清单中没有“%(category)s”在此地的责任部门，请指定部门。")
                % {"category": str(chosen)},
                "department",
            )
    else:
        lead = department_or_422(department)
    helpers = _co_handlers(co_handlers, lead)
    first = ticket.state == S.RECEIVED  # never dispatched: it has no co-handlers to replace
    _correction(ticket, staff, chosen, lead)
    ticket.category, ticket.department = chosen, lead
    ticket.return_reason, ticket.returned_by = "", None
    set_due(ticket, today())
    states.transition(
        ticket,
        S.DISPATCHED,
        actor=staff.account,
        department=lead,
        note=(note_text or "")[:500],
        category=chosen.code,
        corrected=chosen.pk != ticket.suggested_category_id,
    )
    if helpers or not first:
        ticket.co_handlers.set(helpers)
    for helper in helpers:
        states.event(ticket, kind=EventKind.CO_HANDLER, actor=staff.account, department=helper)
    return ticket


@service
def ticket_arbitrate(
    *,
    staff: Staff,
    ticket_id: int,
    decision: object,
    department: object = None,
    note_text: str = "",
) -> Ticket:
    """A return (退单) arbitrated: ``uphold`` sends the ticket to another department (a fresh
    deadline, and a correction row); ``reject`` sends it back to the same one, whose clock
    kept running."""
    ticket = access.ticket_for_desk_or_404(staff, ticket_id, access.DISPATCHERS)
    if ticket.state != S.RETURNED:
        states.check(ticket, S.RETURNED)  # says which state it is in
        raise conflict(HotlineError.TRANSITION_NOT_ALLOWED, _("只有退单的工单需要仲裁。"))
    if decision not in ("uphold", "reject"):
        raise invalid(
            HotlineError.ARBITRATION_DECISION, _("请选择“退单成立”或“退单不成立”。"), "decision"
        )
    returning = ticket.returned_by
    if decision == "uphold":
        lead = department_or_422(department)
        if returning is not None and lead.pk == returning.pk:
            raise invalid(
                HotlineError.ARBITRATION_SAME_DEPARTMENT,
                _("退单成立时应改派其他部门。"),
                "department",
            )
        assert ticket.category is not None  # dispatched tickets carry their category
        _correction(ticket, staff, ticket.category, lead)
        ticket.department = lead
        set_due(ticket, today())
    ticket.return_reason, ticket.returned_by = "", None
    return states.transition(
        ticket,
        S.DISPATCHED,
        actor=staff.account,
        department=ticket.department,
        note=(note_text or "")[:500],
        arbitration=str(decision),
    )


@service
def ticket_close(*, staff: Staff, ticket_id: int, reason: object) -> Ticket:
    """The desk closes a replied ticket whose requester cannot be called back."""
    ticket = access.ticket_for_desk_or_404(staff, ticket_id, access.DISPATCHERS)
    why = note(reason, field="reason", code=HotlineError.REASON_EMPTY, empty=_("请填写理由。"))
    return states.transition(ticket, S.CLOSED, actor=staff.account, note=why)


@service
def ticket_reopen(*, staff: Staff, ticket_id: int, reason: object) -> Ticket:
    """A closed or answered ticket reopened, for the desk to dispatch again."""
    ticket = access.ticket_for_desk_or_404(staff, ticket_id, access.DISPATCHERS)
    why = note(reason, field="reason", code=HotlineError.REASON_EMPTY, empty=_("请填写理由。"))
    states.check(ticket, S.REOPENED)
    ticket.reopen_count += 1
    return states.transition(ticket, S.REOPENED, actor=staff.account, note=why)


@service
def responsibility_set(
    *, staff: Staff, category: object, level: object, place_code: str, department: object
) -> Responsibility:
    """One row of the responsibility list (权责清单), written or replaced by the desk."""
    access.require_desk(staff, access.OFFICE)
    chosen = Category.objects.filter(code=category).first() if isinstance(category, str) else None
    if chosen is None:
        raise invalid(HotlineError.CATEGORY_UNKNOWN, _("没有这个诉求分类。"), "category")
    if level not in PlaceLevel.values:
        raise invalid(HotlineError.NO_RESPONSIBILITY, _("层级无效。"), "level")
    code = "" if level == PlaceLevel.CITY else (place_code or "").strip()
    if level != PlaceLevel.CITY and not code:
        raise invalid(HotlineError.NO_RESPONSIBILITY, _("请填写区划代码。"), "place_code")
    owner = department_or_422(department)
    row, _created = Responsibility.objects.update_or_create(
        category=chosen, level=level, place_code=code, defaults={"department": owner}
    )
    audit_record(
        action="hotline.responsibility.set",
        actor=staff.account,
        target=row,
        details={"category": chosen.code, "level": str(level), "place": code, "dept": owner.code},
    )
    return row


@service
def responsibilities_load(*, staff: Staff | None = None) -> int:
    """The shipped responsibility list (``data/categories.json``'s ``duty`` of each leaf) for
    the departments that exist: a city duty names its department; a district or street duty
    names a suffix, and each department coded ``<district>-<suffix>`` or ``<street>-<suffix>``
    takes it for its place. Run by the shell operator (``tongban hotline load-duties``) or the
    desk; returns the rows written."""
    from .. import dataset

    if staff is not None:
        access.require_desk(staff, access.OFFICE)
    departments = {d.code: d for d in identity_selectors.departments_list()}
    categories = {c.code: c for c in Category.objects.all()}
    written = 0
    for leaf in dataset.leaves():
        level, code = leaf["duty"].split(":", 1)
        category = categories.get(leaf["code"])
        if category is None:
            continue
        if level == PlaceLevel.CITY:
            targets = [("", departments[code])] if code in departments else []
        else:
            width = 6 if level == PlaceLevel.DISTRICT else 9
            targets = [
                (c.split("-", 1)[0], d)
                for c, d in departments.items()
                if c.endswith(f"-{code}")
                and len(c.split("-", 1)[0]) == width
                and c.split("-", 1)[0].isdigit()
            ]
        for place, department in targets:
            Responsibility.objects.update_or_create(
                category=category,
                level=level,
                place_code=place,
                defaults={"department": department},
            )
            written += 1
    audit_record(
        action="hotline.responsibility.load",
        actor=staff.account if staff else None,
        target_type="hotline.responsibility",
        details={"rows": written},
    )
    return written
