"""Each top-level service owns one durable transaction (refused inside another one) and appends
its audit entries together, in one batch, when it has finished."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tongban.cases import appointments, services
from tongban.cases.choices import CaseState as S
from tongban.cases.models import Case
from tongban.core.models import AuditChainHead, AuditEntry

from .conftest import GOOD_FORM

ITEMS = [{"target": "身份证复印件", "reason": "复印不清晰"}]
HEAD_UPDATE = f'UPDATE "{AuditChainHead._meta.db_table}"'
ENTRY_INSERT = f'INSERT INTO "{AuditEntry._meta.db_table}"'


@pytest.mark.django_db(transaction=True)
def test_a_service_refuses_to_run_inside_another_transaction(world):
    case = world.submitted()
    entries = AuditEntry.objects.count()
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == S.PRE_REVIEW
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db(transaction=True)
def test_the_counter_intake_and_appointments_refuse_it_too(world):
    cases = Case.objects.count()
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.case_counter_intake(
            staff=world.clerk_a,
            item_id=world.item.pk,
            id_number=world.person.id_number,
            form_data=GOOD_FORM,
            idempotency_key="k",
        )
    assert Case.objects.count() == cases
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        appointments.appointment_group_create(
            staff=world.clerk_a, name="户籍业务", item_ids=[world.item.pk]
        )


def _appended(call) -> tuple[int, int, int]:
    """(head UPDATEs, entry INSERT statements, entries appended) while ``call`` runs."""
    before = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        call()
    sqls = [q["sql"] for q in queries.captured_queries]
    return (
        sum(sql.startswith(HEAD_UPDATE) for sql in sqls),
        sum(sql.startswith(ENTRY_INSERT) for sql in sqls),
        AuditEntry.objects.count() - before,
    )


@pytest.mark.django_db
def test_a_correction_notice_appends_its_two_entries_in_one_batch(world):
    case = world.submitted()
    counts = _appended(
        lambda: services.case_request_correction(staff=world.clerk_a, case_id=case.pk, items=ITEMS)
    )
    assert counts == (1, 1, 2)  # the transition and the notice: one head move, one INSERT


@pytest.mark.django_db
def test_saving_and_submitting_an_application_is_one_batch_across_its_steps(world):
    counts = _appended(
        lambda: services.case_application_save(
            account=world.account, item_id=world.item.pk, form_data=GOOD_FORM, submit=True
        )
    )
    assert counts == (1, 1, 3)  # created, → submitted, → pre-review
