"""The statements each request of the cases bench's hot paths runs, written out as numbers so
that a change that adds one fails here (bench/cases_statements.py prints the same requests'
statements, with their breakdown, on PostgreSQL). Counted as a warm worker runs them: after one
lifecycle has filled the per-process caches (published items, the calendar's years), with
their TTLs long enough not to run out during the test. Inside the test's transaction there is
no BEGIN/COMMIT and no task is enqueued after commit, so these are the in-transaction figures."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.cases_prepare import PDF
from tongban.cases import selectors

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"


@pytest.fixture
def clients(world, settings):
    settings.TONGBAN_SEARCH_VERSION_TTL = 3600
    settings.TONGBAN_CALENDAR_TTL = 3600
    applicant, clerk, reviewer = Client(), Client(), Client()
    applicant.force_login(world.account)
    clerk.force_login(world.clerk_a.account)
    reviewer.force_login(world.reviewer_a.account)
    return applicant, clerk, reviewer


def _apply(world, applicant) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    (entry,) = selectors.material_entries(item_version=world.item.published)
    body = {
        "item_id": str(world.item.pk),
        "form_data": json.dumps(GOOD_FORM),
        f"material_{entry.id}": SimpleUploadedFile("m.pdf", PDF, "application/pdf"),
    }
    response = applicant.post(f"{API}/apply", body)
    assert response.status_code == 201, response.content
    return response.json()


def _step(client, case_id: int, step: str, payload=None) -> None:
    response = client.post(
        f"{API}/staff/cases/{case_id}/{step}", payload or {}, content_type="application/json"
    )
    assert response.status_code == 200, response.content


def _lifecycle(world, applicant, clerk, reviewer) -> dict:
    case = _apply(world, applicant)
    _step(clerk, case["id"], "accept")
    _step(clerk, case["id"], "review-start")
    _step(reviewer, case["id"], "decide", {"decision": "approved"})
    return case


def _counted(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries.captured_queries)


def test_an_application_and_a_lifecycle_run_a_fixed_number_of_statements(world, clients):
    applicant, clerk, reviewer = clients
    _lifecycle(world, applicant, clerk, reviewer)  # warm the per-process caches
    box: dict = {}
    counts = {"apply": _counted(lambda: box.update(_apply(world, applicant)))}
    case_id = box["id"]
    counts["accept"] = _counted(lambda: _step(clerk, case_id, "accept"))
    counts["review-start"] = _counted(lambda: _step(clerk, case_id, "review-start"))
    counts["decide"] = _counted(
        lambda: _step(reviewer, case_id, "decide", {"decision": "approved"})
    )
    anonymous = Client()
    counts["status"] = _counted(
        lambda: anonymous.get(f"{API}/status", {"number": box["number"], "name": world.person.name})
    )
    # status: 1 query of the case + 1 upsert of the client's rate-limit counter (core.ratelimit)
    assert counts == {"apply": 13, "accept": 12, "review-start": 13, "decide": 15, "status": 2}


def test_a_draft_has_no_number_until_it_is_submitted(world, clients):
    applicant, _, _ = clients
    draft = {"item_id": world.item.pk, "form_data": GOOD_FORM}
    response = applicant.post(API, draft, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["number"] is None
    submitted = applicant.post(f"{API}/{response.json()['id']}/submit", {}, "application/json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["number"].startswith("310115")
