"""The workbench case pages: queues (overdue first, filters, labelled badges, a fixed number of
queries), the case page (what it shows, only the actions allowed), and each action posted as a
browser would — with the service's own message when it is refused, lost or repeated."""

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.cases.conftest import GOOD_FORM
from tongban.cases import services
from tongban.cases.choices import CaseState as S
from tongban.cases.models import Case, CaseEvent, CaseMaterial, CaseTask
from tongban.cases.selectors import case_actions_for_staff
from tongban.identity.access import staff_of

from .conftest import PDF, case_url, correction_post

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def event_count(case) -> int:
    return CaseEvent.objects.filter(case=case).count()


# --- queues -----------------------------------------------------------------------------------


def test_pre_review_queue_lists_overdue_first_with_a_labelled_badge(world, as_staff):
    fresh = world.submitted()
    late = world.submitted()
    Case.objects.filter(pk=late.pk).update(pre_review_due=timezone.localdate() - timedelta(days=1))
    page = text(as_staff(world.reviewer_a).get("/workbench/cases/"))
    assert page.index(late.number) < page.index(fresh.number)
    assert 'aria-current="page">待预审</a>' in page
    assert '<span class="badge badge-red" data-testid="badge">已超期</span>' in page
    assert '<span class="badge badge-green" data-testid="badge">正常</span>' in page
    assert "<td>张*</td>" in page and "网上申请" in page
    assert world.person.id_number not in page and "张三" not in page


def test_accept_and_review_tabs_and_their_filters(world, as_staff):
    accepted = world.accepted()
    reviewing = world.under_review()
    client = as_staff(world.reviewer_a)
    accept_tab = text(client.get("/workbench/cases/?kind=accept"))
    assert accepted.number in accept_tab and reviewing.number not in accept_tab
    review_tab = text(client.get("/workbench/cases/?kind=review"))
    assert reviewing.number in review_tab and accepted.number not in review_tab
    assert "队列中暂无办件。" in text(client.get("/workbench/cases/?kind=accept&overdue=on"))
    Case.objects.filter(pk=accepted.pk).update(promised_due=timezone.localdate() - timedelta(1))
    overdue = text(client.get("/workbench/cases/?kind=accept&overdue=on"))
    assert accepted.number in overdue and "已超期" in overdue
    counter_only = text(client.get("/workbench/cases/?kind=accept&channel=counter"))
    assert accepted.number not in counter_only and "队列中暂无办件。" in counter_only


def test_an_unknown_queue_kind_falls_back_to_pre_review(world, as_staff):
    response = as_staff(world.reviewer_a).get("/workbench/cases/?kind=all")
    assert response.status_code == 200  # an unknown tab falls back to 待预审
    assert 'aria-current="page">待预审</a>' in text(response)


@pytest.mark.parametrize("kind", ["pre_review", "accept", "review"])
def test_the_queue_page_runs_a_fixed_number_of_queries(
    world, as_staff, django_assert_num_queries, kind
):
    def one_more():
        applicant = world.make.person(name="王五")
        case = world.submitted(
            account=applicant.account, form_data={**GOOD_FORM, "applicant_name": "王五"}
        )
        if kind != "pre_review":
            services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
        if kind == "review":
            services.case_review_start(staff=world.clerk_a, case_id=case.pk)

    client = as_staff(world.reviewer_a)
    one_more()
    with CaptureQueriesContext(connection) as one:
        assert text(client.get(f"/workbench/cases/?kind={kind}")).count("王*") == 1
    for _ in range(5):
        one_more()
    with django_assert_num_queries(len(one.captured_queries)):
        assert text(client.get(f"/workbench/cases/?kind={kind}")).count("王*") == 6


# --- the case page ----------------------------------------------------------------------------


def test_the_case_page_shows_the_case_and_only_the_actions_allowed(world, as_staff):
    case = world.submitted()
    services.case_request_correction(
        staff=world.clerk_a, case_id=case.pk, items=[{"target": "身份证", "reason": "不清晰"}]
    )
    services.case_correct(account=world.account, case_id=case.pk)
    page = text(as_staff(world.reviewer_a).get(case_url(case)))
    assert '<dd data-testid="case-state">预审中</dd>' in page
    assert "<dt>居住地址</dt><dd>浦东新区世纪大道1号</dd>" in page
    assert "<li>身份证：不清晰</li>" in page  # the earlier notice
    assert "补正告知截止日" in page and "状态：待补正 → 预审中" in page
    for button in ("受理", "出具一次性告知书", "不予受理"):
        assert f">{button}</button>" in page
    for absent in ("分送审查", "提交审查意见", "批准延期", "确认送达", "办结</button>"):
        assert absent not in page


