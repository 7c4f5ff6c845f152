"""A ticket comes in: from a citizen (web, app), from an agent taking a call, a grid
inspector or another system; is answered on the spot, or waits for the dispatch desk. Filing
links the ticket to an open one about the same problem at the same place, and raises a hot
issue when many come from one street."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.crypto import lookup_hash
from tongban.identity import selectors as identity_selectors
from tongban.identity.validators import IdentifierError, validate_mobile

from .. import access, states
from ..choices import EventKind, TicketChannel, TicketKind, Urgency
from ..choices import TicketState as S
from ..errors import HotlineError, forbidden, invalid
from ..models import Category, HotIssue, Open311Client, Ticket, TicketEvent
from ._common import (
    ANSWER_MAX,
    locate,
    next_number,
    note,
    service,
    suggestion_for,
    ticket_text,
)
from .attachments import attachments_checked, attachments_store

if TYPE_CHECKING:
    from tongban.identity.models import Account, Person, Staff

CITIZEN_CHANNELS = (TicketChannel.WEB, TicketChannel.MOBILE, TicketChannel.OPEN311)
DESK_CHANNELS = (TicketChannel.PHONE, TicketChannel.GRID, TicketChannel.SYSTEM)
DUPLICATE_DAYS = 7  # the same problem at the same place within a week is one problem
DUPLICATE_SIMILARITY = 0.35  # Jaccard of character bigrams
DUPLICATE_CANDIDATES = 50  # the newest open ones at the place are scored
HOT_ISSUE_COUNT = 5  # tickets of one category from one street in one day
CONTACT_PURPOSE = "hotline.ticket.contact"


def _choice(value: object, choices, code: str, field: str) -> str:
    if not isinstance(value, str) or value not in choices.values:
        raise invalid(code, _("“%(field)s”的取值无效。") % {"field": field}, field)
    return value


def _mobile(value: str) -> str:
    try:
        return validate_mobile(value)
    except IdentifierError as error:
        raise invalid(HotlineError.CONTACT_INVALID, error.message, "mobile") from error


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _similarity(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def _duplicate_original(ticket: Ticket) -> Ticket | None:
    """The open ticket about the same problem at the same place (same suggested category,
    same address or grid, within ``DUPLICATE_DAYS``, similar words) that ``ticket``, not yet
    saved, repeats. One query on ``hotline_ticket_open_place`` (open, unlinked tickets by
    address, category and time) for an address; the 50 newest candidates are scored."""
    if ticket.suggested_category_id is None:
        return None
    since = ticket.received_at - timedelta(days=DUPLICATE_DAYS)
    same_place: dict[str, object] = (
        {"place_id": ticket.place_id} if ticket.place_id else {"grid_id": ticket.grid_id}
    )
    if not ticket.place_id and not ticket.grid_id:
        same_place = {"street_id": ticket.street_id}
    candidates = (
        Ticket.objects.filter(
            suggested_category_id=ticket.suggested_category_id,
            received_at__gte=since,
            duplicate_of__isnull=True,
            **same_place,
        )
        .exclude(state__in=states.DONE)
        .only("pk", "text", "number")
        .order_by("-received_at")[:DUPLICATE_CANDIDATES]
    )
    scored = [(_similarity(ticket.text, c.text), c) for c in candidates]
    scored = [s for s in scored if s[0] >= DUPLICATE_SIMILARITY]
    if not scored:
        return None
    return max(scored, key=lambda s: s[0])[1]


def _duplicate_events(ticket: Ticket, original: Ticket, actor) -> list[TicketEvent]:
    """The link written on both tickets' histories."""
    return [
        TicketEvent(
            ticket=one, kind=EventKind.DUPLICATE, actor=actor, details={"other": other.number}
        )
        for one, other in ((ticket, original), (original, ticket))
    ]


def _raise_hot_issue(ticket: Ticket, category: Category) -> HotIssue | None:
    """Five or more tickets of one category from one street in one day: a hot issue (热点),
    raised once for that day and counted on."""
    if ticket.street_id is None:
        return None
    now = timezone.localtime(ticket.received_at)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    same = Ticket.objects.filter(
        **{"street_id": ticket.street_id},
        suggested_category=category,
        received_at__gte=start,
        received_at__lt=start + timedelta(days=1),
    )
    count = same.count()
    if count < HOT_ISSUE_COUNT:
        return None
    issue, created = HotIssue.objects.get_or_create(
        category=category,
        street_id=ticket.street_id,
        window_start=start,
        defaults={"count": count},
    )
    if created:
        issue.tickets.set(same)
        audit_record(
            action="hotline.hot_issue.raise",
            target=issue,
            details={"category": category.code, "street": ticket.street_id, "count": count},
        )
    else:
        issue.count = count
        issue.save(update_fields=["count"])
        link = HotIssue.tickets.through
        link.objects.bulk_create(
            [link(hotissue_id=issue.pk, ticket_id=ticket.pk)], ignore_conflicts=True
        )
    return issue


