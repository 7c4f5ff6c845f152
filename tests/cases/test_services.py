"""The verbs of a case, with the bad input the issue lists: specific errors, nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.cases import clock, services
from tongban.cases.choices import CaseState as S
from tongban.cases.choices import TaskKind
from tongban.cases.models import Case, CaseEvent, CaseTask, CorrectionNotice
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify.models import Message

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db


def test_item_case_lifecycle_with_one_correction(world):
    draft = services.case_create_draft(
        account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
    )
    assert draft.state == S.DRAFT and draft.number is None
    case = services.case_submit(account=world.account, case_id=draft.pk)
    assert case.state == S.PRE_REVIEW and case.received_at is not None
    assert case.number.startswith("310115") and len(case.number) == 6 + 8 + 6
    notice = services.case_request_correction(
        staff=world.clerk_a,
        case_id=case.pk,
        items=[
            {"target": "申请表", "reason": "缺少本人签名"},
            {"target": "居住地址", "reason": "须填写门牌号"},
        ],
    )
    assert len(notice.items) == 2
    case = services.case_correct(account=world.account, case_id=case.pk)
    notice.refresh_from_db()
    assert case.state == S.PRE_REVIEW and notice.corrected_at is not None
    case = services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    assert case.state == S.ACCEPTED
    assert case.promised_due and case.legal_due and case.legal_due > case.promised_due
    case = services.case_review_start(staff=world.clerk_a, case_id=case.pk)
    assert case.tasks.count() == 1
    case = services.case_decide(staff=world.reviewer_a, case_id=case.pk, decision="approved")
    assert case.state == S.DECIDED and case.decision == "approved"
    assert case.delivery_due > timezone.localdate()
    with pytest.raises(InvalidInput) as err:
        services.case_deliver(staff=world.reviewer_a, case_id=case.pk, method="express")
    assert err.value.fields == {"tracking_number": err.value.message}
    case = services.case_deliver(
        staff=world.reviewer_a, case_id=case.pk, method="express", tracking_number="SF123"
    )
    case = services.case_close(staff=world.reviewer_a, case_id=case.pk)
    assert case.state == S.CLOSED
    kinds = list(CaseEvent.objects.filter(case=case).values_list("to_state", flat=True))
    assert [k for k in kinds if k] == [
        "submitted", "pre_review", "correction_requested", "pre_review", "accepted",
        "under_review", "decided", "delivered", "closed",
    ]  # fmt: skip
    assert Message.objects.count() >= 9  # one message per state change


def test_numbers_are_given_at_submission_in_its_order(world):
    """Drafts have no number; the one submitted first gets the first, whenever it was made."""
    a, b = (
        services.case_create_draft(
            account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
        )
        for _ in range(2)
    )
    assert a.number is None and b.number is None
    assert str(a).startswith("提交后生成")
    b = services.case_submit(account=world.account, case_id=b.pk)
    a = services.case_submit(account=world.account, case_id=a.pk)
    prefix = f"310115{timezone.localdate():%Y%m%d}"
    assert (b.number, a.number) == (f"{prefix}000001", f"{prefix}000002")
    assert Case.objects.get(pk=a.pk).number == a.number


def test_a_resubmitted_case_keeps_its_number(world):
    case = world.submitted()
    number = case.number
    services.case_request_correction(
        staff=world.clerk_a, case_id=case.pk, items=[{"target": "申请表", "reason": "缺签名"}]
    )
    case = services.case_correct(account=world.account, case_id=case.pk)
    assert case.number == number


def test_double_submit_with_the_same_key_is_one_case(world):
    first, second = (
        services.case_application_save(
            account=world.account,
            item_id=world.item.pk,
            form_data=GOOD_FORM,
            idempotency_key="k1",
            submit=True,
        )
        for _ in range(2)
    )
    assert first.pk == second.pk
    assert Case.objects.count() == 1
    again = services.case_submit(account=world.account, case_id=first.pk, idempotency_key="k1")
    assert again.pk == first.pk and again.state == S.PRE_REVIEW


def test_submit_without_a_key_twice_is_a_clear_conflict(world):
    case = world.submitted()
    with pytest.raises(Conflict) as err:
        services.case_submit(account=world.account, case_id=case.pk)
    assert err.value.code == "case.transition_not_allowed"


def test_someone_elses_draft_is_not_found(world):
    draft = services.case_create_draft(
        account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
    )
    for verb in (services.case_submit, services.case_withdraw):
        with pytest.raises(NotFound) as err:
            verb(account=world.other.account, case_id=draft.pk)
        assert err.value.code == "case.not_found"
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_form_violating_its_schema_is_refused_with_field_names(world):
    draft = services.case_create_draft(
        account=world.account, item_id=world.item.pk, form_data={"address": "浦东"}
    )  # the name is missing, the address too short
    with pytest.raises(InvalidInput) as err:
        services.case_submit(account=world.account, case_id=draft.pk)
    assert err.value.code == "case.form_invalid"
    assert set(err.value.fields) == {"form_data.applicant_name", "form_data.address"}
    draft.refresh_from_db()
    assert draft.state == S.DRAFT and draft.received_at is None


def test_correction_after_the_deadline_is_refused(world):
    case = world.submitted()
    notice = services.case_request_correction(
        staff=world.clerk_a, case_id=case.pk, items=[{"target": "申请表", "reason": "模糊"}]
    )
    CorrectionNotice.objects.filter(pk=notice.pk).update(
        due=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(Conflict) as err:
        services.case_correct(account=world.account, case_id=case.pk)
    assert err.value.code == "case.correction_expired"
    case.refresh_from_db()
    assert case.state == S.CORRECTION_REQUESTED


def test_correction_notice_must_list_each_item_with_reason(world):
    case = world.submitted()
    with pytest.raises(InvalidInput) as err:
        services.case_request_correction(staff=world.clerk_a, case_id=case.pk, items=[])
    assert err.value.code == "case.correction.empty"
    with pytest.raises(InvalidInput) as err:
        services.case_request_correction(
            staff=world.clerk_a,
            case_id=case.pk,
            items=[{"target": "申请表", "reason": "模糊"}, {"target": "身份证", "reason": ""}],
        )
    assert "items.1.reason" in err.value.fields
    assert CorrectionNotice.objects.count() == 0


@pytest.mark.parametrize("days", [0, 61, -5])
def test_a_correction_period_outside_1_to_60_working_days_is_refused(world, days):
    case = world.submitted()
    before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(InvalidInput) as err:
        services.case_request_correction(
            staff=world.clerk_a,
            case_id=case.pk,
            items=[{"target": "申请表", "reason": "模糊"}],
            days=days,
        )
    assert err.value.code == "case.correction.days"
    assert err.value.fields == {"days": "补正期限应为 1 至 60 个工作日。"}
    assert CorrectionNotice.objects.count() == 0
    assert CaseEvent.objects.filter(case=case).count() == before
    assert Case.objects.get(pk=case.pk).state == S.PRE_REVIEW


@pytest.mark.parametrize("days", [1, 60])
def test_a_correction_period_of_1_or_60_working_days_is_accepted(world, days):
    assert services.CORRECTION_DAYS_RANGE == (1, 60)
    case = world.submitted()
    notice = services.case_request_correction(
        staff=world.clerk_a,
        case_id=case.pk,
        items=[{"target": "申请表", "reason": "模糊"}],
        days=days,
    )
    assert notice.due == clock.add_workdays(timezone.localdate(), days)


def test_no_notice_within_five_working_days_counts_as_accepted_from_receipt(world):
    case = world.submitted()
    received = timezone.now() - timedelta(days=21)
    Case.objects.filter(pk=case.pk).update(received_at=received)
    with pytest.raises(Conflict) as err:
        services.case_request_correction(
            staff=world.clerk_a, case_id=case.pk, items=[{"target": "申请表", "reason": "模糊"}]
        )
    assert err.value.code == "case.correction_notice_late"
    assert services.case_deemed_acceptance_apply(case_id=case.pk) is True
    case.refresh_from_db()
    assert case.state == S.ACCEPTED and case.deemed_accepted
    assert case.accepted_at == received
    assert services.case_deemed_acceptance_apply(case_id=case.pk) is False  # idempotent


def test_deemed_acceptance_waits_for_the_fifth_working_day(world):
    case = world.submitted()
    due = services.pre_review_due(case)
    assert services.case_deemed_acceptance_apply(case_id=case.pk, today=due) is False
    assert services.cases_deemed_acceptance_sweep(today=due + timedelta(days=1)) == 1


def test_refusal_needs_reasons_and_legal_basis(world):
    case = world.submitted()
    with pytest.raises(InvalidInput) as err:
        services.case_refuse(staff=world.clerk_a, case_id=case.pk, reasons="", legal_basis="x")
    assert err.value.code == "case.refuse.reasons"
    with pytest.raises(InvalidInput):
        services.case_refuse(staff=world.clerk_a, case_id=case.pk, reasons="不符合", legal_basis="")
    case = services.case_refuse(
        staff=world.clerk_a,
        case_id=case.pk,
        reasons="不属于本部门职权",
        legal_basis="行政许可法第三十二条",
    )
    assert case.state == S.REFUSED


def test_withdraw_before_decision_only(world):
    case = world.under_review()
    case = services.case_withdraw(account=world.account, case_id=case.pk, reason="不需要了")
    assert case.state == S.WITHDRAWN
    assert not case.tasks.filter(state="open").exists()
    decided = world.under_review()
    services.case_decide(staff=world.reviewer_a, case_id=decided.pk, decision="approved")
    with pytest.raises(Conflict):
        services.case_withdraw(account=world.account, case_id=decided.pk)


def test_accept_with_gaps_only_where_allowed_and_blocks_decision(world):
    case = world.submitted()
    with pytest.raises(Conflict) as err:
        services.case_accept_with_gaps(staff=world.clerk_a, case_id=case.pk, gaps=["x"], days=5)
    assert err.value.code == "case.gaps_not_allowed"
    item = world.publish(accept_with_gaps=True)
    case = world.submitted(item=item)
    case = services.case_accept_with_gaps(
        staff=world.clerk_a, case_id=case.pk, gaps=["房屋租赁合同"], days=5
    )
    assert case.state == S.ACCEPTED and case.gaps == ["房屋租赁合同"] and case.gap_due
    services.case_review_start(staff=world.clerk_a, case_id=case.pk)
    with pytest.raises(Conflict) as err:
        services.case_decide(staff=world.reviewer_a, case_id=case.pk, decision="approved")
    assert err.value.code == "case.gaps_open"
    services.case_gaps_close(staff=world.clerk_a, case_id=case.pk)
    case = services.case_decide(staff=world.reviewer_a, case_id=case.pk, decision="approved")
    assert case.state == S.DECIDED


def test_commitment_approval_and_failed_verification_revokes(world):
    case = world.accepted()
    with pytest.raises(Conflict) as err:
        services.case_commitment_approve(staff=world.reviewer_a, case_id=case.pk)
    assert err.value.code == "case.commitment_not_allowed"
    item = world.publish(commitment=True)
    case = world.accepted(item=item)
    task = services.case_commitment_approve(staff=world.reviewer_a, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == S.DECIDED and case.decision == "approved" and case.commitment
    assert task.kind == TaskKind.VERIFICATION and task.dwell_due > timezone.localdate()
    with pytest.raises(InvalidInput):
        services.task_verify(staff=world.reviewer_a, task_id=task.pk, passed=False)
    services.task_verify(staff=world.reviewer_a, task_id=task.pk, passed=False, note="经营场所不实")
    case.refresh_from_db()
    assert case.state == S.REVOKED
    assert CaseEvent.objects.filter(case=case, kind="commitment_failed").exists()


def test_extension_needs_the_head_and_happens_once(world):
    case = world.under_review()
    with pytest.raises(Forbidden):
        services.case_extend(staff=world.reviewer_a, case_id=case.pk, reason="复杂")
    before = case.legal_due
    case = services.case_extend(staff=world.head_a, case_id=case.pk, reason="需现场核查")
    assert case.extension_days == 10 and case.extension_approved_by == world.head_a
    assert case.legal_due > before
    with pytest.raises(Conflict) as err:
        services.case_extend(staff=world.head_a, case_id=case.pk, reason="再延")
    assert err.value.code == "case.extend_twice"


def test_theme_case_fans_out_and_is_decided_when_all_parts_are(world):
    theme = world.theme()
    draft = services.case_create_draft(
        account=world.account, theme_code=theme.code, form_data=GOOD_FORM
    )
    assert draft.department == world.dept_a  # lead department: the first member's
    case = services.case_submit(account=world.account, case_id=draft.pk)
    case = services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    assert case.legal_limit_days == 45 and case.promised_limit_days == 5
    case = services.case_review_start(staff=world.clerk_a, case_id=case.pk)
    tasks = {t.department_id: t for t in case.tasks.all()}
    assert set(tasks) == {world.dept_a.pk, world.dept_b.pk}
    with pytest.raises(NotFound):  # B cannot decide A's part
        services.task_decide(
            staff=world.reviewer_b, task_id=tasks[world.dept_a.pk].pk, decision="approved"
        )
    services.task_decide(
        staff=world.reviewer_b, task_id=tasks[world.dept_b.pk].pk, decision="approved"
    )
    case.refresh_from_db()
    assert case.state == S.UNDER_REVIEW
    services.task_decide(
        staff=world.reviewer_a, task_id=tasks[world.dept_a.pk].pk, decision="approved"
    )
    case.refresh_from_db()
    assert case.state == S.DECIDED and case.decision == "approved"


def test_a_rejected_part_rejects_the_theme_case_and_needs_reasons(world):
    theme = world.theme()
    case = world.submitted(theme=theme)
    services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    case = services.case_review_start(staff=world.clerk_a, case_id=case.pk)
    task_b = case.tasks.get(department=world.dept_b)
    with pytest.raises(InvalidInput):
        services.task_decide(staff=world.reviewer_b, task_id=task_b.pk, decision="rejected")
    services.task_decide(
        staff=world.reviewer_b, task_id=task_b.pk, decision="rejected", reasons="场所不符"
    )
    with pytest.raises(Conflict) as err:
        services.task_decide(staff=world.reviewer_b, task_id=task_b.pk, decision="approved")
    assert err.value.code == "case.task.already_done"
    services.case_decide(staff=world.reviewer_a, case_id=case.pk, decision="approved")
    case.refresh_from_db()
    assert case.decision == "rejected" and "场所不符" in case.reasons


def test_wrong_department_and_wrong_role_are_refused(world):
    case = world.submitted()
    with pytest.raises(Forbidden) as err:
        services.case_pre_review_accept(staff=world.clerk_b, case_id=case.pk)
    assert err.value.code == "staff.department"
    with pytest.raises(Forbidden) as err:
        services.case_pre_review_accept(staff=world.head_a, case_id=case.pk)
    assert err.value.code == "staff.role"
    case.refresh_from_db()
    assert case.state == S.PRE_REVIEW


def test_counter_clerk_outside_the_items_scope_is_refused(world, make):
    from tongban.identity.choices import RegionLevel

    far = make.department(code="far-center", name="黄浦中心")
    far.region = make.region(code="310101", name="黄浦区", level=RegionLevel.DISTRICT)
    far.save()
    far_clerk = make.staff(department=far, roles=("counter_clerk",))
    with pytest.raises(Forbidden) as err:
        services.case_counter_create(
            staff=far_clerk,
            item_id=world.item.pk,
            id_number=world.person.id_number,
            form_data=GOOD_FORM,
        )
    assert err.value.code == "case.counter.out_of_scope"
    assert Case.objects.count() == 0
    citywide = world.publish(citywide=True)
    case = services.case_counter_create(
        staff=far_clerk, item_id=citywide.pk, id_number=world.person.id_number, form_data=GOOD_FORM
    )
    assert case.channel == "counter" and case.center == far and case.department == world.dept_a
    assert case.applicant == world.person and case.state == S.PRE_REVIEW


def test_joint_correction_goes_out_as_one_notice_from_the_lead(world):
    theme = world.theme()
    case = world.submitted(theme=theme)
    with pytest.raises(Conflict):  # the lead issues its notice directly
        services.case_correction_propose(
            staff=world.clerk_a, case_id=case.pk, items=[{"target": "x", "reason": "y"}]
        )
    outsider = world.make.staff(department=world.make.department(), roles=("counter_clerk",))
    with pytest.raises(Forbidden):
        services.case_correction_propose(
            staff=outsider, case_id=case.pk, items=[{"target": "x", "reason": "y"}]
        )
    services.case_correction_propose(
        staff=world.clerk_b, case_id=case.pk, items=[{"target": "场所证明", "reason": "缺少"}]
    )
    case.refresh_from_db()
    assert case.state == S.PRE_REVIEW  # nothing reaches the applicant yet
    notice = services.case_request_correction(
        staff=world.clerk_a, case_id=case.pk, items=[{"target": "章程", "reason": "未签字"}]
    )
    assert [i["target"] for i in notice.items] == ["章程", "场所证明"]
    assert notice.items[1]["department"] == "乙局"
    assert CorrectionNotice.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.correction_proposals == [] and case.state == S.CORRECTION_REQUESTED


def test_overdue_cases_and_tasks_are_recorded_once(world):
    case = world.under_review()
    late = timezone.localdate() + timedelta(days=60)
    assert services.cases_overdue_record(today=late) == 2  # the case and its task
    assert services.cases_overdue_record(today=late) == 0
    assert case.events.filter(kind__in=["overdue", "task_overdue"]).count() == 2


def test_reassigning_a_task_restarts_its_dwell_clock_not_the_case_clock(world, make):
    case = world.under_review()
    task = case.tasks.get()
    CaseTask.objects.filter(pk=task.pk).update(
        assigned_at=timezone.now() - timedelta(days=30), dwell_due=timezone.localdate()
    )
    with pytest.raises(Forbidden):
        services.task_reassign(staff=world.reviewer_a, task_id=task.pk, department_code="dept-b")
    head_b = make.staff(department=world.dept_b, roles=("department_head",))
    with pytest.raises(NotFound):  # not B's task to hand on
        services.task_reassign(staff=head_b, task_id=task.pk, department_code="dept-b")
    moved = services.task_reassign(staff=world.head_a, task_id=task.pk, department_code="dept-b")
    assert moved.department == world.dept_b and moved.dwell_due > timezone.localdate()
    case_after = Case.objects.get(pk=case.pk)
    assert case_after.promised_due == case.promised_due
    assert case_after.events.filter(kind="task_reassigned").exists()


def test_an_agent_applies_for_the_enterprise_until_the_authorization_is_revoked(world, make):
    from tongban.identity import services as identity_services

    company = make.entity(name="上海开办测试有限公司")
    grant = make.authorization(company, world.person)
    account = world.account
    identity_services.acting_entity_choose(account=account, entity=company)
    draft = services.case_create_draft(account=account, item_id=world.item.pk, form_data=GOOD_FORM)
    assert draft.entity == company and draft.applicant == world.person
    identity_services.agent_revoke(
        authorization_id=grant.pk, revoked_by=company.legal_representative
    )
    with pytest.raises(Forbidden) as err:
        services.case_submit(account=account, case_id=draft.pk)
    assert err.value.code == "case.entity_not_allowed"
    draft.refresh_from_db()
    assert draft.state == S.DRAFT
    account.refresh_from_db()
    later = services.case_create_draft(account=account, item_id=world.item.pk)
    assert later.entity is None  # acts for nobody once the authorization is gone


def test_deciding_a_task_of_a_withdrawn_case_says_so(world):
    case = world.under_review()
    task = case.tasks.get()
    services.case_withdraw(account=world.account, case_id=case.pk)
    with pytest.raises(Conflict) as err:
        services.task_decide(staff=world.reviewer_a, task_id=task.pk, decision="approved")
    assert err.value.code == "case.task.cancelled"


def test_a_second_notice_may_only_name_what_the_correction_changed_or_left_wrong(world):
    """一次性告知: anything already there at the first notice had to be in it."""
    case = world.submitted()
    services.case_request_correction(
        staff=world.clerk_a, case_id=case.pk, items=[{"target": "申请表", "reason": "缺少签名"}]
    )
    services.case_correct(
        account=world.account,
        case_id=case.pk,
        form_data={**GOOD_FORM, "address": "浦东新区世纪大道2号"},
    )
    notices = CorrectionNotice.objects.filter(case=case).count()
    with pytest.raises(Conflict) as err:
        services.case_request_correction(
            staff=world.clerk_a,
            case_id=case.pk,
            items=[
                {"target": "申请表", "reason": "签名仍不清晰"},
                {"target": "申请人姓名", "reason": "与证件不一致"},
            ],
        )
    assert err.value.code == "case.correction.not_first_time"
    assert "申请人姓名" in err.value.message and "申请表" not in err.value.message
    case.refresh_from_db()
    assert case.state == S.PRE_REVIEW
    assert CorrectionNotice.objects.filter(case=case).count() == notices

    # The last notice's own target and the field the correction changed may be named again.
    second = services.case_request_correction(
        staff=world.clerk_a,
        case_id=case.pk,
        items=[
            {"target": "申请表", "reason": "签名仍不清晰"},
            {"target": "居住地址", "reason": "新地址不在本区"},
        ],
    )
    assert [i["target"] for i in second.items] == ["申请表", "居住地址"]


def test_an_item_that_takes_no_online_applications_is_refused_online_but_not_at_the_counter(
    world,
):
    counter_only = world.publish(online_depth=["consult"], visits=1, channels=["counter"])
    before = Case.objects.count()
    with pytest.raises(Conflict) as err:
        services.case_create_draft(
            account=world.account, item_id=counter_only.pk, form_data=GOOD_FORM
        )
    assert err.value.code == "case.not_online"
    assert "暂不支持网上申请" in err.value.message
    assert Case.objects.count() == before
    case = services.case_counter_create(
        staff=world.clerk_a,
        item_id=counter_only.pk,
        id_number=world.person.id_number,
        form_data=GOOD_FORM,
    )
    assert case.channel == "counter" and case.state == S.PRE_REVIEW


@pytest.mark.parametrize(("days", "accepted"), [(0, False), (1, True), (30, True), (31, False)])
def test_the_gaps_period_is_1_to_30_working_days_inclusive(world, days, accepted):
    assert services.GAPS_DAYS_RANGE == (1, 30)
    case = world.submitted(item=world.publish(accept_with_gaps=True))
    if accepted:
        case = services.case_accept_with_gaps(
            staff=world.clerk_a, case_id=case.pk, gaps=["房屋租赁合同"], days=days
        )
        assert case.state == S.ACCEPTED
        assert case.gap_due == clock.add_workdays(timezone.localdate(), days)
        return
    with pytest.raises(InvalidInput) as err:
        services.case_accept_with_gaps(
            staff=world.clerk_a, case_id=case.pk, gaps=["房屋租赁合同"], days=days
        )
    assert err.value.code == "case.gaps.days"
    assert err.value.fields == {"days": "补齐期限应为 1 至 30 个工作日。"}
    case.refresh_from_db()
    assert case.state == S.PRE_REVIEW and case.gaps == [] and case.gap_due is None
