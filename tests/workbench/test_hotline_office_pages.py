"""The hotline office's pages for the steps it owns after dispatch: deciding a department's
extension request (approve or refuse), an agent recording the callback a requester gave on the
phone, closing a replied ticket nobody can call back, and reopening a closed one — main paths,
bad input said in Chinese with nothing changed, and the wrong role and department refused."""

import pytest

from tests.hotline.conftest import (  # noqa: F401 (fixtures)
    city,
    handling,
    hl,
    providers,
    replied,
)
from tests.workbench.conftest import hotline_act as act
from tongban.core.workdays import add_workdays
from tongban.hotline import services
from tongban.hotline.choices import ExtensionState as X
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Ticket

pytestmark = pytest.mark.django_db


def snapshot(ticket):
    t = Ticket.objects.get(pk=ticket.pk)
    return (
        t.state,
        t.due,
        t.extension_state,
        t.solved,
        t.satisfied,
        t.reopen_count,
        t.events.count(),
    )


def asked(hl, days=3):  # noqa: F811
    ticket = handling(hl)
    return services.ticket_extension_request(
        staff=hl.handler, ticket_id=ticket.pk, days=days, reason="需现场核查夜间噪声"
    )


def page(client, ticket) -> str:
    return client.get(f"/workbench/hotline/tickets/{ticket.pk}/").content.decode()


# --- the extension decision -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["dispatcher", "supervisor"])
def test_the_office_approves_an_extension_and_the_deadline_moves(as_staff, hl, who):  # noqa: F811
    ticket = asked(hl, days=3)
    due = ticket.due
    office = as_staff(getattr(hl, who))
    assert ticket.number in office.get("/workbench/hotline/board/").content.decode()
    shown = page(office, ticket)
    assert 'data-action="decide"' in shown
    assert "承办部门申请延期 3 个工作日：需现场核查夜间噪声" in shown
    response = act(office, ticket, "decide", {"approve": "yes"})
    assert (response.status_code, response["Location"]) == (
        302,
        f"/workbench/hotline/tickets/{ticket.pk}/",
    )
    ticket.refresh_from_db()
    assert (ticket.extension_state, ticket.due) == (X.APPROVED, add_workdays(due, 3))
    after = page(office, ticket)
    assert "已批准延期" in after and 'data-action="decide"' not in after


def test_the_office_refuses_an_extension_and_the_deadline_stays(as_staff, hl):  # noqa: F811
    ticket = asked(hl)
    due = ticket.due
    desk = as_staff(hl.dispatcher)
    assert ticket.number in desk.get("/workbench/hotline/dispatch/").content.decode()
    assert act(desk, ticket, "decide", {"approve": "no"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.extension_state, ticket.due) == (X.REFUSED, due)


@pytest.mark.parametrize("value", ["", "maybe"])
def test_a_decision_without_a_choice_says_so_and_changes_nothing(as_staff, hl, value):  # noqa: F811
    ticket = asked(hl)
    before = snapshot(ticket)
    response = act(as_staff(hl.supervisor), ticket, "decide", {"approve": value})
    assert response.status_code == 400
    assert "请选择批准或不批准。" in response.content.decode()
    assert snapshot(ticket) == before


def test_deciding_twice_is_refused_with_the_reason(as_staff, hl):  # noqa: F811
    ticket = asked(hl)
    desk = as_staff(hl.dispatcher)
    assert act(desk, ticket, "decide", {"approve": "yes"}).status_code == 302
    before = snapshot(ticket)
    again = act(desk, ticket, "decide", {"approve": "no"})
    assert again.status_code == 409
    assert "本工单没有待审批的延期申请。" in again.content.decode()
    assert snapshot(ticket) == before


@pytest.mark.parametrize("who", ["agent", "handler", "head"])
def test_the_wrong_role_cannot_decide_an_extension(as_staff, hl, who):  # noqa: F811
    ticket = asked(hl)
    before = snapshot(ticket)
    client = as_staff(getattr(hl, who))
    assert 'data-action="decide"' not in page(client, ticket)
    assert act(client, ticket, "decide", {"approve": "yes"}).status_code == 403
    assert snapshot(ticket) == before


def test_another_department_finds_no_extension_to_decide(as_staff, hl):  # noqa: F811
    ticket = asked(hl)
    before = snapshot(ticket)
    assert act(as_staff(hl.other), ticket, "decide", {"approve": "yes"}).status_code == 404
    assert snapshot(ticket) == before


# --- the agent's phone callback --------------------------------------------------------------


def test_an_agent_records_a_phone_callback_not_solved_and_it_reopens(as_staff, hl):  # noqa: F811
    ticket = replied(hl)
    agent = as_staff(hl.agent)
    assert ticket.number in agent.get("/workbench/hotline/").content.decode()
    assert 'data-action="callback"' in page(agent, ticket)
    data = {"solved": "no", "satisfied": "no", "comment": "来电称夜里仍在施工"}
    response = act(agent, ticket, "callback", data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.solved, ticket.satisfied, ticket.reopen_count) == (
        S.REOPENED,
        False,
        False,
        1,
    )
    event = ticket.events.get(kind="callback")
    assert (event.note, event.details["by_agent"], event.actor_id) == (
        "来电称夜里仍在施工",
        True,
        hl.agent.account_id,
    )


def test_an_agent_records_a_solved_callback_and_it_closes(as_staff, hl):  # noqa: F811
    ticket = replied(hl)
    data = {"solved": "yes", "satisfied": "yes"}
    assert act(as_staff(hl.agent), ticket, "callback", data).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.solved, ticket.satisfied) == (S.CLOSED, True, True)


