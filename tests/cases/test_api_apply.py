"""POST /api/v1/cases/apply: an application in one request (answers + files, submitted at once),
as the apply page sends it and as bench/ drives it: with a real session cookie and CSRF token."""

import json

import pytest
from django.test import Client

from bench.cases_prepare import PDF, cookie_for, multipart
from tongban.cases import selectors
from tongban.cases.models import Case, CaseMaterial

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/apply"


def _post(account, fields, files=None, *, csrf=True):
    body, content_type = multipart(fields, files or {})
    cookie, token = cookie_for(account)
    headers = {"HTTP_COOKIE": cookie}
    if csrf:
        headers["HTTP_X_CSRFTOKEN"] = token
    client = Client(enforce_csrf_checks=True)
    return client.generic("POST", URL, body, content_type=content_type, **headers)


def _material(world):
    (entry,) = selectors.material_entries(item_version=world.item.published)
    return entry


def test_apply_creates_and_submits_with_the_files_in_one_request(world):
    entry = _material(world)
    fields = {"item_id": str(world.item.pk), "form_data": json.dumps(GOOD_FORM)}
    response = _post(world.account, fields, {f"material_{entry.id}": PDF})
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert (body["state"], case.state, case.applicant_id) == (
        "pre_review",
        "pre_review",
        world.person.pk,
    )
    assert case.form_data == GOOD_FORM
    material = CaseMaterial.objects.get(case=case)
    assert (material.catalog_material_id, material.size, material.trust_level) == (
        entry.id,
        len(PDF),
        "C",
    )
    states = list(case.events.exclude(to_state="").values_list("to_state", flat=True))
    assert states == ["submitted", "pre_review"]


@pytest.mark.parametrize(
    ("form_data", "field"),
    [("not json", "form_data"), ("[1, 2]", "form_data"), (json.dumps({"address": "x"}), None)],
)
def test_bad_answers_are_422_and_nothing_is_created(world, form_data, field):
    response = _post(world.account, {"item_id": str(world.item.pk), "form_data": form_data})
    assert response.status_code == 422
    if field:
        assert field in response.json()["fields"]
    assert not Case.objects.exists() and not CaseMaterial.objects.exists()


def test_without_csrf_token_or_login_nothing_is_created(world, client):
    fields = {"item_id": str(world.item.pk), "form_data": json.dumps(GOOD_FORM)}
    assert _post(world.account, fields, csrf=False).status_code == 403
    body, content_type = multipart(fields, {})
    assert client.post(URL, body, content_type=content_type).status_code == 401
    assert not Case.objects.exists()
