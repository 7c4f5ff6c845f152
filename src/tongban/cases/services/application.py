"""The applicant's steps: drafts, materials, submission, correction, withdrawal, and the
apply page's save-in-one-step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from tongban.identity import selectors as identity_selectors
from tongban.registries import services as registries_services

from .. import access, selectors, states
from ..choices import CaseChannel, EventKind, TaskState, TrustLevel
from ..errors import CaseError
from ..models import Case, CaseEvent, CaseMaterial, CorrectionNotice
from ..states import Step
from . import _kept
from ._common import (
    S,
    _case_create,
    _check_form_fields,
    _check_form_size,
    _check_materials,
    _checklist_entry,
    _data_used,
    _earlier_used,
    _licences_used,
    _material_checked,
    _materials_stored,
    _numbered,
    _receive,
    _today,
    service,
)

if TYPE_CHECKING:
    from tongban.identity.models import Account


@service
def case_create_draft(
    *,
    account: Account,
    item_id: int | None = None,
    theme_code: str = "",
    form_data: dict | None = None,
    idempotency_key: str = "",
) -> Case:
    """The applicant's own draft for one item or one theme, applied for online: the channel is
    who calls, never something the applicant chooses (an item that takes no online applications
    is refused). Acting for an enterprise is taken from the account's current (re-checked)
    acting entity. The same idempotency key returns the same case."""
    case, _created = _case_create(
        account=account,
        person=access.person_of(account),
        channel=CaseChannel.ONLINE,
        item_id=item_id,
        theme_code=theme_code,
        form_data=form_data,
        idempotency_key=idempotency_key,
    )
    return case


@service
def case_update_draft(*, account: Account, case_id: int, form_data: dict) -> Case:
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    return _update_draft(case, form_data)


def _update_draft(case: Case, form_data: dict) -> Case:
    if case.state != S.DRAFT:
        raise Conflict(CaseError.NOT_DRAFT, _("只有草稿可以修改。"))
    _check_form_size(form_data)
    _check_form_fields(case, form_data, partial=True)
    if form_data == case.form_data:  # e.g. the draft just made with these answers
        return case
    case.form_data, case.updated_at = form_data, timezone.now()
    case.save(update_fields=["form_data", "updated_at"])
    return case


@service
def case_material_add(
    *, account: Account, case_id: int, name: str, upload, catalog_material_id: int | None = None
) -> CaseMaterial:
    """An applicant's upload (trust level C): PDF/JPG/PNG by content, within the size limit."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    upload = _upload_checked(
        case=case, name=name, upload=upload, catalog_material_id=catalog_material_id
    )
    return _uploads_stored(account=account, case=case, materials=[upload])[0]


def _upload_checked(*, case: Case, name: str, upload, catalog_material_id) -> CaseMaterial:
    """An applicant's file (trust level C), checked, not yet written."""
    return _material_checked(
        case=case,
        name=name,
        upload=upload,
        catalog_material_id=catalog_material_id,
        trust_level=TrustLevel.C,
        open_states=(S.DRAFT, S.CORRECTION_REQUESTED),
    )


def _uploads_stored(
    *,
    account: Account,
    case: Case,
    materials: list[CaseMaterial],
    timeline: list[CaseEvent] | None = None,
) -> list[CaseMaterial]:
    return _materials_stored(
        case=case,
        materials=materials,
        actor=account,
        event=EventKind.MATERIAL_ADDED,
        action="cases.case.material_add",
        timeline=timeline,
    )


