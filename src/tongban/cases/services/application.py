"""The applicant's steps: drafts, materials, submission, correction, withdrawal, and the
apply page's save-in-one-step."""

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.identity import selectors as identity_selectors

from .. import access, states
from ..choices import CaseChannel, EventKind, TaskState, TrustLevel
from ..errors import CaseError, invalid
from ..models import Case, CaseMaterial
from ..uploads import check_upload
from ._common import (
    S,
    _case_create,
    _check_form_fields,
    _check_form_size,
    _check_materials,
    _checklist_entry,
    _materials_open_guard,
    _receive,
    _today,
    service,
)


@service
def case_create_draft(
    *,
    account,
    item_id: int | None = None,
    theme_code: str = "",
    form_data: dict | None = None,
    idempotency_key: str = "",
) -> Case:
    """The applicant's own draft for one item or one theme, applied for online: the channel is
    who calls, never something the applicant chooses (an item that takes no online applications
    is refused). Acting for an enterprise is taken from the account's current (re-checked)
    acting entity. The same idempotency key returns the same case."""
    return _case_create(
        account=account,
        person=access.person_of(account),
        channel=CaseChannel.ONLINE,
        item_id=item_id,
        theme_code=theme_code,
        form_data=form_data,
        idempotency_key=idempotency_key,
    )


@service
def case_update_draft(*, account, case_id: int, form_data: dict) -> Case:
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    return _update_draft(case, form_data)


def _update_draft(case: Case, form_data: dict) -> Case:
    if case.state != S.DRAFT:
        raise Conflict(CaseError.NOT_DRAFT, _("只有草稿可以修改。"))
    _check_form_size(form_data)
    _check_form_fields(case, form_data, partial=True)
    case.form_data, case.updated_at = form_data, timezone.now()
    case.save(update_fields=["form_data", "updated_at"])
    return case


@service
def case_material_add(
    *, account, case_id: int, name: str, upload, catalog_material_id: int | None = None
) -> CaseMaterial:
    """An applicant's upload (trust level C): PDF/JPG/PNG by content, within the size limit."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    return _material_add(
        account=account,
        case=case,
        name=name,
        upload=upload,
        catalog_material_id=catalog_material_id,
    )


def _material_add(*, account, case: Case, name: str, upload, catalog_material_id) -> CaseMaterial:
    _materials_open_guard(case, (S.DRAFT, S.CORRECTION_REQUESTED))
    if not (name or "").strip():
        raise invalid(CaseError.MATERIAL_NAME, _("请填写材料名称。"), "name")
    if catalog_material_id is not None:
        _checklist_entry(case, catalog_material_id)
    content_type, sha = check_upload(upload)
    material = CaseMaterial.objects.create(
        case=case,
        catalog_material_id=catalog_material_id,
        name=name.strip()[:200],
        trust_level=TrustLevel.C,
        file=upload,
        size=upload.size,
        content_type=content_type,
        sha256=sha,
    )
    states.record_event(case, kind=EventKind.MATERIAL_ADDED, actor=account, note=material.name)
    audit_record(
        action="cases.case.material_add",
        actor=account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"name": material.name, "size": material.size},
    )
    return material


@service
def case_submit(*, account, case_id: int, idempotency_key: str = "") -> Case:
    """Draft → submitted → pre-review. Submitting again with the case's idempotency key returns
    the same case, unchanged."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    return _submit(account=account, case=case, idempotency_key=idempotency_key)


def _submit(*, account, case: Case, idempotency_key: str) -> Case:
    key = idempotency_key or case.idempotency_key
    if case.state != S.DRAFT and key and key == case.idempotency_key:
        return case
    states.check(case, S.SUBMITTED)
    _check_form_fields(case, case.form_data)
    _check_materials(case, case.form_data)
    if case.entity is not None and not identity_selectors.entity_acting_allowed(
        person=case.applicant, entity=case.entity
    ):
        raise Forbidden(CaseError.ENTITY_NOT_ALLOWED, _("您已无权代表该企业办理。"))
    _receive(case)
    states.transition(case, S.SUBMITTED, actor=account)
    return states.transition(case, S.PRE_REVIEW, note=_("进入网上预审"))