def test_a_callback_without_answers_says_so_and_changes_nothing(as_staff, hl):  # noqa: F811
    ticket = replied(hl)
    before = snapshot(ticket)
    response = act(as_staff(hl.agent), ticket, "callback", {"solved": "yes"})
    assert response.status_code == 400
    assert "请选择“是”或“否”。" in response.content.decode()
    assert snapshot(ticket) == before


def test_a_callback_before_the_reply_is_refused(as_staff, hl):  # noqa: F811
    ticket = handling(hl)
    before = snapshot(ticket)
    response = act(as_staff(hl.agent), ticket, "callback", {"solved": "yes", "satisfied": "yes"})
    assert response.status_code == 409
    assert "工单当前状态为“办理中”，不能变更为“已办结”。" in response.content.decode()
    assert snapshot(ticket) == before


@pytest.mark.parametrize(("who", "status"), [("dispatcher", 403), ("handler", 403), ("other", 404)])
def test_only_an_agent_records_a_phone_callback(as_staff, hl, who, status):  # noqa: F811
    ticket = replied(hl)
    before = snapshot(ticket)
    response = act(
        as_staff(getattr(hl, who)), ticket, "callback", {"solved": "yes", "satisfied": "yes"}
    )
    assert response.status_code == status
    assert snapshot(ticket) == before


# --- closing and reopening --------------------------------------------------------------------


def test_the_dispatcher_closes_a_replied_ticket_then_reopens_it(as_staff, hl):  # noqa: F811
    ticket = replied(hl)
    desk = as_staff(hl.dispatcher)
    assert ticket.number in desk.get("/workbench/hotline/dispatch/").content.decode()
    assert 'data-action="close"' in page(desk, ticket)
    empty = act(desk, ticket, "close", {"reason": "  "})
    assert empty.status_code == 422 and "请填写理由。" in empty.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).state == S.REPLIED
    done = act(desk, ticket, "close", {"reason": "诉求人电话三次无人接听"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == S.CLOSED
    assert ticket.events.filter(to_state=S.CLOSED).get().note == "诉求人电话三次无人接听"
    shown = page(desk, ticket)
    assert 'data-action="reopen"' in shown and 'data-action="close"' not in shown
    before = snapshot(ticket)
    empty = act(desk, ticket, "reopen", {"reason": ""})
    assert empty.status_code == 422 and "请填写理由。" in empty.content.decode()
    assert snapshot(ticket) == before
    assert act(desk, ticket, "reopen", {"reason": "诉求人来电称仍未解决"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.reopen_count) == (S.REOPENED, 1)
    assert ticket.number in desk.get("/workbench/hotline/dispatch/").content.decode()


def test_closing_an_open_ticket_is_refused_with_the_reason(as_staff, hl):  # noqa: F811
    ticket = handling(hl)
    before = snapshot(ticket)
    response = act(as_staff(hl.dispatcher), ticket, "close", {"reason": "无法联系诉求人"})
    assert response.status_code == 409
    assert "工单当前状态为“办理中”，不能变更为“已办结”。" in response.content.decode()
    assert snapshot(ticket) == before


@pytest.mark.parametrize("action", ["close", "reopen"])
@pytest.mark.parametrize(
    ("who", "status"), [("agent", 403), ("supervisor", 403), ("head", 403), ("other", 404)]
)
def test_the_wrong_role_or_department_cannot_close_or_reopen(as_staff, hl, action, who, status):  # noqa: F811
    ticket = replied(hl)
    if action == "reopen":
        services.ticket_close(staff=hl.dispatcher, ticket_id=ticket.pk, reason="无法联系诉求人")
    before = snapshot(ticket)
    response = act(as_staff(getattr(hl, who)), ticket, action, {"reason": "理由写明了"})
    assert response.status_code == status
    assert snapshot(ticket) == before


def test_the_office_pages_read_in_english(as_staff, hl, settings):  # noqa: F811
    ticket = asked(hl)
    client = as_staff(hl.dispatcher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    shown = page(client, ticket)
    assert "Extension decision" in shown and "Approve extension" in shown
    assert "延期审批" not in shown
