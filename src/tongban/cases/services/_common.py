"""Helpers the lifecycle steps share: case numbers, the form and materials checks, the
clocks, tasks. Private to the package."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.choices import MaterialSource
from tongban.core.audit import audit_record, audited_atomic
from tongban.core.errors import Conflict, InvalidInput
from tongban.exchange import supply as exchange_supply
from tongban.identity import selectors as identity_selectors
from tongban.identity.validators import IdentifierError, normalize_id_number, validate_mobile

from .. import access, clock, selectors, states
from ..choices import CaseChannel, CaseState, EventKind, TaskState, TrustLevel
from ..errors import CaseError, invalid
from ..models import Case, CaseEvent, CaseMaterial, CaseTask
from ..sequences import sequence_next
from ..uploads import check_upload

if TYPE_CHECKING:
    from tongban.identity.models import Account, Staff

S = CaseState


def service(func):
    """A top-level verb: one durable transaction (refused inside another: ``RuntimeError``),
    its audit entries appended together at its end (``core.audit.audited_atomic``). Verbs never
    call each other, only the private internals they share."""
    return audited_atomic(func, durable=True)


FRONT_DESK = access.FRONT_DESK


def _today():
    return timezone.localdate()


def _local(dt):
    return timezone.localdate(dt) if dt else None


def _numbered(case: Case) -> None:
    """Give a case being submitted its number: region code + date + a per-(region, date)
    sequence. Called after every check, just before the submission's transitions (which save
    it), so the sequence row stays locked only for the last statements and the commit (see
    ``sequences``). A draft has no number; a case resubmitted keeps its own."""
    if not case.number:
        prefix = f"{case.department.region.code[:6]}{_today():%Y%m%d}"
        case.number = f"{prefix}{sequence_next(prefix):06d}"


def _check_form_size(data: dict | None) -> None:
    """A case keeps at most ``TONGBAN_CASE_FORM_MAX_BYTES`` of answers (as stored JSON): forms
    are answers, files go in as materials."""
    limit = settings.TONGBAN_CASE_FORM_MAX_BYTES
    if data and len(json.dumps(data, ensure_ascii=False).encode()) > limit:
        message = _("申请表内容过大（上限 %(kb)d KB），附件请作为材料上传。")
        message %= {"kb": limit // 1024}
        raise invalid(CaseError.FORM_TOO_LARGE, message, "form_data")


def _check_form_fields(case: Case, data: dict, *, partial: bool = False) -> None:
    """The answers against the schema; ``partial`` (a draft) lets unanswered fields pass."""
    errors = catalog_selectors.form_errors(schema=case.form_schema, data=data or {})
    if partial:
        errors = {k: v for k, v in errors.items() if k in (data or {})}
    if errors:
        raise InvalidInput(
            CaseError.FORM_INVALID,
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
            CaseError.FORM_APPLICANT_MISMATCH,
            _("申请表中的申请人信息须为本人（或所代表单位）的信息：%(e)s")
            % {"e": next(iter(wrong.values()))},
            fields=wrong,
        )


def _receive(case: Case) -> None:
    """Receipt (again after a correction): the 5-working-day notice clock starts over."""
    case.received_at = timezone.now()
    case.pre_review_due = pre_review_due(case)
    case.pre_review_warn = clock.warn_from(_local(case.received_at), case.pre_review_due)


def _case_create(
    *,
    account: Account,
    person,
    channel: str,
    item_id: int | None = None,
    theme_code: str = "",
    form_data: dict | None = None,
    idempotency_key: str = "",
    center=None,
    timeline: list[CaseEvent] | None = None,
) -> tuple[Case, bool]:
    """A new case of ``person`` on ``channel``: online for the applicant's own draft, counter
    when a clerk of ``center`` files it for a walk-in applicant (then no acting entity). Runs
    in its service's durable transaction, all or nothing with it (no savepoint of its own).
    Returns the case and whether it is new: ``idempotency_key`` may find the one made before.
    Its event goes into ``timeline`` if given (``_recorded``)."""
    _check_form_size(form_data)
    if idempotency_key:
        existing = Case.objects.filter(applicant=person, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    if bool(item_id) == bool(theme_code):
        raise invalid(CaseError.TARGET_REQUIRED, _("请选择一个事项或一个主题服务。"), "item_id")
    if item_id:
        item = catalog_selectors.item_public(item_id)
        version = catalog_selectors.published_version(item)
        target = {"item_version": version, "title": version.name}
        department, online = item.department, version.applies_online
    else:
        theme = catalog_selectors.theme_public(theme_code)
        members = catalog_selectors.theme_members_published(theme)
        if not members:
            raise invalid(CaseError.THEME_EMPTY, _("该主题服务暂无可办理的事项。"), "theme_code")
        target = {"theme": theme, "title": theme.name}
        department = members[0].item.department
        online = catalog_selectors.theme_applies_online(theme)
    if channel != CaseChannel.COUNTER and not online:
        raise Conflict(
            CaseError.NOT_ONLINE,
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
    if not idempotency_key:
        case.save()
    else:
        try:
            with transaction.atomic():  # a twin that loses on the key finds the winner's case
                case.save()
        except IntegrityError:
            twins = Case.objects.filter(applicant=person, idempotency_key=idempotency_key)
            if (winner := twins.first()) is not None:
                return winner, False
            raise
    created = states.event(case, kind=EventKind.CREATED, actor=account, channel=channel)
    _recorded([created], timeline)
    audit_record(
        action="cases.case.create",
        actor=account,
        target=case,
        subject_person_id=person.pk,
        details={"channel": channel},
    )
    return case, True


def _recorded(events: list[CaseEvent], timeline: list[CaseEvent] | None) -> None:
    """Timeline events written now, or put in ``timeline``: the events of a request that ends
    in a transition, which writes them with its own in one INSERT (``states.transitions``)."""
    if timeline is None:
        states.record_events(events)
    else:
        timeline.extend(events)


# 容缺: the materials accepted as missing may follow while the case is being processed, not once
# it is decided (or refused, withdrawn, revoked).
GAPS_OPEN_STATES = (S.ACCEPTED, S.UNDER_REVIEW)


def _materials_open_guard(case: Case, open_states) -> None:
    """Files may be added in ``open_states``, and for outstanding gaps until the decision."""
    if case.state in open_states or (case.gaps and case.state in GAPS_OPEN_STATES):
        return
    raise Conflict(CaseError.MATERIALS_CLOSED, _("当前状态下不能上传材料。"))


def _limits(case: Case) -> tuple[int, int]:
    if (v := case.item_version) is not None:
        promised, legal, contradiction = clock.limits(
            promised=v.promised_limit_days, legal=v.legal_limit_days
        )
    else:
        promised, legal, contradiction = clock.limits(
            promised=case.applied_theme.promised_limit_days, legal=clock.JOINT_LEGAL_DAYS
        )
    if contradiction:
        states.record_event(
            case, kind=EventKind.LIMIT_CONTRADICTION, note=_("承诺时限长于法定时限，按法定时限计")
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


def _open_task_for_staff(*, staff: Staff, task_id: int, kind: str) -> tuple[Case, CaseTask]:
    """A reviewer's open task of ``kind`` and its case, both locked (``access``)."""
    case, task = access.task_for_staff_or_404(
        staff=staff, task_id=task_id, roles=access.REVIEWERS, kind=kind
    )
    _task_open_guard(task)
    return case, task


