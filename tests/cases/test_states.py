"""The state machine, exhaustively: every (from, to) pair either moves or is refused."""

import itertools

import pytest

from tongban.cases import services, states
from tongban.cases.choices import CaseState as S
from tongban.cases.models import Case, CaseEvent
from tongban.core.errors import Conflict, NotFound

EXPECTED = {
    (S.DRAFT, S.SUBMITTED),
    (S.SUBMITTED, S.PRE_REVIEW),
    (S.PRE_REVIEW, S.ACCEPTED),
    (S.PRE_REVIEW, S.REFUSED),
    (S.PRE_REVIEW, S.CORRECTION_REQUESTED),
    (S.CORRECTION_REQUESTED, S.PRE_REVIEW),
    (S.ACCEPTED, S.UNDER_REVIEW),
    (S.UNDER_REVIEW, S.DECIDED),
    (S.DECIDED, S.DELIVERED),
    (S.DELIVERED, S.CLOSED),
    (S.DECIDED, S.REVOKED),
    (S.DELIVERED, S.REVOKED),
    (S.CLOSED, S.REVOKED),
} | {(s, S.WITHDRAWN) for s in states.BEFORE_DECISION}


def test_table_is_exactly_the_lifecycle():
    table = {(f, t) for f, tos in states.TRANSITIONS.items() for t in tos}
    assert table == EXPECTED
    assert set(states.TRANSITIONS) == set(S.values)


@pytest.mark.django_db
def test_every_pair_moves_or_is_refused_with_nothing_changed(world):
    case = services.case_create_draft(account=world.account, item_id=world.item.pk)
    for frm, to in itertools.product(S.values, S.values):
        Case.objects.filter(pk=case.pk).update(state=frm)
        case.refresh_from_db()
        events = CaseEvent.objects.filter(case=case).count()
        if (frm, to) in EXPECTED:
            states.transition(case, to, actor=world.reviewer_a.account)
            case.refresh_from_db()
            assert case.state == to
            assert CaseEvent.objects.filter(case=case).count() == events + 1
        else:
            with pytest.raises(Conflict) as err:
                states.transition(case, to, actor=world.reviewer_a.account)
            assert err.value.code == "case.transition_not_allowed"
            assert str(S(frm).label) in err.value.message
            assert str(S(to).label) in err.value.message
            case.refresh_from_db()
            assert case.state == frm
            assert CaseEvent.objects.filter(case=case).count() == events


@pytest.mark.django_db
def test_services_cannot_skip_states(world):
    draft = services.case_create_draft(account=world.account, item_id=world.item.pk)
    for verb in (services.case_pre_review_accept, services.case_review_start, services.case_close):
        with pytest.raises(NotFound) as err:  # a draft is not yet the department's
            verb(staff=world.clerk_a, case_id=draft.pk)
        assert err.value.code == "case.not_found"
    with pytest.raises(Conflict):
        services.case_correct(account=world.account, case_id=draft.pk)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT
    submitted = world.submitted()
    for verb in (services.case_review_start, services.case_close):
        with pytest.raises(Conflict) as err:
            verb(staff=world.clerk_a, case_id=submitted.pk)
        assert err.value.code == "case.transition_not_allowed"
    submitted.refresh_from_db()
    assert submitted.state == S.PRE_REVIEW


@pytest.mark.django_db
def test_a_state_change_reaches_the_applicant_by_sms_and_in_their_site_inbox(world):
    from tongban.notify.models import Message

    case = services.case_create_draft(account=world.account, item_id=world.item.pk)
    states.transition(case, S.SUBMITTED, actor=world.account)

    body = f"【一网通办】您的办件 {case.number}（{case.title}）状态已更新为：已提交。"
    sms = Message.objects.get(channel="sms")
    assert (sms.recipient, sms.body, sms.account_id) == (world.person.mobile, body, None)
    site = Message.objects.get(channel="site")
    assert (site.account_id, site.body, site.status) == (world.account.pk, body, "sent")
    assert site.subject == f"办件 {case.number} 状态更新"
    assert site.link == f"/me/cases/{case.pk}/" and site.read_at is None
