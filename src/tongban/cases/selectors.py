"""Reads of cases, already scoped to who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Prefetch, Q, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.choices import MaterialSource
from tongban.core.audit import audit_record
from tongban.core.errors import Forbidden, NotFound
from tongban.exchange import supply as exchange_supply
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import require_role
from tongban.licences import selectors as licences_selectors
from tongban.licences.choices import LicenceStatus
from tongban.registries import selectors as registries_selectors

from . import access, clock, states
from .choices import (
    CaseChannel,
    CaseState,
    Decision,
    EventKind,
    QueueKind,
    TaskKind,
    TaskState,
    TrustLevel,
)
from .errors import CaseError, case_not_found, invalid
from .models import Case, CaseEvent, CaseMaterial, CaseTask
from .uploads import max_bytes as upload_max_bytes

if TYPE_CHECKING:
    from tongban.identity.models import Account, LegalEntity, Person, Staff
    from tongban.licences.models import Licence

S = CaseState
QUEUE_ROLES = access.QUEUE_ROLES


# Form fields answered in advance from what the government holds about the applicant and the
# enterprise they act for (an empty answer is left out, the applicant types it).
PREFILL = {
    "applicant_name": lambda person, entity: person.name,
    "id_number": lambda person, entity: person.id_number,
    "mobile": lambda person, entity: person.mobile,
    "entity_name": lambda person, entity: entity.name if entity else "",
    "uscc": lambda person, entity: entity.uscc if entity else "",
    "contact_name": lambda person, entity: person.name if entity else "",
}


@dataclass(frozen=True)
class PrefillSource:
    """Where a prefilled answer came from: a base registry's record, its provider (一数一源)
    and when that record was last updated; ``value`` is what the registry said."""

    dataset: str
    key: str
    field: str
    department: str
    updated_at: datetime
    value: object


@dataclass(frozen=True)
class Prefill:
    answers: dict
    sources: dict[str, PrefillSource]


def form_prefill(*, account: Account, schema: dict) -> Prefill:
    """The answers of a new application form of ``schema`` that the platform already knows:
    only fields the form has, only values on record; nothing for an account without a person.
    Fields marked ``x-source`` come from the applicant's (or their enterprise's) base-registry
    record, each with its source, which the form shows before anything is submitted."""
    person = identity_selectors.person_for_account(account)
    if person is None:
        return Prefill({}, {})
    entity = identity_selectors.acting_entity(account)
    properties = schema.get("properties", {})
    data = {k: fill(person, entity) for k, fill in PREFILL.items() if k in properties}
    answers = {k: v for k, v in data.items() if v}
    sources = registry_prefill(schema=schema, person=person, entity=entity)
    answers.update({name: source.value for name, source in sources.items()})
    return Prefill(answers, sources)


def registry_prefill(
    *, schema: dict, person: Person, entity: LegalEntity | None
) -> dict[str, PrefillSource]:
    """Field → what the base registries answer for it (``x-source``): from ``person``'s
    population record, or ``entity``'s legal-entity record; no query for a form without one."""
    properties = schema.get("properties", {})
    keys = {"population": person.id_number, "legal_entities": entity.uscc if entity else ""}
    records: dict[str, registries_selectors.RegistryRecord | None] = {}
    sources = {}
    for name, (dataset, field) in catalog_selectors.form_sources(schema).items():
        if dataset not in records:
            key = keys.get(dataset)
            records[dataset] = (
                registries_selectors.record_by_key(dataset=dataset, key=key) if key else None
            )
        record = records[dataset]
        value = _answer(properties[name], record.fields.get(field)) if record else None
        if record is None or value in (None, ""):
            continue
        sources[name] = PrefillSource(
            dataset=dataset,
            key=record.key,
            field=field,
            department=record.provider_name,
            updated_at=record.updated_at,
            value=value,
        )
    return sources


def _answer(prop: dict, text: str | None) -> object:
    """A registry's text value in the form field's type (registered capital is a number)."""
    if text is None or prop.get("type") not in ("number", "integer"):
        return text
    number = Decimal(text)
    return int(number) if prop["type"] == "integer" else float(number)


def cases_for_applicant(*, account: Account, state: str = "", limit: int = 100) -> list[Case]:
    person = identity_selectors.person_for_account(account)
    if person is None:
        return []
    qs = Case.objects.filter(applicant=person).select_related("department")
    qs = qs.prefetch_related(
        Prefetch("tasks", queryset=CaseTask.objects.select_related("department"))
    )
    if state:
        qs = qs.filter(state=state)
    return list(qs.order_by("-created_at")[:limit])


def case_detail_for_applicant(*, account: Account, case_id: int) -> Case:
    """The applicant's own case with its timeline (only the events an applicant reads,
    ``APPLICANT_EVENT_KINDS``: the page and the API show the same), materials, notices and
    parts; anyone else's case is 'not found' (its existence is not revealed)."""
    person = identity_selectors.person_for_account(account)
    case = (
        Case.objects.select_related("department", "item_version", "theme")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=CaseEvent.objects.filter(kind__in=APPLICANT_EVENT_KINDS).order_by(
                    "at", "id"
                ),
            ),
            "materials",
            "correction_notices",
            Prefetch("tasks", queryset=CaseTask.objects.select_related("department")),
        )
        .filter(pk=case_id, applicant=person)
        .first()
        if person is not None
        else None
    )
    if case is None:
        raise case_not_found()
    return case


NEXT_STEP = {
    S.DRAFT: gettext_lazy("填写完整后提交申请"),
    S.SUBMITTED: gettext_lazy("等待网上预审"),
    S.PRE_REVIEW: gettext_lazy("部门预审中"),
    S.CORRECTION_REQUESTED: gettext_lazy("请按一次性告知书补正后重新提交"),
    S.ACCEPTED: gettext_lazy("已受理，等待分送审查"),
    S.UNDER_REVIEW: gettext_lazy("部门审查中"),
    S.DECIDED: gettext_lazy("已作出决定，等待送达"),
    S.DELIVERED: gettext_lazy("结果已送达"),
}


