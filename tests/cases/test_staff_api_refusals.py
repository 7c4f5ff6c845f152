"""Every staff operation of the cases API refuses the public (401), citizens (403), staff of
another department (403 or 404) and staff of the department without the role (403) — each with a
request that would change the case if it were let through — and nothing changes. The workbench
pages are held to the same in tests/workbench/test_case_refusals.py."""

import pytest
from django.test import Client

from tests.cases.builders import commitment, decided, snapshot, with_gaps, with_upload
from tests.cases.conftest import GOOD_FORM
from tongban.api import api
from tongban.cases.models import Case

pytestmark = pytest.mark.django_db
STAFF = "/api/v1/cases/staff"


def _task(case):
    return case.tasks.get(state="open").pk


def _material(case):
    return case.materials.get().pk


CORRECTION = {"items": [{"target": "身份证", "reason": "不清晰"}], "days": 10}
# operation path (as the OpenAPI names it) → (case builder, method, url of the built case, body)
OPERATIONS = {
    "/staff/cases/{int:case_id}": (lambda w: w.submitted(), "get", lambda c: f"cases/{c.pk}", None),
    "/staff/cases/{int:case_id}/accept": (
        lambda w: w.submitted(),
        "post",
        lambda c: f"cases/{c.pk}/accept",
        {},
    ),
    "/staff/cases/{int:case_id}/correction": (
        lambda w: w.submitted(),
        "post",
        lambda c: f"cases/{c.pk}/correction",
        CORRECTION,
    ),
    "/staff/cases/{int:case_id}/correction-proposal": (
        lambda w: w.submitted(theme=w.theme()),
        "post",
        lambda c: f"cases/{c.pk}/correction-proposal",
        CORRECTION,
    ),
    "/staff/cases/{int:case_id}/refuse": (
        lambda w: w.submitted(),
        "post",
        lambda c: f"cases/{c.pk}/refuse",
        {"reasons": "不符合条件", "legal_basis": "第九条"},
    ),
    "/staff/cases/{int:case_id}/accept-with-gaps": (
        lambda w: w.submitted(item=w.publish(accept_with_gaps=True)),
        "post",
        lambda c: f"cases/{c.pk}/accept-with-gaps",
        {"gaps": ["租赁合同"], "days": 5},
    ),
    "/staff/cases/{int:case_id}/gaps-close": (
        with_gaps,
        "post",
        lambda c: f"cases/{c.pk}/gaps-close",
        {},
    ),
    "/staff/cases/{int:case_id}/review-start": (
        lambda w: w.accepted(),
        "post",
        lambda c: f"cases/{c.pk}/review-start",
        {},
    ),
    "/staff/cases/{int:case_id}/decide": (
        lambda w: w.under_review(),
        "post",
        lambda c: f"cases/{c.pk}/decide",
        {"decision": "approved"},
    ),
    "/staff/cases/{int:case_id}/commitment-approve": (
        commitment,
        "post",
        lambda c: f"cases/{c.pk}/commitment-approve",
        {},
    ),
    "/staff/cases/{int:case_id}/extend": (
        lambda w: w.under_review(),
        "post",
        lambda c: f"cases/{c.pk}/extend",
        {"reason": "需要现场核查"},
    ),
    "/staff/cases/{int:case_id}/deliver": (
        decided,
        "post",
        lambda c: f"cases/{c.pk}/deliver",
        {"method": "electronic"},
    ),
    "/staff/cases/{int:case_id}/close": (
        lambda w: decided(w, deliver=True),
        "post",
        lambda c: f"cases/{c.pk}/close",
        {},
    ),
    "/staff/tasks/{int:task_id}/decide": (
        lambda w: w.under_review(),
        "post",
        lambda c: f"tasks/{_task(c)}/decide",
        {"decision": "approved"},
    ),
    "/staff/tasks/{int:task_id}/verify": (
        lambda w: commitment(w, approve=True),
        "post",
        lambda c: f"tasks/{_task(c)}/verify",
        {"passed": False, "note": "承诺不实"},
    ),
    "/staff/tasks/{int:task_id}/reassign": (
        lambda w: w.under_review(),
        "post",
        lambda c: f"tasks/{_task(c)}/reassign",
        {"department_code": "dept-b"},
    ),
    "/staff/materials/{int:material_id}/verify": (
        with_upload,
        "post",
        lambda c: f"materials/{_material(c)}/verify",
        {},
    ),
}
# Staff operations whose refusals the tests named below prove in their own way.
COVERED_ELSEWHERE = {
    "/staff/queue": "test_the_queue_shows_another_department_nothing",
    "/staff/counter": "test_the_counter_refuses_citizens_wrong_roles_and_items_out_of_scope",
    # a report scoped to the head's department (tests/cases/test_licence_reuse.py)
    "/staff/reports/uploads-saved": "test_a_head_of_another_department_sees_none_of_it",
}


