"""The verbs that change cases. Keyword-only, one transaction each, audit-logged; every state
change goes through ``states.transition`` (timeline event, audit entry, message to applicant)."""

import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.audit import audit_record, audited_atomic
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.identity import selectors as identity_selectors
from tongban.identity import services as identity_services
from tongban.identity.access import require_role
from tongban.identity.validators import IdentifierError, normalize_id_number, validate_mobile

from . import access, clock, selectors, states
from .choices import CaseChannel, CaseState, Decision, DeliveryMethod, TaskKind, TaskState
from .errors import case_not_found, invalid, task_not_found
from .models import Case, CaseMaterial, CaseTask, CorrectionNotice
from .sequences import sequence_next
from .uploads import check_upload

S = CaseState
APPLICANT_CORRECTION_DAYS = 10
FRONT_DESK = access.FRONT_DESK


def _today():
    return timezone.localdate()


def _local(dt):
    return timezone.localdate(dt) if dt else None


# --- numbers and lookups --------------------------------------------------------------------


def _next_number(department) -> str:
    """Region code + date + a per-(region, date) sequence, incremented under the row lock in
    the transaction that saves the case (see ``sequences``)."""
    prefix = f"{department.region.code[:6]}{_today():%Y%m%d}"
    return f"{prefix}{sequence_next(prefix):06d}"


