"""Legal and business rules of cases that the API once let through (issue 8): the channel comes
from who calls; no decision while 容缺 materials are outstanding and no uploads once decided;
drafts are the applicant's alone; the applicant and member departments read, through the API,
exactly what their pages show them."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tongban.cases import services
from tongban.cases.choices import CaseState as S
from tongban.cases.models import Case, CaseMaterial, CaseTask

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _client(account):
    client = Client()
    client.force_login(account)
    return client


def _pdf():
    return SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")


# --- item 5: the channel is who calls -----------------------------------------------------------


def test_a_citizen_cannot_file_an_offline_only_item_by_naming_the_counter_channel(world):
    counter_only = world.publish(online_depth=["consult"], visits=1, channels=["counter"])
    body = {"item_id": counter_only.pk, "form_data": GOOD_FORM, "channel": "counter"}
    response = _client(world.account).post(f"{API}/", body, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "case.not_online"
    assert response.json()["message"] == "“居住证办理”暂不支持网上申请，请到窗口办理或先网上预约。"
    assert Case.objects.count() == 0


def test_a_citizens_case_is_online_whatever_channel_the_payload_names(world):
    body = {"item_id": world.item.pk, "form_data": GOOD_FORM, "channel": "counter"}
    response = _client(world.account).post(f"{API}/", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["channel"] == "online"
    assert list(Case.objects.values_list("channel", "center")) == [("online", None)]


# --- item 6: 告知承诺 and 容缺 -----------------------------------------------------------------


def _commitment_with_gaps(world):
    item = world.publish(commitment=True, accept_with_gaps=True)
    case = world.submitted(item=item)
    return services.case_accept_with_gaps(
        staff=world.clerk_a, case_id=case.pk, gaps=["房屋租赁合同"], days=5
    )


def test_commitment_approval_is_refused_while_gap_materials_are_outstanding(world):
    case = _commitment_with_gaps(world)
    response = _client(world.reviewer_a.account).post(
        f"{API}/staff/cases/{case.pk}/commitment-approve"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "case.gaps_open"
    assert response.json()["message"] == (
        f"容缺材料尚未补齐（截止 {case.gap_due.isoformat()}），不能作出决定。"
    )
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.state, fresh.decision, fresh.commitment, fresh.gaps) == (
        S.ACCEPTED,
        "",
        False,
        ["房屋租赁合同"],
    )
    assert CaseTask.objects.filter(case=case).count() == 0
    services.case_gaps_close(staff=world.clerk_a, case_id=case.pk)
    services.case_commitment_approve(staff=world.reviewer_a, case_id=case.pk)
    assert Case.objects.get(pk=case.pk).state == S.DECIDED


def _decided_with_gaps_left(world, state):
    """A decided case still listing gaps, as one approved on commitment before the rule above
    held would be (then delivered, closed or revoked)."""
    case = world.accepted(item=world.publish(commitment=True))
    task = services.case_commitment_approve(staff=world.reviewer_a, case_id=case.pk)
    if state == S.REVOKED:
        services.task_verify(staff=world.reviewer_a, task_id=task.pk, passed=False, note="不实")
    if state in (S.DELIVERED, S.CLOSED):
        services.case_deliver(staff=world.reviewer_a, case_id=case.pk, method="electronic")
    if state == S.CLOSED:
        services.case_close(staff=world.reviewer_a, case_id=case.pk)
    Case.objects.filter(pk=case.pk).update(gaps=["房屋租赁合同"])
    assert Case.objects.get(pk=case.pk).state == state
    return case


@pytest.mark.parametrize("state", [S.DECIDED, S.DELIVERED, S.CLOSED, S.REVOKED])
def test_the_applicant_cannot_upload_to_a_decided_case_over_the_api(world, state):
    case = _decided_with_gaps_left(world, state)
    response = _client(world.account).post(
        f"{API}/{case.pk}/materials", {"name": "房屋租赁合同", "file": _pdf()}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "case.materials_closed"
    assert response.json()["message"] == "当前状态下不能上传材料。"
    assert CaseMaterial.objects.count() == 0


@pytest.mark.parametrize(
    ("page", "notice"),
    [("edit", "该申请已提交，不能再修改。"), ("correct", "该办件当前无需补正。")],
)
def test_the_applicant_cannot_upload_to_a_decided_case_on_the_pages(world, client, page, notice):
    case = _decided_with_gaps_left(world, S.DECIDED)
    client.force_login(world.account)
    material_id = case.item_version.materials.get().pk
    response = client.post(
        f"/me/cases/{case.pk}/{page}/",
        {"applicant_name": "张三", "action": "submit", f"material-{material_id}": _pdf()},
        follow=True,
    )
    assert response.redirect_chain == [(f"/me/cases/{case.pk}/", 302)]
    notices = [str(m) for m in response.context["messages"]]
    assert notices == [notice]
    assert CaseMaterial.objects.count() == 0


def test_gap_materials_may_still_follow_while_the_case_is_processed(world):
    case = _commitment_with_gaps(world)
    response = _client(world.account).post(
        f"{API}/{case.pk}/materials", {"name": "房屋租赁合同", "file": _pdf()}
    )
    assert response.status_code == 201 and response.json()["trust_level"] == "C"


# --- item 8: drafts are the applicant's alone -------------------------------------------------


def _draft_with_upload(world):
    draft = services.case_create_draft(
        account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
    )
    material = services.case_material_add(
        account=world.account, case_id=draft.pk, name="身份证复印件", upload=_pdf()
    )
    return draft, material


@pytest.mark.parametrize("who", ["clerk_a", "reviewer_a", "head_a", "reviewer_b", "admin"])
def test_staff_are_told_a_draft_does_not_exist(world, who):
    draft, material = _draft_with_upload(world)
    client = _client(getattr(world, who).account)
    page = f"/workbench/cases/{draft.pk}/"
    assert client.get(page).status_code == 404
    assert client.get(f"{page}materials/{material.pk}/").status_code == 404
    assert client.post(f"{page}material-verify/", {"material": material.pk}).status_code == 404
    detail = client.get(f"{API}/staff/cases/{draft.pk}")
    assert detail.status_code == 404 and detail.json()["code"] == "case.not_found"
    verify = client.post(f"{API}/staff/materials/{material.pk}/verify")
    assert verify.status_code == 404 and verify.json()["code"] == "case.material.not_found"
    assert CaseMaterial.objects.get(pk=material.pk).trust_level == "C"
    assert Case.objects.get(pk=draft.pk).state == S.DRAFT


def test_once_submitted_the_case_is_the_departments_to_see(world):
    draft, material = _draft_with_upload(world)
    services.case_submit(account=world.account, case_id=draft.pk)
    client = _client(world.clerk_a.account)
    assert client.get(f"/workbench/cases/{draft.pk}/materials/{material.pk}/").status_code == 200
    verify = client.post(f"{API}/staff/materials/{material.pk}/verify")
    assert verify.status_code == 200 and verify.json()["trust_level"] == "B"


# --- item 9: the API reads through the pages' selectors ---------------------------------------


def test_the_applicant_api_leaves_out_staff_internal_events_as_the_page_does(world, client):
    case = world.under_review()
    services.cases_overdue_record(today=timezone.localdate() + timedelta(days=60))
    assert sorted(case.events.values_list("kind", flat=True)) == [
        "created",
        "overdue",
        "task_overdue",
        "transition",
        "transition",
        "transition",
        "transition",
    ]
    shown = ["created", "transition", "transition", "transition", "transition", "overdue"]
    api = _client(world.account).get(f"{API}/{case.pk}").json()
    assert [e["kind"] for e in api["events"]] == shown
    client.force_login(world.account)
    page = client.get(f"/me/cases/{case.pk}/")
    assert [row["kind"] for row in page.context["timeline"]] == shown


def _theme_under_review(world):
    theme = world.theme()
    case = world.submitted(theme=theme)
    services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    return services.case_review_start(staff=world.clerk_a, case_id=case.pk)


@pytest.mark.parametrize(
    ("who", "departments"),
    [("reviewer_b", ["乙局"]), ("reviewer_a", ["乙局", "甲局"]), ("admin", ["乙局", "甲局"])],
)
def test_staff_see_the_same_parts_of_a_theme_case_over_the_api_as_on_the_page(
    world, who, departments
):
    case = _theme_under_review(world)
    client = _client(getattr(world, who).account)
    api = client.get(f"{API}/staff/cases/{case.pk}").json()
    assert sorted(t["department"] for t in api["tasks"]) == departments
    page = client.get(f"/workbench/cases/{case.pk}/")
    assert sorted(row["task"].department.name for row in page.context["tasks"]) == departments
