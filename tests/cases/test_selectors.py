"""Queues: a fixed number of queries whatever their length; overdue first; applicants' lists."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongban.cases import selectors, services
from tongban.cases.models import Case
from tongban.core.errors import Forbidden, InvalidInput
from tongban.identity.access import staff_of

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db


def _queries(staff, kind):
    staff = staff_of(staff.account)  # as the API loads it: roles prefetched
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.queue_for_staff(staff=staff, kind=kind)
    return len(ctx.captured_queries), rows


@pytest.mark.parametrize("kind", ["pre_review", "accept", "review"])
def test_queue_query_count_does_not_grow_with_the_page(world, kind):
    def make_one():
        case = world.submitted()
        if kind != "pre_review":
            services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
        if kind == "review":
            services.case_review_start(staff=world.clerk_a, case_id=case.pk)

    make_one()
    one, rows = _queries(world.reviewer_a, kind)
    assert len(rows) == 1
    for _ in range(4):
        make_one()
    five, rows = _queries(world.reviewer_a, kind)
    assert len(rows) == 5 and five == one


def test_overdue_first_with_colours(world):
    fresh = world.accepted()
    late = world.accepted()
    Case.objects.filter(pk=late.pk).update(
        accepted_at=timezone.now() - timedelta(days=60),
        promised_due=timezone.localdate() - timedelta(days=3),
    )
    _, rows = _queries(world.clerk_a, "accept")
    assert [(r["case"].pk, r["colour"]) for r in rows] == [(late.pk, "red"), (fresh.pk, "green")]


def test_queue_needs_a_case_role_and_a_known_kind(world):
    steward = world.steward
    with pytest.raises(Forbidden):
        selectors.queue_for_staff(staff=steward, kind="review")
    with pytest.raises(InvalidInput):
        selectors.queue_for_staff(staff=world.reviewer_a, kind="all")


def test_applicant_lists_only_their_own(world):
    mine = world.submitted()
    services.case_create_draft(account=world.other.account, item_id=world.item.pk)
    assert [c.pk for c in selectors.cases_for_applicant(account=world.account)] == [mine.pk]
    assert selectors.cases_for_applicant(account=world.account, state="draft") == []


def test_queue_filters_overdue_and_channel(world):
    fresh = world.accepted()
    late = world.accepted()
    Case.objects.filter(pk=late.pk).update(promised_due=timezone.localdate() - timedelta(days=1))
    staff = staff_of(world.clerk_a.account)
    overdue = selectors.queue_for_staff(staff=staff, kind="accept", overdue_only=True)
    assert [r["case"].pk for r in overdue] == [late.pk]
    online = selectors.queue_for_staff(staff=staff, kind="accept", channel="online")
    assert {r["case"].pk for r in online} == {fresh.pk, late.pk}
    assert selectors.queue_for_staff(staff=staff, kind="accept", channel="counter") == []


def test_a_member_department_sees_a_theme_case_in_pre_review_and_can_propose(world):
    """Joint correction (一次性告知 across departments) needs the member to see the case before
    the parts go out; an unrelated department still does not."""
    theme = world.theme()
    case = services.case_create_draft(
        account=world.account, theme_code=theme.code, form_data=GOOD_FORM
    )
    case = services.case_submit(account=world.account, case_id=case.pk)
    member = staff_of(world.reviewer_b.account)
    rows = selectors.queue_for_staff(staff=member, kind="pre_review")
    assert [r["case"].pk for r in rows] == [case.pk]
    assert selectors.case_for_staff(staff=member, case_id=case.pk).pk == case.pk
    actions = selectors.case_actions_for_staff(staff=member, case=case)
    assert actions == ["propose_correction"]
    services.case_correction_propose(
        staff=member, case_id=case.pk, items=[{"target": "乙局材料", "reason": "缺少盖章"}]
    )
    outsider = world.make.staff(
        department=world.make.department(code="dept-c", name="丙局"), roles=("reviewer",)
    )
    assert selectors.queue_for_staff(staff=staff_of(outsider.account), kind="pre_review") == []
    with pytest.raises(Forbidden):
        selectors.case_for_staff(staff=staff_of(outsider.account), case_id=case.pk)


def test_the_receipt_of_a_case_states_its_facts_before_and_after_acceptance(world):
    case = world.submitted()
    receipt = selectors.case_receipt(case)
    assert (receipt["case"], receipt["kind"], receipt["materials"]) == (case, "事项", [])
    assert receipt["id_number_masked"] == world.person.id_number_masked
    assert world.person.id_number not in str(receipt["id_number_masked"])
    assert receipt["pre_review_pending"] is True
    assert receipt["promised_days"] == world.item.published.promised_limit_days

    accepted = services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    receipt = selectors.case_receipt(accepted)
    assert receipt["pre_review_pending"] is False
    assert receipt["promised_days"] == accepted.promised_limit_days


def test_the_receipt_of_a_theme_case_names_the_theme_and_its_limit(world):
    theme = world.theme(promised_limit_days=5)
    case = services.case_create_draft(account=world.account, theme_code=theme.code)
    receipt = selectors.case_receipt(case)
    assert (receipt["kind"], receipt["promised_days"], receipt["pre_review_pending"]) == (
        "主题服务",
        5,
        False,
    )
