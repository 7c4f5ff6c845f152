"""A case approved for an item whose result is a licence issues it in the decision's own
transaction; a refusal issues none; a licence that cannot be issued leaves the case undecided."""

import pytest

from tests.cases.conftest import GOOD_FORM
from tongban.cases import services as cases
from tongban.cases.models import Case
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEntry
from tongban.licences.models import Licence

pytestmark = pytest.mark.django_db


def test_approval_issues_the_licence_with_the_case(lw):
    case = lw.under_review(form_data={**GOOD_FORM})
    cases.case_decide(staff=lw.reviewer_a, case_id=case.pk, decision="approved")
    licence = Licence.objects.get()
    assert (licence.case_id, licence.holder_person, licence.issuer) == (
        case.pk,
        lw.person,
        lw.dept_a,
    )
    assert licence.data == {
        "address": GOOD_FORM["address"],
        "name": "张三",
        "id_number": lw.person.id_number,
    }
    decided = AuditEntry.objects.get(action="cases.case.transition", details__to="decided")
    issued = AuditEntry.objects.get(action="licences.licence.issue")
    batch = AuditEntry.objects.filter(seq__gt=decided.seq).order_by("seq")
    assert [e.action for e in batch] == [  # one batch: the same transaction
        "credentials.key_created",  # the department's first credential: its signing key
        "credentials.issued",
        "licences.licence.issue",
    ]
    assert issued.details["case"] == case.number
    assert licence.status_index == 0  # the first entry of its issuer's first status list
    assert licence.credential.startswith("ey") and licence.credential.endswith("~")


def test_a_rejection_issues_nothing(lw):
    case = lw.under_review()
    cases.case_decide(
        staff=lw.reviewer_a, case_id=case.pk, decision="rejected", reasons="不符合条件"
    )
    assert Licence.objects.count() == 0


def test_a_licence_that_cannot_be_issued_refuses_the_decision(lw):
    case = lw.under_review(form_data={**GOOD_FORM, "address": "浦东新区" * 10})
    with pytest.raises(InvalidInput) as caught:
        cases.case_decide(staff=lw.reviewer_a, case_id=case.pk, decision="approved")
    assert caught.value.code == "licence.data.invalid"
    assert Case.objects.get(pk=case.pk).state == "under_review"
    assert Licence.objects.count() == 0
