"""The ticket's life through the services: every allowed transition, and refusals."""

import pytest

from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.hotline import services, states
from tongban.hotline.choices import EventKind
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Correction, Ticket

from .conftest import dispatched, file_noise, handling, replied

pytestmark = pytest.mark.django_db


def test_filing_resolves_the_place_numbers_and_suggests(hl):
    ticket = file_noise(hl)
    assert ticket.state == S.RECEIVED
    assert ticket.number.startswith("GD") and ticket.number.endswith("000001")
    assert len(ticket.number) == 16
    assert (ticket.district_id, ticket.street_id, ticket.grid_id) == (
        "310115",
        "310115004",
        "G310115004001",
    )
    assert ticket.place_id == "A31011500400100001"
    assert ticket.suggested_category.code == "env-noise"
    assert ticket.suggestion["departments"][0][0] == "310115-hbj"
    assert ticket.requester_name == "王小明"
    assert ticket.contact == hl.citizen.mobile
    assert ticket.contact_hash != ""


def test_full_life_dispatch_accept_handle_reply_callback_close(hl):
    ticket = replied(hl)
    assert ticket.state == S.REPLIED
    assert ticket.department.code == "310115-hbj"
    done = services.ticket_callback(
        account=hl.citizen.account, ticket_id=ticket.pk, solved=True, satisfied=True
    )
    assert done.state == S.CLOSED and done.solved is True and done.satisfied is True
    moves = list(
        Ticket.objects.get(pk=ticket.pk)
        .events.filter(kind=EventKind.TRANSITION)
        .exclude(to_state="")
        .values_list("from_state", "to_state")
    )
    assert moves == [
        (S.RECEIVED, S.DISPATCHED),
        (S.DISPATCHED, S.ACCEPTED),
        (S.ACCEPTED, S.HANDLING),
        (S.HANDLING, S.REPLIED),
        (S.REPLIED, S.CLOSED),
    ]


def test_not_solved_reopens_and_the_desk_dispatches_again(hl):
    ticket = replied(hl)
    again = services.ticket_callback(
        account=hl.citizen.account, ticket_id=ticket.pk, solved=False, satisfied=False
    )
    assert again.state == S.REOPENED and again.reopen_count == 1
    redispatched = services.ticket_dispatch(
        staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise"
    )
    assert redispatched.state == S.DISPATCHED


def test_answer_on_the_spot_then_reopen(hl):
    ticket = services.ticket_file_by_staff(
        staff=hl.agent,
        kind="consult",
        text="想咨询一下居住证怎么办理",
        address="张杨路500弄1号",
        name="赵六",
        mobile="13900001111",
    )
    answered = services.ticket_answer(
        staff=hl.agent, ticket_id=ticket.pk, answer="请携带身份证到社区事务受理服务中心办理。"
    )
    assert answered.state == S.ANSWERED and answered.closed_at is not None
    reopened = services.ticket_reopen(
        staff=hl.dispatcher, ticket_id=ticket.pk, reason="市民来电表示答复不清楚"
    )
    assert reopened.state == S.REOPENED and reopened.reopen_count == 1


def test_dispatch_keeps_a_correction_and_the_desk_may_correct(hl):
    ticket = file_noise(hl)
    services.ticket_dispatch(
        staff=hl.dispatcher,
        ticket_id=ticket.pk,
        category="env-air",
        co_handlers=["310115004-office"],
    )
    correction = Correction.objects.get(ticket=ticket)
    assert correction.suggested_category.code == "env-noise"
    assert correction.suggested_department.code == "310115-hbj"
    assert correction.chosen_category.code == "env-air"
    assert correction.chosen_department.code == "310115-hbj"
    assert correction.corrected is True
    ticket.refresh_from_db()
    assert [d.code for d in ticket.co_handlers.all()] == ["310115004-office"]


def test_a_dispatch_to_another_department_keeps_the_suggested_one_on_its_correction(hl):
    ticket = file_noise(hl)
    services.ticket_dispatch(
        staff=hl.dispatcher,
        ticket_id=ticket.pk,
        category="env-noise",
        department="310115004-office",
    )
    correction = Correction.objects.get(ticket=ticket)
    assert correction.suggested_department.code == "310115-hbj"
    assert correction.chosen_department.code == "310115004-office"
    assert correction.suggested_category.code == correction.chosen_category.code == "env-noise"
    assert correction.corrected is True