@service
def case_submit(*, account: Account, case_id: int, idempotency_key: str = "") -> Case:
    """Draft → submitted → pre-review. Submitting again with the case's idempotency key returns
    the same case, unchanged."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    return _submit(account=account, case=case, idempotency_key=idempotency_key)


def _submit(
    *,
    account: Account,
    case: Case,
    idempotency_key: str,
    materials: list[CaseMaterial] | None = None,
    timeline: list[CaseEvent] | None = None,
) -> Case:
    """The submission, checked against the case's files (``materials``, if the caller has
    them); the events of the request not yet written (``timeline``) go with its own."""
    key = idempotency_key or case.idempotency_key
    if case.state != S.DRAFT and key and key == case.idempotency_key:
        return case
    states.check(case, S.SUBMITTED)
    _check_form_fields(case, case.form_data)
    materials, reuse = _licences_used(
        case=case, actor=account, materials=materials, timeline=timeline
    )
    materials, data = _data_used(case=case, actor=account, materials=materials, timeline=timeline)
    materials, earlier = _earlier_used(
        case=case, actor=account, materials=materials, timeline=timeline
    )
    _check_materials(case, case.form_data, materials, reuse, earlier, data)
    if case.entity is not None and not identity_selectors.entity_acting_allowed(
        person=case.applicant, entity=case.entity
    ):
        raise Forbidden(CaseError.ENTITY_NOT_ALLOWED, _("您已无权代表该企业办理。"))
    _numbered(case)
    _registry_corrections_report(account=account, case=case)
    _receive(case)
    steps = [Step(S.SUBMITTED, actor=account), Step(S.PRE_REVIEW, note=_("进入网上预审"))]
    return states.transitions(case, steps, events=timeline or ())


def _registry_corrections_report(*, account: Account, case: Case) -> None:
    """Each answer the applicant changed from what a base registry prefilled goes to that
    registry's provider to check (the form told them it would)."""
    sources = selectors.registry_prefill(
        schema=case.form_schema, person=case.applicant, entity=case.entity
    )
    for name, source in sources.items():
        answer = case.form_data.get(name)
        if answer in (None, "") or answer == source.value:
            continue
        registries_services.registry_correction_report(
            dataset=source.dataset,
            key=source.key,
            field=source.field,
            proposed=str(answer),
            reference=case.number or "",
            reported_by=account,
        )


@service
def case_correct(*, account: Account, case_id: int, form_data: dict | None = None) -> Case:
    """The applicant answers the correction notice: back to pre-review, receipt restarts."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    return _correct(account=account, case=case, form_data=form_data)


def _correction_open(case: Case) -> CorrectionNotice | None:
    """The open correction notice of a case awaiting its correction, or refusal: the case is
    not awaiting one, or the deadline has passed (then nothing more is taken, files neither)."""
    states.check(case, S.PRE_REVIEW)
    notice = case.correction_notices.filter(corrected_at__isnull=True).last()
    if notice is not None and _today() > notice.due:
        raise Conflict(
            CaseError.CORRECTION_EXPIRED,
            _("补正期限已于 %(due)s 届满，不能再提交补正，请重新申请或联系窗口。")
            % {"due": notice.due.isoformat()},
        )
    return notice


def _correct(*, account: Account, case: Case, form_data: dict | None) -> Case:
    notice = _correction_open(case)
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
def case_withdraw(*, account: Account, case_id: int, reason: str = "") -> Case:
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    states.check(case, S.WITHDRAWN)
    case.tasks.filter(state=TaskState.OPEN).update(state=TaskState.CANCELLED)
    return states.transition(case, S.WITHDRAWN, actor=account, note=reason[:300])


def _add_uploads(
    *,
    account: Account,
    case: Case,
    uploads,
    errors: dict[str, str] | None = None,
    earlier: list[CaseMaterial] | None = None,
    timeline: list[CaseEvent] | None = None,
) -> list[CaseMaterial]:
    """Files for checklist entries, as ``(catalog material id, file)``, checked, then written
    together (their events into ``timeline`` if given: ``_recorded``); returns those added. A
    problem is reported at its entry (field ``materials.<id>``): raised, or with ``errors``
    put there and the other files go on (a refused file has written nothing, so the
    transaction carries on clean, audit batch included).

    In a draft a file for an entry replaces the applicant's files of that entry from before
    this call (the page has one file input per entry, showing "已上传：name（可替换）": choosing
    again means "this one instead"); several files for one entry in one call are all kept. In
    a correction nothing is replaced: the files under review stay with the case. ``earlier``
    are the draft's files from before, if the caller has them (a case just made has none)."""
    if earlier is None:
        draft = case.state == S.DRAFT
        earlier = list(case.materials.filter(trust_level=TrustLevel.C)) if draft else []
    checked, replaced = [], []
    for material_id, upload in uploads:
        try:
            entry = _checklist_entry(case, material_id)
            checked.append(
                _upload_checked(
                    case=case, name=entry.name, upload=upload, catalog_material_id=entry.id
                )
            )
        except InvalidInput as exc:
            field = f"materials.{material_id}"
            if errors is None:
                raise InvalidInput(exc.code, exc.message, fields={field: exc.message}) from exc
            errors[field] = exc.message
            continue
        replaced += [m for m in earlier if m.catalog_material_id in entry.ids]
        earlier = [m for m in earlier if m not in replaced]
    added = _uploads_stored(account=account, case=case, materials=checked, timeline=timeline)
    for material in replaced:
        _material_replaced(account=account, case=case, material=material)
    return added


