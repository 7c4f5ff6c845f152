"""The 12345 hotline's workbench pages: the agent's desk (knowledge search, a call taken or
answered on the spot), the dispatch desk (the classifier's suggestion and why; dispatch;
arbitrate returns), a department's queue and a ticket's page with the actions its reader
may take, the supervision board (督办) and the analysis. Views parse, call one service or
selector, and shape; who may do what is the hotline's ``access``."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongban.core.errors import DomainError, NotFound
from tongban.core.web import form_add_domain_error
from tongban.hotline import access, reports, selectors, services
from tongban.hotline.choices import EventKind, ExtensionState, TicketChannel, TicketState
from tongban.hotline.errors import HotlineError
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import staff_of

from . import hotline_charts as charts
from . import hotline_forms as f
from .views import staff_login_required

S = TicketState
X = ExtensionState
CALL_FIELDS = (
    "channel",
    "kind",
    "urgency",
    "text",
    "name",
    "mobile",
    "address",
    "lat",
    "lng",
    "contact_private",
)


GRID_FIELDS = ("kind", "urgency", "text", "address", "lat", "lng", "attachments")


def hotline_desks(staff) -> dict[str, bool]:
    """Which hotline pages the workbench home links for this staff member."""
    return {
        "agent": access.can_hold(staff, *access.AGENTS),
        "dispatch": access.can_hold(staff, *access.DISPATCHERS),
        "queue": access.can_hold(staff, *access.HANDLERS),
        "board": access.can_hold(staff, *access.DESK),
        "grid": access.can_hold(staff, *access.GRID_INSPECTORS),
    }


# --- the agent's desk -----------------------------------------------------------------------


@staff_login_required
def agent_desk(request):
    staff = staff_of(request.user)
    access.require_desk(staff, access.AGENTS)
    search = f.KnowledgeForm(request.GET)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    hits, search_error = [], ""
    if q:
        try:
            hits = selectors.knowledge_for(staff, q)
        except DomainError as exc:
            search_error = exc.message
    context = {"staff": staff, "search": search, "q": q, "hits": hits, "search_error": search_error}
    if request.GET.get("fragment") == "1":
        return render(request, "workbench/hotline/_knowledge.html", context)
    context["replied"] = selectors.desk_queue(staff, state=S.REPLIED)
    form = f.DeskFileForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                call = {k: data[k] for k in CALL_FIELDS}
                if "spot" in request.POST:
                    ticket = services.ticket_file_answered(
                        staff=staff, answer=data["answer"], **call
                    )
                else:
                    ticket = services.ticket_file_by_staff(staff=staff, **call)
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = exc.status
            else:
                done = (
                    _("已当场答复并办结：%(n)s。")
                    if "spot" in request.POST
                    else _("已登记工单 %(n)s，等待派单。")
                )
                messages.success(request, done % {"n": ticket.number})
                return redirect("workbench:hotline_ticket", ticket_id=ticket.pk)
    return render(request, "workbench/hotline/agent.html", {**context, "form": form}, status=status)


# --- the grid inspector ---------------------------------------------------------------------


@staff_login_required
def grid_patrol(request):
    """A grid inspector files what they find on patrol (the grid-patrol channel) and follows
    their findings."""
    staff = staff_of(request.user)
    access.require_desk(staff, access.GRID_INSPECTORS)
    form = f.GridFindingForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_file_by_staff(
                    staff=staff,
                    channel=TicketChannel.GRID,
                    **{k: data[k] for k in GRID_FIELDS},
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, _("已登记网格巡查工单 %(n)s，等待派单。") % {"n": ticket.number}
                )
                return redirect("workbench:hotline_grid")
    return render(
        request,
        "workbench/hotline/grid.html",
        {"staff": staff, "form": form, "findings": selectors.grid_findings(staff)},
        status=status,
    )


# --- queues ---------------------------------------------------------------------------------


@staff_login_required
def dispatch_desk(request):
    staff = staff_of(request.user)
    access.require_desk(staff, access.DISPATCHERS)
    rows = selectors.desk_queue(staff)
    return render(
        request,
        "workbench/hotline/dispatch.html",
        {
            "staff": staff,
            "waiting": [t for t in rows if t.state in (S.RECEIVED, S.REOPENED)],
            "returned": [t for t in rows if t.state == S.RETURNED],
            "extensions": [t for t in rows if t.extension_state == X.REQUESTED],
            "replied": [t for t in rows if t.state == S.REPLIED],
        },
    )


@staff_login_required
def department_queue(request):
    staff = staff_of(request.user)
    tickets = selectors.department_queue(staff)
    return render(
        request,
        "workbench/hotline/queue.html",
        {"staff": staff, "tickets": tickets},
    )


@staff_login_required
def board(request):
    staff = staff_of(request.user)
    return render(
        request,
        "workbench/hotline/board.html",
        {
            "staff": staff,
            **reports.supervision_board(staff),
            "can_supervise": access.can_hold(staff, *access.SUPERVISORS),
            "extensions": [
                t for t in selectors.desk_queue(staff) if t.extension_state == X.REQUESTED
            ]
            if access.can_hold(staff, *access.OFFICE)
            else [],
            "form": f.SuperviseForm(),
        },
    )


@staff_login_required
def analysis(request):
    staff = staff_of(request.user)
    data = reports.analysis(staff)
    return render(
        request,
        "workbench/hotline/analysis.html",
        {
            "staff": staff,
            **data,
            "chart_category": charts.bars(data["by_category"], title=_("按分类")),
            "chart_district": charts.bars(data["by_district"], title=_("按区")),
            "chart_week": charts.columns(data["by_week"], title=_("按周")),
        },
    )


# --- one ticket -----------------------------------------------------------------------------


def _explanation(ticket, categories, departments) -> dict:
    """The classifier's suggestion as stored at filing: the top categories and departments
    with their likelihood, and the words that decided it."""
    s = ticket.suggestion or {}
    names = {c.code: str(c) for parent in categories for c in parent.children.all()}
    depts = {d.code: d.name for d in departments}
    return {
        "categories": [
            {"code": c, "name": names.get(c, c), "p": round(100 * p)}
            for c, p in s.get("categories", [])[:3]
        ],
        "departments": [
            {"code": d, "name": depts.get(d, d), "p": round(100 * p)}
            for d, p in s.get("departments", [])[:3]
            if d
        ],
        "words": s.get("reasons") or [],
    }


def _forms(staff, ticket, post=None, which: str = "") -> dict:
    """The action forms this reader may use on this ticket now (the posted one bound)."""
    state = ticket.state
    office = access.can_hold(staff, *access.DISPATCHERS)
    handler = access.can_handle(staff, ticket)
    departments = identity_selectors.departments_list() if office else []
    make = {
        "answer": lambda d: f.AnswerForm(d, prefix="answer"),
        "dispatch": lambda d: f.DispatchForm(
            d,
            prefix="dispatch",
            categories=selectors.categories_tree(),
            departments=departments,
            initial={
                "category": (ticket.category or ticket.suggested_category or None)
                and (ticket.category or ticket.suggested_category).code
            },
        ),
        "arbitrate": lambda d: f.ArbitrateForm(d, prefix="arbitrate", departments=departments),
        "accept": lambda d: f.EmptyForm(d, prefix="accept"),
        "return": lambda d: f.ReasonForm(d, prefix="return"),
        "start": lambda d: f.EmptyForm(d, prefix="start"),
        "extension": lambda d: f.ExtensionForm(d, prefix="extension"),
        "reply": lambda d: f.AnswerForm(d, prefix="reply"),
        "supervise": lambda d: f.SuperviseForm(d, prefix="supervise"),
        "decide": lambda d: f.ExtensionDecisionForm(d, prefix="decide"),
        "callback": lambda d: f.PhoneCallbackForm(d, prefix="callback"),
        "close": lambda d: f.ReasonForm(d, prefix="close"),
        "reopen": lambda d: f.ReasonForm(d, prefix="reopen"),
    }
    shown = []
    if access.can_hold(staff, *access.AGENTS) and state == S.RECEIVED:
        shown.append("answer")
    if office and state in (S.RECEIVED, S.REOPENED):
        shown.append("dispatch")
    if office and state == S.RETURNED:
        shown.append("arbitrate")
    if handler and state == S.DISPATCHED:
        shown += ["accept", "return"]
    if handler and state == S.ACCEPTED:
        shown += ["start", "return"]
    if handler and state in (S.ACCEPTED, S.HANDLING) and not ticket.extension_state:
        shown.append("extension")
    if handler and state == S.HANDLING:
        shown.append("reply")
    if access.can_hold(staff, *access.SUPERVISORS) and state in (
        S.DISPATCHED,
        S.RETURNED,
        S.ACCEPTED,
        S.HANDLING,
    ):
        shown.append("supervise")
    if access.can_hold(staff, *access.OFFICE) and ticket.extension_state == X.REQUESTED:
        shown.append("decide")
    if access.can_hold(staff, *access.AGENTS) and state == S.REPLIED:
        shown.append("callback")
    if office and state == S.REPLIED:
        shown.append("close")
    if office and state in (S.CLOSED, S.ANSWERED):
        shown.append("reopen")
    if which and which not in shown:
        shown.append(which)  # the one posted, to show why it was refused
    return {name: make[name](post if name == which else None) for name in shown}


def _history(ticket) -> list[dict]:
    rows = []
    for e in ticket.shown_events:
        if e.kind == EventKind.TRANSITION and e.to_state:
            frm = S(e.from_state).label if e.from_state else "—"
            label = _("状态：%(frm)s → %(to)s") % {"frm": frm, "to": S(e.to_state).label}
        elif e.kind == EventKind.TRANSITION:
            label = _("已接收")
        else:
            label = str(EventKind(e.kind).label)
        rows.append({"event": e, "label": label})
    return rows


def _ticket_page(request, staff, ticket, forms, status=200, error=None):
    return render(
        request,
        "workbench/hotline/ticket.html",
        {
            "staff": staff,
            "ticket": ticket,
            "forms": forms,
            "error": error,
            "suggestion": _explanation(
                ticket, selectors.categories_tree(), identity_selectors.departments_list()
            ),
            "history": _history(ticket),
        },
        status=status,
    )


@staff_login_required
def ticket_page(request, ticket_id: int):
    staff = staff_of(request.user)
    ticket = selectors.ticket_for_staff(staff, ticket_id)
    return _ticket_page(request, staff, ticket, _forms(staff, ticket))


@staff_login_required
def attachment_download(request, ticket_id: int, attachment_id: int):
    """A requester's attachment, for whoever may see the ticket (audited)."""
    staff = staff_of(request.user)
    attachment = selectors.attachment_for_staff(staff, ticket_id, attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


def _dept(code: str):
    return code or None


ACTIONS = {
    "answer": (
        lambda s, t, d: services.ticket_answer(staff=s, ticket_id=t, answer=d["answer"]),
        gettext_lazy("已当场答复并办结。"),
    ),
    "dispatch": (
        lambda s, t, d: services.ticket_dispatch(
            staff=s,
            ticket_id=t,
            category=d["category"],
            department=_dept(d["department"]),
            note_text=d["note"],
        ),
        gettext_lazy("已派单。"),
    ),
    "arbitrate": (
        lambda s, t, d: services.ticket_arbitrate(
            staff=s,
            ticket_id=t,
            decision=d["decision"],
            department=_dept(d["department"]),
            note_text=d["note"],
        ),
        gettext_lazy("已仲裁。"),
    ),
    "accept": (
        lambda s, t, d: services.ticket_accept(staff=s, ticket_id=t),
        gettext_lazy("已签收。"),
    ),
    "return": (
        lambda s, t, d: services.ticket_return(staff=s, ticket_id=t, reason=d["reason"]),
        gettext_lazy("已退单，等待派单员仲裁。"),
    ),
    "start": (
        lambda s, t, d: services.ticket_start(staff=s, ticket_id=t),
        gettext_lazy("已开始办理。"),
    ),
    "extension": (
        lambda s, t, d: services.ticket_extension_request(
            staff=s, ticket_id=t, days=d["days"], reason=d["reason"]
        ),
        gettext_lazy("已申请延期，等待热线办公室审批。"),
    ),
    "reply": (
        lambda s, t, d: services.ticket_reply(staff=s, ticket_id=t, answer=d["answer"]),
        gettext_lazy("已答复诉求人，等待回访。"),
    ),
    "supervise": (
        lambda s, t, d: services.ticket_supervise(staff=s, ticket_id=t, note_text=d["note"]),
        gettext_lazy("已督办。"),
    ),
    "decide": (
        lambda s, t, d: services.ticket_extension_decide(
            staff=s, ticket_id=t, approve=d["approve"]
        ),
        gettext_lazy("已审批延期申请。"),
    ),
    "callback": (
        lambda s, t, d: services.ticket_callback(
            account=s.account,
            staff=s,
            ticket_id=t,
            solved=d["solved"],
            satisfied=d["satisfied"],
            comment=d["comment"],
        ),
        gettext_lazy("已记录电话回访。"),
    ),
    "close": (
        lambda s, t, d: services.ticket_close(staff=s, ticket_id=t, reason=d["reason"]),
        gettext_lazy("已办结。"),
    ),
    "reopen": (
        lambda s, t, d: services.ticket_reopen(staff=s, ticket_id=t, reason=d["reason"]),
        gettext_lazy("已重新打开，等待派单。"),
    ),
}


@staff_login_required
@require_POST
def ticket_action(request, ticket_id: int, action: str):
    """One action on a ticket: the page refuses who may not see it; the service refuses who
    may not act; either way nothing changes."""
    staff = staff_of(request.user)
    if action not in ACTIONS:
        raise NotFound(HotlineError.NOT_FOUND, _("没有这个操作。"))
    ticket = selectors.ticket_for_staff(staff, ticket_id)
    forms = _forms(staff, ticket, request.POST, which=action)
    form = forms[action]
    error = None
    if form.is_valid():
        call, done = ACTIONS[action]
        try:
            call(staff, ticket.pk, form.cleaned_data)
        except DomainError as exc:
            if exc.status in (401, 403, 404):
                raise
            error = exc
            form_add_domain_error(form, exc)
        else:
            messages.success(request, done)
            if request.POST.get("next") == "board":
                return redirect("workbench:hotline_board")
            return redirect("workbench:hotline_ticket", ticket_id=ticket_id)
    return _ticket_page(
        request, staff, ticket, forms, status=error.status if error else 400, error=error
    )