def test_return_arbitrated_upheld_goes_to_another_department(hl):
    ticket = dispatched(hl)
    returned = services.ticket_return(
        staff=hl.handler, ticket_id=ticket.pk, reason="属于工地夜间施工许可，应由建交委处理"
    )
    assert returned.state == S.RETURNED and returned.returned_by.code == "310115-hbj"
    upheld = services.ticket_arbitrate(
        staff=hl.dispatcher, ticket_id=ticket.pk, decision="uphold", department="310115-scj"
    )
    assert upheld.state == S.DISPATCHED and upheld.department.code == "310115-scj"
    assert upheld.returned_by is None
    assert Correction.objects.filter(ticket=ticket).count() == 2


def test_return_arbitrated_rejected_goes_back_with_its_clock(hl):
    ticket = dispatched(hl)
    due = ticket.due
    services.ticket_accept(staff=hl.handler, ticket_id=ticket.pk)
    services.ticket_return(staff=hl.handler, ticket_id=ticket.pk, reason="不属于本部门职责")
    back = services.ticket_arbitrate(staff=hl.dispatcher, ticket_id=ticket.pk, decision="reject")
    assert back.state == S.DISPATCHED and back.department.code == "310115-hbj"
    assert back.due == due


def test_the_desk_closes_a_replied_ticket_nobody_can_call_back(hl):
    ticket = replied(hl)
    closed = services.ticket_close(
        staff=hl.dispatcher, ticket_id=ticket.pk, reason="三次回访电话无人接听"
    )
    assert closed.state == S.CLOSED


def test_every_state_has_its_table_and_refuses_the_rest():
    for state in S.values:
        assert state in states.TRANSITIONS
    assert states.allowed(S.RECEIVED, S.ACCEPTED) is False
    assert states.allowed(S.CLOSED, S.DISPATCHED) is False


def test_a_refused_transition_changes_nothing(hl):
    ticket = file_noise(hl)
    with pytest.raises(NotFound):
        services.ticket_accept(staff=hl.handler, ticket_id=ticket.pk)  # not its ticket yet
    dispatched_ticket = services.ticket_dispatch(
        staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise"
    )
    with pytest.raises(Conflict) as refused:
        services.ticket_reply(staff=hl.handler, ticket_id=ticket.pk, answer="已处理")
    assert refused.value.code == "hotline.transition_not_allowed"
    dispatched_ticket.refresh_from_db()
    assert dispatched_ticket.state == S.DISPATCHED and dispatched_ticket.answer == ""


def test_handling_extension_requested_and_approved_moves_the_deadline(hl):
    ticket = handling(hl)
    due = ticket.due
    services.ticket_extension_request(
        staff=hl.handler, ticket_id=ticket.pk, days=3, reason="需要联合执法"
    )
    approved = services.ticket_extension_decide(
        staff=hl.supervisor, ticket_id=ticket.pk, approve=True
    )
    assert approved.extension_state == "approved" and approved.due > due
    with pytest.raises(Conflict):
        services.ticket_extension_request(
            staff=hl.handler, ticket_id=ticket.pk, days=2, reason="再延"
        )


def test_wrong_role_and_wrong_department_are_refused(hl):
    ticket = dispatched(hl)
    with pytest.raises(NotFound):
        services.ticket_accept(staff=hl.other, ticket_id=ticket.pk)  # another department
    with pytest.raises(Forbidden):
        services.ticket_accept(staff=hl.dispatcher, ticket_id=ticket.pk)  # not a handler
    with pytest.raises(Forbidden):
        services.ticket_dispatch(staff=hl.handler, ticket_id=ticket.pk, category="env-noise")
    with pytest.raises(InvalidInput):
        services.ticket_return(staff=hl.handler, ticket_id=ticket.pk, reason=" ")
    assert Ticket.objects.get(pk=ticket.pk).state == S.DISPATCHED