def _file(
    *,
    actor: Account | None,
    requester: Account | None,
    channel: str,
    kind: object,
    text: object,
    urgency: object,
    address: str,
    lat,
    lng,
    place_code: str,
    anonymous: bool,
    contact_private: bool,
    name: str,
    mobile: str,
    received_at: datetime | None = None,
    person: Person | None = None,
) -> Ticket:
    """``person``: the requester's, when the caller has read it already."""
    kind = _choice(kind, TicketKind, HotlineError.KIND, "kind")
    urgency = _choice(urgency or Urgency.NORMAL, Urgency, HotlineError.URGENCY, "urgency")
    body = ticket_text(text)
    match, told = locate(address=address, lat=lat, lng=lng, place_code=place_code)
    if anonymous and kind != TicketKind.REPORT:
        raise invalid(HotlineError.ANONYMOUS_KIND, _("只有举报可以匿名。"), "anonymous")
    if anonymous:
        name = mobile = ""
    else:
        mobile = _mobile(mobile) if mobile else ""
        name = (name or "").strip()[:50]
    suggestion, suggested = suggestion_for(body, match.district_code, match.street_code)
    ticket = Ticket(
        number=next_number(),
        channel=channel,
        kind=kind,
        urgency=urgency,
        text=body,
        requester=requester,
        anonymous=bool(anonymous),
        contact_private=bool(contact_private),
        requester_name=name,
        contact=mobile,
        contact_hash=lookup_hash(mobile, purpose=CONTACT_PURPOSE) if mobile else "",
        filed_by=actor,
        address=told[:200],
        lat=match.lat,
        lng=match.lng,
        district_id=match.district_code,
        street_id=match.street_code,
        grid_id=match.grid_code,
        place_id=match.address_code,
        suggested_category=suggested,
        suggestion=suggestion,
        received_at=received_at or timezone.now(),
    )
    if lat is not None:
        ticket.lat, ticket.lng = round(float(lat), 6), round(float(lng), 6)
    original = _duplicate_original(ticket)
    ticket.duplicate_of = original
    ticket.save()
    states.events(
        ticket,
        [
            TicketEvent(ticket=ticket, kind=EventKind.TRANSITION, actor=actor),
            TicketEvent(ticket=ticket, kind=EventKind.SUGGESTED, details=suggestion),
            *(_duplicate_events(ticket, original, actor) if original else []),
        ],
    )
    if person is None and requester is not None:
        person = identity_selectors.person_for_account(requester)
    audit_record(
        action="hotline.ticket.file",
        actor=actor,
        target=ticket,
        subject_person_id=person.pk if person else None,
        details={"number": ticket.number, "channel": channel, "kind": kind},
    )
    if suggested is not None:
        _raise_hot_issue(ticket, suggested)
    return ticket


@service
def ticket_file(
    *,
    account: Account,
    kind: object,
    text: object,
    channel: str = TicketChannel.WEB,
    urgency: object = Urgency.NORMAL,
    address: str = "",
    lat=None,
    lng=None,
    place_code: str = "",
    anonymous: bool = False,
    contact_private: bool = False,
    attachments=(),
) -> Ticket:
    """A citizen's own ticket (web, app, an Open311 client): their name and mobile are
    their account's, unless they report anonymously (举报 only); ``attachments`` their files
    (``services.attachments``)."""
    channel = _choice(channel, TicketChannel, HotlineError.CHANNEL, "channel")
    if channel not in CITIZEN_CHANNELS:
        raise invalid(HotlineError.CHANNEL, _("该渠道的工单由工作人员登记。"), "channel")
    checked = attachments_checked(attachments)
    person = identity_selectors.person_for_account(account)
    ticket = _file(
        actor=account,
        requester=account,
        channel=channel,
        kind=kind,
        text=text,
        urgency=urgency,
        address=address,
        lat=lat,
        lng=lng,
        place_code=place_code,
        anonymous=anonymous,
        contact_private=contact_private,
        name=person.name if person else "",
        mobile=person.mobile if person else "",
        person=person,
    )
    attachments_store(ticket, checked, actor=account)
    return ticket


@service
def ticket_file_by_staff(**call) -> Ticket:
    """A ticket an agent takes from a call (or a grid inspector's find, another system's
    hand-over): the caller is known by name and mobile, not by an account."""
    return _file_by_staff(**call)


@service
def ticket_file_answered(*, staff: Staff, answer: object, **call) -> Ticket:
    """A call answered on the spot (当场答复) as it is taken: filed and answered in one
    transaction, so a refused answer files nothing."""
    access.require_desk(staff, access.AGENTS)
    text = _answer_text(answer)
    ticket = _file_by_staff(staff=staff, **call)
    return _answer(staff, ticket, text)