def _material_replaced(*, account: Account, case: Case, material: CaseMaterial) -> None:
    """Drop an earlier file of a draft's entry; its stored file goes once the deletion commits."""
    stored = material.file
    material.delete()
    if stored.name and not material.reused_from_id:  # a reused file is the earlier case's
        transaction.on_commit(lambda: stored.storage.delete(stored.name))
    audit_record(
        action="cases.case.material_replace",
        actor=account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"name": material.name, "file": material.original_name},
    )


def case_application_save(
    *,
    account: Account,
    form_data: dict,
    uploads=(),
    case_id: int | None = None,
    item_id: int | None = None,
    theme_code: str = "",
    idempotency_key: str = "",
    submit: bool = False,
) -> Case:
    """The apply page (and the API's apply): create (or update) the draft with the answers so
    far, add the files, and submit if asked — all or nothing. A draft may leave fields
    unanswered, but what is answered must fit the form. A repeat with the idempotency key of a
    case already submitted (a double click) returns that case unchanged.

    Refused for the applicant's input, the good files are kept with the draft (the one under
    ``idempotency_key`` is made if needed; without a case or a key nothing could find it, so
    nothing is kept) and the refusal is raised with every problem at once (see ``_kept``).

    Not a ``@service``: it runs the save and, if refused, the keeping as two durable audited
    transactions one after the other, so a failed save leaves nothing; like every verb it is
    refused (``RuntimeError``) inside another transaction."""
    uploads = list(uploads)
    target = {"item_id": item_id, "theme_code": theme_code, "idempotency_key": idempotency_key}
    try:
        return _application_save(
            account=account,
            form_data=form_data,
            uploads=uploads,
            case_id=case_id,
            submit=submit,
            **target,
        )
    except InvalidInput as refused:
        if not uploads or (case_id is None and not idempotency_key):
            raise
        raise _kept_or_refused(
            _application_keep,
            refused,
            account=account,
            case_id=case_id,
            target=target,
            form_data=form_data,
            uploads=uploads,
            submit=submit,
        ) from refused