def _progress_due(case: Case):
    """The date the applicant is waiting for: pre-review's, else the promised one while open."""
    if case.state == S.PRE_REVIEW:
        return case.pre_review_due
    return case.promised_due if case.state in (S.ACCEPTED, S.UNDER_REVIEW) else None


def _progress(case: Case, days_left: int | None) -> dict:
    open_parts = [t.department.name for t in case.tasks.all() if t.state == TaskState.OPEN]
    return {
        "next_step": str(NEXT_STEP.get(S(case.state), "")),
        "holders": open_parts or [case.department.name],
        "days_left": days_left,
    }


def case_progress(case: Case) -> dict:
    """For the applicant: the next step, who holds the case, working days left on the clock."""
    due = _progress_due(case)
    return _progress(case, clock.workdays_between(timezone.localdate(), due) if due else None)


def cases_with_progress_for_applicant(*, account: Account, limit: int = 100) -> list[dict]:
    """「我的办件」: each case with its progress, in a fixed number of queries."""
    rows = cases_for_applicant(account=account, limit=limit)
    dues = [d for d in map(_progress_due, rows) if d]
    left = clock.workdays_left(timezone.localdate(), dues)
    return [{"case": c, "progress": _progress(c, left.get(_progress_due(c)))} for c in rows]


def _row(case: Case, *, task: CaseTask | None, due, warn, today) -> dict:
    colour = clock.colour(due=due, warn=warn, today=today)
    return {"case": case, "task": task, "due": due, "colour": colour, "overdue": colour == "red"}


def queue_for_staff(
    *, staff: Staff, kind: str, limit: int = 50, overdue_only: bool = False, channel: str = ""
) -> list[dict]:
    """What the staff member's department has to do, overdue first, then by due date; one query
    whatever the length (due and warning dates are stored, colours are date comparisons).

    pre_review: cases in pre-review (due: 5 working days after receipt), including theme cases
    in which the department handles a member item (it may propose a joint correction);
    accept: accepted cases awaiting distribution to review;
    review: open tasks (review or verification) assigned to the department, including parts of
    other departments' theme cases, and nothing else of theirs."""
    require_role(staff, *QUEUE_ROLES)
    if kind not in QueueKind.values:
        raise invalid(CaseError.QUEUE_KIND, _("队列类型不正确。"), "kind")
    today, limit = timezone.localdate(), max(1, min(limit, 200))
    if kind == QueueKind.REVIEW:
        tasks = CaseTask.objects.filter(department_id=staff.department_id, state=TaskState.OPEN)
        if overdue_only:
            tasks = tasks.filter(dwell_due__lt=today)
        if channel:
            tasks = tasks.filter(case__channel=channel)
        tasks = tasks.select_related("case", "case__department", "department").order_by(
            "dwell_due", "id"
        )[:limit]
        return [
            _row(t.case, task=t, due=t.dwell_due, warn=t.dwell_warn, today=today) for t in tasks
        ]
    order: tuple[str, ...]
    if kind == QueueKind.PRE_REVIEW:
        order, fields = (
            ("pre_review_due", "received_at", "id"),
            ("pre_review_due", "pre_review_warn"),
        )
    else:
        order, fields = ("promised_due", "id"), ("promised_due", "promised_warn")

    def pending(cases):
        cases = cases.filter(state=S.PRE_REVIEW if kind == QueueKind.PRE_REVIEW else S.ACCEPTED)
        if channel:
            cases = cases.filter(channel=channel)
        if overdue_only:
            cases = cases.filter(**{f"{fields[0]}__lt": today})
        return list(cases.select_related("department").order_by(*order)[:limit])

    found = pending(Case.objects.filter(department_id=staff.department_id))
    if kind == QueueKind.PRE_REVIEW:
        # Theme cases in which the department is a member: a second ordered, limited read
        # (one OR-ed query would sort every pending case of the department at 1M cases).
        member_of = catalog_selectors.theme_ids_with_member_department(staff.department_id)
        if member_of:
            others = Case.objects.filter(theme_id__in=member_of).exclude(
                department_id=staff.department_id
            )
            key = lambda c: tuple(getattr(c, f) for f in order)  # noqa: E731
            found = sorted(found + pending(others), key=key)[:limit]
    return [
        _row(c, task=None, due=getattr(c, fields[0]), warn=getattr(c, fields[1]), today=today)
        for c in found
    ]


def _materials_with_sources():
    """A case's materials with the earlier case each reused one came from (one JOIN)."""
    return CaseMaterial.objects.select_related("reused_from__case")


