"""``case_actions_for_staff`` against the services it stands for: across cases in every state and
staff of every role and department, an action listed succeeds and an action not listed is
refused by its service (each attempt is rolled back). Plus the counter's ``case_material_scan``."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tongban.cases import selectors, services
from tongban.cases.choices import CaseState as S
from tongban.cases.choices import TaskKind, TaskState
from tongban.cases.models import Case, CaseEvent, CaseMaterial
from tongban.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tongban.identity.access import staff_of

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ITEMS = [{"target": "身份证复印件", "reason": "复印不清晰"}]
ALL_ACTIONS = (
    "accept",
    "correction",
    "refuse",
    "accept_with_gaps",
    "propose_correction",
    "gaps_close",
    "review_start",
    "commitment_approve",
    "decide",
    "verify",
    "reassign",
    "extend",
    "deliver",
    "close",
    "material_verify",
)


def pdf(name="scan.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _succeeds(call) -> bool:
    """Whether ``call`` succeeds, rolled back either way. A savepoint, not ``atomic()``: the
    services are durable and refuse to run inside a transaction other than the test's own."""
    savepoint = transaction.savepoint()
    try:
        call()
    except DomainError:
        return False
    else:
        return True
    finally:
        transaction.savepoint_rollback(savepoint)


def _task(case, staff, kind):
    """The task an action would be about: the staff's own open one if any, else any of the
    kind (so that the service, not the test, refuses)."""
    tasks = [t for t in case.tasks.all() if t.kind == kind]
    own = [t for t in tasks if t.state == TaskState.OPEN and t.department_id == staff.department_id]
    return (own or tasks or [None])[0]


def _attempt(world, action, staff, case) -> bool:
    cid = case.pk
    calls = {
        "accept": lambda: services.case_pre_review_accept(staff=staff, case_id=cid),
        "correction": lambda: services.case_request_correction(
            staff=staff, case_id=cid, items=ITEMS
        ),
        "refuse": lambda: services.case_refuse(
            staff=staff, case_id=cid, reasons="不符合申请条件", legal_basis="《条例》第九条"
        ),
        "accept_with_gaps": lambda: services.case_accept_with_gaps(
            staff=staff, case_id=cid, gaps=["租赁合同"], days=5
        ),
        "propose_correction": lambda: services.case_correction_propose(
            staff=staff, case_id=cid, items=ITEMS
        ),
        "gaps_close": lambda: services.case_gaps_close(staff=staff, case_id=cid),
        "review_start": lambda: services.case_review_start(staff=staff, case_id=cid),
        "commitment_approve": lambda: services.case_commitment_approve(staff=staff, case_id=cid),
        "extend": lambda: services.case_extend(staff=staff, case_id=cid, reason="需现场核查"),
        "deliver": lambda: services.case_deliver(staff=staff, case_id=cid, method="electronic"),
        "close": lambda: services.case_close(staff=staff, case_id=cid),
    }
    if action in calls:
        return _succeeds(calls[action])
    if action in ("decide", "verify", "reassign"):
        kind = TaskKind.VERIFICATION if action == "verify" else TaskKind.REVIEW
        task = _task(case, staff, kind) or (_task(case, staff, TaskKind.VERIFICATION))
        if task is None:
            return False
        if action == "decide":
            return _succeeds(
                lambda: services.task_decide(staff=staff, task_id=task.pk, decision="approved")
            )
        if action == "verify":
            return _succeeds(
                lambda: services.task_verify(
                    staff=staff, task_id=task.pk, passed=False, note="不实"
                )
            )
        other = world.dept_b if task.department_id == world.dept_a.pk else world.dept_a
        return _succeeds(
            lambda: services.task_reassign(staff=staff, task_id=task.pk, department_code=other.code)
        )
    material = next(iter(sorted(case.materials.all(), key=lambda m: m.trust_level != "C")), None)
    if material is None:
        return False
    return _succeeds(lambda: services.case_material_verify(staff=staff, material_id=material.pk))


def _theme_case(world, *, accept=False, review=False):
    theme = world.theme(code=f"kaiban{Case.objects.count()}")
    case = world.submitted(theme=theme)
    if accept or review:
        services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    if review:
        services.case_review_start(staff=world.clerk_a, case_id=case.pk)
    return case


def _with_upload(world):
    draft = services.case_create_draft(
        account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
    )
    services.case_material_add(
        account=world.account, case_id=draft.pk, name="身份证复印件", upload=pdf()
    )
    return services.case_submit(account=world.account, case_id=draft.pk)


def _late(world):
    case = world.submitted()
    long_ago = timezone.now() - timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(
        received_at=long_ago, pre_review_due=timezone.localdate() - timedelta(days=20)
    )
    return case


