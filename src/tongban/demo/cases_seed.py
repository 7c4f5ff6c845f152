"""Demo cases in every state, driven through the real services so that each carries its true
timeline, audit entries and messages. Only the clock is cheated: a few cases are moved back in
time afterwards (``_backdate``) so that the queues show yellow and red rows.

Idempotent: each scenario's first case carries an idempotency key ``demo-<name>``; a scenario
whose key exists is skipped."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tongban.cases import appointments
from tongban.cases import services as cases
from tongban.cases.models import Appointment, AppointmentGroup, Case, CaseTask
from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.models import ServiceItem
from tongban.core import workdays
from tongban.identity import selectors as identity_selectors
from tongban.identity import services as identity
from tongban.identity.models import LegalEntity, Staff

from .exchange_seed import supplied_codes

# A one-page PDF: what a scanner or a phone app hands over, small enough to seed quickly.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
SAMPLE_TEXT = {
    "address": "上海市浦东新区世纪大道100号",
    "business_address": "上海市浦东新区张江路500号",
    "employer": "上海浦江示范科技有限公司",
    "reason": "工作调动",
    "purpose": "办理入学手续",
    "business_scope": "软件开发；信息技术咨询服务",
    "bank_name": "中国工商银行上海市浦东分行",
    "bank_account": "6222021001123456789",
    "hpf_account": "123456789012",
}


def _staff(username: str):
    return Staff.objects.select_related("account", "department").get(account__username=username)


def _item(name: str, department_code: str) -> ServiceItem:
    return ServiceItem.objects.select_related("published").get(
        published__name=name, department__code=department_code
    )


def _answer(name: str, spec: dict, *, person, entity):
    """A valid answer for one field of a demo schema."""
    known = {
        "applicant_name": person.name,
        "contact_name": person.name,
        "id_number": person.id_number,
        "mobile": person.mobile,
        "entity_name": entity.name if entity else "",
        "uscc": entity.uscc if entity else "",
    }
    if known.get(name):
        return known[name]
    if spec.get("type") == "array":
        return spec["items"]["enum"][:1]
    if spec.get("enum"):
        return spec["enum"][0]
    if spec.get("type") in ("number", "integer"):
        return max(spec.get("minimum", 1), 1) * 100 if spec.get("type") == "number" else 3
    if spec.get("format") == "date":
        return "2026-01-15"
    if name.endswith("id_number"):
        return person.id_number
    return SAMPLE_TEXT.get(name, f"示范{spec.get('title', name)}")[: spec.get("maxLength", 200)]


def _answers(schema: dict, *, person, entity=None) -> dict:
    properties = schema.get("properties", {})
    return {k: _answer(k, v, person=person, entity=entity) for k, v in properties.items()}


def _required_papers(versions) -> list:
    """One scanned page for every required material the applicant has to supply, as
    ``(catalog material id, name, file)``: their own, and those data sharing names but no
    resource of the demo's exchange supplies (``exchange_seed.RESOURCES``), which the applicant
    uploads instead."""
    shared = set(supplied_codes())
    return [
        (m.pk, m.name, SimpleUploadedFile(f"{m.name}.pdf", DEMO_PDF, "application/pdf"))
        for version in versions
        for m in version.materials.all()
        if m.required
        and (
            m.source == "applicant"
            or (m.source == "data_resource" and m.data_resource_code not in shared)
        )
    ]


def _attach_materials(case: Case, account, versions) -> None:
    for material_id, name, upload in _required_papers(versions):
        cases.case_material_add(
            account=account,
            case_id=case.pk,
            name=name,
            upload=upload,
            catalog_material_id=material_id,
        )


def _apply(*, key: str, account, person, item=None, theme=None, entity=None) -> Case:
    if item is not None:
        versions, schema = [item.published], item.published.form_schema
        target = {"item_id": item.pk}
    else:
        versions = [m.item.published for m in theme.members.all() if m.item.published_id]
        schema, target = theme.form_schema, {"theme_code": theme.code}
    draft = cases.case_create_draft(
        account=account,
        form_data=_answers(schema or {}, person=person, entity=entity),
        idempotency_key=f"demo-{key}",
        **target,
    )
    _attach_materials(draft, account, versions)
    return draft


def _submitted(**kwargs) -> Case:
    draft = _apply(**kwargs)
    return cases.case_submit(account=kwargs["account"], case_id=draft.pk)


def _backdate(case: Case, *, accepted_days_ago: int, due_in: int) -> None:
    """Move the business clock back: accepted ``accepted_days_ago`` calendar days ago, promised
    date ``due_in`` calendar days from today (negative: overdue), warning window before it."""
    today = timezone.localdate()
    due = today + timedelta(days=due_in)
    accepted = timezone.now() - timedelta(days=accepted_days_ago)
    Case.objects.filter(pk=case.pk).update(
        received_at=accepted - timedelta(days=1),
        accepted_at=accepted,
        promised_due=due,
        promised_warn=due - timedelta(days=2),
        legal_due=workdays.add_workdays(due, 10),
    )
    CaseTask.objects.filter(case=case).update(dwell_due=due, dwell_warn=due - timedelta(days=2))


def _scenario_exists(person, key: str) -> bool:
    return Case.objects.filter(applicant=person, idempotency_key=f"demo-{key}").exists()


def seed_cases(*, owner_id_number: str, agent_id_number: str, enterprise_uscc: str) -> int:
    """Cases of the demo's legal representative (owner), and a theme case of the enterprise's
    agent. Returns how many scenarios were added (0 when all are there). Not one transaction:
    each service the scenarios call owns its (durable) transaction, as in production."""
    zhang = identity_selectors.person_by_id_number(owner_id_number)
    li = identity_selectors.person_by_id_number(agent_id_number)
    residence = _item("居住证办理", "pd-police")
    police = _staff("reviewer.pdpolice")
    clerk = _staff("clerk.weifang")
    amr = _staff("reviewer.pdamr")
    me = {"account": zhang.account, "person": zhang}
    added = 0

    def scenario(key: str, build, *, acting=None) -> None:
        """Build one scenario unless it exists; ``acting`` (person, entity): the applicant acts
        for that enterprise while it is built, and for nobody afterwards."""
        nonlocal added
        if _scenario_exists(zhang if key != "theme" else li, key):
            return
        if acting:
            identity.acting_entity_choose(account=acting[0].account, entity=acting[1])
        build(key)
        if acting:
            identity.acting_entity_choose(account=acting[0].account, entity=None)
        added += 1

    scenario("draft", lambda key: _apply(key=key, item=residence, **me))
    scenario("pre-review", lambda key: _submitted(key=key, item=residence, **me))

    def correction(key):
        case = _submitted(key=key, item=residence, **me)
        cases.case_request_correction(
            staff=police,
            case_id=case.pk,
            items=[
                {"target": "居住地址", "reason": "须写明门牌号和室号"},
                {"target": "近期免冠照片", "reason": "照片背景须为白色"},
            ],
        )

    scenario("correction", correction)

    def accepted(key):
        case = _submitted(key=key, item=residence, **me)
        case = cases.case_pre_review_accept(staff=police, case_id=case.pk)
        _backdate(case, accepted_days_ago=5, due_in=1)  # yellow: the last fifth of the time

    scenario("accepted", accepted)

    def overdue(key):
        case = _submitted(key=key, item=residence, **me)
        cases.case_pre_review_accept(staff=police, case_id=case.pk)
        case = cases.case_review_start(staff=police, case_id=case.pk)
        _backdate(case, accepted_days_ago=20, due_in=-3)
        cases.cases_overdue_record()

    scenario("overdue", overdue)

    def finished(key, *, until: str):
        case = _submitted(key=key, item=residence, **me)
        cases.case_pre_review_accept(staff=police, case_id=case.pk)
        cases.case_review_start(staff=police, case_id=case.pk)
        cases.case_decide(staff=police, case_id=case.pk, decision="approved")
        if until in ("delivered", "closed"):
            cases.case_deliver(staff=police, case_id=case.pk, method="electronic")
        if until == "closed":
            cases.case_close(staff=police, case_id=case.pk)

    scenario("decided", lambda key: finished(key, until="decided"))
    scenario("delivered", lambda key: finished(key, until="delivered"))
    scenario("closed", lambda key: finished(key, until="closed"))

    def refused(key):
        case = _submitted(key=key, item=residence, **me)
        cases.case_refuse(
            staff=police,
            case_id=case.pk,
            reasons="申请人在本市居住未满半年，不符合申领条件。",
            legal_basis="《居住证暂行条例》第二条",
        )

    scenario("refused", refused)

    def withdrawn(key):
        case = _submitted(key=key, item=residence, **me)
        cases.case_withdraw(account=zhang.account, case_id=case.pk, reason="已在外区办理")

    scenario("withdrawn", withdrawn)

    def counter(key):
        case = cases.case_counter_create(
            staff=clerk,
            item_id=residence.pk,
            id_number=zhang.id_number,
            form_data=_answers(residence.published.form_schema or {}, person=zhang),
            scans=_required_papers([residence.published]),
        )
        Case.objects.filter(pk=case.pk).update(idempotency_key=f"demo-{key}")

    scenario("counter", counter)

    licence = _amr_item(commitment=True)
    gaps_item = _amr_item(accept_with_gaps=True)
    entity = LegalEntity.objects.get(uscc=enterprise_uscc)
    boss = {"account": zhang.account, "person": zhang, "entity": entity}

    def commitment(key):
        case = _submitted(key=key, item=licence, **boss)
        cases.case_pre_review_accept(staff=amr, case_id=case.pk)
        cases.case_commitment_approve(staff=amr, case_id=case.pk)

    def revoked(key):
        commitment(key)
        case = Case.objects.get(applicant=zhang, idempotency_key=f"demo-{key}")
        task = CaseTask.objects.get(case=case, kind="verification")
        cases.task_verify(
            staff=amr, task_id=task.pk, passed=False, note="现场核查：经营场所与承诺不符"
        )

    def with_gaps(key):
        case = _submitted(key=key, item=gaps_item, **boss)
        cases.case_accept_with_gaps(
            staff=amr, case_id=case.pk, gaps=["场地使用证明（原件）"], days=5
        )

    def theme(key):
        opening = catalog_selectors.theme_public("open-business")
        case = _submitted(key=key, theme=opening, account=li.account, person=li, entity=entity)
        cases.case_pre_review_accept(staff=amr, case_id=case.pk)
        cases.case_review_start(staff=amr, case_id=case.pk)
        for task in CaseTask.objects.filter(case=case, department__code="sh-police"):
            cases.task_decide(
                staff=_staff("reviewer.shpolice"), task_id=task.pk, decision="approved"
            )

    if licence is not None:
        scenario("commitment", commitment, acting=(zhang, entity))
        scenario("revoked", revoked, acting=(zhang, entity))
    if gaps_item is not None:
        scenario("gaps", with_gaps, acting=(zhang, entity))
    scenario("theme", theme, acting=(li, entity))
    return added


def _amr_item(**flag) -> ServiceItem | None:
    """A published enterprise item of the Pudong market regulator with the given flag."""
    return (
        ServiceItem.objects.select_related("published")
        .filter(department__code="pd-amr", **{f"published__{k}": v for k, v in flag.items()})
        .order_by("id")
        .first()
    )


RESIDENCE_GROUP = "居住证业务"


def seed_appointments(*, citizen_id_number: str) -> int:
    """The Weifang center takes appointments for 居住证 on the next two weeks' working days (topped
    up on every run, so the demo always has slots); one citizen holds a booking. Returns how
    many slots were added. Each service called owns its transaction (see ``seed_cases``)."""
    clerk = _staff("clerk.weifang")
    residence = _item("居住证办理", "pd-police")
    group = AppointmentGroup.objects.filter(center=clerk.department, name=RESIDENCE_GROUP).first()
    if group is None:
        group = appointments.appointment_group_create(
            staff=clerk, name=RESIDENCE_GROUP, item_ids=[residence.pk], queue_letter="A"
        )
    today = timezone.localdate()
    added = appointments.appointment_slots_publish(
        staff=clerk, group_id=group.pk, date_from=today, date_to=today + timedelta(days=14)
    )
    citizen = identity_selectors.person_by_id_number(citizen_id_number)
    if not Appointment.objects.filter(person=citizen).exists():
        first = group.slots.filter(date__gt=today).order_by("date", "start").first()
        if first is not None:
            appointments.appointment_book(
                account=citizen.account, slot_id=first.pk, item_id=residence.pk
            )
    return added
