"""The cases API: applicants see only their own cases, staff only their department's, the public
status query reveals only state and dates."""

import pytest
from django.test import Client

from tongban.cases import services
from tongban.cases.models import Case

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"


def _client(account):
    client = Client()
    client.force_login(account)
    return client


def test_applicant_creates_submits_lists_and_reads(world):
    client = _client(world.account)
    body = {"item_id": world.item.pk, "form_data": GOOD_FORM, "idempotency_key": "abc"}
    created = client.post(f"{API}/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    again = client.post(f"{API}/", body, content_type="application/json")
    assert again.json()["id"] == case_id
    submitted = client.post(f"{API}/{case_id}/submit", {}, content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["state"] == "pre_review"
    twice = client.post(f"{API}/{case_id}/submit", {}, content_type="application/json")
    assert twice.status_code == 200 and twice.json()["id"] == case_id
    assert [c["id"] for c in client.get(f"{API}/").json()] == [case_id]
    detail = client.get(f"{API}/{case_id}").json()
    assert [e["to_state"] for e in detail["events"] if e["to_state"]] == ["submitted", "pre_review"]
    assert detail["progress"]["holders"] == ["甲局"] and detail["progress"]["days_left"] == 5


def test_someone_elses_case_is_404_and_unchanged(world):
    case = services.case_create_draft(
        account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
    )
    intruder = _client(world.other.account)
    assert intruder.get(f"{API}/{case.pk}").status_code == 404
    response = intruder.post(f"{API}/{case.pk}/submit", {}, content_type="application/json")
    assert response.status_code == 404 and response.json()["code"] == "case.not_found"
    assert Case.objects.get(pk=case.pk).state == "draft"


def test_schema_violation_names_the_fields(world):
    client = _client(world.account)
    case_id = client.post(
        f"{API}/",
        {"item_id": world.item.pk, "form_data": {"applicant_name": "张三"}},
        content_type="application/json",
    ).json()["id"]
    response = client.post(f"{API}/{case_id}/submit", {}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "case.form_invalid"
    assert "form_data.address" in response.json()["fields"]


def test_illegal_transition_is_409_in_chinese(world):
    case = world.submitted()
    response = _client(world.clerk_a.account).post(f"{API}/staff/cases/{case.pk}/close")
    assert response.status_code == 409
    assert response.json()["code"] == "case.transition_not_allowed"
    assert "预审中" in response.json()["message"]


def test_anonymous_is_401(world):
    assert Client().get(f"{API}/").status_code == 401
    assert Client().get(f"{API}/staff/queue").status_code == 401


def test_queues_are_department_scoped(world):
    mine = world.submitted()
    theirs = world.submitted(item=world.publish(department=world.dept_b, name="乙局事项"))
    a = _client(world.clerk_a.account)
    b = _client(world.clerk_b.account)
    ids_a = [r["case"]["id"] for r in a.get(f"{API}/staff/queue?kind=pre_review").json()]
    ids_b = [r["case"]["id"] for r in b.get(f"{API}/staff/queue?kind=pre_review").json()]
    assert ids_a == [mine.pk] and ids_b == [theirs.pk]
    assert b.get(f"{API}/staff/cases/{mine.pk}").status_code == 403
    refused = b.post(f"{API}/staff/cases/{mine.pk}/accept")
    assert refused.status_code == 403 and refused.json()["code"] == "staff.department"
    assert Case.objects.get(pk=mine.pk).state == "pre_review"
    bad_kind = a.get(f"{API}/staff/queue?kind=everything")
    assert bad_kind.status_code == 422


def test_applicant_is_not_staff(world):
    response = _client(world.account).get(f"{API}/staff/queue")
    assert response.status_code == 403 and response.json()["code"] == "staff.required"


def test_department_b_sees_only_its_part_of_a_theme_case(world):
    theme = world.theme()
    case = world.submitted(theme=theme)
    services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    services.case_review_start(staff=world.clerk_a, case_id=case.pk)
    b = _client(world.reviewer_b.account)
    rows = b.get(f"{API}/staff/queue?kind=review").json()
    assert [(r["case"]["id"], r["task"]["department"]) for r in rows] == [(case.pk, "乙局")]
    assert b.get(f"{API}/staff/queue?kind=pre_review").json() == []
    task_a = case.tasks.get(department=world.dept_a)
    refused = b.post(
        f"{API}/staff/tasks/{task_a.pk}/decide",
        {"decision": "approved"},
        content_type="application/json",
    )
    assert refused.status_code == 404


@pytest.mark.parametrize("days", [0, 61])
def test_a_correction_period_outside_1_to_60_days_is_refused_over_the_api(world, days):
    case = world.submitted()
    refused = _client(world.clerk_a.account).post(
        f"{API}/staff/cases/{case.pk}/correction",
        {"items": [{"target": "申请表", "reason": "未签名"}], "days": days},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "case.correction.days"
    assert refused.json()["message"] == "补正期限应为 1 至 60 个工作日。"
    assert refused.json()["fields"] == {"days": "补正期限应为 1 至 60 个工作日。"}
    assert Case.objects.get(pk=case.pk).state == "pre_review"
    assert not case.correction_notices.exists()


def test_staff_flow_over_the_api(world):
    case = world.submitted()
    clerk, reviewer = _client(world.clerk_a.account), _client(world.reviewer_a.account)
    notice = clerk.post(
        f"{API}/staff/cases/{case.pk}/correction",
        {"items": [{"target": "申请表", "reason": "未签名"}]},
        content_type="application/json",
    )
    assert notice.status_code == 200 and notice.json()["state"] == "correction_requested"
    corrected = _client(world.account).post(
        f"{API}/{case.pk}/correct", {}, content_type="application/json"
    )
    assert corrected.json()["state"] == "pre_review"
    assert clerk.post(f"{API}/staff/cases/{case.pk}/accept").json()["state"] == "accepted"
    rows = clerk.get(f"{API}/staff/queue?kind=accept").json()
    assert rows[0]["colour"] == "green" and rows[0]["case"]["id"] == case.pk
    assert clerk.post(f"{API}/staff/cases/{case.pk}/review-start").json()["state"] == "under_review"
    refused = clerk.post(
        f"{API}/staff/cases/{case.pk}/decide",
        {"decision": "approved"},
        content_type="application/json",
    )
    assert refused.status_code == 403  # a clerk does not decide
    decided = reviewer.post(
        f"{API}/staff/cases/{case.pk}/decide",
        {"decision": "approved"},
        content_type="application/json",
    )
    assert decided.json()["state"] == "decided"
    delivered = reviewer.post(
        f"{API}/staff/cases/{case.pk}/deliver",
        {"method": "electronic"},
        content_type="application/json",
    )
    assert delivered.json()["state"] == "delivered"


def test_public_status_reveals_state_and_dates_only(world):
    case = world.submitted()
    response = Client().get(f"{API}/status", {"number": case.number, "name": "张三"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "pre_review" and body["number"] == case.number
    assert set(body) == {
        "number", "title", "state", "state_label", "received_on", "accepted_on",
        "decided_on", "closed_on", "promised_due",
    }  # fmt: skip
    wrong = Client().get(f"{API}/status", {"number": case.number, "name": "王五"})
    unknown = Client().get(f"{API}/status", {"number": "x", "name": "张三"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert Client().get(f"{API}/status").status_code == 422


def test_staff_reading_a_case_is_audited(world):
    from tongban.core.models import AuditEntry

    case = world.submitted()
    response = _client(world.clerk_a.account).get(f"{API}/staff/cases/{case.pk}")
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="cases.case.staff_read").get()
    assert entry.subject_person_id == world.person.pk


def test_material_upload_over_the_api(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    case = services.case_create_draft(account=world.account, item_id=world.item.pk)
    client = _client(world.account)
    ok = client.post(
        f"{API}/{case.pk}/materials",
        {"name": "申请表", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF")},
    )
    assert ok.status_code == 201 and ok.json()["trust_level"] == "C"
    bad = client.post(
        f"{API}/{case.pk}/materials",
        {"name": "申请表", "file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00" * 8)},
    )
    assert bad.status_code == 422 and bad.json()["fields"] == {"file": bad.json()["message"]}


def test_counter_over_the_api(world):
    body = {"item_id": world.item.pk, "id_number": world.person.id_number, "form_data": GOOD_FORM}
    created = _client(world.clerk_a.account).post(
        f"{API}/staff/counter", body, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["channel"] == "counter"
    refused = _client(world.reviewer_a.account).post(
        f"{API}/staff/counter", body, content_type="application/json"
    )
    assert refused.status_code == 403


def test_a_counter_walk_in_over_the_api_is_recorded_and_a_bad_lookup_named(world, make):
    clerk = _client(world.clerk_a.account)
    form = {"address": GOOD_FORM["address"]}
    bad = clerk.post(
        f"{API}/staff/counter",
        {"item_id": world.item.pk, "id_number": "12345", "form_data": form},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "id_number.length"
    assert set(bad.json()["fields"]) == {"id_number"}
    body = {"item_id": world.item.pk, "id_number": make.id_number(), "form_data": form}
    unnamed = clerk.post(f"{API}/staff/counter", body, content_type="application/json")
    assert unnamed.status_code == 422 and unnamed.json()["code"] == "case.counter.name_required"
    created = clerk.post(
        f"{API}/staff/counter", {**body, "name": "郑申请"}, content_type="application/json"
    )
    assert created.status_code == 201
    assert Case.objects.get(number=created.json()["number"]).applicant.name == "郑申请"