def _gaps(world, *, review=False, commitment=False):
    item = world.publish(accept_with_gaps=True, commitment=commitment)
    case = world.submitted(item=item)
    services.case_accept_with_gaps(staff=world.clerk_a, case_id=case.pk, gaps=["租赁合同"], days=5)
    if review:
        services.case_review_start(staff=world.clerk_a, case_id=case.pk)
    return case


def _commitment(world, *, approve=False):
    case = world.submitted(item=world.publish(commitment=True))
    services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    if approve:
        services.case_commitment_approve(staff=world.reviewer_a, case_id=case.pk)
    return case


def _decided(world, *, deliver=False, close=False):
    case = world.under_review()
    services.case_decide(staff=world.reviewer_a, case_id=case.pk, decision="approved")
    if deliver or close:
        services.case_deliver(staff=world.reviewer_a, case_id=case.pk, method="electronic")
    if close:
        services.case_close(staff=world.reviewer_a, case_id=case.pk)
    return case


def _correction(world):
    case = world.submitted()
    services.case_request_correction(staff=world.clerk_a, case_id=case.pk, items=ITEMS)
    return case


def _extended(world):
    case = world.under_review()
    services.case_extend(staff=world.head_a, case_id=case.pk, reason="需现场核查")
    return case


SCENARIOS = {
    "pre_review": lambda w: w.submitted(),
    "pre_review_with_upload": _with_upload,
    "pre_review_late": _late,
    "pre_review_gaps_item": lambda w: w.submitted(item=w.publish(accept_with_gaps=True)),
    "correction_requested": _correction,
    "accepted": lambda w: w.accepted(),
    "accepted_with_gaps": _gaps,
    "under_review_with_gaps": lambda w: _gaps(w, review=True),
    "accepted_commitment": _commitment,
    "accepted_commitment_with_gaps": lambda w: _gaps(w, commitment=True),
    "commitment_decided": lambda w: _commitment(w, approve=True),
    "under_review": lambda w: w.under_review(),
    "under_review_extended": _extended,
    "decided": _decided,
    "delivered": lambda w: _decided(w, deliver=True),
    "closed": lambda w: _decided(w, close=True),
    "theme_pre_review": _theme_case,
    "theme_accepted": lambda w: _theme_case(w, accept=True),
    "theme_under_review": lambda w: _theme_case(w, review=True),
}


# What anyone at all may do, per scenario (the property above says who).
EXPECTED = {
    "accepted": ["extend", "review_start"],
    "accepted_commitment": ["commitment_approve", "extend", "review_start"],
    "accepted_commitment_with_gaps": ["extend", "gaps_close", "review_start"],  # no decision yet
    "accepted_with_gaps": ["extend", "gaps_close", "review_start"],
    "closed": [],
    "commitment_decided": ["deliver", "reassign", "verify"],
    "correction_requested": [],  # the applicant's turn
    "decided": ["deliver"],
    "delivered": ["close"],
    "pre_review": ["accept", "correction", "refuse"],
    "pre_review_gaps_item": ["accept", "accept_with_gaps", "correction", "refuse"],
    "pre_review_late": ["accept", "refuse"],
    "pre_review_with_upload": ["accept", "correction", "material_verify", "refuse"],
    "theme_accepted": ["extend", "review_start"],
    "theme_pre_review": ["accept", "correction", "propose_correction", "refuse"],
    "theme_under_review": ["decide", "extend", "reassign"],
    "under_review": ["decide", "extend", "reassign"],
    "under_review_extended": ["decide", "reassign"],
    "under_review_with_gaps": ["extend", "gaps_close", "reassign"],
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_listed_actions_succeed_and_unlisted_ones_are_refused(world, scenario):
    case = SCENARIOS[scenario](world)
    people = ("reviewer_a", "clerk_a", "head_a", "reviewer_b", "clerk_b", "admin", "steward")
    listed_somewhere = set()
    for who in people:
        staff = staff_of(getattr(world, who).account)
        case = Case.objects.select_related("item_version", "theme").get(pk=case.pk)
        listed = selectors.case_actions_for_staff(staff=staff, case=case)
        listed_somewhere.update(listed)
        outcome = {a: _attempt(world, a, staff, case) for a in ALL_ACTIONS}
        assert set(listed) == {a for a, ok in outcome.items() if ok}, (who, listed, outcome)
        assert len(listed) == len(set(listed))
    assert Case.objects.get(pk=case.pk).state == case.state  # every attempt was rolled back
    assert sorted(listed_somewhere) == EXPECTED[scenario]


def test_the_lead_sees_case_actions_a_member_department_only_its_part(world):
    case = Case.objects.get(pk=_theme_case(world, review=True).pk)
    lead = selectors.case_actions_for_staff(staff=staff_of(world.head_a.account), case=case)
    member = selectors.case_actions_for_staff(staff=staff_of(world.reviewer_b.account), case=case)
    assert lead == ["reassign", "extend"]
    assert member == ["decide"]


def test_correction_is_not_offered_after_the_five_day_limit(world):
    case = _late(world)
    staff = staff_of(world.reviewer_a.account)
    actions = selectors.case_actions_for_staff(staff=staff, case=Case.objects.get(pk=case.pk))
    assert actions == ["accept", "refuse"]


# --- case_material_scan -------------------------------------------------------------------------


def _counter_case(world):
    return services.case_counter_create(
        staff=world.clerk_b, item_id=world.publish(citywide=True).pk,
        id_number=world.person.id_number, form_data=GOOD_FORM,
    )  # fmt: skip


def test_a_scan_is_trust_level_b_on_the_case_of_the_center_that_received_it(world):
    case = _counter_case(world)
    assert case.center == world.dept_b and case.department == world.dept_a
    form_id = case.item_version.materials.get().pk
    material = services.case_material_scan(
        staff=world.clerk_b,
        case_id=case.pk,
        name="申请表",
        upload=pdf(),
        catalog_material_id=form_id,
    )
    assert (material.trust_level, material.name, material.catalog_material_id) == (
        "B",
        "申请表",
        form_id,
    )
    assert material.content_type == "application/pdf" and material.size == len(PDF)
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.kind, event.note, event.actor_id) == (
        "material_scanned",
        "申请表",
        world.clerk_b.account_id,
    )
    # the processing department may scan too (the applicant brings a paper later)
    services.case_material_scan(staff=world.clerk_a, case_id=case.pk, name="合同", upload=pdf())
    assert case.materials.count() == 2