def _task_open_guard(task: CaseTask) -> None:
    """Refuse a task that is no longer open: cancelled with its case, or done (by whom)."""
    if task.state == TaskState.CANCELLED:
        raise Conflict(CaseError.TASK_CANCELLED, _("该办件已撤回，此任务已取消。"))
    if task.state != TaskState.OPEN:
        who = task.decided_by.account.display_name if task.decided_by is not None else _("他人")
        raise Conflict(
            CaseError.TASK_ALREADY_DONE,
            _("该任务已由%(who)s处理完毕，您的操作未生效，请刷新后查看。") % {"who": who},
        )


def _gaps_closed_guard(case: Case) -> None:
    """容缺受理: no decision (a department's, or approval on commitment) while the materials
    accepted as missing are still outstanding."""
    if case.gaps:
        raise Conflict(
            CaseError.GAPS_OPEN,
            _("容缺材料尚未补齐（截止 %(due)s），不能作出决定。") % {"due": case.gap_due},
        )


def _check_materials(
    case: Case,
    form_data: dict,
    materials: list | None = None,
    reuse: dict[int, selectors.LicenceReuse] | None = None,
    earlier: dict[int, selectors.EarlierReuse] | None = None,
    data: dict[int, exchange_supply.SupplyOffer] | None = None,
) -> None:
    """Every material the answers make necessary, that the applicant must supply, has a file
    (among ``materials``, the case's files, when the caller has them). A material whose
    e-licence on record cannot be used (``reuse``, from ``_licences_used``) is the
    applicant's to supply, and the refusal says why."""
    rows = selectors.case_checklist(
        case=case,
        form_data=form_data,
        materials=materials,
        reuse=reuse,
        earlier=earlier,
        data=data,
    )
    missing = [row for row in rows if row["missing"]]
    if missing:
        message = _("还缺少以下必需材料，请上传后再提交：%(names)s。") % {
            "names": "、".join(row["entry"].name for row in missing)
        }
        refusals = {f"materials.{r['entry'].id}": r["refusal"] for r in missing if r["refusal"]}
        fields = {"materials": message, **refusals}
        message = next(iter(refusals.values()), message)
        raise InvalidInput(CaseError.MATERIALS_MISSING, message, fields=fields)