def test_a_member_department_sees_its_part_only_and_only_its_actions(world, as_staff):
    theme = world.theme()
    case = world.submitted(theme=theme)
    services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    services.case_review_start(staff=world.clerk_a, case_id=case.pk)
    member = text(as_staff(world.reviewer_b).get(case_url(case)))
    assert "乙局许可" in member and "<td>居住证办理</td>" not in member
    assert member.count('name="task"') == 1 and ">提交审查意见</button>" in member
    assert "批准延期" not in member and "改派" not in member
    lead = text(as_staff(world.head_a).get(case_url(case)))
    assert "<td>乙局许可</td>" in lead and "<td>居住证办理</td>" in lead
    assert ">批准延期</button>" in lead and ">改派</button>" in lead
    assert "提交审查意见" not in lead  # a head is not a reviewer


def test_other_departments_cannot_open_the_case_page(world, as_staff, make):
    case = world.submitted()
    assert as_staff(world.reviewer_b).get(case_url(case)).status_code == 403
    assert as_staff(world.steward).get(case_url(case)).status_code == 403
    assert as_staff(world.reviewer_a).get("/workbench/cases/999999/").status_code == 404


# --- actions ----------------------------------------------------------------------------------


def test_one_correction_notice_with_two_items(world, as_staff):
    case = world.submitted()
    post = correction_post([("身份证复印件", "复印不清晰"), ("居住地址", "与租赁合同不一致")])
    response = as_staff(world.reviewer_a).post(case_url(case, "correction"), post, follow=True)
    assert response.redirect_chain == [(case_url(case), 302)]
    assert "已出具一次性告知书，等待申请人补正。" in text(response)
    notice = case.correction_notices.get()
    assert notice.items == [
        {"target": "身份证复印件", "reason": "复印不清晰"},
        {"target": "居住地址", "reason": "与租赁合同不一致"},
    ]
    assert Case.objects.get(pk=case.pk).state == S.CORRECTION_REQUESTED


def test_a_correction_row_without_a_reason_is_refused_and_nothing_changes(world, as_staff):
    case = world.submitted()
    before = event_count(case)
    post = correction_post([("身份证复印件", "复印不清晰"), ("居住地址", "")])
    response = as_staff(world.reviewer_a).post(case_url(case, "correction"), post)
    assert response.status_code == 422
    assert "第 2 项须写明补正内容及理由。" in text(response)
    assert 'value="身份证复印件"' in text(response)  # what was typed stays
    assert event_count(case) == before and not case.correction_notices.exists()
    empty = as_staff(world.reviewer_a).post(case_url(case, "correction"), correction_post([]))
    assert empty.status_code == 422 and "一次性告知书须列明需补正的全部内容。" in text(empty)


@pytest.mark.parametrize("days", [0, 61])
def test_a_correction_period_outside_1_to_60_days_is_refused_and_nothing_changes(
    world, as_staff, days
):
    case = world.submitted()
    before = event_count(case)
    post = correction_post([("身份证复印件", "复印不清晰")], days=days)
    response = as_staff(world.reviewer_a).post(case_url(case, "correction"), post)
    assert response.status_code == 422
    assert "补正期限应为 1 至 60 个工作日。" in text(response)
    assert event_count(case) == before and not case.correction_notices.exists()
    assert Case.objects.get(pk=case.pk).state == S.PRE_REVIEW


def test_refuse_needs_reasons_and_legal_basis(world, as_staff):
    case = world.submitted()
    client = as_staff(world.reviewer_a)
    missing = client.post(case_url(case, "refuse"), {"refuse-reasons": "不符合条件"})
    assert missing.status_code == 422 and "不予受理须写明法律依据。" in text(missing)
    assert Case.objects.get(pk=case.pk).state == S.PRE_REVIEW
    done = client.post(
        case_url(case, "refuse"),
        {"refuse-reasons": "不符合条件", "refuse-legal_basis": "《居住证暂行条例》第九条"},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.legal_basis) == (S.REFUSED, "《居住证暂行条例》第九条")