def _call(client, method, url, body):
    if method == "get":
        return client.get(f"{STAFF}/{url}")
    return client.post(f"{STAFF}/{url}", body, content_type="application/json")


@pytest.fixture
def outsider(make):
    """Staff of a third department holding every case role: refused for the department alone."""
    return make.staff(
        department=make.department(code="dept-c", name="丙局"),
        roles=("counter_clerk", "reviewer", "department_head"),
    )


def test_the_table_covers_every_staff_operation_of_the_cases_api():
    staff_paths = set()
    for prefix, router in api._routers:
        if prefix.strip("/") != "cases":
            continue
        staff_paths |= {p for p in router.path_operations if p.startswith("/staff")}
    assert staff_paths == set(OPERATIONS) | set(COVERED_ELSEWHERE)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_staff_operations_refuse_everyone_but_the_department_with_the_role(
    operation, world, outsider
):
    build, method, url_of, body = OPERATIONS[operation]
    case = build(world)
    url = url_of(case)
    before = snapshot()

    anonymous = _call(Client(), method, url, body)
    assert anonymous.status_code == 401

    citizen = Client()
    citizen.force_login(world.person.account)
    assert _call(citizen, method, url, body).status_code == 403

    other_department = Client()
    other_department.force_login(outsider.account)
    assert _call(other_department, method, url, body).status_code in (403, 404)

    wrong_role = Client()
    wrong_role.force_login(world.steward.account)  # 甲局, but a data steward
    assert _call(wrong_role, method, url, body).status_code == 403
    assert snapshot() == before


def test_the_queue_shows_another_department_nothing(world, outsider):
    case = world.submitted()
    assert Client().get(f"{STAFF}/queue").status_code == 401
    citizen = Client()
    citizen.force_login(world.person.account)
    assert citizen.get(f"{STAFF}/queue").status_code == 403
    steward = Client()
    steward.force_login(world.steward.account)
    assert steward.get(f"{STAFF}/queue").status_code == 403
    other = Client()
    other.force_login(outsider.account)
    answer = other.get(f"{STAFF}/queue")
    assert answer.status_code == 200 and answer.json() == []
    own = Client()
    own.force_login(world.clerk_a.account)
    assert [row["case"]["number"] for row in own.get(f"{STAFF}/queue").json()] == [case.number]


def test_the_counter_refuses_citizens_wrong_roles_and_items_out_of_scope(world, make):
    body = {"item_id": world.item.pk, "id_number": world.person.id_number, "form_data": GOOD_FORM}
    before = Case.objects.count()
    assert Client().post(f"{STAFF}/counter", body, content_type="application/json").status_code == (
        401
    )
    for who in (world.person, world.reviewer_a, world.steward, world.head_a):
        client = Client()
        client.force_login(who.account)
        answer = client.post(f"{STAFF}/counter", body, content_type="application/json")
        assert answer.status_code == 403, who
    center = make.department(name="黄浦区行政服务中心")
    center.region = make.region(code="310101", name="黄浦区")
    center.save()
    far_clerk = Client()
    far_clerk.force_login(make.staff(department=center, roles=("counter_clerk",)).account)
    answer = far_clerk.post(f"{STAFF}/counter", body, content_type="application/json")
    assert answer.status_code == 403
    assert Case.objects.count() == before