def case_for_staff(*, staff: Staff, case_id: int) -> Case:
    """A case its department holds, one with a part assigned to the staff's department, or a
    theme case in pre-review in which the department handles a member item (so that it can
    propose a joint correction before the parts are sent out). Its ``tasks`` are the parts the
    staff member may see (``access.tasks_seen_by``): the case page and the API show the same
    ones."""
    require_role(staff, *QUEUE_ROLES)
    case = (
        access.cases_open_to_staff()
        .select_related("department", "item_version", "theme", "applicant")
        .prefetch_related(
            "events",
            Prefetch(
                "materials", queryset=CaseMaterial.objects.select_related("reused_from__case")
            ),
            "correction_notices",
            Prefetch(
                "tasks",
                queryset=access.tasks_seen_by(staff, CaseTask.objects.select_related("department")),
            ),
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise case_not_found()
    if not access.can_read_case(staff, case):
        raise Forbidden("staff.department", _("该办件不属于您的部门。"))
    audit_record(
        action="cases.case.staff_read",
        actor=staff.account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"department": staff.department.code, "number": case.number},
    )
    return case


def case_answers_for_staff(case: Case) -> dict:
    """The form answers as every staff reader gets them (workbench page, staff API, admin):
    the personal data the form marks masked (``3101**********123X``, ``138****5678``). The
    applicant reads their own answers, in full, from ``case.form_data``."""
    return catalog_selectors.form_answers_masked(schema=case.form_schema, data=case.form_data)


PUBLIC_HIDDEN = (S.DRAFT,)
PUBLIC_FIELDS = (
    "number",
    "title",
    "state",
    "received_at",
    "accepted_at",
    "decided_at",
    "promised_due",
    "closed_at",
    "applicant__name",
)


def case_public_status(*, number: str, name: str) -> dict:
    """Case number + the applicant's name → state and dates only (no personal data). A wrong
    name and an unknown number answer the same."""
    number, name = (number or "").strip(), (name or "").strip()
    if not number or not name:
        raise invalid(CaseError.STATUS_QUERY, _("请输入办件编号和申请人姓名。"), "number")
    # One unique-key lookup with no ORDER BY, rows as tuples, the name and state checked here:
    # the query the whole city can send is the cheapest to build (ORM compilation was 40% of
    # its time).
    found = list(Case.objects.filter(number=number).order_by().values_list(*PUBLIC_FIELDS)[:1])
    case = dict(zip(PUBLIC_FIELDS, found[0], strict=True)) if found else None
    if case is None or case["applicant__name"] != name or case["state"] in PUBLIC_HIDDEN:
        raise case_not_found()
    day = lambda dt: timezone.localdate(dt).isoformat() if dt else None  # noqa: E731
    return {
        "number": case["number"],
        "title": case["title"],
        "state": case["state"],
        "state_label": str(S(case["state"]).label),
        "received_on": day(case["received_at"]),
        "accepted_on": day(case["accepted_at"]),
        "decided_on": day(case["decided_at"]),
        "closed_on": day(case["closed_at"]),
        "promised_due": case["promised_due"].isoformat() if case["promised_due"] else None,
    }


# --- materials checklist (the applicant's pages and the submit rule) -------------------------


def material_entries(*, item_version=None, theme=None) -> list:
    """Every material the item (or the theme's members) may ask for, with its condition."""
    if item_version is not None:
        return catalog_selectors.material_entries(version=item_version)
    return catalog_selectors.theme_material_entries(theme=theme)


@dataclass(frozen=True)
class LicenceReuse:
    """免提交 for one checklist entry: the holder's valid licence that stands for it, or, when
    the one on record cannot be used, why (the applicant uploads the material instead)."""

    licence: Licence | None
    refusal: str = ""


REUSE_REFUSALS = {
    LicenceStatus.EXPIRED: gettext_lazy("您的%(name)s已过有效期，请上传材料。"),
    LicenceStatus.SUSPENDED: gettext_lazy("您的%(name)s已暂停使用，请上传材料。"),
    LicenceStatus.REVOKED: gettext_lazy("您的%(name)s已被撤销，请上传材料。"),
}


def licence_entries(entries) -> list:
    """The checklist entries an e-licence supplies."""
    return [e for e in entries if e.source == MaterialSource.LICENCE]


def licence_reuse(
    *, entries, person: Person | None, entity: LegalEntity | None
) -> dict[int, LicenceReuse]:
    """For each entry an e-licence supplies (by entry id), the licence of ``person`` or of
    ``entity`` that stands for it today, or why the one on record cannot (as
    ``licences.selectors.licences_for_types`` tells). An entry with no licence of its type on
    record is left out (as before e-licences: the department obtains it). One query for all
    the entries an e-licence supplies; none when there are none."""
    supplied = licence_entries(entries)
    held = licences_selectors.licences_for_types(
        type_codes=[e.licence_type_code for e in supplied], person=person, entity=entity
    )
    found: dict[int, LicenceReuse] = {}
    for entry in supplied:
        rows = held.get(entry.licence_type_code)
        if not rows:
            continue
        best = rows[0]  # usable ones first
        if best.usable:
            found[entry.id] = LicenceReuse(best.licence)
        else:
            refusal = REUSE_REFUSALS[LicenceStatus(best.status)]
            found[entry.id] = LicenceReuse(
                None, str(refusal) % {"name": best.licence.licence_type.name}
            )
    return found


# 前序流程已收取: a material the applicant supplied in an earlier case stands for the same
# material of a new case while it is this recent (days from its upload; the catalog's materials
# carry no validity of their own yet, so this one limit holds for all).
EARLIER_REUSE_DAYS = 180
# The earlier case must have been approved: its materials were reviewed and found sufficient.
# A case refused, withdrawn, revoked, decided against, or still under way lends nothing.
EARLIER_REUSE_STATES = (S.DECIDED, S.DELIVERED, S.CLOSED)


@dataclass(frozen=True)
class EarlierReuse:
    """前序流程已收取 for one checklist entry: the applicant's material of an earlier approved
    case that stands for it, and that case's number (what the checklist and the reviewer show)."""

    material: CaseMaterial
    case_id: int
    case_number: str


def earlier_reuse(
    *, entries, person: Person | None, entity: LegalEntity | None, exclude_case_id=None
) -> dict[int, EarlierReuse]:
    """For each entry the applicant supplies (by entry id), their file of the same material in
    an earlier case that lends it: the same person applying for the same party (the same
    enterprise, or for themselves), a case approved (``EARLIER_REUSE_STATES`` with the
    decision 准予许可), the file uploaded within ``EARLIER_REUSE_DAYS`` (a file reused before
    keeps its first upload's date, so reuse never extends it). The newest such file wins.

    The key is the catalog material's **name** (``CaseMaterial.name`` is the checklist
    entry's name for every upload): catalog material ids are per item version, so a new version
    of the same item — or another item asking for the same 身份证明 — has new ids, while the
    name is what the guide and the applicant call the material. One query; none when no entry
    is the applicant's to supply."""
    wanted = {e.name: e for e in entries if e.uploaded_by_applicant}
    if not wanted or person is None:
        return {}
    since = timezone.now() - timedelta(days=EARLIER_REUSE_DAYS)
    rows = (
        CaseMaterial.objects.filter(
            case__applicant=person,
            case__state__in=EARLIER_REUSE_STATES,
            case__decision=Decision.APPROVED,
            name__in=list(wanted),
            uploaded_at__gte=since,
        )
        .filter(Q(case__entity=entity) if entity is not None else Q(case__entity__isnull=True))
        .exclude(file="")
        .exclude(case_id=exclude_case_id)
        .select_related("case")
        .order_by("-uploaded_at", "-id")
    )
    found: dict[int, EarlierReuse] = {}
    for material in rows:
        entry = wanted[material.name]
        if entry.id not in found:
            case = material.case
            found[entry.id] = EarlierReuse(material, case.pk, case.number or "")
    return found


def earlier_reuse_for_applicant(
    *, account: Account, entries, case: Case | None = None
) -> dict[int, EarlierReuse]:
    """``earlier_reuse`` for the apply page (as ``licence_reuse_for_applicant``): the draft's
    applicant and entity, or the signed-in person and the enterprise they act for now."""
    if case is not None:
        return earlier_reuse(
            entries=entries, person=case.applicant, entity=case.entity, exclude_case_id=case.pk
        )
    person = identity_selectors.person_for_account(account)
    entity = identity_selectors.acting_entity(account) if person is not None else None
    return earlier_reuse(entries=entries, person=person, entity=entity)


def licence_reuse_for_applicant(
    *, account: Account, entries, case: Case | None = None
) -> dict[int, LicenceReuse]:
    """``licence_reuse`` for the apply page: the holders are the draft's applicant and entity,
    or (a new application) the signed-in person and the enterprise they act for now."""
    if not licence_entries(entries):
        return {}
    if case is not None:
        return licence_reuse(entries=entries, person=case.applicant, entity=case.entity)
    person = identity_selectors.person_for_account(account)
    entity = identity_selectors.acting_entity(account) if person is not None else None
    return licence_reuse(entries=entries, person=person, entity=entity)


def data_entries(entries) -> list:
    """The checklist entries data sharing supplies (数据共享获取)."""
    return [e for e in entries if e.source == MaterialSource.DATA_RESOURCE]


def data_supply(
    *, entries, department, person: Person | None, entity: LegalEntity | None
) -> dict[int, exchange_supply.SupplyOffer]:
    """For each entry data sharing supplies (by entry id), what the exchange would give the
    item's ``department`` for this applicant at submission (``exchange.supply.supply_offers``:
    the resource, its provider, the granted fields), or why it cannot (no resource published,
    no live grant, no record: the applicant then uploads it). No query when no entry is one."""
    supplied = data_entries(entries)
    if not supplied or person is None or department is None:
        return {}
    offers = exchange_supply.supply_offers(
        consumer=department,
        codes=[e.data_resource_code for e in supplied],
        person_id_number=person.id_number,
        entity_uscc=entity.uscc if entity is not None else "",
    )
    return {e.id: offers[e.data_resource_code] for e in supplied if e.data_resource_code in offers}


def data_supply_for_applicant(
    *, account: Account, entries, department, case: Case | None = None
) -> dict[int, exchange_supply.SupplyOffer]:
    """``data_supply`` for the apply page (as ``licence_reuse_for_applicant``)."""
    if not data_entries(entries):
        return {}
    if case is not None:
        return data_supply(
            entries=entries, department=department, person=case.applicant, entity=case.entity
        )
    person = identity_selectors.person_for_account(account)
    entity = identity_selectors.acting_entity(account) if person is not None else None
    return data_supply(entries=entries, department=department, person=person, entity=entity)


def checklist_rows(
    *,
    entries,
    form_data: dict,
    uploads=(),
    reuse: dict[int, LicenceReuse] | None = None,
    earlier: dict[int, EarlierReuse] | None = None,
    data: dict[int, exchange_supply.SupplyOffer] | None = None,
) -> list[dict]:
    """Each entry with whether it applies to these answers, the files uploaded for it, and
    whether it is still missing (applies, required, and the applicant has to supply it: their
    own material, or one whose e-licence on record cannot be used, ``reuse``). ``reused``: an
    e-licence stands for it (recorded with the case, or about to be at submission).
    ``earlier``: the case number (and id) of the earlier case whose material stands for it
    (前序流程已收取: recorded with the case, or offered by ``earlier`` for the submission).
    ``supplied``: for an entry data sharing supplies, the read recorded with the case (its
    ``CaseMaterial.supplied``) or the offer ``data`` makes for the submission; when no read can
    be made (``data`` says why: ``refusal``) the applicant uploads the material. Without an
    offer (the counter, a theme: nothing reads for them yet) it stays the department's to
    obtain, as before."""
    rows = []
    for entry in entries:
        files = [m for m in uploads if m.catalog_material_id in entry.ids]
        applies = entry.applies_to(form_data)
        offered = (reuse or {}).get(entry.id)
        upload_instead = offered is not None and offered.licence is None
        read = next((m.supplied for m in files if m.supplied), None)
        shared = (
            (data or {}).get(entry.id) if entry.source == MaterialSource.DATA_RESOURCE else None
        )
        if read is None and shared is not None and shared.available and not files:
            read = {
                "resource_name": shared.resource_name,
                "provider": shared.provider,
                "fields": list(shared.fields),
                "labels": list(shared.labels),
            }
        data_refusal = ""
        if shared is not None and not shared.available and read is None:
            upload_instead = True  # nothing data sharing can give it: the applicant uploads it
            data_refusal = shared.reason
        elif entry.source == MaterialSource.DATA_RESOURCE and read is None and files:
            upload_instead = True  # the applicant's own file stands for it (and wins at submit)
        supplies = entry.uploaded_by_applicant or upload_instead
        prior = (earlier or {}).get(entry.id)
        lent = next((m for m in files if m.reused_from_id), None)
        if lent is not None:
            source = lent.reused_from.case if lent.reused_from is not None else None
            prior_of = {"case_id": source.pk, "number": source.number} if source else None
        elif prior is not None and not files:
            prior_of = {"case_id": prior.case_id, "number": prior.case_number}
        else:
            prior_of = None
        missing = applies and entry.required and supplies and not files and prior_of is None
        reused = any(m.licence_id for m in files) or (offered is not None and bool(offered.licence))
        rows.append(
            {
                "entry": entry,
                "applies": applies,
                "uploads": [m for m in files if not m.reused_from_id and not m.supplied],
                "missing": missing,
                "reused": reused,
                "earlier": prior_of,
                "refusal": offered.refusal if offered is not None else data_refusal,
                "supplied": read,
            }
        )
    return rows


def case_checklist(
    *,
    case: Case,
    form_data: dict | None = None,
    materials: list | None = None,
    reuse: dict[int, LicenceReuse] | None = None,
    earlier: dict[int, EarlierReuse] | None = None,
    data: dict[int, exchange_supply.SupplyOffer] | None = None,
) -> list[dict]:
    """The case's checklist for its answers (or for ``form_data`` about to replace them), with
    its files (read, unless the caller has them: ``materials``), the e-licences offered for
    it (``reuse``) and the earlier cases' materials (``earlier``, see ``checklist_rows``)."""
    entries = material_entries(item_version=case.item_version, theme=case.theme)
    answers = case.form_data if form_data is None else form_data
    if materials is None:
        materials = list(case.materials.select_related("reused_from__case"))
    return checklist_rows(
        entries=entries,
        form_data=answers,
        uploads=materials,
        reuse=reuse,
        earlier=earlier,
        data=data,
    )


# --- workbench: queues, the case page and the counter, as a staff member sees them -------------

AFTER_DECISION = (S.DECIDED, S.DELIVERED, S.CLOSED)


def queue_page_for_staff(*, staff: Staff, **filters) -> list[dict]:
    """``queue_for_staff`` with each row's applicant loaded in one more query (the page shows a
    masked name), so the page too runs a fixed number of queries."""
    rows = queue_for_staff(staff=staff, **filters)
    prefetch_related_objects([r["case"] for r in rows], "applicant")
    return rows


def case_tasks_of_staff(*, staff: Staff, case: Case) -> list[CaseTask]:
    """The open tasks of ``case`` held by the staff member's department (every open task, for a
    platform admin): the parts they may decide, verify or reassign."""
    return [
        t
        for t in case.tasks.all()
        if t.state == TaskState.OPEN and access.can_see_department(staff, t.department_id)
    ]


def _gaps_allowed(case: Case) -> bool:
    if case.item_version is not None:
        return case.item_version.accept_with_gaps
    theme = catalog_selectors.theme_public(case.applied_theme.code)
    members = catalog_selectors.theme_members_published(theme)
    return all(catalog_selectors.published_version(m.item).accept_with_gaps for m in members)


def case_actions_for_staff(*, staff: Staff, case: Case, today=None) -> list[str]:
    """What ``staff`` may do to ``case`` now: the state machine's transitions from its state,
    narrowed by the staff member's roles and department. The one place the workbench asks;
    who may act is asked of ``access``, as the services ask it (tests hold the two together:
    an action listed succeeds, one not listed is refused by the service)."""
    today = today or timezone.localdate()
    state, actions = case.state, []
    front = access.can_handle_case(staff, case, access.FRONT_DESK)
    reviewing = access.can_handle_case(staff, case, access.REVIEWERS)
    heading = access.can_handle_case(staff, case, access.HEADS)
    delivering = access.can_handle_case(staff, case, access.DELIVERY_ROLES)
    tasks = case_tasks_of_staff(staff=staff, case=case)

    def own(kind, roles) -> bool:
        return any(t.kind == kind and access.can_handle_task(staff, t, roles) for t in tasks)

    if front and state == S.PRE_REVIEW:
        actions.append("accept")
        if case.pre_review_due is not None and today <= case.pre_review_due:
            actions.append("correction")
        actions.append("refuse")
        if _gaps_allowed(case):
            actions.append("accept_with_gaps")
    if state == S.PRE_REVIEW and access.can_propose_correction(staff, case):
        actions.append("propose_correction")
    if front and case.gaps:
        actions.append("gaps_close")
    if front and state == S.ACCEPTED:
        actions.append("review_start")
    if (
        reviewing
        and state == S.ACCEPTED
        and not case.gaps
        and case.item_version is not None
        and case.item_version.commitment
    ):
        actions.append("commitment_approve")
    if state == S.UNDER_REVIEW and not case.gaps and own(TaskKind.REVIEW, access.REVIEWERS):
        actions.append("decide")
    if state in AFTER_DECISION and own(TaskKind.VERIFICATION, access.REVIEWERS):
        actions.append("verify")
    if any(access.can_handle_task(staff, t, access.HEADS) for t in tasks):
        actions.append("reassign")
    if heading and state in (S.ACCEPTED, S.UNDER_REVIEW) and not case.extension_days:
        actions.append("extend")
    if delivering and state == S.DECIDED:
        actions.append("deliver")
    if delivering and state == S.DELIVERED:
        actions.append("close")
    if front and any(m.trust_level == TrustLevel.C for m in case.materials.all()):
        actions.append("material_verify")
    return actions


def _business_clock(case: Case, today) -> dict:
    """The case's clock as the page shows it: which due date runs now, and its colour."""
    if case.state == S.PRE_REVIEW:
        due, warn = case.pre_review_due, case.pre_review_warn
    elif case.state in (S.ACCEPTED, S.UNDER_REVIEW):
        due, warn = case.promised_due, case.promised_warn
    else:
        return {"due": None, "colour": "", "paused": False}
    colour = "" if due is None else clock.colour(due=due, warn=warn, today=today)
    return {"due": due, "colour": colour, "paused": case.paused_since is not None}


def case_page_for_staff(*, staff: Staff, case_id: int) -> dict:
    """Everything the workbench case page shows: the case (scoped and audit-logged by
    ``case_for_staff``, which also narrows the parts to those the staff member may see), its
    clock, and the actions allowed."""
    case = case_for_staff(staff=staff, case_id=case_id)
    today = timezone.localdate()
    tasks = list(case.tasks.all())
    prefetch_related_objects(tasks, "decided_by__account")
    return {
        "case": case,
        "clock": _business_clock(case, today),
        "tasks": [
            {
                "task": t,
                "colour": clock.colour(due=t.dwell_due, warn=t.dwell_warn, today=today)
                if t.state == TaskState.OPEN
                else "",
            }
            for t in tasks
        ],
        "own_tasks": case_tasks_of_staff(staff=staff, case=case),
        "actions": case_actions_for_staff(staff=staff, case=case, today=today),
        "licences": case_licences_for_staff(staff=staff, case=case),
    }


def case_licences_for_staff(*, staff: Staff, case: Case) -> dict[int, dict]:
    """The e-licences standing for materials of ``case`` (read through ``case_for_staff``), by
    material id, as the reviewer checks them: identifier, holder, the fields (personal data
    masked) and the status as it stands now, not as it stood at submission (a licence
    suspended since reads 已暂停). Each licence read is audit-logged as a staff read of its
    holder's data. No query for a case without such materials."""
    used = [m for m in case.materials.all() if m.licence_id]
    prefetch_related_objects(used, "licence__licence_type", "licence__holder_entity")
    today, found = timezone.localdate(), {}
    for material in used:
        licence = material.licence
        assert licence is not None, "filtered on licence_id above"
        status, data = licence.status_on(today), licences_selectors.licence_data_for_staff(licence)
        found[material.pk] = {
            "licence": licence,
            "status": status,
            "status_label": str(LicenceStatus(status).label),
            "valid": status == LicenceStatus.VALID,
            "data": data,
            "fields": _licence_fields(licence, data),
        }
        audit_record(
            action="cases.material.licence_staff_read",
            actor=staff.account,
            target=case,
            subject_person_id=licence.holder_person_id_for_audit,
            details={
                "department": staff.department.code,
                "number": case.number,
                "identifier": licence.identifier,
            },
        )
    return found


def _licence_fields(licence, data: dict) -> list[tuple[str, object]]:
    """The licence's (masked) fields as (title, value), titled by its type's schema."""
    properties = licence.licence_type.data_schema.get("properties", {})
    return [(properties[k].get("title", k), v) for k, v in data.items() if k in properties]


def uploads_saved_report(*, staff: Staff) -> dict:
    """免提交 in figures: the cases in which e-licences stood for materials, and the uploads
    they saved, per item (or theme) and per department. A department head sees their
    department's; a platform admin every department's."""
    require_role(staff, *access.HEADS)
    cases = Case.objects.filter(uploads_saved__gt=0).order_by()
    if not access.can_act_across_departments(staff):
        cases = cases.filter(department_id=staff.department_id)
    sums = {"cases": Count("id"), "saved": Sum("uploads_saved")}
    by_item = (
        cases.values("department__name", "item_version__item_id", "theme_id")
        .annotate(title=Max("title"), **sums)
        .order_by("-saved", "title")
    )
    by_department = (
        cases.values("department_id", "department__name")
        .annotate(**sums)
        .order_by("-saved", "department__name")
    )
    rows = list(by_department)
    return {
        "items": [
            {"title": r["title"], "department": r["department__name"], "cases": r["cases"],
             "saved": r["saved"]}
            for r in by_item
        ],
        "departments": [
            {"department": r["department__name"], "cases": r["cases"], "saved": r["saved"]}
            for r in rows
        ],
        "total": sum(r["saved"] for r in rows),
    }  # fmt: skip


# The routes by which a material reaches a case without the applicant uploading it.
ROUTES = ("licence", "data", "earlier")


def _rate(spared: int, total: int) -> Decimal:
    """A share in per cent, one decimal (0 of nothing is 0)."""
    return (Decimal(100 * spared) / total).quantize(Decimal("0.1")) if total else Decimal("0.0")


def materials_eliminated_report(*, staff: Staff) -> dict:
    """免提交率 two ways, per department and overall; a department head sees their department,
    a platform admin every department (others: refused).

    **Catalog** (``catalog``): the materials of every published item version by source — to be
    uploaded by the applicant, supplied by an e-licence (``licence``), by data sharing
    (``data``: a material whose code names a published exchange resource of which the item's
    department holds a live grant; one that names none is asked for as an upload, so it counts
    as the applicant's, and ``data_unmapped`` says how many) — and the share not to be
    submitted (licence + data over all). A form field
    prefilled from a base registry (``x-source``) is *not* a material: it is an answer the
    applicant does not type, shown beside (``prefilled_fields``) but out of the rate, which
    stays a rate of the catalog's 申请材料 as the guides list them. Reuse from earlier cases is
    a property of an applicant, not of the catalog, so it is measured only over cases.

    **Cases** (``cases``): over submitted cases (numbered: drafts are not counted), the
    materials that reached them by each route — an upload (``uploads``: the files the
    applicant or a clerk supplied), an e-licence (``licence``), an earlier case's file
    (``earlier``, 前序流程已收取), data sharing (``data``: the materials read through the
    exchange at submission, ``CaseMaterial.supplied``) — and the share supplied without an
    upload. Six queries (grouped) whatever the number of cases."""
    require_role(staff, *access.HEADS)
    across = access.can_act_across_departments(staff)
    return _materials_eliminated(None if across else staff.department_id)


def materials_eliminated_for_operator() -> dict:
    """``materials_eliminated_report`` over every department, for the shell operator
    (``tongban report materials``, the bench), who holds the database already: figures only,
    no personal data."""
    return _materials_eliminated(None)


def _materials_eliminated(department_id: int | None) -> dict:
    """The report over one department, or every one (``None``)."""
    across = department_id is None
    departments: dict[int, dict] = {}

    def dept(department_id: int, name: str) -> dict:
        return departments.setdefault(department_id, _report_row(name))

    source_key = {
        MaterialSource.APPLICANT: "applicant",
        MaterialSource.LICENCE: "licence",
        MaterialSource.DATA_RESOURCE: "data",
    }
    for row in catalog_selectors.published_material_counts():
        if not across and row["department_id"] != department_id:
            continue
        catalog = dept(row["department_id"], row["department"])["catalog"]
        if row["source"]:
            catalog[source_key[MaterialSource(row["source"])]] += row["materials"]
            catalog["materials"] += row["materials"]
        else:
            catalog["prefilled_fields"] += row["prefilled_fields"]
    # data sharing supplies a material only when its code names a published resource of which
    # the item's department holds a live grant; any other is asked for as an upload
    shared = catalog_selectors.published_data_materials()
    if not across:
        shared = [r for r in shared if r["department_id"] == department_id]
    live = exchange_supply.live_codes({r["department_id"] for r in shared})
    for row in shared:
        pair = (row["department_id"], exchange_supply.resource_code(row["data_resource_code"]))
        if pair in live:
            continue
        catalog = departments[row["department_id"]]["catalog"]
        catalog["data"] -= row["materials"]
        catalog["applicant"] += row["materials"]
        catalog["data_unmapped"] += row["materials"]

    cases = Case.objects.filter(number__isnull=False).order_by()
    if department_id is not None:
        cases = cases.filter(department_id=department_id)
    per_department = list(cases.values("department_id", "department__name").annotate(n=Count("id")))
    for row in per_department:
        dept(row["department_id"], row["department__name"])["cases"]["cases"] += row["n"]
    materials = (
        CaseMaterial.objects.filter(case__in=cases)
        .values("case__department_id", "case__department__name")
        .annotate(
            uploads=Count("id", filter=~Q(file="") & Q(reused_from__isnull=True)),
            licence=Count("id", filter=Q(licence__isnull=False)),
            earlier=Count("id", filter=Q(reused_from__isnull=False)),
            data=Count("id", filter=Q(supplied__isnull=False)),
        )
        .order_by()
    )
    for row in materials:
        figures = dept(row["case__department_id"], row["case__department__name"])["cases"]
        for key in ("uploads", "licence", "earlier", "data"):
            figures[key] += row[key]

    rows = [departments[k] for k in sorted(departments)]  # departments in the order made
    for row in rows:
        _rates(row)
    overall = _report_row(_("全部"))
    for part in ("catalog", "cases"):
        for key in overall[part]:
            overall[part][key] = sum(row[part][key] for row in rows)
    _rates(overall)
    return {"departments": rows, "overall": overall}


def _report_row(department: str) -> dict:
    """One row of ``materials_eliminated_report``, every count at zero."""
    return {
        "department": department,
        "catalog": {
            "materials": 0,
            "applicant": 0,
            "licence": 0,
            "data": 0,
            "data_unmapped": 0,
            "prefilled_fields": 0,
        },
        "cases": {"cases": 0, "uploads": 0, "licence": 0, "earlier": 0, "data": 0},
    }


def _rates(row: dict) -> None:
    """The shares of one report row, in place (see ``materials_eliminated_report``)."""
    catalog, cases = row["catalog"], row["cases"]
    catalog["rate"] = _rate(catalog["licence"] + catalog["data"], catalog["materials"])
    spared = cases["licence"] + cases["earlier"] + cases["data"]
    cases["supplied"] = spared + cases["uploads"]
    cases["spared"] = spared
    cases["rate"] = _rate(spared, cases["supplied"])
    for route in ROUTES:
        cases[f"{route}_rate"] = _rate(cases[route], cases["supplied"])


def case_material_for_staff(*, staff: Staff, case_id: int, material_id: int):
    """A material of a case the staff member may see, for download (the read is audit-logged)."""
    case = case_for_staff(staff=staff, case_id=case_id)
    material = next((m for m in case.materials.all() if m.pk == material_id and m.file), None)
    if material is None:
        raise NotFound(CaseError.MATERIAL_NOT_FOUND, _("材料不存在。"))
    audit_record(
        action="cases.material.staff_download",
        actor=staff.account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"material": material.pk, "number": case.number},
    )
    return material


