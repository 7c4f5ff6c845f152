"""The counter (一窗受理): a clerk takes in a walk-in applicant's case and scans the papers in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.identity import selectors as identity_selectors
from tongban.identity import services as identity_services
from tongban.identity.access import require_role

from .. import access, states
from ..choices import CaseChannel, EventKind, TrustLevel
from ..errors import CaseError, case_not_found
from ..models import Case, CaseMaterial
from ..states import Step
from ._common import (
    FRONT_DESK,
    S,
    _applicant_own,
    _case_create,
    _check_form_fields,
    _check_materials,
    _earlier_used,
    _licences_used,
    _material_checked,
    _materials_stored,
    _numbered,
    _receive,
    service,
)

if TYPE_CHECKING:
    from tongban.identity.models import Staff


def _counter_applicant(*, staff: Staff, id_number: str, name: str = "", mobile: str = ""):
    """The walk-in applicant, identified once, by the ID card the clerk checked: the person with
    this number (the read is audit-logged for them to see), or, when the platform does not know
    them yet, a person recorded from the card. A name or mobile the clerk gives for a known
    person must be theirs."""
    id_number = identity_services.clean_id_number(id_number)
    try:
        person = identity_selectors.person_lookup(viewer=staff, id_number=id_number)
    except NotFound:
        if not (name or "").strip():
            message = _(
                "该身份证号码尚未在平台登记：请按身份证件填写申请人姓名（手机号码选填），"
                "窗口登记后收件。"
            )
            fields = {"name": message}
            raise InvalidInput(CaseError.COUNTER_NAME_REQUIRED, message, fields=fields) from None
        return identity_services.person_record_walk_in(
            staff=staff, name=name, id_number=id_number, mobile=mobile
        )
    if (name or "").strip() and name.strip() != person.name:
        message = _("姓名与身份证号码不一致。")
        raise InvalidInput("person.name_mismatch", message, fields={"name": message})
    if (mobile or "").strip() and identity_services.clean_mobile(mobile) != person.mobile:
        message = _("与申请人在平台登记的手机号码不一致。")
        raise InvalidInput(CaseError.COUNTER_MOBILE_MISMATCH, message, fields={"mobile": message})
    return person


def _applicant_answers(schema: dict, person, form_data: dict | None) -> dict:
    """The form's fields bound to the applicant (``x-bind``) that the clerk left empty, filled
    from the person identified by the ID card: the counter page does not ask for them. A value
    the clerk did give must be that person's, as on every door (``_check_applicant_fields``)."""
    data = dict(form_data or {})
    own = _applicant_own(person, None)
    for field, bind in catalog_selectors.form_bindings(schema).items():
        if data.get(field) in (None, "") and own[bind]:
            data[field] = own[bind]
    return data


def _scan_papers(*, staff: Staff, case: Case, scans) -> None:
    """The papers as ``(catalog material id, name, file)``; a bad one is reported at its entry
    (field ``materials.<id>``)."""
    for material_id, name, upload in scans:
        try:
            _scan(staff=staff, case=case, name=name, upload=upload, catalog_material_id=material_id)
        except InvalidInput as exc:
            message = _("%(name)s：%(m)s") % {"name": name, "m": exc.message}
            fields = {f"materials.{material_id}": exc.message}
            raise InvalidInput(exc.code, message, fields=fields) from exc


@service
def case_counter_create(
    *,
    staff: Staff,
    item_id: int,
    id_number: str,
    form_data: dict | None = None,
    scans=(),
    name: str = "",
    mobile: str = "",
) -> Case:
    """A clerk takes in a walk-in applicant's case and hands it to the item's department for
    pre-review (受办分离); the clerk's center is recorded. The item must be citywide, or the
    center must be in the item's region. The applicant is the person of the ID card
    (``_counter_applicant``), and the form's applicant fields are theirs. The papers scanned in
    (``_scan_papers``) are held to the online rule: every material the answers make necessary
    has a file."""
    return _counter_create(
        staff=staff,
        item_id=item_id,
        id_number=id_number,
        form_data=form_data,
        scans=scans,
        name=name,
        mobile=mobile,
    )