def _checklist_entry(case: Case, catalog_material_id: int):
    """The checklist entry an upload is for: one of the case's materials the applicant supplies."""
    entries = selectors.material_entries(item_version=case.item_version, theme=case.theme)
    for entry in entries:
        # an e-licence's material may be uploaded instead (its licence is expired, suspended …),
        # as may one data sharing cannot read (no grant, no record)
        supplied = entry.uploaded_by_applicant or entry.source in (
            MaterialSource.LICENCE,
            MaterialSource.DATA_RESOURCE,
        )
        if catalog_material_id in entry.ids and supplied:
            return entry
    raise invalid(
        CaseError.MATERIAL_UNKNOWN,
        _("所选材料不在本办件的材料清单中，或无需申请人提交。"),
        "catalog_material_id",
    )


def _material_checked(
    *,
    case: Case,
    name: str,
    upload,
    catalog_material_id: int | None,
    trust_level: TrustLevel,
    open_states,
) -> CaseMaterial:
    """One file for a case, by whichever door (the applicant's upload, a clerk's scan), with the
    checks every door applies (an open state, a name, the checklist entry, the file's content
    and size): its row at its trust level, not yet written (``_materials_stored``)."""
    _materials_open_guard(case, open_states)
    if not (name or "").strip():
        raise invalid(CaseError.MATERIAL_NAME, _("请填写材料名称。"), "name")
    if catalog_material_id is not None:
        _checklist_entry(case, catalog_material_id)
    content_type, sha = check_upload(upload)
    material = CaseMaterial(
        case=case,
        catalog_material_id=catalog_material_id,
        name=name.strip()[:200],
        trust_level=trust_level,
        file=upload,
        size=upload.size,
        content_type=content_type,
        sha256=sha,
    )
    material.keep_original_name()
    return material


def _materials_recorded(
    *,
    case: Case,
    added: list[tuple[CaseMaterial, str, dict]],
    actor,
    action: str,
    event: EventKind = EventKind.MATERIAL_ADDED,
    timeline: list[CaseEvent] | None = None,
) -> list[CaseMaterial]:
    """Materials into the case in one INSERT, each ``(material, its event's note, its audit
    entry's details)`` with its timeline event (``_recorded``) and audit entry: how an upload,
    a scan, an e-licence, a data-sharing read and an earlier case's file all enter a case."""
    if not added:
        return []
    materials = [material for material, _note, _details in added]
    CaseMaterial.objects.bulk_create(materials)
    events = [states.event(case, kind=event, actor=actor, note=note) for _m, note, _d in added]
    _recorded(events, timeline)
    for _material, _note, details in added:
        audit_record(
            action=action,
            actor=actor,
            target=case,
            subject_person_id=case.applicant_id,
            details=details,
        )
    return materials