def counter_items(*, staff: Staff, q: str = "", limit: int = 20) -> list:
    """Published items a counter clerk may accept: citywide ones, and those of the clerk's region
    (``case_counter_create`` refuses any other)."""
    require_role(staff, *access.COUNTER)
    qs = catalog_selectors.published_items().filter(
        Q(published__citywide=True) | Q(region_id=staff.department.region_id)
    )
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(published__name__icontains=q)
    return list(qs.order_by("-popularity", "published__name", "id")[: max(1, min(limit, 50))])


def counter_receipt_for_staff(*, staff: Staff, case_id: int) -> Case:
    """A counter case as the center that received it sees it (the receipt), whichever
    department processes it; any other case is 'not found'."""
    require_role(staff, *access.COUNTER)
    case = (
        Case.objects.select_related("department", "center", "applicant")
        .prefetch_related("materials")
        .filter(pk=case_id, channel=CaseChannel.COUNTER)
        .first()
    )
    if case is None or not access.can_see_department(staff, case.center_id):
        raise case_not_found()
    return case


def applicant_actions(case: Case) -> dict[str, bool]:
    """What the applicant may do with the case in its state."""
    return {
        "edit": case.state == S.DRAFT,
        "correct": case.state == S.CORRECTION_REQUESTED,
        "withdraw": states.allowed(case.state, S.WITHDRAWN),
    }