@service
def case_correct(*, account, case_id: int, form_data: dict | None = None) -> Case:
    """The applicant answers the correction notice: back to pre-review, receipt restarts."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    return _correct(account=account, case=case, form_data=form_data)


def _correct(*, account, case: Case, form_data: dict | None) -> Case:
    states.check(case, S.PRE_REVIEW)
    notice = case.correction_notices.filter(corrected_at__isnull=True).last()
    if notice is not None and _today() > notice.due:
        raise Conflict(
            CaseError.CORRECTION_EXPIRED,
            _("补正期限已于 %(due)s 届满，不能再提交补正，请重新申请或联系窗口。")
            % {"due": notice.due.isoformat()},
        )
    data = case.form_data if form_data is None else form_data
    _check_form_size(data)
    _check_form_fields(case, data)
    _check_materials(case, data)
    now = timezone.now()
    changed = sorted(k for k in {*case.form_data, *data} if case.form_data.get(k) != data.get(k))
    case.form_data = data
    _receive(case)
    if notice is not None:
        notice.corrected_at = now
        notice.save(update_fields=["corrected_at"])
    return states.transition(
        case, S.PRE_REVIEW, actor=account, note=_("申请人已补正"), changed_fields=changed
    )


@service
def case_withdraw(*, account, case_id: int, reason: str = "") -> Case:
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    states.check(case, S.WITHDRAWN)
    case.tasks.filter(state=TaskState.OPEN).update(state=TaskState.CANCELLED)
    return states.transition(case, S.WITHDRAWN, actor=account, note=reason[:300])


def _add_uploads(*, account, case: Case, uploads) -> None:
    """Files for checklist entries, as ``(catalog material id, file)``; a problem is reported
    at its entry (field ``materials.<id>``)."""
    for material_id, upload in uploads:
        try:
            entry = _checklist_entry(case, material_id)
            _material_add(
                account=account,
                case=case,
                name=entry.name,
                upload=upload,
                catalog_material_id=entry.id,
            )
        except InvalidInput as exc:
            raise InvalidInput(
                exc.code, exc.message, fields={f"materials.{material_id}": exc.message}
            ) from exc


@service
def case_application_save(
    *,
    account,
    form_data: dict,
    uploads=(),
    case_id: int | None = None,
    item_id: int | None = None,
    theme_code: str = "",
    idempotency_key: str = "",
    submit: bool = False,
) -> Case:
    """The apply page: create (or update) the draft with the answers so far, add the files, and
    submit if asked — all or nothing. A draft may leave fields unanswered, but what is answered
    must fit the form. A repeat with the idempotency key of a case already submitted (a double
    click) returns that case unchanged."""
    if case_id is not None:
        case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    else:
        case = _case_create(
            account=account,
            person=access.person_of(account),
            channel=CaseChannel.ONLINE,
            item_id=item_id,
            theme_code=theme_code,
            idempotency_key=idempotency_key,
        )
    if case.state != S.DRAFT and idempotency_key and idempotency_key == case.idempotency_key:
        return case
    if case.state != S.DRAFT:
        raise Conflict(CaseError.NOT_DRAFT, _("该申请已提交，不能再修改草稿。"))
    _update_draft(case, form_data)
    _add_uploads(account=account, case=case, uploads=uploads)
    if not submit:
        return case
    if idempotency_key and not case.idempotency_key:
        case.idempotency_key = idempotency_key[:64]  # saved with the transition
    return _submit(account=account, case=case, idempotency_key=idempotency_key)


@service
def case_correction_save(*, account, case_id: int, form_data: dict, uploads=()) -> Case:
    """The correction page: the corrected answers and files, then back to pre-review (all or
    nothing; after the correction deadline nothing is taken)."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    states.check(case, S.PRE_REVIEW)
    _add_uploads(account=account, case=case, uploads=uploads)
    return _correct(account=account, case=case, form_data=form_data)
