"""Every operation of the OpenAPI, fuzzed in-process (WSGI, the test database) with a bounded,
derandomized number of generated requests, as anonymous, as a citizen and as staff: no answer is
a 5xx, and every answer has a documented status and matches its documented schema.

The data set is built once for the module through the real services (the cases fixtures'
``World``); path ids are every other time one of its real ids, so operations reach real objects
and not only their 404s. Each test's own changes are rolled back.
"""

import itertools

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.cases.conftest import GOOD_FORM, World
from tests.cases.test_appointments import publish
from tongban.cases import appointments, services
from tongban.wsgi import application

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 15
CSRF = "a" * 32  # an unmasked CSRF secret, sent as the cookie and the header


@pytest.fixture(scope="module")
def _connections_kept_open():
    """As Django's test client does: requests answered in-process must not close the test's
    database connection when they finish."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def _test_transaction():
    """A transaction that counts as a test case's own (Django exempts those from the durable
    check), so the durable services can set up the module's data inside it."""
    atomic = transaction.atomic()
    atomic._from_testcase = True
    return atomic


@pytest.fixture(scope="module")
def shared(_connections_kept_open, django_db_setup, django_db_blocker):
    """One data set for the module, inside a transaction rolled back at its end (each test's
    own changes are a savepoint inside it)."""
    with django_db_blocker.unblock(), _test_transaction():
        world = World(factories)
        everyone = ("counter_clerk", "reviewer", "department_head", "supervisor")
        world.staff_all = factories.staff(department=world.dept_a, roles=everyone)
        draft = services.case_create_draft(
            account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
        )
        submitted, accepted = world.submitted(), world.under_review()
        group = appointments.appointment_group_create(
            staff=world.staff_all, name="户籍业务", item_ids=[world.item.pk]
        )
        slot, _ = publish(world.staff_all, group, times=(("09:00", "10:00"), ("10:00", "11:00")))
        booked = appointments.appointment_book(account=world.account, slot_id=slot.pk)
        world.ids = {
            "case_id": [draft.pk, submitted.pk, accepted.pk],
            "task_id": list(accepted.tasks.values_list("pk", flat=True)) or [1],
            "material_id": list(accepted.materials.values_list("pk", flat=True)) or [1],
            "item_id": [world.item.pk],
            "group_id": [group.pk],
            "appointment_id": [booked.pk],
            "code": ["dept-a"],
        }
        world.cookies = {
            "anonymous": {},
            "citizen": _session(world.account),
            "staff": _session(world.staff_all.account),
        }
        yield world
        transaction.set_rollback(True)


def _session(account) -> dict:
    client = Client()
    client.force_login(account)
    return {"sessionid": client.cookies["sessionid"].value}


def _with_real_ids(case, ids: dict, turn: int) -> None:
    """Every other example, the path's ids are real ones of the shared data set."""
    if turn % 2:
        return
    for name in case.path_parameters or {}:
        if name in ids:
            case.path_parameters[name] = ids[name][turn // 2 % len(ids[name])]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_operation_answers_as_documented(operation, who, shared, db):
    cookies = {**shared.cookies[who], "csrftoken": CSRF}
    turns = itertools.count()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case):
        _with_real_ids(case, shared.ids, next(turns))
        response = case.call(cookies=cookies, headers={"X-CSRFToken": CSRF})
        case.validate_response(response, checks=CHECKS)

    answers_as_documented()
