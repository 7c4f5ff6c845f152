"""A case approved for an item whose result is a licence issues it in the decision's own
transaction; a refusal issues none; a licence that cannot be issued leaves the case undecided."""

import pytest

from tests.cases.conftest import GOOD_FORM
from tests.licences.conftest import RESIDENCE
from tongban.cases import services as cases
from tongban.cases.models import Case
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEntry
from tongban.credentials.verify import verify
from tongban.licences import services
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


def test_a_commitment_found_untrue_revokes_the_licence_it_issued(lw):
    item = lw.publish(commitment=True)
    services.licence_type_result_items_add(type_code=RESIDENCE, item_ids=[item.pk])
    case = lw.accepted(item=item, form_data={**GOOD_FORM})
    task = cases.case_commitment_approve(staff=lw.reviewer_a, case_id=case.pk)
    licence = Licence.objects.get(case=case)
    assert (licence.status, verify(licence.credential).result) == ("valid", "valid")
    cases.task_verify(staff=lw.reviewer_a, task_id=task.pk, passed=False, note="承诺不实")
    licence.refresh_from_db()
    assert licence.status == "revoked"
    assert licence.status_reason == "承诺核查不实，撤销许可：承诺不实"
    assert verify(licence.credential).result == "revoked"
