"""我要诉求 (the 12345 hotline, for citizens): file a request with where it is (a standard
address found by search, or a point), follow one's requests, and answer the callback (回访)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongban.core.errors import DomainError
from tongban.core.web import FilesField, MultipleFileInput, form_add_domain_error, form_status
from tongban.hotline import reports, selectors, services
from tongban.hotline.choices import EventKind, TicketKind
from tongban.hotline.choices import TicketState as S

from .case_views import _person

CITIZEN_KINDS = [(k.value, k.label) for k in TicketKind if k != TicketKind.CONSULT]
ATTACHMENT_TYPES = ".pdf,.jpg,.jpeg,.png"
TEXT_FIELD_MAX = 100_000  # the service says how long a request may be; the form only bounds it


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("诉求类型"), choices=CITIZEN_KINDS)
    text = forms.CharField(
        label=gettext_lazy("诉求内容"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=TEXT_FIELD_MAX,
        strip=False,
    )
    address = forms.CharField(label=gettext_lazy("地址"), required=False, max_length=200)
    place_code = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)
    lat = forms.CharField(label=gettext_lazy("纬度"), required=False, max_length=20)
    lng = forms.CharField(label=gettext_lazy("经度"), required=False, max_length=20)
    attachments = FilesField(
        label=gettext_lazy("附件（可选）"),
        required=False,
        help_text=gettext_lazy("照片或文件：PDF、JPG 或 PNG，最多 3 个，每个不超过 10 MB。"),
        widget=MultipleFileInput(attrs={"accept": ATTACHMENT_TYPES}),
    )

    def point(self, name: str) -> Decimal | None:
        value = self.cleaned_data[name].strip()
        if not value:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            self.add_error(name, _("请填写数字形式的经纬度，如 31.2281。"))
            return None


class CallbackForm(forms.Form):
    solved = forms.TypedChoiceField(
        label=gettext_lazy("问题解决了吗？"),
        choices=[("yes", gettext_lazy("已解决")), ("no", gettext_lazy("未解决"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择“是”或“否”。")},
    )
    satisfied = forms.TypedChoiceField(
        label=gettext_lazy("您对办理结果满意吗？"),
        choices=[("yes", gettext_lazy("满意")), ("no", gettext_lazy("不满意"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择“是”或“否”。")},
    )
    comment = forms.CharField(
        label=gettext_lazy("意见（可选）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required(login_url="portal:login")
def request_new(request):
    _person(request)
    form = RequestForm(request.POST or None, request.FILES or None)
    error = None
    places: list = []
    if request.method == "POST" and "find" in request.POST:
        # 查找地址: the standard addresses matching what is typed, to pick one (nothing filed)
        if form.is_valid():
            places = reports.place_choices(form.cleaned_data["address"])
            if not places:
                form.add_error("address", _("本市标准地址中找不到该地址，请换个写法或填写经纬度。"))
        return render(
            request,
            "portal/hotline/new.html",
            {"form": form, "places": places, "searched": True},
            status=200 if places else 422,
        )
    if request.method == "POST" and form.is_valid():
        lat, lng = form.point("lat"), form.point("lng")
        if not form.errors:
            try:
                ticket = services.ticket_file(
                    account=request.user,
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                    address=form.cleaned_data["address"],
                    place_code=form.cleaned_data["place_code"],
                    lat=lat,
                    lng=lng,
                    attachments=form.cleaned_data["attachments"],
                )
            except DomainError as exc:
                error = exc
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request, _("诉求已提交，工单编号 %(number)s。") % {"number": ticket.number}
                )
                return redirect("portal:my_request", ticket_id=ticket.pk)
    return render(
        request,
        "portal/hotline/new.html",
        {"form": form, "places": places},
        status=form_status(form, error),
    )


@login_required(login_url="portal:login")
def my_requests(request):
    _person(request)
    return render(
        request,
        "portal/hotline/list.html",
        {"tickets": selectors.tickets_of_requester(request.user)},
    )


def timeline(ticket) -> list[dict]:
    """The ticket's public history as the requester reads it: each step's state, and what
    the callback said."""
    rows = []
    for e in ticket.shown_events:
        if e.kind == EventKind.CALLBACK:
            label, note = _("回访"), e.note
        elif e.to_state:
            label, note = S(e.to_state).label, ""
        else:
            label, note = _("已接收"), ""
        rows.append({"at": e.at, "label": label, "note": note})
    return rows


def _detail(request, ticket, form, status=200, error=None):
    return render(
        request,
        "portal/hotline/detail.html",
        {
            "ticket": ticket,
            "form": form,
            "asks_callback": ticket.state == S.REPLIED,
            "timeline": timeline(ticket),
            "error": error,
        },
        status=status,
    )


@login_required(login_url="portal:login")
def my_request(request, ticket_id: int):
    _person(request)
    ticket = selectors.ticket_of_requester(request.user, ticket_id)
    return _detail(request, ticket, CallbackForm())


@login_required(login_url="portal:login")
@require_POST
def request_callback(request, ticket_id: int):
    _person(request)
    form = CallbackForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.ticket_callback(
                account=request.user,
                ticket_id=ticket_id,
                solved=form.cleaned_data["solved"],
                satisfied=form.cleaned_data["satisfied"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            error = exc
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("感谢您的评价。"))
            return redirect("portal:my_request", ticket_id=ticket_id)
    if error is not None and error.status in (403, 404):
        raise error
    ticket = selectors.ticket_of_requester(request.user, ticket_id)
    return _detail(request, ticket, form, status=form_status(form, error), error=error)
