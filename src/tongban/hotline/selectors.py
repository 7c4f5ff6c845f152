"""Reads of tickets, scoped to who asks. The requester's name and mobile reach staff masked
(the hotline office), or not at all (a handling department, when the requester asked their
contact be kept from it, or for an anonymous report); each staff read of a ticket naming a
person is audited for that person to see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from tongban.catalog import search as catalog_search
from tongban.core.audit import audit_record
from tongban.identity import selectors as identity_selectors
from tongban.identity.validators import mask_mobile

from . import access, states
from .choices import EventKind
from .errors import ticket_not_found
from .models import Category, Correction, HotIssue, Ticket, TicketAttachment

if TYPE_CHECKING:
    from tongban.identity.models import Account, Staff

PUBLIC_EVENTS = (EventKind.TRANSITION, EventKind.CALLBACK)


def _tickets() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("category", "category__parent", "department")


def tickets_of_requester(account: Account) -> list[Ticket]:
    return list(_tickets().filter(requester=account).order_by("-received_at", "-pk")[:200])


def ticket_of_requester(account: Account, ticket_id: int) -> Ticket:
    ticket = _tickets().filter(pk=ticket_id, requester=account).first()
    if ticket is None:
        raise ticket_not_found()
    ticket.shown_events = list(ticket.events.filter(kind__in=PUBLIC_EVENTS))
    ticket.shown_attachments = list(ticket.attachments.all())
    ticket.requester_shown, ticket.contact_shown = ticket.requester_name, ticket.contact
    return ticket


def desk_queue(staff: Staff, *, state: str = "") -> list[Ticket]:
    """The hotline office's tickets, the newest first (a state narrows them)."""
    access.require_desk(staff, access.DESK)
    tickets = _tickets().exclude(state__in=states.DONE) if not state else _tickets()
    if state:
        tickets = tickets.filter(state=state)
    return list(tickets.order_by("-received_at", "-pk")[:200])


def grid_findings(staff: Staff) -> list[Ticket]:
    """What this grid inspector filed on patrol, the newest first (no requester to show)."""
    access.require_desk(staff, access.GRID_INSPECTORS)
    return list(
        _tickets()
        .filter(filed_by=staff.account)
        .annotate(attachment_count=Count("attachments"))
        .order_by("-received_at", "-pk")[:50]
    )


def department_queue(staff: Staff) -> list[Ticket]:
    """A department's open tickets: those it leads and those it co-handles, by deadline."""
    access.require_desk(staff, access.HANDLERS)
    mine = Q(department_id=staff.department_id) | Q(co_handlers=staff.department_id)
    return list(
        _tickets().filter(mine, state__in=states.OPEN).distinct().order_by("due", "pk")[:200]
    )


def _visible_to_staff(staff: Staff, ticket_id: int) -> tuple[Ticket, bool]:
    """The ticket if the desk (any) or a department (its own) may see it, and whether the
    reader is the desk's; else "not found"."""
    ticket = _tickets().filter(pk=ticket_id).first()
    if ticket is None:
        raise ticket_not_found()
    desk = access.can_hold(staff, *access.DESK)
    if not desk and not (
        access.can_hold(staff, *access.HANDLERS) and access.can_see_as_department(staff, ticket)
    ):
        raise ticket_not_found()
    return ticket, desk


def attachment_for_staff(staff: Staff, ticket_id: int, attachment_id: int) -> TicketAttachment:
    """One of the requester's attachments, for whoever may see the ticket; the download is
    audited for the requester to see."""
    ticket, _desk = _visible_to_staff(staff, ticket_id)
    attachment = ticket.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise ticket_not_found()
    person = identity_selectors.person_for_account(ticket.requester) if ticket.requester else None
    audit_record(
        action="hotline.ticket.attachment_staff_download",
        actor=staff.account,
        target=ticket,
        subject_person_id=person.pk if person else None,
        details={"number": ticket.number, "name": attachment.original_name},
    )
    return attachment


