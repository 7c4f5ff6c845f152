"""Personal data in form answers is sealed at rest, masked for every staff reader, clear for the
applicant, and each staff read is in the applicant's security log (issue 8 item 10)."""

import json
from importlib import import_module

import pytest
from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connection
from django.test import Client

from tongban.cases import services
from tongban.cases.models import Case
from tongban.demo.catalog_seed import form_for
from tongban.identity import selectors as identity_selectors

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"
OWN_ID = "310115198501010012"
OWN_MOBILE = "13912345678"
SPOUSE_ID = "310115199001010010"
BANK = "6222021234567890123"
ANSWERS = {
    "applicant_name": "王五",
    "id_number": OWN_ID,
    "mobile": OWN_MOBILE,
    "spouse_name": "李梅",
    "spouse_id_number": SPOUSE_ID,
    "bank_name": "工商银行",
    "bank_account": BANK,
}
MASKED = {
    "applicant_name": "王五",
    "id_number": "3101**********0012",
    "mobile": "139****5678",
    "spouse_name": "李梅",
    "spouse_id_number": "3101**********0010",
    "bank_name": "工商银行",
    "bank_account": "***************0123",
}
CLEAR = (OWN_ID, OWN_MOBILE, SPOUSE_ID, BANK)


@pytest.fixture
def case(world, make):
    schema, ui = form_for("person", "spouse,bank")
    item = world.publish(form_schema=schema, form_ui=ui)
    person = make.person(name="王五", id_number=OWN_ID, mobile=OWN_MOBILE)
    draft = services.case_create_draft(account=person.account, item_id=item.pk)
    return services.case_application_save(
        account=person.account, case_id=draft.pk, form_data=ANSWERS, submit=True
    )


def raw_answers(case_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT form_data FROM cases_case WHERE id = %s", [case_id])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


def client_for(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def test_the_stored_row_holds_no_clear_id_number_mobile_or_account(case):
    raw = raw_answers(case.pk)
    assert [value for value in CLEAR if value in raw] == []
    stored = json.loads(raw)
    assert set(stored["id_number"]) == {"$sealed"}
    assert set(stored["bank_account"]) == {"$sealed"}
    assert stored["spouse_name"] == "李梅"
    assert Case.objects.get(pk=case.pk).form_data == ANSWERS


def test_a_sealed_value_does_not_open_under_another_field(case):
    with connection.cursor() as cursor:
        stored = json.loads(raw_answers(case.pk))
        stored["spouse_id_number"] = stored["id_number"]
        cursor.execute(
            "UPDATE cases_case SET form_data = %s WHERE id = %s", [json.dumps(stored), case.pk]
        )
    with pytest.raises(InvalidTag):
        Case.objects.get(pk=case.pk)


def test_the_staff_api_returns_masked_answers(world, case):
    response = client_for(world.reviewer_a.account).get(f"{API}/staff/cases/{case.pk}")
    assert response.status_code == 200
    assert response.json()["form_data"] == MASKED
    queue = client_for(world.reviewer_a.account).get(f"{API}/staff/queue").json()
    assert [row["case"]["form_data"] for row in queue] == [MASKED]


def test_the_staff_api_refuses_another_department_and_role(world, case, make):
    other = client_for(world.reviewer_b.account).get(f"{API}/staff/cases/{case.pk}")
    assert other.status_code == 403
    steward = client_for(world.steward.account).get(f"{API}/staff/cases/{case.pk}")
    assert steward.status_code == 403


def test_the_workbench_page_shows_masked_answers(world, case):
    body = client_for(world.reviewer_a.account).get(f"/workbench/cases/{case.pk}/")
    assert body.status_code == 200
    page = body.content.decode()
    assert "3101**********0012" in page and "***************0123" in page
    assert [value for value in CLEAR if value in page] == []


def test_the_applicant_sees_their_own_answers_in_full(case):
    response = client_for(case.applicant.account).get(f"{API}/{case.pk}")
    assert response.status_code == 200
    assert response.json()["form_data"] == ANSWERS


def test_the_admin_shows_masked_answers_and_the_read_is_in_the_security_log(world, case):
    response = client_for(world.admin.account).get(f"/admin/cases/case/{case.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3101**********0012" in page
    assert [value for value in CLEAR if value in page] == []
    log = identity_selectors.security_log(person=case.applicant)
    reads = [e for e in log if e.action == "cases.case.staff_read"]
    admin_id = world.admin.account.pk
    assert [(e.actor_id, e.details["purpose"]) for e in reads] == [(admin_id, "admin")]


def test_a_staff_api_read_is_in_the_applicants_security_log(world, case):
    client_for(world.reviewer_a.account).get(f"{API}/staff/cases/{case.pk}")
    log = identity_selectors.security_log(person=case.applicant)
    reads = [e for e in log if e.action == "cases.case.staff_read"]
    assert [e.actor_id for e in reads] == [world.reviewer_a.account.pk]


def test_the_migration_seals_an_existing_clear_row_and_reverses(case):
    migration = import_module("tongban.cases.migrations.0003_seal_form_answers")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET form_data = %s WHERE id = %s",
            [json.dumps(ANSWERS), case.pk],
        )
    assert OWN_ID in raw_answers(case.pk)
    migration.seal_existing(apps, None)
    raw = raw_answers(case.pk)
    assert [value for value in CLEAR if value in raw] == []
    assert Case.objects.get(pk=case.pk).form_data == ANSWERS
    migration.open_existing(apps, None)
    assert json.loads(raw_answers(case.pk)) == ANSWERS