APPLICANT_EVENT_LABELS = {
    EventKind.CREATED: gettext_lazy("创建申请"),
    EventKind.MATERIAL_ADDED: gettext_lazy("上传材料"),
    EventKind.MATERIAL_VERIFIED: EventKind.MATERIAL_VERIFIED.label,
    EventKind.TASK_DECIDED: EventKind.TASK_DECIDED.label,
    EventKind.TASK_REASSIGNED: EventKind.TASK_REASSIGNED.label,
    EventKind.GAPS_CLOSED: EventKind.GAPS_CLOSED.label,
    EventKind.EXTENDED: EventKind.EXTENDED.label,
    EventKind.OVERDUE: EventKind.OVERDUE.label,
    EventKind.COMMITMENT_VERIFIED: EventKind.COMMITMENT_VERIFIED.label,
    EventKind.COMMITMENT_FAILED: EventKind.COMMITMENT_FAILED.label,
}
# The events an applicant reads: state changes and the steps above. Staff-internal ones (member
# departments' proposals, counter scans, parts past their dwell date, limit contradictions) are
# the staff's; ``case_detail_for_applicant`` reads only these, for the page and the API alike.
APPLICANT_EVENT_KINDS = (EventKind.TRANSITION, *APPLICANT_EVENT_LABELS)


