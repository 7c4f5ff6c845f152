"""Cases JSON API: applicants' own cases, staff queues and transitions, and the public status
query. Thin: parse → check → call a service or selector → shape."""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth
from pydantic import Field

from tongban.core import inputs
from tongban.core.api import ERRORS, RowId
from tongban.core.errors import BadRequest, InvalidInput
from tongban.core.ratelimit import client_ip, rate_limit
from tongban.identity.access import staff_of

from . import selectors, services
from .choices import CaseState
from .errors import CaseError

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    number: str | None  # None for a draft: numbered when submitted
    title: str
    state: str
    state_label: str
    channel: str
    department: str
    form_data: dict[str, Any]
    received_at: datetime | None
    accepted_at: datetime | None
    promised_due: date | None
    legal_due: date | None
    correction_due: date | None
    gaps: list[str]
    decision: str
    reasons: str

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(CaseState(obj.state).label)

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.department.name


class EventOut(Schema):
    at: datetime
    kind: str
    from_state: str
    to_state: str
    note: str


class MaterialOut(Schema):
    id: int
    catalog_material_id: int | None
    name: str
    trust_level: str
    size: int
    content_type: str
    reused_from_case: str = Field(
        "", description="前序流程已收取: the number of the earlier case whose file stands for it"
    )
    supplied: dict | None = Field(
        None,
        description="数据共享获取: resource, resource_name, provider, receipt_id, updated_at "
        "(the record's), fields and labels (in the resource's order) of the exchange read that "
        "supplied it",
    )

    @staticmethod
    def resolve_reused_from_case(obj) -> str:
        source = obj.reused_from if obj.reused_from_id else None
        return (source.case.number or "") if source is not None else ""


class NoticeOut(Schema):
    items: list[dict[str, str]]
    issued_at: datetime
    due: date
    corrected_at: datetime | None


class TaskOut(Schema):
    id: int
    kind: str
    title: str
    department: str
    state: str
    dwell_due: date
    decision: str

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.department.name


class ProgressOut(Schema):
    next_step: str
    holders: list[str]
    days_left: int | None


class CaseDetailOut(CaseOut):
    delivery_due: date | None
    delivery_method: str
    tracking_number: str
    progress: ProgressOut
    events: list[EventOut]
    materials: list[MaterialOut]
    correction_notices: list[NoticeOut]
    tasks: list[TaskOut]

    @staticmethod
    def resolve_progress(obj):
        return selectors.case_progress(obj)

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_materials(obj):
        return list(obj.materials.all())

    @staticmethod
    def resolve_correction_notices(obj):
        return list(obj.correction_notices.all())

    @staticmethod
    def resolve_tasks(obj):
        return list(obj.tasks.all())


class StaffCaseOut(CaseOut):
    """A case as staff get it: the answers' personal data masked."""

    resolve_form_data = staticmethod(selectors.case_answers_for_staff)


class MaterialLicenceOut(Schema):
    """An e-licence standing for a material (免提交), as it stands now."""

    material_id: int
    identifier: str
    type_name: str
    holder_name: str
    holder_code: str
    data: dict[str, Any]
    valid_from: date
    valid_until: date | None
    status: str
    status_label: str


class StaffCaseDetailOut(CaseDetailOut):
    licences: list[MaterialLicenceOut]
    resolve_form_data = staticmethod(selectors.case_answers_for_staff)

    @staticmethod
    def resolve_licences(obj):
        return [
            {
                "material_id": material_id,
                "identifier": row["licence"].identifier,
                "type_name": row["licence"].licence_type.name,
                "holder_name": row["licence"].holder_name,
                "holder_code": row["licence"].holder_code_masked,
                "data": row["data"],
                "valid_from": row["licence"].valid_from,
                "valid_until": row["licence"].valid_until,
                "status": row["status"],
                "status_label": row["status_label"],
            }
            for material_id, row in obj.staff_licences.items()
        ]


class UploadsSavedDepartment(Schema):
    department: str
    cases: int
    saved: int


class UploadsSavedItem(UploadsSavedDepartment):
    title: str


class UploadsSavedOut(Schema):
    items: list[UploadsSavedItem]
    departments: list[UploadsSavedDepartment]
    total: int