def _counter_create(*, staff: Staff, item_id: int, id_number: str, form_data, scans, name, mobile):
    require_role(staff, *access.COUNTER)
    item = catalog_selectors.item_public(item_id)
    version = catalog_selectors.published_version(item)
    if not version.citywide and staff.department.region_id != item.region_id:
        raise Forbidden(
            CaseError.COUNTER_OUT_OF_SCOPE,
            _("“%(item)s”不是全市通办事项，本中心（%(center)s）不在其受理范围内。")
            % {"item": version.name, "center": staff.department.name},
        )
    person = _counter_applicant(staff=staff, id_number=id_number, name=name, mobile=mobile)
    case, _created = _case_create(
        account=staff.account,
        person=person,
        channel=CaseChannel.COUNTER,
        item_id=item_id,
        form_data=_applicant_answers(version.form_schema or {}, person, form_data),
        center=staff.department,
    )
    _check_form_fields(case, case.form_data)
    _scan_papers(staff=staff, case=case, scans=scans)
    materials, reuse = _licences_used(case=case, actor=staff.account)
    materials, earlier = _earlier_used(case=case, actor=staff.account, materials=materials)
    _check_materials(case, case.form_data, materials, reuse, earlier)
    _numbered(case)
    _receive(case)
    steps = [
        Step(S.SUBMITTED, actor=staff.account, note=_("窗口收件")),
        Step(S.PRE_REVIEW, note=_("转责任部门预审")),
    ]
    return states.transitions(case, steps)


@service
def case_material_scan(
    *, staff: Staff, case_id: int, name: str, upload, catalog_material_id: int | None = None
) -> CaseMaterial:
    """A counter clerk scans an original the applicant brought (trust level B: checked by counter
    staff). The center that received the case, or the department processing it, may scan while
    materials can still be added; the same checks as an applicant's upload (a file of the case's
    checklist, PDF/JPG/PNG by content, within the size limit)."""
    require_role(staff, *FRONT_DESK)
    case = access.cases_open_to_staff().select_for_update(of=("self",)).filter(pk=case_id)
    case = case.first()
    if case is None:
        raise case_not_found()
    if not access.can_scan_for(staff, case):
        raise Forbidden("staff.department", _("该办件不是本中心收件，也不属于您的部门。"))
    return _scan(
        staff=staff, case=case, name=name, upload=upload, catalog_material_id=catalog_material_id
    )


def _scan(*, staff: Staff, case: Case, name: str, upload, catalog_material_id: int | None):
    """The scan itself, on a case already fetched for ``staff``: by ``case_material_scan`` (no
    draft is any staff member's to see) or by the counter for the draft it is filing."""
    scanned = _material_checked(
        case=case,
        name=name,
        upload=upload,
        catalog_material_id=catalog_material_id,
        trust_level=TrustLevel.B,
        open_states=(S.DRAFT, S.SUBMITTED, S.PRE_REVIEW, S.CORRECTION_REQUESTED),
    )
    return _materials_stored(
        case=case,
        materials=[scanned],
        actor=staff.account,
        event=EventKind.MATERIAL_SCANNED,
        action="cases.case.material_scan",
    )[0]


def case_counter_intake(
    *,
    staff: Staff,
    item_id: int,
    id_number: str,
    form_data: dict | None = None,
    scans=(),
    idempotency_key: str = "",
    name: str = "",
    mobile: str = "",
) -> Case:
    """The counter page in one step: ``case_counter_create`` with the scanned papers, all or
    nothing. A repeat with the same key from the same center (a double click) returns the first
    case: the twin that loses on the key (its transaction, ``_intake``, rolled back) finds it
    afterwards, outside any transaction."""
    key = (idempotency_key or "")[:64]

    def earlier():
        if not key:
            return None
        person = identity_selectors.person_by_id_number((id_number or "").strip().upper())
        return Case.objects.filter(
            applicant=person, idempotency_key=key, center_id=staff.department_id
        ).first()

    if (found := earlier()) is not None:
        return found
    try:
        return _intake(
            staff=staff,
            key=key,
            item_id=item_id,
            id_number=id_number,
            form_data=form_data,
            scans=scans,
            name=name,
            mobile=mobile,
        )
    except IntegrityError:
        if (found := earlier()) is not None:
            return found
        raise


@service
def _intake(*, staff: Staff, key: str, **fields) -> Case:
    case = _counter_create(staff=staff, **fields)
    if key:
        Case.objects.filter(pk=case.pk).update(idempotency_key=key)
        case.idempotency_key = key
    return case
