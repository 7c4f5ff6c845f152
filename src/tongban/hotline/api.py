"""The hotline's JSON API (``/api/v1/hotline/``): the citizen's tickets (file, list, follow,
answer the callback), the hotline office's desk (agents, dispatchers, supervisors) and a
handling department's queue. Thin: parse → call a service or selector → shape."""

from datetime import date, datetime
from typing import Any

from ninja import Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from tongban.core.api import ERRORS, RowId
from tongban.identity.access import staff_of

from . import selectors, services
from .choices import TicketState

router = Router(tags=["hotline"])


class EventOut(Schema):
    at: datetime
    kind: str
    from_state: str
    to_state: str
    note: str


class TicketOut(Schema):
    id: int
    number: str
    channel: str
    kind: str
    urgency: str
    state: str
    state_label: str
    text: str
    address: str
    district: str
    street: str | None
    grid: str | None
    category: str | None
    department: str | None
    received_at: datetime
    due: date | None
    warning: str
    supervision_level: int
    answer: str
    duplicate_of: str | None
    solved: bool | None
    satisfied: bool | None

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(TicketState(obj.state).label)

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district_id

    @staticmethod
    def resolve_street(obj) -> str | None:
        return obj.street_id

    @staticmethod
    def resolve_grid(obj) -> str | None:
        return obj.grid_id

    @staticmethod
    def resolve_category(obj) -> str | None:
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_department(obj) -> str | None:
        return obj.department.code if obj.department_id else None

    @staticmethod
    def resolve_duplicate_of(obj) -> str | None:
        return obj.duplicate_of.number if obj.duplicate_of_id else None


class TicketDetailOut(TicketOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj):
        return obj.shown_events


class StaffTicketOut(TicketDetailOut):
    requester: str
    contact: str
    anonymous: bool
    suggestion: dict[str, Any]
    return_reason: str
    co_handlers: list[str]
    extension_state: str
    extension_days: int

    @staticmethod
    def resolve_requester(obj) -> str:
        return obj.requester_shown

    @staticmethod
    def resolve_contact(obj) -> str:
        return obj.contact_shown

    @staticmethod
    def resolve_co_handlers(obj) -> list[str]:
        return [d.code for d in obj.co_handlers.all()]


class HotIssueOut(Schema):
    category: str
    street: str
    window_start: datetime
    count: int

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_street(obj) -> str:
        return obj.street_id


class FileIn(Schema):
    """Where: a point (``lat``/``lng``), a registry place code, or a typed address."""

    kind: str = Field(..., max_length=20)
    text: str
    urgency: str = Field("normal", max_length=20)
    channel: str = Field("web", max_length=20)
    address: str = Field("", max_length=400)
    place_code: str = Field("", max_length=32)
    lat: float | None = None
    lng: float | None = None
    anonymous: bool = False
    contact_private: bool = False


class DeskFileIn(FileIn):
    channel: str = Field("phone", max_length=20)
    name: str = Field("", max_length=50)
    mobile: str = Field("", max_length=20)


class CallbackIn(Schema):
    solved: bool
    satisfied: bool
    comment: str = Field("", max_length=500)


class AnswerIn(Schema):
    answer: str = Field(..., max_length=2000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=1000)


class NoteIn(Schema):
    note: str = Field("", max_length=1000)


class DispatchIn(Schema):
    category: str = Field(..., max_length=50)
    department: str = Field("", max_length=50)
    co_handlers: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field("", max_length=500)


class ArbitrateIn(Schema):
    decision: str = Field(..., max_length=10)
    department: str = Field("", max_length=50)
    note: str = Field("", max_length=500)


class ExtensionIn(Schema):
    days: int = Field(..., ge=-1000, le=1000)
    reason: str = Field("", max_length=1000)


class DecisionIn(Schema):
    approve: bool


AUTH = {"auth": django_auth}
STAFF_TICKET = {"response": {200: StaffTicketOut, **ERRORS}, **AUTH}


def _staff_ticket(request, ticket_id: int):
    return selectors.ticket_for_staff(staff_of(request.auth), ticket_id)


# --- the citizen ------------------------------------------------------------------------------


@router.post("/tickets", response={201: TicketOut, **ERRORS}, **AUTH)
def file(request, payload: FileIn):
    ticket = services.ticket_file(account=request.auth, **payload.dict())
    return Status(201, ticket)


@router.get("/tickets", response={200: list[TicketOut], **ERRORS}, **AUTH)
def mine(request):
    return selectors.tickets_of_requester(request.auth)


@router.get("/tickets/{int:ticket_id}", response={200: TicketDetailOut, **ERRORS}, **AUTH)
def follow(request, ticket_id: RowId):
    return selectors.ticket_of_requester(request.auth, ticket_id)


@router.post("/tickets/{int:ticket_id}/callback", response={200: TicketDetailOut, **ERRORS}, **AUTH)
def callback(request, ticket_id: RowId, payload: CallbackIn):
    services.ticket_callback(account=request.auth, ticket_id=ticket_id, **payload.dict())
    return selectors.ticket_of_requester(request.auth, ticket_id)


# --- the hotline office's desk ------------------------------------------------------------------


@router.post("/desk/tickets", response={201: StaffTicketOut, **ERRORS}, **AUTH)
def desk_file(request, payload: DeskFileIn):
    staff = staff_of(request.auth)
    ticket = services.ticket_file_by_staff(staff=staff, **payload.dict())
    return Status(201, selectors.ticket_for_staff(staff, ticket.pk))