class CaseIn(Schema):
    """An applicant's draft. No channel: over this API it is always ``online`` (the counter
    files its cases through ``/staff/counter``)."""

    item_id: RowId | None = None
    theme_code: str = ""
    form_data: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str = Field("", max_length=64)


class FormIn(Schema):
    form_data: dict[str, Any]


class SubmitIn(Schema):
    idempotency_key: str = Field("", max_length=64)


class CorrectIn(Schema):
    form_data: dict[str, Any] | None = None


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class StatusOut(Schema):
    number: str
    title: str
    state: str
    state_label: str
    received_on: str | None
    accepted_on: str | None
    decided_on: str | None
    closed_on: str | None
    promised_due: str | None


# --- applicant ------------------------------------------------------------------------------


@router.get("/status", response={200: StatusOut, **ERRORS}, auth=None)
def public_status(request, number: str = "", name: str = ""):
    """Public: case number + applicant name → state and dates only. Limited per client address
    (``TONGBAN_STATUS_QUERY_RATE``); past it, 429 ``rate_limited``."""
    rate_limit(
        scope="case_status", client=client_ip(request), rate=settings.TONGBAN_STATUS_QUERY_RATE
    )
    return selectors.case_public_status(number=number, name=name)


@router.post("", response={201: CaseOut, **ERRORS}, auth=django_auth)
def create(request, payload: CaseIn):
    case = services.case_create_draft(account=request.auth, **payload.dict())
    return Status(201, case)


@router.post("/apply", response={201: CaseOut, **ERRORS}, auth=django_auth)
def apply(
    request,
    form_data: Form[str],
    item_id: Form[RowId | None] = None,
    theme_code: Form[str] = "",
    idempotency_key: Form[str] = "",
):
    """Apply in one request, as the apply page does: the answers (``form_data``, a JSON object),
    one file per checklist material as ``material_<catalog material id>``, submitted at once
    (all or nothing)."""
    try:
        answers = inputs.loads(form_data, field="form_data")
    except BadRequest as exc:
        if exc.code != "input.invalid_json":
            raise  # unsafe text or numbers stay 400; answers that are not JSON are the form's 422
        answers = None
    if not isinstance(answers, dict):
        message = _("表单数据格式不正确。")
        raise InvalidInput(CaseError.FORM_DATA, message, fields={"form_data": message})
    uploads = [
        (int(key.removeprefix("material_")), upload)
        for key, upload in request.FILES.items()
        if key.removeprefix("material_").isdigit()
    ]
    case = services.case_application_save(
        account=request.auth,
        form_data=answers,
        uploads=uploads,
        item_id=item_id,
        theme_code=theme_code,
        idempotency_key=idempotency_key[:64],
        submit=True,
    )
    return Status(201, case)


@router.get("", response={200: list[CaseOut], **ERRORS}, auth=django_auth)
def mine(request, state: str = ""):
    return selectors.cases_for_applicant(account=request.auth, state=state)


@router.get("/{int:case_id}", response={200: CaseDetailOut, **ERRORS}, auth=django_auth)
def detail(request, case_id: RowId):
    return selectors.case_detail_for_applicant(account=request.auth, case_id=case_id)


@router.put("/{int:case_id}/form", response={200: CaseOut, **ERRORS}, auth=django_auth)
def update_form(request, case_id: RowId, payload: FormIn):
    return services.case_update_draft(
        account=request.auth, case_id=case_id, form_data=payload.form_data
    )


@router.post("/{int:case_id}/materials", response={201: MaterialOut, **ERRORS}, auth=django_auth)
def add_material(
    request,
    case_id: RowId,
    name: Form[str],
    file: File[UploadedFile],
    catalog_material_id: Form[RowId | None] = None,
):
    """``catalog_material_id``: the checklist entry the file is for (see the case's item guide);
    each required material the applicant supplies needs a file before the case can be submitted."""
    material = services.case_material_add(
        account=request.auth,
        case_id=case_id,
        name=name,
        upload=file,
        catalog_material_id=catalog_material_id,
    )
    return Status(201, material)


