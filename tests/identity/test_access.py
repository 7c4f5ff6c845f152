"""Every staff page and API refuses the wrong department or role; reads of a person are logged."""

import pytest

from tests import factories
from tongban.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_departments(make):
    a = make.department(code="dept-a", name="甲部门")
    b = make.department(code="dept-b", name="乙部门")
    return a, b


def login(client, staff):
    client.force_login(staff.account)
    return client


def test_head_lists_own_department_staff_page_and_api(client, make, two_departments):
    a, _ = two_departments
    head = make.staff(department=a, roles=["department_head"], username="head.a")
    make.staff(department=a, roles=["reviewer"], username="rev.a")
    login(client, head)
    page = client.get("/workbench/departments/dept-a/staff/")
    assert page.status_code == 200 and "rev.a" in page.content.decode()
    api = client.get("/api/v1/identity/departments/dept-a/staff")
    assert api.status_code == 200
    assert sorted(s["username"] for s in api.json()) == ["head.a", "rev.a"]


def test_head_of_a_is_refused_department_b(client, make, two_departments):
    a, _ = two_departments
    login(client, make.staff(department=a, roles=["department_head"]))
    page = client.get("/workbench/departments/dept-b/staff/")
    assert page.status_code == 403
    assert "您属于“甲部门”，无权查看“乙部门”的数据。" in page.content.decode()
    api = client.get("/api/v1/identity/departments/dept-b/staff")
    assert api.status_code == 403 and api.json()["code"] == "staff.department"


def test_wrong_role_is_refused(client, make, two_departments):
    a, _ = two_departments
    login(client, make.staff(department=a, roles=["reviewer"]))
    page = client.get("/workbench/departments/dept-a/staff/")
    assert page.status_code == 403 and "需要以下角色之一：部门负责人。" in page.content.decode()
    assert client.get("/api/v1/identity/departments/dept-a/staff").json()["code"] == "staff.role"
    lookup = client.post("/workbench/people/lookup/", {"id_number": factories.id_number()})
    assert lookup.status_code == 403 and "窗口人员" in lookup.content.decode()


def test_platform_admin_crosses_departments(client, make, two_departments):
    a, _ = two_departments
    login(client, make.staff(department=a, roles=["platform_admin"]))
    assert client.get("/api/v1/identity/departments/dept-b/staff").status_code == 200


def test_citizens_and_anonymous_are_refused_staff_pages(client, make):
    assert client.get("/workbench/").status_code == 302
    assert client.get("/api/v1/identity/departments/dept-a/staff").status_code == 401
    client.force_login(make.person().account)
    assert client.get("/workbench/").status_code == 403
    assert (
        client.get("/api/v1/identity/departments/dept-a/staff").json()["code"] == "staff.required"
    )


def test_unknown_department_is_404(client, make):
    login(client, make.staff(roles=["platform_admin"]))
    response = client.get("/api/v1/identity/departments/nope/staff")
    assert response.status_code == 404 and response.json()["code"] == "department.not_found"


def test_counter_lookup_is_masked_and_logged_for_the_person(client, make):
    clerk = make.staff(roles=["counter_clerk"])
    person = make.person(name="钱七")
    login(client, clerk)
    response = client.post("/workbench/people/lookup/", {"id_number": person.id_number})
    body = response.content.decode()
    assert response.status_code == 200
    assert person.id_number_masked in body and person.id_number not in body
    entry = AuditEntry.objects.get(action="identity.person.read")
    assert entry.subject_person_id == person.pk and entry.actor_id == clerk.account.pk
    client.force_login(person.account)
    assert "工作人员查阅个人信息" in client.get("/me/").content.decode()


def test_counter_lookup_of_a_malformed_number_changes_nothing(client, make):
    login(client, make.staff(roles=["counter_clerk"]))
    before = AuditEntry.objects.count()
    response = client.post("/workbench/people/lookup/", {"id_number": "310115198507160010"})
    assert response.status_code == 422
    assert "校验" in response.content.decode()
    assert AuditEntry.objects.count() == before


def test_me_api_masks_the_id_number(client, make):
    person = make.person()
    client.force_login(person.account)
    body = client.get("/api/v1/identity/me").json()
    assert body["id_number_masked"] == person.id_number_masked
    assert person.id_number not in str(body)


def test_only_platform_admins_get_the_admin_site(client, make):
    admin = make.staff(roles=["platform_admin"])
    head = make.staff(roles=["department_head"])
    assert admin.account.is_staff and admin.account.is_superuser
    client.force_login(head.account)
    assert client.get("/admin/").status_code == 302
    client.force_login(admin.account)
    assert client.get("/admin/").status_code == 200


def test_workbench_refusals_keep_the_workbench_frame(client, make, two_departments):
    a, _ = two_departments
    login(client, make.staff(department=a, roles=["department_head"]))
    body = client.get("/workbench/departments/dept-b/staff/").content.decode()
    assert "政务工作台" in body and "回到工作台" in body