def applicant_timeline(case: Case) -> list[dict]:
    """The timeline of a case read through ``case_detail_for_applicant``, labelled for the
    applicant (its events are already the applicant's)."""
    rows = []
    for event in case.events.all():
        if event.kind == EventKind.TRANSITION:
            label = _("状态变为“%(s)s”") % {"s": S(event.to_state).label}
        else:
            label = str(APPLICANT_EVENT_LABELS[EventKind(event.kind)])
        rows.append({"at": event.at, "kind": event.kind, "label": label, "note": event.note})
    return rows


def upload_limit_mb() -> int:
    """The largest file an applicant may upload, in MB (for the pages to say so up front)."""
    return upload_max_bytes() // 1048576


def case_desks_for_staff(staff) -> dict[str, bool]:
    """Which case pages the workbench home links for this staff member."""
    return {
        "queues": access.can_hold(staff, *QUEUE_ROLES),
        "counter": access.can_hold(staff, *access.COUNTER),
        "uploads_saved": access.can_hold(staff, *access.HEADS),
    }


def staff_timeline(case: Case) -> list[dict]:
    """The whole timeline as staff read it, internal steps included."""
    rows = []
    for event in case.events.all():
        if event.kind == EventKind.TRANSITION:
            frm = S(event.from_state).label if event.from_state else "—"
            label = _("状态：%(frm)s → %(to)s") % {"frm": frm, "to": S(event.to_state).label}
        else:
            label = str(EventKind(event.kind).label)
        rows.append({"event": event, "label": label})
    return rows