@router.post("/{int:case_id}/submit", response={200: CaseOut, **ERRORS}, auth=django_auth)
def submit(request, case_id: RowId, payload: SubmitIn):
    return services.case_submit(
        account=request.auth, case_id=case_id, idempotency_key=payload.idempotency_key
    )


@router.post("/{int:case_id}/correct", response={200: CaseOut, **ERRORS}, auth=django_auth)
def correct(request, case_id: RowId, payload: CorrectIn):
    return services.case_correct(account=request.auth, case_id=case_id, form_data=payload.form_data)


@router.post("/{int:case_id}/withdraw", response={200: CaseOut, **ERRORS}, auth=django_auth)
def withdraw(request, case_id: RowId, payload: ReasonIn):
    return services.case_withdraw(account=request.auth, case_id=case_id, reason=payload.reason)


# --- staff ----------------------------------------------------------------------------------


class QueueRow(Schema):
    case: StaffCaseOut
    task: TaskOut | None
    due: date | None
    colour: str
    overdue: bool


class CorrectionItem(Schema):
    target: str = Field(..., max_length=200)
    reason: str = Field(..., max_length=500)


class CorrectionIn(Schema):
    items: list[CorrectionItem]
    days: int = services.APPLICANT_CORRECTION_DAYS


class RefuseIn(Schema):
    reasons: str
    legal_basis: str


class GapsIn(Schema):
    gaps: list[str]
    days: int


class DecideIn(Schema):
    decision: str
    reasons: str = ""


class VerifyIn(Schema):
    passed: bool
    note: str = ""


class DeliverIn(Schema):
    method: str
    tracking_number: str = ""


class CounterIn(Schema):
    """``id_number`` identifies the applicant (the form's applicant fields are theirs); ``name``
    and, optionally, ``mobile`` record a walk-in the platform does not know yet."""

    item_id: RowId
    id_number: str = Field(..., max_length=18)
    form_data: dict[str, Any] = Field(default_factory=dict)
    name: str = Field("", max_length=50)
    mobile: str = Field("", max_length=20)


@router.get("/staff/queue", response={200: list[QueueRow], **ERRORS}, auth=django_auth)
def staff_queue(
    request,
    kind: str = "pre_review",
    limit: int = Query(50, ge=1, le=200),
    overdue_only: bool = False,
    channel: str = "",
):
    rows = selectors.queue_for_staff(
        staff=staff_of(request.auth),
        kind=kind,
        limit=limit,
        overdue_only=overdue_only,
        channel=channel,
    )
    # the forms that say which answers to mask, in two queries for the page
    prefetch_related_objects([row["case"] for row in rows], "item_version", "theme")
    return rows


@router.get(
    "/staff/cases/{int:case_id}", response={200: StaffCaseDetailOut, **ERRORS}, auth=django_auth
)
def staff_case(request, case_id: RowId):
    staff = staff_of(request.auth)
    case = selectors.case_for_staff(staff=staff, case_id=case_id)
    case.staff_licences = selectors.case_licences_for_staff(staff=staff, case=case)
    return case


@router.get(
    "/staff/reports/uploads-saved", response={200: UploadsSavedOut, **ERRORS}, auth=django_auth
)
def staff_uploads_saved(request):
    """免提交 in figures: uploads saved by e-licences, per item and per department."""
    return selectors.uploads_saved_report(staff=staff_of(request.auth))


def _act(request, verb, **kwargs):
    verb(staff=staff_of(request.auth), **kwargs)


def _case(case_id: int, request):
    return selectors.case_for_staff(staff=staff_of(request.auth), case_id=case_id)


CASE_ACTION = {"response": {200: StaffCaseOut, **ERRORS}, "auth": django_auth}


@router.post("/staff/cases/{int:case_id}/accept", **CASE_ACTION)
def staff_accept(request, case_id: RowId):
    return services.case_pre_review_accept(staff=staff_of(request.auth), case_id=case_id)


@router.post("/staff/cases/{int:case_id}/correction", **CASE_ACTION)
def staff_correction(request, case_id: RowId, payload: CorrectionIn):
    items = [i.dict() for i in payload.items]
    _act(request, services.case_request_correction, case_id=case_id, items=items, days=payload.days)
    return _case(case_id, request)