def _check_form_size(data: dict | None) -> None:
    """A case keeps at most ``TONGBAN_CASE_FORM_MAX_BYTES`` of answers (as stored JSON): forms
    are answers, files go in as materials."""
    limit = settings.TONGBAN_CASE_FORM_MAX_BYTES
    if data and len(json.dumps(data, ensure_ascii=False).encode()) > limit:
        message = _("申请表内容过大（上限 %(kb)d KB），附件请作为材料上传。")
        message %= {"kb": limit // 1024}
        raise invalid("case.form_too_large", message, "form_data")


def _check_form_fields(case: Case, data: dict, *, partial: bool = False) -> None:
    """The answers against the schema; ``partial`` (a draft) lets unanswered fields pass."""
    errors = catalog_selectors.form_errors(schema=case.form_schema, data=data or {})
    if partial:
        errors = {k: v for k, v in errors.items() if k in (data or {})}
    if errors:
        raise InvalidInput(
            "case.form_invalid",
            _("申请表有 %(n)d 处填写有误：%(e)s")
            % {"n": len(errors), "e": next(iter(errors.values()))},
            fields={f"form_data.{k}": v for k, v in errors.items()},
        )
    _check_applicant_fields(case, data or {})


def _comparable(value) -> str:
    """An identifier as typed and as on record, alike: no spaces, upper case, bare 11 digits."""
    text = normalize_id_number(str(value))
    try:
        return validate_mobile(text)
    except IdentifierError:
        return text.upper()


def _applicant_own(person, entity) -> dict[str, str | None]:
    """What the form's ``x-bind`` fields must equal; ``None`` when there is no entity."""
    return {
        "applicant.name": person.name,
        "applicant.id_number": person.id_number,
        "applicant.mobile": person.mobile,
        "entity.name": entity.name if entity else None,
        "entity.uscc": entity.uscc if entity else None,
    }


def _check_applicant_fields(case: Case, data: dict) -> None:
    """The applicant's own answers (name, ID number, mobile; the entity's name and USCC) are
    the case's person's and entity's: nobody files under another person's name and number, or
    for an enterprise they do not act for. Unanswered fields (a draft) and a mobile the person
    has not registered are not compared."""
    schema, own = case.form_schema, _applicant_own(case.applicant, case.entity)
    wrong = {}
    for name, bind in catalog_selectors.form_bindings(schema).items():
        value, expected = data.get(name), own[bind]
        if value in (None, "") or expected == "":
            continue
        if expected is None or _comparable(value) != _comparable(expected):
            title = schema["properties"][name].get("title") or name
            wrong[f"form_data.{name}"] = _("%(t)s与申请人（或其代表的单位）不一致。") % {"t": title}
    if wrong:
        raise InvalidInput(
            "case.form.applicant_mismatch",
            _("申请表中的申请人信息须为本人（或所代表单位）的信息：%(e)s")
            % {"e": next(iter(wrong.values()))},
            fields=wrong,
        )


def _receive(case: Case) -> None:
    """Receipt (again after a correction): the 5-working-day notice clock starts over."""
    case.received_at = timezone.now()
    case.pre_review_due = pre_review_due(case)
    case.pre_review_warn = clock.warn_from(_local(case.received_at), case.pre_review_due)


def _members(theme):
    return [m for m in theme.members.all() if m.item.published_id]


# --- applicant ------------------------------------------------------------------------------


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


@transaction.atomic
def _case_create(
    *,
    account,
    person,
    channel: str,
    item_id: int | None = None,
    theme_code: str = "",
    form_data: dict | None = None,
    idempotency_key: str = "",
    center=None,
) -> Case:
    """A new case of ``person`` on ``channel``: online for the applicant's own draft, counter
    when a clerk of ``center`` files it for a walk-in applicant (then no acting entity)."""
    _check_form_size(form_data)
    if idempotency_key:
        existing = Case.objects.filter(applicant=person, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if bool(item_id) == bool(theme_code):
        raise invalid("case.target_required", _("请选择一个事项或一个主题服务。"), "item_id")
    if item_id:
        item = catalog_selectors.item_public(item_id)
        target = {"item_version": item.published, "title": item.published.name}
        department, online = item.department, item.published.applies_online
    else:
        theme = catalog_selectors.theme_public(theme_code)
        members = _members(theme)
        if not members:
            raise invalid("case.theme_empty", _("该主题服务暂无可办理的事项。"), "theme_code")
        target = {"theme": theme, "title": theme.name}
        department = members[0].item.department
        online = catalog_selectors.theme_applies_online(theme)
    if channel != CaseChannel.COUNTER and not online:
        raise Conflict(
            "case.not_online",
            _("“%(title)s”暂不支持网上申请，请到窗口办理或先网上预约。") % target,
        )
    entity = identity_selectors.acting_entity(account) if center is None else None
    case = Case(
        applicant=person,
        entity=entity,
        department=department,
        center=center,
        channel=channel,
        form_data=form_data or {},
        idempotency_key=idempotency_key[:64],
        **target,
    )
    _check_applicant_fields(case, case.form_data)
    try:
        with transaction.atomic():  # a twin that loses on the key gives its number back
            case.number = _next_number(department)
            case.save()
    except IntegrityError:
        existing = Case.objects.filter(applicant=person, idempotency_key=idempotency_key).first()
        if idempotency_key and existing is not None:
            return existing
        raise
    states.record_event(case, kind="created", actor=account, channel=channel)
    audit_record(
        action="cases.case.create",
        actor=account,
        target=case,
        subject_person_id=person.pk,
        details={"number": case.number, "channel": channel},
    )
    return case


@transaction.atomic
def case_update_draft(*, account, case_id: int, form_data: dict) -> Case:
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    if case.state != S.DRAFT:
        raise Conflict("case.not_draft", _("只有草稿可以修改。"))
    _check_form_size(form_data)
    _check_form_fields(case, form_data, partial=True)
    case.form_data, case.updated_at = form_data, timezone.now()
    case.save(update_fields=["form_data", "updated_at"])
    return case


# 容缺: the materials accepted as missing may follow while the case is being processed, not once
# it is decided (or refused, withdrawn, revoked).
GAPS_OPEN_STATES = (S.ACCEPTED, S.UNDER_REVIEW)


def _materials_open_guard(case: Case, open_states) -> None:
    """Files may be added in ``open_states``, and for outstanding gaps until the decision."""
    if case.state in open_states or (case.gaps and case.state in GAPS_OPEN_STATES):
        return
    raise Conflict("case.materials_closed", _("当前状态下不能上传材料。"))


@transaction.atomic
def case_material_add(
    *, account, case_id: int, name: str, upload, catalog_material_id: int | None = None
) -> CaseMaterial:
    """An applicant's upload (trust level C): PDF/JPG/PNG by content, within the size limit."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    _materials_open_guard(case, (S.DRAFT, S.CORRECTION_REQUESTED))
    if not (name or "").strip():
        raise invalid("case.material.name", _("请填写材料名称。"), "name")
    if catalog_material_id is not None:
        _checklist_entry(case, catalog_material_id)
    content_type, sha = check_upload(upload)
    material = CaseMaterial.objects.create(
        case=case,
        catalog_material_id=catalog_material_id,
        name=name.strip()[:200],
        trust_level="C",
        file=upload,
        size=upload.size,
        content_type=content_type,
        sha256=sha,
    )
    states.record_event(case, kind="material_added", actor=account, note=material.name)
    audit_record(
        action="cases.case.material_add",
        actor=account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"name": material.name, "size": material.size},
    )
    return material


@transaction.atomic
def case_material_verify(*, staff, material_id: int) -> CaseMaterial:
    """Counter staff checked the original (C → B, reusable); A and D stay as they are."""
    visible = CaseMaterial.objects.filter(case__in=access.cases_open_to_staff())
    row = visible.filter(pk=material_id).values("case_id").first()
    if row is None:
        raise NotFound("case.material.not_found", _("材料不存在。"))
    case = access.case_for_staff_or_404(staff=staff, case_id=row["case_id"], roles=FRONT_DESK)
    material = CaseMaterial.objects.select_for_update(of=("self",)).get(pk=material_id)
    if material.trust_level != "C":
        raise Conflict("case.material.trust", _("只有申请人上传的材料（C 类）需要核验。"))
    material.trust_level = "B"
    material.save(update_fields=["trust_level"])
    states.record_event(case, kind="material_verified", actor=staff.account, note=material.name)
    audit_record(
        action="cases.case.material_verify",
        actor=staff.account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"material": material.pk},
    )
    return material


@audited_atomic
def case_submit(*, account, case_id: int, idempotency_key: str = "") -> Case:
    """Draft → submitted → pre-review. Submitting again with the case's idempotency key returns
    the same case, unchanged."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    key = idempotency_key or case.idempotency_key
    if case.state != S.DRAFT and key and key == case.idempotency_key:
        return case
    states.check(case, S.SUBMITTED)
    _check_form_fields(case, case.form_data)
    _check_materials(case, case.form_data)
    if case.entity_id and not identity_selectors.entity_acting_allowed(
        person=case.applicant, entity=case.entity
    ):
        raise Forbidden("case.entity_not_allowed", _("您已无权代表该企业办理。"))
    _receive(case)
    states.transition(case, S.SUBMITTED, actor=account)
    return states.transition(case, S.PRE_REVIEW, note=_("进入网上预审"))


def case_apply(*, account, item_id=None, theme_code="", form_data=None, idempotency_key="") -> Case:
    """Create and submit in one step (a double click with the same key yields one case)."""
    with transaction.atomic():
        case = case_create_draft(
            account=account,
            item_id=item_id,
            theme_code=theme_code,
            form_data=form_data,
            idempotency_key=idempotency_key,
        )
        return case_submit(account=account, case_id=case.pk, idempotency_key=idempotency_key)


@transaction.atomic
def case_correct(*, account, case_id: int, form_data: dict | None = None) -> Case:
    """The applicant answers the correction notice: back to pre-review, receipt restarts."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    states.check(case, S.PRE_REVIEW)
    notice = case.correction_notices.filter(corrected_at__isnull=True).last()
    if notice is not None and _today() > notice.due:
        raise Conflict(
            "case.correction_expired",
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


@transaction.atomic
def case_withdraw(*, account, case_id: int, reason: str = "") -> Case:
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    states.check(case, S.WITHDRAWN)
    case.tasks.filter(state=TaskState.OPEN).update(state=TaskState.CANCELLED)
    return states.transition(case, S.WITHDRAWN, actor=account, note=reason[:300])


# --- clocks ---------------------------------------------------------------------------------


def _limits(case: Case) -> tuple[int, int]:
    if case.item_version_id:
        v = case.item_version
        promised, legal, contradiction = clock.limits(
            promised=v.promised_limit_days, legal=v.legal_limit_days
        )
    else:
        promised, legal, contradiction = clock.limits(
            promised=case.theme.promised_limit_days, legal=clock.JOINT_LEGAL_DAYS
        )
    if contradiction:
        states.record_event(
            case, kind="limit_contradiction", note=_("承诺时限长于法定时限，按法定时限计")
        )
    return promised, legal


def _recompute_dues(case: Case) -> None:
    start = _local(case.accepted_at)
    paused = case.paused_workdays
    case.promised_due = clock.add_workdays(start, case.promised_limit_days + paused)
    case.promised_warn = clock.warn_from(start, case.promised_due)
    case.legal_due = clock.add_workdays(start, case.legal_limit_days + case.extension_days + paused)


def _start_clock(case: Case, accepted_at) -> None:
    case.accepted_at = accepted_at
    case.promised_limit_days, case.legal_limit_days = _limits(case)
    _recompute_dues(case)


def pre_review_due(case: Case):
    """The last working day for a correction notice: 5 working days after receipt."""
    return clock.add_workdays(_local(case.received_at), clock.CORRECTION_NOTICE_DAYS)


@transaction.atomic
def case_deemed_acceptance_apply(*, case_id: int, today=None) -> bool:
    """行政许可法第三十二条: no correction notice within 5 working days of receipt → the case
    counts as accepted from receipt. Returns whether it applied (idempotent)."""
    case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None or case.state != S.PRE_REVIEW or case.received_at is None:
        return False
    if (today or _today()) <= pre_review_due(case):
        return False
    _start_clock(case, case.received_at)
    case.deemed_accepted = True
    states.transition(
        case, S.ACCEPTED, note=_("收件后五个工作日内未告知补正，依法自收件之日起视为受理")
    )
    return True


def cases_deemed_acceptance_sweep(*, today=None) -> int:
    today = today or _today()
    due = Case.objects.filter(state=S.PRE_REVIEW, pre_review_due__lt=today)
    ids = due.values_list("pk", flat=True)
    return sum(case_deemed_acceptance_apply(case_id=i, today=today) for i in list(ids))


# --- pre-review and acceptance ----------------------------------------------------------------


def _late_notice_guard(case: Case) -> None:
    if _today() > pre_review_due(case):
        raise Conflict(
            "case.correction_notice_late",
            _(
                "收件已超过 5 个工作日（截至 %(due)s），依法视为自收件之日起受理，"
                "不能再出具补正告知。"
            )
            % {"due": pre_review_due(case).isoformat()},
        )


@audited_atomic
def case_pre_review_accept(*, staff, case_id: int) -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.ACCEPTED)
    _start_clock(case, timezone.now())
    return states.transition(case, S.ACCEPTED, actor=staff.account, note=_("受理"))


@transaction.atomic
def case_request_correction(
    *, staff, case_id: int, items: list[dict], days: int = APPLICANT_CORRECTION_DAYS
) -> CorrectionNotice:
    """One complete notice: every missing or wrong material/field, each with its reason."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.CORRECTION_REQUESTED)
    clean = _clean_items(items) + [
        {"target": p["target"], "reason": p["reason"], "department": p["department"]}
        for p in case.correction_proposals
    ]
    if not clean:
        raise invalid("case.correction.empty", _("一次性告知书须列明需补正的全部内容。"), "items")
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
    corrections = case.events.filter(kind="transition", to_state=S.PRE_REVIEW, at__gte=since)
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
            "case.correction.not_first_time",
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
            raise invalid("case.correction.item", message, field)
        clean.append({"target": target[:200], "reason": reason[:500]})
    return clean


@transaction.atomic
def case_correction_propose(*, staff, case_id: int, items: list[dict]) -> Case:
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
        raise Conflict("case.correction.lead", _("牵头部门请直接出具一次性告知书。"))
    states.check(case, S.CORRECTION_REQUESTED)
    proposals = [{**item, "department": staff.department.name} for item in _clean_items(items)]
    _once_only_guard(case, proposals)
    case.correction_proposals = [*case.correction_proposals, *proposals]
    case.updated_at = timezone.now()
    case.save(update_fields=["correction_proposals", "updated_at"])
    states.record_event(case, kind="correction_proposed", actor=staff.account, items=proposals)
    return case


@transaction.atomic
def case_refuse(*, staff, case_id: int, reasons: str, legal_basis: str) -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.REFUSED)
    if not reasons.strip():
        raise invalid("case.refuse.reasons", _("不予受理须写明理由。"), "reasons")
    if not legal_basis.strip():
        raise invalid("case.refuse.legal_basis", _("不予受理须写明法律依据。"), "legal_basis")
    case.reasons, case.legal_basis = reasons.strip(), legal_basis.strip()[:500]
    return states.transition(case, S.REFUSED, actor=staff.account, note=case.reasons)


def _versions(case: Case):
    if case.item_version_id:
        return [case.item_version]
    return [m.item.published for m in _members(catalog_selectors.theme_public(case.theme.code))]


@transaction.atomic
def case_accept_with_gaps(*, staff, case_id: int, gaps: list[str], days: int) -> Case:
    """容缺受理: accept with non-key materials missing; the clock pauses until they are supplied."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.ACCEPTED)
    if not all(v.accept_with_gaps for v in _versions(case)):
        raise Conflict("case.gaps_not_allowed", _("该事项不支持容缺受理。"))
    gaps = [g.strip()[:200] for g in gaps if g and g.strip()]
    if not gaps:
        raise invalid("case.gaps.empty", _("请列明容缺的材料。"), "gaps")
    if not 1 <= days <= 30:
        raise invalid("case.gaps.days", _("补齐期限应为 1 至 30 个工作日。"), "days")
    _start_clock(case, timezone.now())
    case.gaps, case.gap_due, case.paused_since = gaps, clock.add_workdays(_today(), days), _today()
    return states.transition(case, S.ACCEPTED, actor=staff.account, note=_("容缺受理"), gaps=gaps)


@transaction.atomic
def case_gaps_close(*, staff, case_id: int) -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    if not case.gaps:
        raise Conflict("case.gaps_none", _("该办件没有待补齐的容缺材料。"))
    _resume(case)
    case.gaps, case.gap_due, case.updated_at = [], None, timezone.now()
    case.save()
    states.record_event(case, kind="gaps_closed", actor=staff.account)
    audit_record(action="cases.case.gaps_close", actor=staff.account, target=case)
    return case


def _resume(case: Case) -> None:
    if case.paused_since is not None:
        case.paused_workdays += clock.workdays_between(case.paused_since, _today())
        case.paused_since = None
        _recompute_dues(case)


# --- review ---------------------------------------------------------------------------------


@audited_atomic
def case_review_start(*, staff, case_id: int) -> Case:
    """Accepted → under review: one task per item (a theme fans out to each member department)."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.UNDER_REVIEW)
    if case.item_version_id:
        parts = [(case.item_version, case.department)]
    else:
        theme = catalog_selectors.theme_public(case.theme.code)
        parts = [(m.item.published, m.item.department) for m in _members(theme)]
    CaseTask.objects.bulk_create(
        _task(
            case,
            version,
            department,
            days=min(version.promised_limit_days, case.promised_limit_days or 999),
        )
        for version, department in parts
    )
    return states.transition(case, S.UNDER_REVIEW, actor=staff.account, tasks=len(parts))


def _task(case, version, department, *, days: int, **fields) -> CaseTask:
    """A task with its own dwell clock, starting today."""
    today = _today()
    due = clock.add_workdays(today, days)
    return CaseTask(
        case=case,
        item_version=version,
        title=fields.pop("title", version.name),
        department=department,
        dwell_due=due,
        dwell_warn=clock.warn_from(today, due),
        **fields,
    )


def _open_task_for_staff(*, staff, task_id: int, kind: str) -> tuple[Case, CaseTask]:
    """A reviewer's open task of ``kind`` and its case, both locked (``access``)."""
    case, task = access.task_for_staff_or_404(
        staff=staff, task_id=task_id, roles=access.REVIEWERS, kind=kind
    )
    if task.state == TaskState.CANCELLED:
        raise Conflict("case.task.cancelled", _("该办件已撤回，此任务已取消。"))
    if task.state != TaskState.OPEN:
        who = task.decided_by.account.display_name if task.decided_by_id else _("他人")
        raise Conflict(
            "case.task.already_done",
            _("该任务已由%(who)s处理完毕，您的操作未生效，请刷新后查看。") % {"who": who},
        )
    return case, task


@audited_atomic
def task_decide(*, staff, task_id: int, decision: str, reasons: str = "") -> CaseTask:
    """One department decides its part; when every part is decided, the case is decided
    (approved only if every part is approved). Of two reviewers racing, exactly one wins."""
    if decision not in Decision.values:
        raise invalid("case.decision", _("请选择准予或不予许可。"), "decision")
    if decision == Decision.REJECTED and not reasons.strip():
        raise invalid("case.decision.reasons", _("不予许可须写明理由。"), "reasons")
    case, task = _open_task_for_staff(staff=staff, task_id=task_id, kind=TaskKind.REVIEW)
    if case.state != S.UNDER_REVIEW:
        states.check(case, S.DECIDED)
    _gaps_closed_guard(case)
    task.state, task.decision, task.reasons = TaskState.DONE, decision, reasons.strip()
    task.decided_by, task.decided_at = staff, timezone.now()
    task.save()
    states.record_event(
        case, kind="task_decided", actor=staff.account, note=task.title, decision=decision
    )
    audit_record(
        action="cases.task.decide",
        actor=staff.account,
        target=task,
        subject_person_id=case.applicant_id,
        details={"case": case.number, "decision": decision},
    )
    parts = list(case.tasks.filter(kind=TaskKind.REVIEW).exclude(state=TaskState.CANCELLED))
    if all(p.state == TaskState.DONE for p in parts):
        approved = all(p.decision == Decision.APPROVED for p in parts)
        case.decision = Decision.APPROVED if approved else Decision.REJECTED
        case.reasons = "\n".join(f"{p.title}：{p.reasons}" for p in parts if p.reasons)
        states.transition(case, S.DECIDED, actor=staff.account, decision=case.decision)
    return task


def _gaps_closed_guard(case: Case) -> None:
    """容缺受理: no decision (a department's, or approval on commitment) while the materials
    accepted as missing are still outstanding."""
    if case.gaps:
        raise Conflict(
            "case.gaps_open",
            _("容缺材料尚未补齐（截止 %(due)s），不能作出决定。") % {"due": case.gap_due},
        )


def case_decide(*, staff, case_id: int, decision: str, reasons: str = "") -> Case:
    """A single-item case: decide its one part."""
    with transaction.atomic():
        task = (
            CaseTask.objects.filter(
                case_id=case_id, kind=TaskKind.REVIEW, department=staff.department
            )
            .order_by("state", "id")
            .first()
        )
        if task is None:
            case = access.case_for_staff_or_404(
                staff=staff, case_id=case_id, roles=access.REVIEWERS
            )
            states.check(case, S.DECIDED)
            raise task_not_found()
        task_decide(staff=staff, task_id=task.pk, decision=decision, reasons=reasons)
        return Case.objects.get(pk=case_id)


@transaction.atomic
def task_reassign(*, staff, task_id: int, department_code: str) -> CaseTask:
    """The head of the department holding a task hands it to another department: the task's
    dwell clock restarts; the case's business clock does not."""
    case, task = access.task_for_staff_or_404(staff=staff, task_id=task_id, roles=access.HEADS)
    target = identity_selectors.department_by_code(department_code)
    if task.state != TaskState.OPEN:
        raise Conflict("case.task.already_done", _("该任务已处理完毕，不能改派。"))
    if target.pk == task.department_id:
        raise invalid("case.task.same_department", _("请选择另一个部门。"), "department_code")
    fresh = _task(case, task.item_version, target, days=task.item_version.promised_limit_days)
    frm = task.department_id
    task.department, task.assigned_at = target, timezone.now()
    task.dwell_due, task.dwell_warn = fresh.dwell_due, fresh.dwell_warn
    task.save()
    states.record_event(case, kind="task_reassigned", actor=staff.account, note=target.name)
    audit_record(
        action="cases.task.reassign",
        actor=staff.account,
        target=task,
        details={"from": frm, "to": target.pk, "case": case.number},
    )
    return task


# --- commitment, extension, delivery ----------------------------------------------------------


@transaction.atomic
def case_commitment_approve(*, staff, case_id: int, verification_days: int = 20) -> CaseTask:
    """告知承诺: approve at once on the applicant's commitment; verify afterwards."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=access.REVIEWERS)
    states.check(case, S.UNDER_REVIEW)
    if not case.item_version_id or not case.item_version.commitment:
        raise Conflict("case.commitment_not_allowed", _("该事项不适用告知承诺制。"))
    _gaps_closed_guard(case)
    case.commitment = True
    states.transition(case, S.UNDER_REVIEW, actor=staff.account, note=_("告知承诺"))
    task = _task(
        case,
        case.item_version,
        case.department,
        days=verification_days,
        kind=TaskKind.VERIFICATION,
        title=_("承诺核查：%(t)s") % {"t": case.title},
    )
    task.save()
    case.decision = Decision.APPROVED
    states.transition(case, S.DECIDED, actor=staff.account, note=_("告知承诺，当场准予许可"))
    return task


@transaction.atomic
def task_verify(*, staff, task_id: int, passed: bool, note: str = "") -> CaseTask:
    """The follow-up check of a commitment; a failure revokes the approval, on the record."""
    case, task = _open_task_for_staff(staff=staff, task_id=task_id, kind=TaskKind.VERIFICATION)
    if not passed and not note.strip():
        raise invalid("case.verify.note", _("核查不通过须写明情况。"), "note")
    task.state, task.decision = TaskState.DONE, Decision.APPROVED if passed else Decision.REJECTED
    task.reasons, task.decided_by, task.decided_at = note.strip(), staff, timezone.now()
    task.save()
    audit_record(
        action="cases.task.verify",
        actor=staff.account,
        target=task,
        subject_person_id=case.applicant_id,
        details={"case": case.number, "passed": passed},
    )
    if passed:
        states.record_event(case, kind="commitment_verified", actor=staff.account)
    else:
        states.record_event(case, kind="commitment_failed", actor=staff.account, note=note)
        states.transition(
            case, S.REVOKED, actor=staff.account, note=_("承诺核查不实，撤销许可：") + note
        )
    return task


@transaction.atomic
def case_extend(*, staff, case_id: int, reason: str) -> Case:
    """+10 working days (+15 for joint handling) on the legal limit, with the head's approval."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=access.HEADS)
    if case.state not in (S.ACCEPTED, S.UNDER_REVIEW):
        raise Conflict("case.extend_state", _("只有受理后、决定前的办件可以延期。"))
    if case.extension_days:
        raise Conflict("case.extend_twice", _("该办件已延期一次，不能再次延期。"))
    if not reason.strip():
        raise invalid("case.extend.reason", _("延期须写明理由。"), "reason")
    case.extension_days = clock.JOINT_EXTENSION_DAYS if case.is_theme else clock.ITEM_EXTENSION_DAYS
    case.extension_reason, case.extension_approved_by = reason.strip()[:300], staff
    _recompute_dues(case)
    case.updated_at = timezone.now()
    case.save()
    states.record_event(
        case, kind="extended", actor=staff.account, note=reason, days=case.extension_days
    )
    audit_record(
        action="cases.case.extend",
        actor=staff.account,
        target=case,
        details={"days": case.extension_days},
    )
    return case


@transaction.atomic
def case_deliver(*, staff, case_id: int, method: str, tracking_number: str = "") -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=access.DELIVERY_ROLES)
    states.check(case, S.DELIVERED)
    if method not in DeliveryMethod.values:
        raise invalid("case.delivery.method", _("请选择送达方式。"), "method")
    if method == DeliveryMethod.EXPRESS and not tracking_number.strip():
        raise invalid("case.delivery.tracking", _("快递送达须填写快递单号。"), "tracking_number")
    case.delivery_method, case.tracking_number = method, tracking_number.strip()[:40]
    return states.transition(case, S.DELIVERED, actor=staff.account, method=method)


