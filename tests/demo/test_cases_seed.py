"""The demo city holds cases in every state, made by the real services, and seeding twice adds
nothing. (One test: seeding the whole city takes seconds.)"""

import pytest
from django.utils import timezone

from tongban.cases.choices import CaseState, TaskKind, TaskState
from tongban.cases.models import Appointment, AppointmentSlot, Case, CaseEvent, CaseTask
from tongban.demo import seed as demo
from tongban.identity.models import Staff
from tongban.licences.models import LicenceType

pytestmark = pytest.mark.django_db

# Submitting passes straight on into pre-review, so no case rests in "submitted".
TRANSIENT = {CaseState.SUBMITTED}


def test_the_demo_has_every_state_overdue_parallel_commitment_gaps_and_counter_cases():
    demo.seed()
    renewals = LicenceType.objects.filter(renewal_item__isnull=False)
    assert {(t.name, t.renewal_item.published.name) for t in renewals} == {
        ("食品经营许可证", "食品经营许可延续"),
        ("机动车驾驶证", "机动车驾驶证换证"),
    }
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(CaseState.values) - TRANSIENT

    today = timezone.localdate()
    overdue = Case.objects.get(state=CaseState.UNDER_REVIEW, promised_due__lt=today)
    assert CaseEvent.objects.filter(case=overdue, kind="overdue").count() == 1

    theme = Case.objects.get(theme__code="open-business")
    assert theme.state == CaseState.UNDER_REVIEW
    parts = CaseTask.objects.filter(case=theme)
    assert parts.values("department").distinct().count() == 5
    assert parts.filter(state=TaskState.DONE).count() == 1
    assert parts.filter(state=TaskState.OPEN).count() == 5

    verification = CaseTask.objects.get(kind=TaskKind.VERIFICATION, state=TaskState.OPEN)
    assert verification.case.state == CaseState.DECIDED and verification.case.commitment
    assert Case.objects.get(state=CaseState.REVOKED).commitment

    gaps = Case.objects.exclude(gaps=[]).get()
    assert gaps.state == CaseState.ACCEPTED and gaps.gap_due is not None

    counter = Case.objects.get(channel="counter")
    assert counter.center.code == "pd-weifangxincun-center"
    assert counter.department.code == "pd-police"

    assert AppointmentSlot.objects.filter(group__name="居住证业务").count() > 0
    booked = Appointment.objects.get()
    assert booked.person.name == "张晓明" and booked.slot.booked == 1

    before = Case.objects.count()
    added = demo.seed_cases(
        owner_id_number=demo.CITIZENS[0][1],
        agent_id_number=demo.CITIZENS[1][1],
        enterprise_uscc=demo.ENTERPRISES[0][0],
    )
    assert added == 0 and Case.objects.count() == before
    demo.seed_appointments(citizen_id_number=demo.CITIZENS[0][1])
    assert Appointment.objects.count() == 1

    # the data stewards the banner names: the provider's and a consumer's, with the demo password
    shown = " ".join(how for _who, how in demo.DEMO_LOGINS)
    for username, department in (
        ("steward.sh-police", "上海市公安局"),
        ("steward.pd-police", "上海市公安局浦东分局"),
    ):
        steward = Staff.objects.get(account__username=username)
        assert (steward.department.name, steward.role_names()) == (department, {"data_steward"})
        assert steward.account.check_password(demo.DEMO_PASSWORD)
        assert f"登录名 {username}" in shown
