"""Two reviewers deciding the same task at once: exactly one wins, the other gets a Conflict.
Runs against whichever database is configured (SQLite by default, PostgreSQL via DATABASE_URL)."""

import threading
from time import sleep

import pytest
from django.db import connection
from django.utils import timezone

from tongban.cases import services
from tongban.cases.choices import CaseState as S
from tongban.cases.models import Case, CaseEvent
from tongban.core.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_race_on_one_task(world):
    case = world.under_review()
    task = case.tasks.get()
    barrier = threading.Barrier(2)
    results: list = []

    def decide(staff, decision):
        try:
            barrier.wait(timeout=10)
            services.task_decide(staff=staff, task_id=task.pk, decision=decision, reasons="理由")
            results.append("won")
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(world.reviewer_a, "approved")),
        threading.Thread(target=decide, args=(world.reviewer_a2, "rejected")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["case.task.already_done", "won"]
    case = Case.objects.get(pk=case.pk)
    assert case.state == S.DECIDED
    assert CaseEvent.objects.filter(case=case, to_state=S.DECIDED).count() == 1


def _double_submits(world, clicks: int, *, spread: float = 0.0) -> list[str]:
    """``clicks`` submits of one application with one key at once, as the apply page and the API
    make them (``case_application_save``); the i-th arrives ``i * spread`` seconds late."""
    from tests.cases.conftest import GOOD_FORM

    barrier = threading.Barrier(clicks)
    numbers: list = []

    def apply(i):
        try:
            barrier.wait(timeout=10)
            sleep(i * spread)
            case = services.case_application_save(
                account=world.account,
                item_id=world.item.pk,
                form_data=GOOD_FORM,
                idempotency_key="dbl",
                submit=True,
            )
            numbers.append(case.number)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(i,)) for i in range(clicks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return numbers


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_with_one_key_make_one_case(world):
    numbers = _double_submits(world, 2)
    assert len(numbers) == 2 and numbers[0] == numbers[1]
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_double_submits_take_no_case_number_from_the_sequence(world):
    """Six clicks on one key make one case; the next application gets the very next number."""
    from tests.cases.conftest import GOOD_FORM

    # arrivals spread over the first submit's transaction
    numbers = _double_submits(world, 6, spread=0.004)
    [first] = set(numbers)
    assert len(numbers) == 6 and first.endswith("000001")
    after = services.case_application_save(
        account=world.account,
        item_id=world.item.pk,
        form_data=GOOD_FORM,
        idempotency_key="next",
        submit=True,
    )
    assert after.number == first[:-6] + "000002"


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_different_cases_get_distinct_consecutive_numbers(world):
    """The number is taken at the end of each submission: four at once still get 1–4 of the
    region's day, one each, and the drafts made before them took none."""
    from tests.cases.conftest import GOOD_FORM

    drafts = [
        services.case_create_draft(
            account=world.account, item_id=world.item.pk, form_data=GOOD_FORM
        )
        for _ in range(4)
    ]
    assert {d.number for d in drafts} == {None}
    barrier = threading.Barrier(len(drafts))
    numbers: list = []

    def submit(case_id):
        try:
            barrier.wait(timeout=10)
            numbers.append(services.case_submit(account=world.account, case_id=case_id).number)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(d.pk,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    day = timezone.localtime(drafts[0].created_at)  # case numbers carry the city's date
    prefix = drafts[0].department.region.code[:6] + day.strftime("%Y%m%d")
    assert sorted(numbers) == [f"{prefix}{i:06d}" for i in range(1, 5)]
    assert sorted(Case.objects.values_list("number", flat=True)) == sorted(numbers)