@router.get("/desk/tickets", response={200: list[TicketOut], **ERRORS}, **AUTH)
def desk_queue(request, state: str = Query("", max_length=20)):
    return selectors.desk_queue(staff_of(request.auth), state=state)


@router.get("/desk/hot-issues", response={200: list[HotIssueOut], **ERRORS}, **AUTH)
def hot_issues(request):
    return selectors.hot_issues(staff_of(request.auth))


class KnowledgeOut(Schema):
    id: int
    name: str
    department: str
    score: float


@router.get("/desk/knowledge", response={200: list[KnowledgeOut], **ERRORS}, **AUTH)
def desk_knowledge(request, q: str = Query(..., max_length=400)):
    """The catalog's items and guides matching what the caller says (the agent answers on the
    spot from them); the catalog's search codes (``catalog.search.*``) for a bad query."""
    return selectors.knowledge_for(staff_of(request.auth), q)


@router.get("/staff/tickets/{int:ticket_id}", **STAFF_TICKET)
def staff_ticket(request, ticket_id: RowId):
    return _staff_ticket(request, ticket_id)


def _acted(request, ticket_id: int, verb, **fields):
    """One staff action on a ticket (the service decides who may), answered with the ticket as
    that staff member now sees it."""
    verb(staff=staff_of(request.auth), ticket_id=ticket_id, **fields)
    return _staff_ticket(request, ticket_id)


@router.post("/desk/tickets/{int:ticket_id}/answer", **STAFF_TICKET)
def desk_answer(request, ticket_id: RowId, payload: AnswerIn):
    return _acted(request, ticket_id, services.ticket_answer, answer=payload.answer)


@router.post("/desk/tickets/{int:ticket_id}/dispatch", **STAFF_TICKET)
def desk_dispatch(request, ticket_id: RowId, payload: DispatchIn):
    return _acted(
        request,
        ticket_id,
        services.ticket_dispatch,
        category=payload.category,
        department=payload.department or None,
        co_handlers=payload.co_handlers,
        note_text=payload.note,
    )


@router.post("/desk/tickets/{int:ticket_id}/arbitrate", **STAFF_TICKET)
def desk_arbitrate(request, ticket_id: RowId, payload: ArbitrateIn):
    return _acted(
        request,
        ticket_id,
        services.ticket_arbitrate,
        decision=payload.decision,
        department=payload.department or None,
        note_text=payload.note,
    )


@router.post("/desk/tickets/{int:ticket_id}/close", **STAFF_TICKET)
def desk_close(request, ticket_id: RowId, payload: ReasonIn):
    return _acted(request, ticket_id, services.ticket_close, reason=payload.reason)


@router.post("/desk/tickets/{int:ticket_id}/reopen", **STAFF_TICKET)
def desk_reopen(request, ticket_id: RowId, payload: ReasonIn):
    return _acted(request, ticket_id, services.ticket_reopen, reason=payload.reason)


@router.post("/desk/tickets/{int:ticket_id}/supervise", **STAFF_TICKET)
def desk_supervise(request, ticket_id: RowId, payload: NoteIn):
    return _acted(request, ticket_id, services.ticket_supervise, note_text=payload.note)


@router.post("/desk/tickets/{int:ticket_id}/extension-decision", **STAFF_TICKET)
def desk_extension_decide(request, ticket_id: RowId, payload: DecisionIn):
    return _acted(request, ticket_id, services.ticket_extension_decide, approve=payload.approve)


@router.post("/desk/tickets/{int:ticket_id}/callback", **STAFF_TICKET)
def desk_callback(request, ticket_id: RowId, payload: CallbackIn):
    """An agent records the callback the requester gave on the phone."""
    services.ticket_callback(
        account=request.auth, staff=staff_of(request.auth), ticket_id=ticket_id, **payload.dict()
    )
    return _staff_ticket(request, ticket_id)


# --- a handling department -----------------------------------------------------------------------


@router.get("/department/tickets", response={200: list[TicketOut], **ERRORS}, **AUTH)
def department_queue(request):
    return selectors.department_queue(staff_of(request.auth))


@router.post("/department/tickets/{int:ticket_id}/accept", **STAFF_TICKET)
def department_accept(request, ticket_id: RowId):
    return _acted(request, ticket_id, services.ticket_accept)


@router.post("/department/tickets/{int:ticket_id}/return", **STAFF_TICKET)
def department_return(request, ticket_id: RowId, payload: ReasonIn):
    return _acted(request, ticket_id, services.ticket_return, reason=payload.reason)


@router.post("/department/tickets/{int:ticket_id}/start", **STAFF_TICKET)
def department_start(request, ticket_id: RowId):
    return _acted(request, ticket_id, services.ticket_start)


@router.post("/department/tickets/{int:ticket_id}/extension", **STAFF_TICKET)
def department_extension(request, ticket_id: RowId, payload: ExtensionIn):
    return _acted(
        request,
        ticket_id,
        services.ticket_extension_request,
        days=payload.days,
        reason=payload.reason,
    )


@router.post("/department/tickets/{int:ticket_id}/reply", **STAFF_TICKET)
def department_reply(request, ticket_id: RowId, payload: AnswerIn):
    return _acted(request, ticket_id, services.ticket_reply, answer=payload.answer)