@router.post("/staff/cases/{int:case_id}/correction-proposal", **CASE_ACTION)
def staff_correction_proposal(request, case_id: RowId, payload: CorrectionIn):
    """A member department of a theme case proposes corrections to the lead department."""
    items = [i.dict() for i in payload.items]
    _act(request, services.case_correction_propose, case_id=case_id, items=items)
    return _case(case_id, request)


@router.post("/staff/cases/{int:case_id}/refuse", **CASE_ACTION)
def staff_refuse(request, case_id: RowId, payload: RefuseIn):
    return services.case_refuse(staff=staff_of(request.auth), case_id=case_id, **payload.dict())


@router.post("/staff/cases/{int:case_id}/accept-with-gaps", **CASE_ACTION)
def staff_accept_with_gaps(request, case_id: RowId, payload: GapsIn):
    return services.case_accept_with_gaps(
        staff=staff_of(request.auth), case_id=case_id, **payload.dict()
    )


@router.post("/staff/cases/{int:case_id}/gaps-close", **CASE_ACTION)
def staff_gaps_close(request, case_id: RowId):
    return services.case_gaps_close(staff=staff_of(request.auth), case_id=case_id)


@router.post("/staff/cases/{int:case_id}/review-start", **CASE_ACTION)
def staff_review_start(request, case_id: RowId):
    return services.case_review_start(staff=staff_of(request.auth), case_id=case_id)


@router.post("/staff/cases/{int:case_id}/decide", **CASE_ACTION)
def staff_decide(request, case_id: RowId, payload: DecideIn):
    return services.case_decide(staff=staff_of(request.auth), case_id=case_id, **payload.dict())


@router.post("/staff/cases/{int:case_id}/commitment-approve", **CASE_ACTION)
def staff_commitment(request, case_id: RowId):
    _act(request, services.case_commitment_approve, case_id=case_id)
    return _case(case_id, request)


@router.post("/staff/cases/{int:case_id}/extend", **CASE_ACTION)
def staff_extend(request, case_id: RowId, payload: ReasonIn):
    return services.case_extend(
        staff=staff_of(request.auth), case_id=case_id, reason=payload.reason
    )


@router.post("/staff/cases/{int:case_id}/deliver", **CASE_ACTION)
def staff_deliver(request, case_id: RowId, payload: DeliverIn):
    return services.case_deliver(staff=staff_of(request.auth), case_id=case_id, **payload.dict())


@router.post("/staff/cases/{int:case_id}/close", **CASE_ACTION)
def staff_close(request, case_id: RowId):
    return services.case_close(staff=staff_of(request.auth), case_id=case_id)


@router.post(
    "/staff/tasks/{int:task_id}/decide", response={200: TaskOut, **ERRORS}, auth=django_auth
)
def staff_task_decide(request, task_id: RowId, payload: DecideIn):
    return services.task_decide(staff=staff_of(request.auth), task_id=task_id, **payload.dict())


@router.post(
    "/staff/tasks/{int:task_id}/verify", response={200: TaskOut, **ERRORS}, auth=django_auth
)
def staff_task_verify(request, task_id: RowId, payload: VerifyIn):
    return services.task_verify(staff=staff_of(request.auth), task_id=task_id, **payload.dict())


class ReassignIn(Schema):
    department_code: str = Field(..., max_length=50)


@router.post(
    "/staff/tasks/{int:task_id}/reassign", response={200: TaskOut, **ERRORS}, auth=django_auth
)
def staff_task_reassign(request, task_id: RowId, payload: ReassignIn):
    return services.task_reassign(
        staff=staff_of(request.auth), task_id=task_id, department_code=payload.department_code
    )


@router.post(
    "/staff/materials/{int:material_id}/verify",
    response={200: MaterialOut, **ERRORS},
    auth=django_auth,
)
def staff_material_verify(request, material_id: RowId):
    return services.case_material_verify(staff=staff_of(request.auth), material_id=material_id)


@router.post("/staff/counter", response={201: StaffCaseOut, **ERRORS}, auth=django_auth)
def staff_counter(request, payload: CounterIn):
    case = services.case_counter_create(staff=staff_of(request.auth), **payload.dict())
    return Status(201, case)