def _materials_stored(
    *,
    case: Case,
    materials: list[CaseMaterial],
    actor,
    event: EventKind,
    action: str,
    timeline: list[CaseEvent] | None = None,
) -> list[CaseMaterial]:
    """Checked files (``_material_checked``) into the case (their files stored)."""
    added = [(m, m.name, {"name": m.name, "size": m.size}) for m in materials]
    return _materials_recorded(
        case=case, added=added, actor=actor, action=action, event=event, timeline=timeline
    )


def _licences_used(
    *, case: Case, actor, materials: list | None = None, timeline: list[CaseEvent] | None = None
) -> tuple[list | None, dict[int, selectors.LicenceReuse]]:
    """免提交, at submission: each material the answers make necessary that an e-licence
    supplies, and for which the case has no file, is recorded as the valid licence of the
    applicant (or of the entity applying) that stands for it — a row with no file, trust level
    A — and counted in ``case.uploads_saved`` (saved with the submission's transition). An
    expired, suspended or revoked licence is not used: ``_check_materials`` then asks for the
    file, saying why. Returns the case's materials as they now are (``materials`` as given
    when the case has no such entry: no query then) and the reuse found."""
    entries = selectors.licence_entries(
        selectors.material_entries(item_version=case.item_version, theme=case.theme)
    )
    entries = [e for e in entries if e.applies_to(case.form_data)]
    if not entries:
        return materials, {}
    have = list(case.materials.all()) if materials is None else list(materials)
    entries = [e for e in entries if not any(m.catalog_material_id in e.ids for m in have)]
    reuse = selectors.licence_reuse(entries=entries, person=case.applicant, entity=case.entity)
    added = []
    for entry in entries:
        licence = reuse[entry.id].licence if entry.id in reuse else None
        if licence is None:
            continue
        material = CaseMaterial(
            case=case,
            catalog_material_id=entry.id,
            name=entry.name,
            trust_level=TrustLevel.A,
            licence=licence,
        )
        note = _("%(name)s（由电子证照自动提供）") % {"name": entry.name}
        added.append((material, note, {"name": entry.name, "licence": licence.identifier}))
    used = _materials_recorded(
        case=case,
        added=added,
        actor=actor,
        action="cases.case.material_licence",
        timeline=timeline,
    )
    have += used
    case.uploads_saved = _saved(have)
    return have, reuse


def _saved(materials) -> int:
    """免提交 in one figure: the case's materials no upload supplied (an e-licence, an
    earlier case's file, or data sharing)."""
    return sum(1 for m in materials if m.licence_id or m.reused_from_id or m.supplied)