def _file_by_staff(
    *,
    staff: Staff,
    kind: object,
    text: object,
    channel: str = TicketChannel.PHONE,
    urgency: object = Urgency.NORMAL,
    address: str = "",
    lat=None,
    lng=None,
    place_code: str = "",
    anonymous: bool = False,
    contact_private: bool = False,
    name: str = "",
    mobile: str = "",
    attachments=(),
) -> Ticket:
    access.require_filer(staff, channel)
    channel = _choice(channel, TicketChannel, HotlineError.CHANNEL, "channel")
    if channel not in DESK_CHANNELS:
        raise invalid(HotlineError.CHANNEL, _("网站和移动端的工单由市民本人提交。"), "channel")
    checked = attachments_checked(attachments)
    ticket = _file(
        actor=staff.account,
        requester=None,
        channel=channel,
        kind=kind,
        text=text,
        urgency=urgency,
        address=address,
        lat=lat,
        lng=lng,
        place_code=place_code,
        anonymous=anonymous,
        contact_private=contact_private,
        name=name,
        mobile=mobile,
    )
    attachments_store(ticket, checked, actor=staff.account)
    return ticket


@service
def ticket_answer(*, staff: Staff, ticket_id: int, answer: object) -> Ticket:
    """An agent answers on the spot (当场答复: a consultation the guides answer)."""
    ticket = access.ticket_for_desk_or_404(staff, ticket_id, access.AGENTS)
    return _answer(staff, ticket, _answer_text(answer))


def _answer_text(answer: object) -> str:
    return note(
        answer,
        field="answer",
        code=HotlineError.ANSWER_EMPTY,
        empty=_("请填写答复内容。"),
        limit=ANSWER_MAX,
    )


def _answer(staff: Staff, ticket: Ticket, text: str) -> Ticket:
    states.check(ticket, S.ANSWERED)
    ticket.answer = text
    return states.transition(ticket, S.ANSWERED, actor=staff.account, note=text)


OPEN311_KEY_PURPOSE = "hotline.open311.api_key"


def _open311_client(api_key: object) -> Open311Client:
    if not isinstance(api_key, str) or not api_key or len(api_key) > 200:
        raise forbidden(HotlineError.OPEN311_API_KEY, _("api_key 无效。"))
    key_hash = lookup_hash(api_key, purpose=OPEN311_KEY_PURPOSE)
    client = Open311Client.objects.filter(key_hash=key_hash, active=True).first()
    if client is None:
        raise forbidden(HotlineError.OPEN311_API_KEY, _("api_key 无效。"))
    return client


@service
def ticket_file_open311(
    *,
    api_key: object,
    service_code: object,
    description: object,
    lat=None,
    lng=None,
    address: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    attributes: dict[str, str] | None = None,
) -> Ticket:
    """A request posted by an Open311 GeoReport v2 client (``POST requests``): the app is known
    by its ``api_key``, the requester by the name and phone it sends; the service code is the
    category the requester chose, which the dispatcher confirms or corrects. Its
    ``attribute[code]`` values are checked against the service's definition
    (``open311.attributes_check``) and kept on the filing event."""
    from .open311 import attributes_check

    client = _open311_client(api_key)
    category = Category.objects.filter(code=service_code, parent__isnull=False).first()
    if category is None or not isinstance(service_code, str):
        raise invalid(HotlineError.CATEGORY_UNKNOWN, _("没有这个诉求分类。"), "service_code")
    checked = attributes_check(service_code, attributes or {})
    ticket = _file(
        actor=None,
        requester=None,
        channel=TicketChannel.OPEN311,
        kind=TicketKind.COMPLAINT,
        text=description,
        urgency=Urgency.NORMAL,
        address=address,
        lat=lat,
        lng=lng,
        place_code="",
        anonymous=False,
        contact_private=False,
        name=f"{last_name or ''}{first_name or ''}",
        mobile=phone,
    )
    ticket.category = category
    ticket.save(update_fields=["category"])
    states.event(
        ticket, kind=EventKind.TRANSITION, note=f"Open311: {client.name}", attributes=checked
    )
    return ticket


@service
def open311_client_create(*, name: str, key: str = "") -> tuple[Open311Client, str]:
    """A new Open311 client and its api_key (returned once; only its hash is kept). The demo
    names its key (``demo-open311-key``); a named key already known returns its client."""
    if key:
        known = Open311Client.objects.filter(
            key_hash=lookup_hash(key, purpose=OPEN311_KEY_PURPOSE)
        ).first()
        if known is not None:
            return known, key
    key = key or secrets.token_urlsafe(24)
    client = Open311Client.objects.create(
        name=name[:100], key_hash=lookup_hash(key, purpose=OPEN311_KEY_PURPOSE)
    )
    audit_record(action="hotline.open311.client_create", target=client, details={"name": name})
    return client, key