@transaction.atomic
def case_close(*, staff, case_id: int) -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=access.DELIVERY_ROLES)
    return states.transition(case, S.CLOSED, actor=staff.account)


# --- e-supervision ------------------------------------------------------------------------


def cases_overdue_record(*, today=None) -> int:
    """Record, once each, cases past their promised date and open tasks past their dwell date
    (for e-supervision). Idempotent; returns how many new records were written."""
    today, written = today or _today(), 0
    late = Case.objects.filter(state__in=(S.ACCEPTED, S.UNDER_REVIEW), promised_due__lt=today)
    for case in late.exclude(events__kind="overdue"):
        states.record_event(case, kind="overdue", due=case.promised_due.isoformat())
        written += 1
    tasks = CaseTask.objects.filter(state=TaskState.OPEN, dwell_due__lt=today).select_related(
        "case"
    )
    for task in tasks:
        if not task.case.events.filter(kind="task_overdue", details__task=task.pk).exists():
            states.record_event(task.case, kind="task_overdue", task=task.pk, note=task.title)
            written += 1
    return written


# --- counter (一窗受理) ----------------------------------------------------------------------


# The form fields that say who the applicant is, and the person's attribute each comes from.
def _counter_applicant(*, staff, id_number: str, name: str = "", mobile: str = ""):
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
            raise InvalidInput("case.counter.name_required", message, fields=fields) from None
        return identity_services.person_record_walk_in(
            staff=staff, name=name, id_number=id_number, mobile=mobile
        )
    if (name or "").strip() and name.strip() != person.name:
        message = _("姓名与身份证号码不一致。")
        raise InvalidInput("person.name_mismatch", message, fields={"name": message})
    if (mobile or "").strip() and identity_services.clean_mobile(mobile) != person.mobile:
        message = _("与申请人在平台登记的手机号码不一致。")
        raise InvalidInput("case.counter.mobile_mismatch", message, fields={"mobile": message})
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