def ticket_for_staff(staff: Staff, ticket_id: int) -> Ticket:
    """One ticket for the desk (any) or a department (its own, led or co-handled), with the
    requester as that reader may see them; the read is audited when it names someone."""
    ticket, desk = _visible_to_staff(staff, ticket_id)
    hidden = ticket.anonymous or (ticket.contact_private and not desk)
    if hidden:
        ticket.requester_shown, ticket.contact_shown = "", ""
    else:
        name = ticket.requester_name
        ticket.requester_shown = (name[:1] + "*" * (len(name) - 1)) if name else ""
        ticket.contact_shown = mask_mobile(ticket.contact) if ticket.contact else ""
    ticket.shown_events = list(ticket.events.all())
    ticket.shown_attachments = list(ticket.attachments.all())
    if not hidden and (ticket.requester_name or ticket.contact):
        person = (
            identity_selectors.person_for_account(ticket.requester) if ticket.requester else None
        )
        audit_record(
            action="hotline.ticket.staff_read",
            actor=staff.account,
            target=ticket,
            subject_person_id=person.pk if person else None,
            details={"number": ticket.number},
        )
    return ticket


def categories_tree() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).prefetch_related("children"))


def hot_issues(staff: Staff) -> list[HotIssue]:
    access.require_desk(staff, access.DESK)
    return list(HotIssue.objects.select_related("category").order_by("-raised_at")[:100])


def training_rows() -> list[dict]:
    """The dispatchers' settled categories, as training rows for the next model."""
    return [
        {"text": text, "category": code}
        for text, code in Correction.objects.values_list("text", "chosen_category__code")
    ]


KNOWLEDGE_LIMIT = 5


def knowledge_for(staff: Staff, q: str) -> list[dict]:
    """The published service items (with their guides) an agent may answer a consultation
    from, as the caller speaks: the catalog's own search (words, pinyin, colloquial phrases)."""
    access.require_desk(staff, access.AGENTS)
    result = catalog_search.search(q, limit=KNOWLEDGE_LIMIT)
    return [
        {"id": hit.id, "name": hit.name, "department": hit.department, "score": hit.score}
        for hit in result.hits
    ]


OPEN311_LIMIT = 200


def open311_requests(
    *, ids=(), service_code: str = "", status: str = "", start=None, end=None
) -> list[Ticket]:
    """The requests Open311 clients posted, as the spec's public list shows them (the
    requester is never named). Other channels' tickets are not published."""
    from .choices import TicketChannel

    tickets = _tickets().filter(channel=TicketChannel.OPEN311)
    if ids:
        tickets = tickets.filter(number__in=list(ids))
    if service_code:
        tickets = tickets.filter(category__code=service_code)
    if status == "open":
        tickets = tickets.exclude(state__in=states.DONE)
    elif status == "closed":
        tickets = tickets.filter(state__in=states.DONE)
    if start is not None:
        tickets = tickets.filter(received_at__gte=start)
    if end is not None:
        tickets = tickets.filter(received_at__lte=end)
    return list(tickets.order_by("-received_at", "-pk")[:OPEN311_LIMIT])


def open311_updates(*, start=None, end=None) -> list:
    """The history of Open311 requests as mySociety's ``servicerequestupdates`` shows it:
    their state changes and duplicate links, oldest first."""
    from .choices import TicketChannel
    from .models import TicketEvent

    events = TicketEvent.objects.select_related("ticket").filter(
        ticket__channel=TicketChannel.OPEN311,
        kind__in=(EventKind.TRANSITION, EventKind.DUPLICATE),
    )
    events = events.exclude(kind=EventKind.TRANSITION, to_state="")
    if start is not None:
        events = events.filter(at__gte=start)
    if end is not None:
        events = events.filter(at__lte=end)
    return list(events.order_by("at", "pk")[:OPEN311_LIMIT])
