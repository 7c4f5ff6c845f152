"""Pre-review (网上预审) by the department holding the case: acceptance, acceptance with gaps
(容缺受理), the one correction notice (一次性告知) and member departments' proposals for it,
refusal, and verifying uploaded originals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.audit import audit_record
from tongban.core.errors import Conflict, Forbidden, NotFound
from tongban.identity.access import require_role

from .. import access, clock, states
from ..choices import EventKind, TrustLevel
from ..errors import CaseError, case_not_found, invalid
from ..models import Case, CaseMaterial, CorrectionNotice
from ._common import (
    FRONT_DESK,
    S,
    _recompute_dues,
    _start_clock,
    _today,
    pre_review_due,
    service,
)

if TYPE_CHECKING:
    from tongban.identity.models import Staff

APPLICANT_CORRECTION_DAYS = 10
# The working days an applicant may be given, inclusive: for a correction notice, and to supply
# the materials missing from an acceptance with gaps (the page and the API only parse integers).
CORRECTION_DAYS_RANGE = (1, 60)
GAPS_DAYS_RANGE = (1, 30)


def _days_guard(days: int, bounds: tuple[int, int], code: CaseError, message: str) -> None:
    """``message`` names the bounds as ``%(min)d`` and ``%(max)d``."""
    low, high = bounds
    if not low <= days <= high:
        raise invalid(code, message % {"min": low, "max": high}, "days")


@service
def case_material_verify(*, staff: Staff, material_id: int) -> CaseMaterial:
    """Counter staff checked the original (C → B, reusable); A and D stay as they are."""
    visible = CaseMaterial.objects.filter(case__in=access.cases_open_to_staff())
    row = visible.filter(pk=material_id).values("case_id").first()
    if row is None:
        raise NotFound(CaseError.MATERIAL_NOT_FOUND, _("材料不存在。"))
    case = access.case_for_staff_or_404(staff=staff, case_id=row["case_id"], roles=FRONT_DESK)
    material = CaseMaterial.objects.select_for_update(of=("self",)).get(pk=material_id)
    if material.trust_level != TrustLevel.C:
        raise Conflict(CaseError.MATERIAL_TRUST, _("只有申请人上传的材料（C 类）需要核验。"))
    material.trust_level = TrustLevel.B
    material.save(update_fields=["trust_level"])
    states.record_event(
        case, kind=EventKind.MATERIAL_VERIFIED, actor=staff.account, note=material.name
    )
    audit_record(
        action="cases.case.material_verify",
        actor=staff.account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"material": material.pk},
    )
    return material


def _late_notice_guard(case: Case) -> None:
    if _today() > pre_review_due(case):
        raise Conflict(
            CaseError.CORRECTION_NOTICE_LATE,
            _(
                "收件已超过 5 个工作日（截至 %(due)s），依法视为自收件之日起受理，"
                "不能再出具补正告知。"
            )
            % {"due": pre_review_due(case).isoformat()},
        )


@service
def case_pre_review_accept(*, staff: Staff, case_id: int) -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.ACCEPTED)
    _start_clock(case, timezone.now())
    return states.transition(case, S.ACCEPTED, actor=staff.account, note=_("受理"))


@service
def case_request_correction(
    *, staff: Staff, case_id: int, items: list[dict], days: int = APPLICANT_CORRECTION_DAYS
) -> CorrectionNotice:
    """One complete notice: every missing or wrong material/field, each with its reason."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.CORRECTION_REQUESTED)
    clean = _clean_items(items) + [
        {"target": p["target"], "reason": p["reason"], "department": p["department"]}
        for p in case.correction_proposals
    ]
    if not clean:
        raise invalid(
            CaseError.CORRECTION_EMPTY, _("一次性告知书须列明需补正的全部内容。"), "items"
        )
    _days_guard(
        days,
        CORRECTION_DAYS_RANGE,
        CaseError.CORRECTION_DAYS,
        _("补正期限应为 %(min)d 至 %(max)d 个工作日。"),
    )
    _late_notice_guard(case)
    _once_only_guard(case, clean)
    notice = CorrectionNotice.objects.create(
        case=case, items=clean, issued_by=staff, due=clock.add_workdays(_today(), days)
    )
    case.correction_due, case.correction_proposals = notice.due, []
    states.transition(
        case, S.CORRECTION_REQUESTED, actor=staff.account, note=_("一次性告知补正"), items=clean
    )
    audit_record(
        action="cases.case.correction_notice",
        actor=staff.account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"items": len(clean), "due": notice.due.isoformat()},
    )
    return notice


def _correctable_again(case: Case) -> set[str] | None:
    """After a first notice, what a further notice may still name: the last notice's own
    targets (the correction is still wrong), materials uploaded since, and form fields (key or
    title) the applicant changed in the correction. ``None`` before any notice."""
    last = case.correction_notices.order_by("issued_at", "id").last()
    if last is None:
        return None
    since = last.issued_at
    allowed = {item["target"] for item in last.items}
    allowed |= set(case.materials.filter(uploaded_at__gte=since).values_list("name", flat=True))
    titles = case.form_schema.get("properties", {})
    corrections = case.events.filter(
        kind=EventKind.TRANSITION, to_state=S.PRE_REVIEW, at__gte=since
    )
    for details in corrections.values_list("details", flat=True):
        for key in details.get("changed_fields", []):
            allowed |= {key, str(titles.get(key, {}).get("title", key))}
    return allowed