def test_a_scan_is_refused_to_other_centers_wrong_roles_and_bad_files(world, make):
    case = _counter_case(world)
    elsewhere = make.staff(department=make.department(), roles=("counter_clerk",))
    with pytest.raises(Forbidden):
        services.case_material_scan(staff=elsewhere, case_id=case.pk, name="身份证", upload=pdf())
    with pytest.raises(Forbidden):
        services.case_material_scan(staff=world.steward, case_id=case.pk, name="x", upload=pdf())
    with pytest.raises(NotFound):
        services.case_material_scan(staff=world.clerk_b, case_id=0, name="x", upload=pdf())
    with pytest.raises(InvalidInput) as bad:
        services.case_material_scan(
            staff=world.clerk_b, case_id=case.pk, name="身份证", upload=pdf("a.pdf", b"MZ\x90\x00")
        )
    assert bad.value.code == "case.upload.type" and "file" in bad.value.fields
    with pytest.raises(InvalidInput) as unnamed:
        services.case_material_scan(staff=world.clerk_b, case_id=case.pk, name=" ", upload=pdf())
    assert unnamed.value.fields == {"name": "请填写材料名称。"}
    assert CaseMaterial.objects.filter(case=case).count() == 0


def test_a_scan_is_refused_once_materials_are_closed(world, settings):
    case = world.under_review()
    with pytest.raises(Conflict) as closed:
        services.case_material_scan(staff=world.clerk_a, case_id=case.pk, name="x", upload=pdf())
    assert closed.value.message == "当前状态下不能上传材料。"
    settings.TONGBAN_CASE_UPLOAD_MAX_BYTES = 10
    fresh = world.submitted()
    with pytest.raises(InvalidInput) as big:
        services.case_material_scan(staff=world.clerk_a, case_id=fresh.pk, name="x", upload=pdf())
    assert big.value.code == "case.upload.too_large"
    assert CaseMaterial.objects.count() == 0


# --- case_counter_intake ------------------------------------------------------------------------


def test_counter_intake_is_all_or_nothing_and_a_repeated_key_returns_the_first_case(world):
    item = world.publish(citywide=True)
    material_id = item.published.materials.get().pk
    args = {"staff": world.clerk_b, "item_id": item.pk, "id_number": world.person.id_number}
    with pytest.raises(InvalidInput) as bad:
        services.case_counter_intake(
            **args, form_data=GOOD_FORM, scans=[(material_id, "申请表", pdf("a.pdf", b"MZ"))]
        )
    assert bad.value.fields == {
        f"materials.{material_id}": "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"
    }
    assert bad.value.message.startswith("申请表：")
    assert Case.objects.count() == 0
    first = services.case_counter_intake(
        **args, form_data=GOOD_FORM, scans=[(material_id, "申请表", pdf())], idempotency_key="k1"
    )
    again = services.case_counter_intake(
        **args, form_data=GOOD_FORM, scans=[(material_id, "申请表", pdf())], idempotency_key="k1"
    )
    assert again.pk == first.pk and Case.objects.count() == 1
    assert first.state == S.PRE_REVIEW and first.center == world.clerk_b.department
    assert [(m.name, m.trust_level) for m in first.materials.all()] == [("申请表", "B")]
    assert BytesIO(first.materials.get().file.read()).read() == PDF
