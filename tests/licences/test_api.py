"""The staff API: every operation refuses the wrong department and the wrong role, and bad
input is a field-named 4xx that changes nothing."""

import json

import pytest
from django.test import Client

from tests.licences.conftest import RESIDENCE
from tongban.licences.models import Licence

pytestmark = pytest.mark.django_db
BASE = "/api/v1/licences/staff"


def _client(staff):
    client = Client()
    client.force_login(staff.account)
    return client


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def _state():
    return list(Licence.objects.order_by("pk").values_list("identifier", "status", "version"))


def _operations(lw, licence):
    issue = {
        "type_code": RESIDENCE,
        "holder_code": lw.person.id_number,
        "data": {"address": "浦东新区世纪大道1号"},
    }
    one = f"{BASE}/{licence.pk}"
    return [
        ("post", BASE, issue),
        ("get", BASE, None),
        ("get", one, None),
        ("post", f"{one}/renew", {}),
        ("post", f"{one}/change", {"data": {"address": "黄浦区外滩2号"}, "reason": "迁居"}),
        ("post", f"{one}/suspend", {"reason": "核查"}),
        ("post", f"{one}/restore", {"reason": "核查"}),
        ("post", f"{one}/revoke", {"reason": "欺骗", "legal_basis": "《行政许可法》第六十九条"}),
    ]


def test_the_issuing_department_works_through_the_api(lw):
    response = _post(_client(lw.reviewer_a), BASE, _operations(lw, lw.issue())[0][2])
    assert response.status_code == 201
    body = response.json()
    assert body["holder_code"] == lw.person.id_number[:4] + "*" * 10 + lw.person.id_number[-4:]
    assert body["data"]["id_number"] == body["holder_code"]
    assert (body["status"], body["type_name"], body["version"]) == ("valid", "居住证", 1)
    listed = _client(lw.clerk_a).get(BASE).json()
    newest_first = Licence.objects.order_by("-issued_on", "-id").values_list(
        "identifier", flat=True
    )
    assert [row["identifier"] for row in listed] == list(newest_first)
    assert len(listed) == 2 and listed[0]["identifier"] == body["identifier"]
    head = _client(lw.head_a)
    assert (
        _post(head, f"{BASE}/{body['id']}/suspend", {"reason": "核查"}).json()["status"]
        == "suspended"
    )


def test_wrong_department_and_wrong_role_are_refused_and_nothing_changes(lw, make):
    licence = lw.issue()
    outsider = make.staff(
        department=lw.dept_b, roles=("reviewer", "department_head", "counter_clerk")
    )
    steward = lw.steward  # 甲局, but no licence role
    before = _state()
    for method, path, body in _operations(lw, licence):
        for staff in (outsider, steward):
            client = _client(staff)
            response = client.get(path) if method == "get" else _post(client, path, body)
            if method == "get" and path == BASE and staff is outsider:
                assert response.status_code == 200 and response.json() == [], path
            else:
                assert response.status_code in (403, 404), (path, staff, response.content)
    assert _state() == before


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("", {"type_code": RESIDENCE, "holder_code": "123", "data": {}}, 422, "holder_code"),
        ("", {"type_code": RESIDENCE, "data": {}}, 422, "holder_code"),
        ("", {"type_code": RESIDENCE, "holder_code": "x", "data": [1]}, 422, "data"),
        ("/change", {"data": {"address": "短"}, "reason": "迁居"}, 422, "data.address"),
        ("/revoke", {"reason": "欺骗", "legal_basis": ""}, 422, "legal_basis"),
        ("/suspend", {"reason": ""}, 422, "reason"),
        ("/renew", {"valid_from": "2020-01-01"}, 422, "valid_from"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(lw, path, body, status, field):
    licence = lw.issue()
    before = _state()
    url = BASE if not path else f"{BASE}/{licence.pk}{path}"
    response = _post(_client(lw.head_a), url, body)
    assert response.status_code == status, response.content
    assert field in response.json()["fields"]
    assert _state() == before


def test_a_department_issuing_the_type_is_refused_another_departments_licence(lw, make):
    """乙局 issues 居住证 too, but this licence is 甲局's: every operation on it is refused,
    the list shows none of it."""
    licence = lw.issue()
    lw.dept_b.issued_licence_types.add(licence.licence_type)
    other = make.staff(department=lw.dept_b, roles=("reviewer", "department_head", "counter_clerk"))
    before = _state()
    client = _client(other)
    for method, path, body in _operations(lw, licence)[1:]:
        response = client.get(path) if method == "get" else _post(client, path, body)
        if path == BASE:
            assert response.status_code == 200 and response.json() == [], path
        else:
            assert response.status_code == 404, (path, response.content)
            assert response.json()["code"] == "licence.not_found"
    assert _state() == before


def test_a_retried_issue_with_its_key_returns_the_first_licence(lw):
    client = _client(lw.reviewer_a)
    body = {**_operations(lw, lw.issue())[0][2], "idempotency_key": "retry-1"}
    first = _post(client, BASE, body)
    second = _post(client, BASE, body)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["identifier"] == second.json()["identifier"]
    assert Licence.objects.count() == 2  # the fixture's one and this one
    bad = _post(client, BASE, {**body, "idempotency_key": "no spaces"})
    assert bad.status_code == 422 and "idempotency_key" in bad.json()["fields"]
    assert Licence.objects.count() == 2


def test_the_list_filters_by_status_as_of_today(lw):
    import datetime as dt

    from django.utils import timezone

    current, old = lw.issue(), lw.issue()
    Licence.objects.filter(pk=old.pk).update(
        valid_from=dt.date(2020, 1, 1), valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    client = _client(lw.clerk_a)
    valid = client.get(f"{BASE}?status=valid").json()
    expired = client.get(f"{BASE}?status=expired").json()
    assert [r["identifier"] for r in valid] == [current.identifier]
    assert [(r["identifier"], r["status"]) for r in expired] == [(old.identifier, "expired")]