# --- the applicant's own files and receipt ---------------------------------------------------


def case_material_for_applicant(*, account: Account, case_id: int, material_id: int):
    """A file of the applicant's own case, for them to download; anyone else's case, a staff
    account, or a material without a file is 'not found' (whether it exists is not revealed)."""
    person = identity_selectors.person_for_account(account)
    material = (
        CaseMaterial.objects.filter(pk=material_id, case_id=case_id, case__applicant=person)
        .exclude(file="")
        .first()
        if person is not None
        else None
    )
    if material is None:
        raise NotFound(CaseError.MATERIAL_NOT_FOUND, _("材料不存在。"))
    return material


def case_receipt(case: Case) -> dict:
    """What a receipt (收件回执) states, the same on the applicant's page and on the counter's:
    number, item or theme, applicant (ID masked), departments, times, the promised limit in
    working days, the materials received and where to follow the case. The page chooses how the
    applicant's name shows (in full to themselves, masked on a staff screen)."""
    source = case.item_version or case.applied_theme
    prefetch_related_objects([case], "materials")
    return {
        "case": case,
        "kind": _("事项") if case.item_version_id else _("主题服务"),
        "id_number_masked": case.applicant.id_number_masked,
        "promised_days": case.promised_limit_days or source.promised_limit_days,
        "pre_review_pending": case.accepted_at is None
        and case.state in (S.SUBMITTED, S.PRE_REVIEW),
        "materials": list(case.materials.all()),
    }


def draft_for_applicant_key(*, account: Account, idempotency_key: str) -> Case | None:
    """The applicant's draft saved under an apply page's idempotency key (the draft a refused
    first submit kept the good files with), with its materials; None if there is none."""
    person = identity_selectors.person_for_account(account)
    if person is None or not idempotency_key:
        return None
    return (
        Case.objects.prefetch_related("materials")
        .filter(applicant=person, idempotency_key=idempotency_key[:64], state=S.DRAFT)
        .first()
    )