@service
def _application_save(
    *,
    account: Account,
    form_data: dict,
    uploads: list,
    case_id: int | None,
    item_id: int | None,
    theme_code: str,
    idempotency_key: str,
    submit: bool,
) -> Case:
    # The events of this save are written together: with the submission's, or at the end.
    timeline: list[CaseEvent] = []
    if case_id is not None:
        case = access.case_for_applicant_or_404(account=account, case_id=case_id)
        created = False
    else:
        case, created = _case_create(
            account=account,
            person=access.person_of(account),
            channel=CaseChannel.ONLINE,
            item_id=item_id,
            theme_code=theme_code,
            form_data=form_data,
            idempotency_key=idempotency_key,
            timeline=timeline,
        )
    if case.state != S.DRAFT and idempotency_key and idempotency_key == case.idempotency_key:
        return case
    if case.state != S.DRAFT:
        raise Conflict(CaseError.NOT_DRAFT, _("该申请已提交，不能再修改草稿。"))
    _update_draft(case, form_data)
    added = _add_uploads(
        account=account,
        case=case,
        uploads=uploads,
        earlier=[] if created else None,
        timeline=timeline,
    )
    if not submit:
        states.record_events(timeline)
        return case
    if idempotency_key and not case.idempotency_key:
        case.idempotency_key = idempotency_key[:64]  # saved with the transition
    return _submit(
        account=account,
        case=case,
        idempotency_key=idempotency_key,
        materials=added if created else None,
        timeline=timeline,
    )


def case_correction_save(*, account: Account, case_id: int, form_data: dict, uploads=()) -> Case:
    """The correction page: the corrected answers and files, then back to pre-review (all or
    nothing; after the correction deadline nothing is taken).

    Refused for the applicant's input, the good files are added to the case (nothing under
    review is replaced) and the refusal is raised with every problem at once (see ``_kept``).
    Not a ``@service`` for the same reason as ``case_application_save``: two durable audited
    transactions one after the other."""
    uploads = list(uploads)
    try:
        return _correction_save(
            account=account, case_id=case_id, form_data=form_data, uploads=uploads
        )
    except InvalidInput as refused:
        if not uploads:
            raise
        raise _kept_or_refused(
            _correction_keep,
            refused,
            account=account,
            case_id=case_id,
            form_data=form_data,
            uploads=uploads,
        ) from refused


@service
def _correction_save(*, account: Account, case_id: int, form_data: dict, uploads: list) -> Case:
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    _correction_open(case)
    _add_uploads(account=account, case=case, uploads=uploads)
    return _correct(account=account, case=case, form_data=form_data)


def _kept_or_refused(keep, refused: InvalidInput, **kwargs) -> InvalidInput:
    """Run ``keep`` (a durable transaction keeping the good files of the ``refused`` save) and
    return the refusal to raise: with every problem of the page, or ``refused`` itself if there
    is no case to keep them with (not the applicant's, no longer open, not online …)."""
    try:
        return keep(refused, **kwargs)
    except _kept.NothingKept as nothing:  # its transaction rolled back: no draft made for nothing
        return nothing.refusal
    except DomainError:
        return refused


@service
def _application_keep(
    refused: InvalidInput,
    *,
    account: Account,
    case_id: int | None,
    target: dict,
    form_data,
    uploads,
    submit,
) -> InvalidInput:
    if case_id is None:
        person = access.person_of(account)
        case, _created = _case_create(
            account=account, person=person, channel=CaseChannel.ONLINE, **target
        )
        case_id = case.pk
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    if case.state != S.DRAFT:
        return refused
    return _keep(
        refused, account=account, case=case, form_data=form_data, uploads=uploads, submit=submit
    )


@service
def _correction_keep(
    refused: InvalidInput, *, account: Account, case_id: int, form_data, uploads
) -> InvalidInput:
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    _correction_open(case)
    return _keep(
        refused, account=account, case=case, form_data=form_data, uploads=uploads, submit=True
    )


def _keep(
    refused: InvalidInput, *, account: Account, case: Case, form_data, uploads, submit
) -> InvalidInput:
    """Store the good files with ``case`` and return the refusal with every problem; if no file
    was good, raise ``NothingKept`` with it instead, rolling back what this transaction did."""
    errors: dict[str, str] = {}
    added = _add_uploads(account=account, case=case, uploads=uploads, errors=errors)
    refusal = _kept.refusal(refused, case=case, form_data=form_data, submit=submit, bad=errors)
    if not added:
        raise _kept.NothingKept(refusal)
    return refusal