def _scan_papers(*, staff, case: Case, scans) -> None:
    """The papers as ``(catalog material id, name, file)``; a bad one is reported at its entry
    (field ``materials.<id>``)."""
    for material_id, name, upload in scans:
        try:
            _scan(staff=staff, case=case, name=name, upload=upload, catalog_material_id=material_id)
        except InvalidInput as exc:
            message = _("%(name)s：%(m)s") % {"name": name, "m": exc.message}
            fields = {f"materials.{material_id}": exc.message}
            raise InvalidInput(exc.code, message, fields=fields) from exc


def case_counter_create(
    *,
    staff,
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
    require_role(staff, *access.COUNTER)
    item = catalog_selectors.item_public(item_id)
    if not item.published.citywide and staff.department.region_id != item.region_id:
        raise Forbidden(
            "case.counter.out_of_scope",
            _("“%(item)s”不是全市通办事项，本中心（%(center)s）不在其受理范围内。")
            % {"item": item.published.name, "center": staff.department.name},
        )
    with transaction.atomic():
        person = _counter_applicant(staff=staff, id_number=id_number, name=name, mobile=mobile)
        case = _case_create(
            account=staff.account,
            person=person,
            channel=CaseChannel.COUNTER,
            item_id=item_id,
            form_data=_applicant_answers(item.published.form_schema or {}, person, form_data),
            center=staff.department,
        )
        _check_form_fields(case, case.form_data)
        _scan_papers(staff=staff, case=case, scans=scans)
        _check_materials(case, case.form_data)
        _receive(case)
        states.transition(case, S.SUBMITTED, actor=staff.account, note=_("窗口收件"))
        return states.transition(case, S.PRE_REVIEW, note=_("转责任部门预审"))


# --- the applicant's pages: answers, uploads and submission in one step -----------------------


def _check_materials(case: Case, form_data: dict) -> None:
    """Every material the answers make necessary, that the applicant must supply, has a file."""
    missing = [
        row["entry"].name
        for row in selectors.case_checklist(case=case, form_data=form_data)
        if row["missing"]
    ]
    if missing:
        message = _("还缺少以下必需材料，请上传后再提交：%(names)s。") % {
            "names": "、".join(missing)
        }
        raise InvalidInput("case.materials_missing", message, fields={"materials": message})


def _checklist_entry(case: Case, catalog_material_id: int):
    """The checklist entry an upload is for: one of the case's materials the applicant supplies."""
    entries = selectors.material_entries(item_version=case.item_version, theme=case.theme)
    for entry in entries:
        if catalog_material_id in entry.ids and entry.uploaded_by_applicant:
            return entry
    raise invalid(
        "case.material.unknown",
        _("所选材料不在本办件的材料清单中，或无需申请人提交。"),
        "catalog_material_id",
    )


def _add_uploads(*, account, case: Case, uploads) -> None:
    """Files for checklist entries, as ``(catalog material id, file)``; a problem is reported
    at its entry (field ``materials.<id>``)."""
    for material_id, upload in uploads:
        try:
            entry = _checklist_entry(case, material_id)
            case_material_add(
                account=account,
                case_id=case.pk,
                name=entry.name,
                upload=upload,
                catalog_material_id=entry.id,
            )
        except InvalidInput as exc:
            raise InvalidInput(
                exc.code, exc.message, fields={f"materials.{material_id}": exc.message}
            ) from exc


@audited_atomic
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
        case = case_create_draft(
            account=account,
            item_id=item_id,
            theme_code=theme_code,
            idempotency_key=idempotency_key,
        )
    if case.state != S.DRAFT and idempotency_key and idempotency_key == case.idempotency_key:
        return case
    if case.state != S.DRAFT:
        raise Conflict("case.not_draft", _("该申请已提交，不能再修改草稿。"))
    case_update_draft(account=account, case_id=case.pk, form_data=form_data)
    _add_uploads(account=account, case=case, uploads=uploads)
    if not submit:
        return case
    if idempotency_key and not case.idempotency_key:
        Case.objects.filter(pk=case.pk).update(idempotency_key=idempotency_key[:64])
    return case_submit(account=account, case_id=case.pk, idempotency_key=idempotency_key)


@transaction.atomic
def case_correction_save(*, account, case_id: int, form_data: dict, uploads=()) -> Case:
    """The correction page: the corrected answers and files, then back to pre-review (all or
    nothing; after the correction deadline nothing is taken)."""
    case = access.case_for_applicant_or_404(account=account, case_id=case_id)
    states.check(case, S.PRE_REVIEW)
    _add_uploads(account=account, case=case, uploads=uploads)
    return case_correct(account=account, case_id=case.pk, form_data=form_data)


# --- counter: scanning in the papers a walk-in applicant brought ------------------------------


@transaction.atomic
def case_material_scan(
    *, staff, case_id: int, name: str, upload, catalog_material_id: int | None = None
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


def _scan(*, staff, case: Case, name: str, upload, catalog_material_id: int | None):
    """The scan itself, on a case already fetched for ``staff``: by ``case_material_scan`` (no
    draft is any staff member's to see) or by the counter for the draft it is filing."""
    _materials_open_guard(case, (S.DRAFT, S.SUBMITTED, S.PRE_REVIEW, S.CORRECTION_REQUESTED))
    if not (name or "").strip():
        raise invalid("case.material.name", _("请填写材料名称。"), "name")
    if catalog_material_id is not None:
        _checklist_entry(case, catalog_material_id)
    content_type, sha = check_upload(upload)
    material = CaseMaterial.objects.create(
        case=case,
        catalog_material_id=catalog_material_id,
        name=name.strip()[:200],
        trust_level="B",
        file=upload,
        size=upload.size,
        content_type=content_type,
        sha256=sha,
    )
    states.record_event(case, kind="material_scanned", actor=staff.account, note=material.name)
    audit_record(
        action="cases.case.material_scan",
        actor=staff.account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"name": material.name, "size": material.size},
    )
    return material


def case_counter_intake(
    *,
    staff,
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
    case."""
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
        with transaction.atomic():
            case = case_counter_create(
                staff=staff,
                item_id=item_id,
                id_number=id_number,
                form_data=form_data,
                scans=scans,
                name=name,
                mobile=mobile,
            )
            if key:
                Case.objects.filter(pk=case.pk).update(idempotency_key=key)
    except IntegrityError:
        if (found := earlier()) is not None:
            return found
        raise
    return case