def _once_only_guard(case: Case, items: list[dict]) -> None:
    """一次性告知: a further notice may only concern what the correction itself changed or left
    wrong; anything that was already there when the first notice went out had to be in it."""
    allowed = _correctable_again(case)
    if allowed is None:
        return
    late = [item["target"] for item in items if item["target"] not in allowed]
    if late:
        raise Conflict(
            CaseError.CORRECTION_NOT_FIRST_TIME,
            _(
                "以下内容在首次一次性告知时即已存在，本应一并告知，不能再次要求补正："
                "%(targets)s。可补正的仅限上次告知的内容和申请人补正时新改动的内容。"
            )
            % {"targets": "、".join(late)},
        )


def _clean_items(items: list[dict]) -> list[dict]:
    clean = []
    for i, entry in enumerate(items):
        target = str(entry.get("target", "")).strip()
        reason = str(entry.get("reason", "")).strip()
        if not target or not reason:
            field = f"items.{i}.{'target' if not target else 'reason'}"
            message = _("第 %(n)d 项须写明补正内容及理由。") % {"n": i + 1}
            raise invalid(CaseError.CORRECTION_ITEM, message, field)
        clean.append({"target": target[:200], "reason": reason[:500]})
    return clean


@service
def case_correction_propose(*, staff: Staff, case_id: int, items: list[dict]) -> Case:
    """A member department of a theme case asks for corrections through the lead department,
    which sends them to the applicant in its one notice (one notice, not one per department)."""
    require_role(staff, *FRONT_DESK)
    case = access.cases_open_to_staff().select_for_update(of=("self",)).filter(pk=case_id)
    case = case.select_related("theme").first()
    if case is None or not case.is_theme:
        raise case_not_found()
    if not access.is_theme_member(staff, case):
        raise Forbidden("staff.department", _("您的部门不参与该主题服务的办理。"))
    if access.is_lead_department(staff, case):
        raise Conflict(CaseError.CORRECTION_LEAD, _("牵头部门请直接出具一次性告知书。"))
    states.check(case, S.CORRECTION_REQUESTED)
    proposals = [{**item, "department": staff.department.name} for item in _clean_items(items)]
    _once_only_guard(case, proposals)
    case.correction_proposals = [*case.correction_proposals, *proposals]
    case.updated_at = timezone.now()
    case.save(update_fields=["correction_proposals", "updated_at"])
    states.record_event(
        case, kind=EventKind.CORRECTION_PROPOSED, actor=staff.account, items=proposals
    )
    return case


@service
def case_refuse(*, staff: Staff, case_id: int, reasons: str, legal_basis: str) -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.REFUSED)
    if not reasons.strip():
        raise invalid(CaseError.REFUSE_REASONS, _("不予受理须写明理由。"), "reasons")
    if not legal_basis.strip():
        raise invalid(CaseError.REFUSE_LEGAL_BASIS, _("不予受理须写明法律依据。"), "legal_basis")
    case.reasons, case.legal_basis = reasons.strip(), legal_basis.strip()[:500]
    return states.transition(case, S.REFUSED, actor=staff.account, note=case.reasons)


def _versions(case: Case):
    if case.item_version is not None:
        return [case.item_version]
    theme = catalog_selectors.theme_public(case.applied_theme.code)
    members = catalog_selectors.theme_members_published(theme)
    return [catalog_selectors.published_version(m.item) for m in members]


@service
def case_accept_with_gaps(*, staff: Staff, case_id: int, gaps: list[str], days: int) -> Case:
    """容缺受理: accept with non-key materials missing; the clock pauses until they are supplied."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.ACCEPTED)
    if not all(v.accept_with_gaps for v in _versions(case)):
        raise Conflict(CaseError.GAPS_NOT_ALLOWED, _("该事项不支持容缺受理。"))
    gaps = [g.strip()[:200] for g in gaps if g and g.strip()]
    if not gaps:
        raise invalid(CaseError.GAPS_EMPTY, _("请列明容缺的材料。"), "gaps")
    _days_guard(
        days, GAPS_DAYS_RANGE, CaseError.GAPS_DAYS, _("补齐期限应为 %(min)d 至 %(max)d 个工作日。")
    )
    _start_clock(case, timezone.now())
    case.gaps, case.gap_due, case.paused_since = gaps, clock.add_workdays(_today(), days), _today()
    return states.transition(case, S.ACCEPTED, actor=staff.account, note=_("容缺受理"), gaps=gaps)


@service
def case_gaps_close(*, staff: Staff, case_id: int) -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    if not case.gaps:
        raise Conflict(CaseError.GAPS_NONE, _("该办件没有待补齐的容缺材料。"))
    _resume(case)
    case.gaps, case.gap_due, case.updated_at = [], None, timezone.now()
    case.save()
    states.record_event(case, kind=EventKind.GAPS_CLOSED, actor=staff.account)
    audit_record(action="cases.case.gaps_close", actor=staff.account, target=case)
    return case


def _resume(case: Case) -> None:
    if case.paused_since is not None:
        case.paused_workdays += clock.workdays_between(case.paused_since, _today())
        case.paused_since = None
        _recompute_dues(case)