def test_a_double_submitted_accept_acts_once_and_says_why(world, as_staff):
    case = world.submitted()
    client = as_staff(world.reviewer_a)
    assert client.post(case_url(case, "accept")).status_code == 302
    again = client.post(case_url(case, "accept"))
    assert again.status_code == 409
    assert "办件当前状态为“已受理”，不能变更为“已受理”。" in text(again)
    assert CaseEvent.objects.filter(case=case, to_state=S.ACCEPTED).count() == 1
    assert ">分送审查</button>" in text(again)  # the page shows what can be done now


def test_the_losing_reviewer_sees_who_decided_and_nothing_changes(world, as_staff):
    case = world.under_review()
    task = case.tasks.get()
    services.task_decide(staff=world.reviewer_a, task_id=task.pk, decision="approved")
    response = as_staff(world.reviewer_a2).post(
        case_url(case, "decide"),
        {
            "task": task.pk,
            f"decide-{task.pk}-decision": "rejected",
            f"decide-{task.pk}-reasons": "x",
        },
    )
    assert response.status_code == 409
    name = world.reviewer_a.account.display_name
    assert f"该任务已由{name}处理完毕，您的操作未生效，请刷新后查看。" in text(response)
    task.refresh_from_db()
    assert (task.decision, task.decided_by_id) == ("approved", world.reviewer_a.pk)
    assert Case.objects.get(pk=case.pk).decision == "approved"


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_posting_at_once_one_wins_the_other_gets_the_message(world, client):
    from django.test import Client

    case = world.under_review()
    task = case.tasks.get()
    barrier, results = threading.Barrier(2), []

    def post(staff, decision):
        c = Client()
        c.force_login(staff.account)
        try:
            barrier.wait(timeout=10)
            data = {"task": task.pk, f"decide-{task.pk}-decision": decision}
            data[f"decide-{task.pk}-reasons"] = "理由"
            response = c.post(case_url(case, "decide"), data)
            results.append((response.status_code, "处理完毕" in response.content.decode()))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=post, args=(world.reviewer_a, "approved")),
        threading.Thread(target=post, args=(world.reviewer_a2, "rejected")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [(302, False), (409, True)]
    assert CaseEvent.objects.filter(case=case, to_state=S.DECIDED).count() == 1


def test_a_reviewer_decides_a_part_with_reasons_when_rejecting(world, as_staff):
    case = world.under_review()
    task = case.tasks.get()
    client = as_staff(world.reviewer_a)
    url, field = case_url(case, "decide"), f"decide-{task.pk}"
    no_choice = client.post(url, {"task": task.pk})
    assert no_choice.status_code == 400 and "提交的内容有误" in text(no_choice)
    no_reason = client.post(url, {"task": task.pk, f"{field}-decision": "rejected"})
    assert no_reason.status_code == 422 and "不予许可须写明理由。" in text(no_reason)
    assert CaseTask.objects.get(pk=task.pk).state == "open"
    assert client.post(url, {"task": task.pk, f"{field}-decision": "approved"}).status_code == 302
    assert Case.objects.get(pk=case.pk).state == S.DECIDED


def test_a_task_of_another_case_is_not_found(world, as_staff):
    case, other = world.under_review(), world.under_review()
    response = as_staff(world.reviewer_a).post(
        case_url(case, "decide"),
        {"task": other.tasks.get().pk, f"decide-{other.tasks.get().pk}-decision": "approved"},
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=other.pk).state == S.UNDER_REVIEW


def test_accept_with_gaps_then_close_them(world, as_staff):
    case = world.submitted(item=world.publish(accept_with_gaps=True))
    client = as_staff(world.clerk_a)
    bad = client.post(case_url(case, "accept-with-gaps"), {"gaps-gaps": "", "gaps-days": "5"})
    assert bad.status_code == 422 and "请列明容缺的材料。" in text(bad)
    response = client.post(
        case_url(case, "accept-with-gaps"),
        {"gaps-gaps": "租赁合同\n\n社保缴纳证明", "gaps-days": "5"},
        follow=True,
    )
    page = text(response)
    assert "已容缺受理，办理时限暂停至材料补齐。" in page and "暂停计时" in page
    assert "<li>租赁合同</li><li>社保缴纳证明</li>" in page
    assert Case.objects.get(pk=case.pk).gaps == ["租赁合同", "社保缴纳证明"]
    assert client.post(case_url(case, "gaps-close")).status_code == 302
    assert Case.objects.get(pk=case.pk).gaps == []


def test_commitment_approval_then_a_failed_verification_revokes(world, as_staff):
    case = world.accepted(item=world.publish(commitment=True))
    client = as_staff(world.reviewer_a)
    assert client.post(case_url(case, "commitment-approve")).status_code == 302
    task = CaseTask.objects.get(case=case, kind="verification")
    page = text(client.get(case_url(case)))
    assert "承诺核查：居住证办理" in page and ">记录核查结果</button>" in page
    url = case_url(case, "verify")
    no_note = client.post(url, {"task": task.pk, f"verify-{task.pk}-result": "fail"})
    assert no_note.status_code == 422 and "核查不通过须写明情况。" in text(no_note)
    failed = client.post(
        url, {"task": task.pk, f"verify-{task.pk}-result": "fail", f"verify-{task.pk}-note": "虚假"}
    )
    assert failed.status_code == 302
    assert Case.objects.get(pk=case.pk).state == S.REVOKED


def test_only_the_head_extends_once_with_a_reason(world, as_staff):
    case = world.under_review()
    refused = as_staff(world.reviewer_a).post(case_url(case, "extend"), {"extend-reason": "核查"})
    assert refused.status_code == 403 and "需要以下角色之一：部门负责人。" in text(refused)
    head = as_staff(world.head_a)
    no_reason = head.post(case_url(case, "extend"), {"extend-reason": " "})
    assert no_reason.status_code == 422 and "延期须写明理由。" in text(no_reason)
    assert Case.objects.get(pk=case.pk).extension_days == 0
    page = text(head.post(case_url(case, "extend"), {"extend-reason": "需现场核查"}, follow=True))
    assert "已批准延期，法定办结日已顺延。" in page and "10 个工作日：需现场核查" in page
    assert "批准延期</button>" not in page


def test_deliver_by_express_needs_a_tracking_number_then_close(world, as_staff):
    case = world.under_review()
    services.case_decide(staff=world.reviewer_a, case_id=case.pk, decision="approved")
    client = as_staff(world.reviewer_a)
    bare = client.post(case_url(case, "deliver"), {"deliver-method": "express"})
    assert bare.status_code == 422 and "快递送达须填写快递单号。" in text(bare)
    assert Case.objects.get(pk=case.pk).state == S.DECIDED
    client.post(
        case_url(case, "deliver"),
        {"deliver-method": "express", "deliver-tracking_number": "SF1234567890"},
    )
    case.refresh_from_db()
    assert (case.state, case.tracking_number) == (S.DELIVERED, "SF1234567890")
    assert client.post(case_url(case, "close")).status_code == 302
    assert Case.objects.get(pk=case.pk).state == S.CLOSED
    again = client.post(case_url(case, "close"))
    assert again.status_code == 409 and "不能变更为“已办结”" in text(again)


def test_the_head_reassigns_a_task_to_another_department(world, as_staff):
    case = world.under_review()
    task = case.tasks.get()
    head = as_staff(world.head_a)
    url, field = case_url(case, "reassign"), f"reassign-{task.pk}-department_code"
    assert head.post(url, {"task": task.pk, field: "nowhere"}).status_code == 400
    assert head.post(url, {"task": task.pk, field: world.dept_b.code}).status_code == 302
    assert CaseTask.objects.get(pk=task.pk).department == world.dept_b
    review_tab = text(as_staff(world.reviewer_b).get("/workbench/cases/?kind=review"))
    assert case.number in review_tab


def test_a_member_department_proposes_a_joint_correction(world, as_staff):
    theme = world.theme()
    case = world.submitted(theme=theme)
    # in pre-review only the lead department and platform staff see a theme case; the platform
    # admin of the member department 乙局 proposes through the lead
    client = as_staff(world.admin)
    assert ">提交补正意见</button>" in text(client.get(case_url(case)))
    post = correction_post([("乙局许可申请书", "未签字")], prefix="propose-items")
    assert client.post(case_url(case, "propose-correction"), post).status_code == 302
    lead = text(as_staff(world.reviewer_a).get(case_url(case)))
    assert "<li>乙局许可申请书：未签字（乙局）</li>" in lead
    services.case_request_correction(staff=world.reviewer_a, case_id=case.pk, items=[])
    assert case.correction_notices.get().items == [
        {"target": "乙局许可申请书", "reason": "未签字", "department": "乙局"}
    ]


def test_materials_download_and_verify_for_the_department_only(world, as_staff):
    draft = services.case_create_draft(
        account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
    )
    material = services.case_material_add(
        account=world.account,
        case_id=draft.pk,
        name="身份证复印件",
        upload=SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf"),
    )
    case = services.case_submit(account=world.account, case_id=draft.pk)
    url = f"/workbench/cases/{case.pk}/materials/{material.pk}/"
    client = as_staff(world.reviewer_a)
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert as_staff(world.reviewer_b).get(url).status_code == 403
    assert as_staff(world.reviewer_a).get(url.replace(str(material.pk), "0")).status_code == 404
    page = text(client.get(case_url(case)))
    assert "C 类：申请人上传（原件待核验）" in page and ">核验原件</button>" in page
    verify = client.post(case_url(case, "material-verify"), {"material": material.pk})
    assert verify.status_code == 302
    assert CaseMaterial.objects.get(pk=material.pk).trust_level == "B"
    twice = client.post(case_url(case, "material-verify"), {"material": material.pk})
    assert twice.status_code == 409 and "只有申请人上传的材料（C 类）需要核验。" in text(twice)


def test_the_page_offers_exactly_the_selectors_actions(world, as_staff):
    """The template draws one form per action of ``case_actions_for_staff`` and no other."""
    case = world.under_review()
    for staff, forms in (
        (world.reviewer_a, {"decide"}),
        (world.head_a, {"reassign", "extend"}),
        (world.clerk_a, set()),
    ):
        page = text(as_staff(staff).get(case_url(case)))
        shown = {
            a for a in ("decide", "reassign", "extend", "deliver", "close") if f"/{a}/" in page
        }
        fresh = Case.objects.get(pk=case.pk)
        assert (
            shown == forms == set(case_actions_for_staff(staff=staff_of(staff.account), case=fresh))
        )


def test_the_home_links_the_desks_a_role_allows(world, as_staff):
    assert "办件队列" in text(as_staff(world.reviewer_a).get("/workbench/"))
    assert "一窗受理" not in text(as_staff(world.reviewer_a).get("/workbench/"))
    clerk_home = text(as_staff(world.clerk_a).get("/workbench/"))
    assert "办件队列" in clerk_home and "一窗受理" in clerk_home
    steward_home = text(as_staff(world.steward).get("/workbench/"))
    assert "办件队列" not in steward_home and "一窗受理" not in steward_home


def test_the_case_page_masks_id_numbers_and_mobiles_in_the_form_answers(world, as_staff):
    form = {
        "type": "object",
        "properties": {
            "applicant_name": {"type": "string", "title": "申请人姓名"},
            "id_number": {"type": "string", "title": "公民身份号码", "format": "gb11643"},
            "mobile": {"type": "string", "title": "手机号码", "format": "cn-mobile"},
        },
        "required": ["applicant_name"],
    }
    ui = {"id_number": {"widget": "id_number"}, "mobile": {"widget": "mobile"}}
    item = world.publish(form_schema=form, form_ui=ui)
    answers = {
        "applicant_name": "张三",
        "id_number": world.person.id_number,
        "mobile": world.person.mobile,
    }
    case = world.submitted(item=item, form_data=answers)
    page = text(as_staff(world.reviewer_a).get(case_url(case)))
    assert world.person.id_number not in page and world.person.mobile not in page
    assert world.person.id_number[:4] + "**********" + world.person.id_number[-4:] in page
    assert world.person.mobile[:3] + "****" + world.person.mobile[-4:] in page