def _data_used(
    *, case: Case, actor, materials: list | None = None, timeline: list[CaseEvent] | None = None
) -> tuple[list | None, dict[int, exchange_supply.SupplyOffer]]:
    """数据共享获取, at submission: each material the answers make necessary that data sharing
    supplies, and for which the case has no file, is read through the exchange by the item's
    department under its live grant (``exchange.supply.supply_query``: an exchange call of that
    department, for the item's name, which the applicant sees in 数据使用记录) and recorded as a
    row with no file, trust level A, carrying where it came from (resource, provider, receipt,
    the record's update; ``CaseMaterial.supplied``) and what it gave, sealed. Counted in
    ``case.uploads_saved``. A material nothing can read (no resource, no live grant, no record)
    is the applicant's to upload: ``_check_materials`` asks for it, with the offer's reason.
    A theme case reads nothing (its parts are several departments'). Returns the case's
    materials as they now are and the offers; no query when the case has no such entry."""
    if case.item_version is None:
        return materials, {}
    entries = selectors.data_entries(
        selectors.material_entries(item_version=case.item_version, theme=case.theme)
    )
    entries = [e for e in entries if e.applies_to(case.form_data)]
    if not entries:
        return materials, {}
    have = list(case.materials.all()) if materials is None else list(materials)
    entries = [e for e in entries if not any(m.catalog_material_id in e.ids for m in have)]
    if not entries:
        return have, {}
    applicant, entity = case.applicant, case.entity
    offers = selectors.data_supply(
        entries=entries, department=case.department, person=applicant, entity=entity
    )
    read = exchange_supply.supply_query(
        consumer=case.department,
        codes=[e.data_resource_code for e in entries if e.id in offers and offers[e.id].available],
        purpose=case.item_version.name,
        person_id_number=applicant.id_number if applicant is not None else "",
        entity_uscc=entity.uscc if entity is not None else "",
    )
    used, answers = [], []
    for entry in entries:
        if (answer := read.get(entry.data_resource_code)) is None:
            continue
        answers.append(answer)
        used.append(
            CaseMaterial(
                case=case,
                catalog_material_id=entry.id,
                name=entry.name,
                trust_level=TrustLevel.A,
                supplied={
                    "resource": answer.resource_code,
                    "resource_name": answer.resource_name,
                    "provider": answer.provider,
                    "receipt_id": answer.receipt_id,
                    "updated_at": timezone.localtime(answer.updated_at).isoformat(),
                    # lists, not a mapping: PostgreSQL's jsonb keeps no key order
                    "fields": list(answer.labels),
                    "labels": list(answer.labels.values()),
                },
                supplied_data=json.dumps(answer.fields, ensure_ascii=False),
            )
        )
    _materials_recorded(
        case=case,
        added=[
            (
                m,
                _("%(name)s（由%(provider)s通过数据共享提供）")
                % {"name": m.name, "provider": answer.provider},
                {"name": m.name, "resource": answer.resource_code, "receipt": answer.receipt_id},
            )
            for m, answer in zip(used, answers, strict=True)
        ],
        actor=actor,
        action="cases.case.material_data",
        timeline=timeline,
    )
    have += used
    case.uploads_saved = _saved(have)
    return have, offers


def _earlier_used(
    *, case: Case, actor, materials: list | None = None, timeline: list[CaseEvent] | None = None
) -> tuple[list | None, dict[int, selectors.EarlierReuse]]:
    """前序流程已收取, at submission: each material the answers make necessary that the
    applicant supplies, and for which the case has no file, is recorded as the file of the
    applicant's earlier approved case that lends it (``selectors.earlier_reuse``). The new row
    shares the earlier row's stored file (name, size, hash, trust level and upload time, so
    the file is still the one checked there and its validity still runs from its upload) and
    links to it (``reused_from``): the reviewer downloads it through this case, audited for
    the applicant as every staff download is. Counted in ``case.uploads_saved``. An upload of
    the applicant's own for the entry always wins (then the case has a file for it). Returns
    the case's materials as they now are and the reuse found; no query when every entry the
    applicant supplies has its file."""
    entries = selectors.material_entries(item_version=case.item_version, theme=case.theme)
    entries = [e for e in entries if e.uploaded_by_applicant and e.applies_to(case.form_data)]
    if not entries:
        return materials, {}
    have = list(case.materials.all()) if materials is None else list(materials)
    entries = [e for e in entries if not any(m.catalog_material_id in e.ids for m in have)]
    if not entries:
        return have, {}
    earlier = selectors.earlier_reuse(
        entries=entries, person=case.applicant, entity=case.entity, exclude_case_id=case.pk
    )
    used, numbers = [], {}
    for entry in entries:
        if (offer := earlier.get(entry.id)) is None:
            continue
        source, numbers[entry.id] = offer.material, offer.case_number
        used.append(
            CaseMaterial(
                case=case,
                catalog_material_id=entry.id,
                name=entry.name,
                trust_level=source.trust_level,
                file=source.file.name,
                size=source.size,
                content_type=source.content_type,
                sha256=source.sha256,
                uploaded_at=source.uploaded_at,
                original_name=source.original_name,
                reused_from=source,
            )
        )
    _materials_recorded(
        case=case,
        added=[
            (
                m,
                _("%(name)s（前序流程已收取，办件 %(number)s）")
                % {"name": m.name, "number": numbers[entry_id]},
                {"name": m.name, "from": numbers[entry_id]},
            )
            for m, entry_id in zip(used, numbers, strict=True)
        ],
        actor=actor,
        action="cases.case.material_earlier",
        timeline=timeline,
    )
    have += used
    case.uploads_saved = _saved(have)
    return have, earlier
