"""The hotline's workbench pages: the agent desk (knowledge search, filing, answering on the
spot, a grid patrol's finding), the dispatch desk (suggestion and its words, dispatch,
arbitration), a department's queue and actions, the board and the analysis — main paths,
bad input, and the wrong role and the wrong department refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.hotline.conftest import (  # noqa: F401 (fixtures)
    NOISE,
    city,
    dispatched,
    file_noise,
    handling,
    hl,
    providers,
)
from tests.workbench.conftest import hotline_act as act
from tongban.hotline import reports, services
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Ticket

pytestmark = pytest.mark.django_db
DESK = "/workbench/hotline/"
CALL = {
    "channel": "phone",
    "kind": "complaint",
    "urgency": "normal",
    "text": NOISE,
    "name": "赵六",
    "mobile": "13900001111",
    "address": "张杨路500弄1号",
}


def snapshot(ticket):
    t = Ticket.objects.get(pk=ticket.pk)
    return (t.state, t.department_id, t.category_id, t.answer, t.return_reason, t.events.count())


# --- the agent desk -------------------------------------------------------------------------


def test_the_agent_finds_a_guide_as_the_caller_speaks(as_staff, hl, make):  # noqa: F811
    from tests.cases.conftest import World

    World(make)  # publishes 居住证办理
    agent = as_staff(hl.agent)
    page = agent.get(DESK, {"q": "居住证怎么办"}).content.decode()
    assert "居住证办理" in page and "hotline-desk.js" in page
    fragment = agent.get(DESK, {"q": "居住证怎么办", "fragment": "1"}).content.decode()
    assert fragment.lstrip().startswith('<div id="knowledge-results"')
    assert "居住证办理" in fragment and "<html" not in fragment
    nothing = agent.get(DESK, {"q": "火星移民"}).content.decode()
    assert "知识库中没有与“火星移民”相关的办事指南。" in nothing


def test_the_agent_files_a_call_for_dispatch(as_staff, hl):  # noqa: F811
    response = as_staff(hl.agent).post(DESK, CALL)
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/hotline/tickets/{ticket.pk}/"
    assert (ticket.channel, ticket.state, ticket.requester_name) == ("phone", S.RECEIVED, "赵六")


def test_the_agent_answers_on_the_spot(as_staff, hl):  # noqa: F811
    answer = "请携带身份证到社区事务受理服务中心办理。"
    data = {**CALL, "kind": "consult", "text": "居住证怎么办理", "answer": answer, "spot": "1"}
    response = as_staff(hl.agent).post(DESK, data)
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.state, ticket.answer) == (S.ANSWERED, answer)


def test_a_grid_inspectors_finding_is_filed_on_the_grid_channel(as_staff, hl):  # noqa: F811
    data = {**CALL, "channel": "grid", "name": "", "mobile": "", "text": "潍坊路口垃圾堆积"}
    assert as_staff(hl.agent).post(DESK, data).status_code == 302
    assert Ticket.objects.get().channel == "grid"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"text": ""}, 422, "请写明诉求内容。"),
        ({"text": "吵" * 50_000}, 422, "最多 4000 个字（现为 50000 个）。"),
        ({"lat": "39.9087", "lng": "116.3975"}, 422, "该位置不在本市范围内"),
        ({"mobile": "123"}, 422, "手机"),
        ({"spot": "1", "answer": " "}, 422, "请填写答复内容。"),  # nothing filed either
        ({"spot": "1", "answer": "答" * 2001}, 422, "最多 2000 个字（现为 2001 个）。"),
        ({"channel": "web"}, 400, "选择一个有效的选项"),
    ],
)
def test_bad_calls_say_why_and_file_nothing(as_staff, hl, data, status, message):  # noqa: F811
    response = as_staff(hl.agent).post(DESK, {**CALL, **data})
    assert response.status_code == status
    assert message in response.content.decode()
    assert Ticket.objects.count() == 0


# --- dispatch -------------------------------------------------------------------------------


def test_the_dispatcher_sees_the_suggestion_and_the_words_then_corrects(as_staff, hl):  # noqa: F811
    ticket = file_noise(hl)
    desk = as_staff(hl.dispatcher)
    assert ticket.number in desk.get("/workbench/hotline/dispatch/").content.decode()
    page = desk.get(f"/workbench/hotline/tickets/{ticket.pk}/").content.decode()
    assert 'data-category="env-noise"' in page
    assert 'data-department="310115-hbj"' in page
    words = ticket.suggestion["reasons"]
    assert words and "、".join(words) in page
    response = act(desk, ticket, "dispatch", {"category": "env-noise", "department": "310115-scj"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.department.code) == (S.DISPATCHED, "310115-scj")
    assert ticket.corrections.get().corrected is True


def test_dispatch_by_the_list_and_an_unknown_category(as_staff, hl):  # noqa: F811
    ticket = file_noise(hl)
    desk = as_staff(hl.dispatcher)
    before = snapshot(ticket)
    bad = act(desk, ticket, "dispatch", {"category": "nope"})
    assert bad.status_code == 400 and "选择一个有效的选项" in bad.content.decode()
    assert snapshot(ticket) == before
    assert act(desk, ticket, "dispatch", {"category": "env-noise"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.department.code == "310115-hbj"


def test_return_then_arbitration(as_staff, hl):  # noqa: F811
    ticket = dispatched(hl)
    handler = as_staff(hl.handler)
    before = snapshot(ticket)
    empty = act(handler, ticket, "return", {"reason": ""})
    assert empty.status_code == 422
    assert "退单须写明理由（至少 4 个字）。" in empty.content.decode()
    assert snapshot(ticket) == before
    assert act(handler, ticket, "return", {"reason": "不属于本部门职责"}).status_code == 302
    desk = as_staff(hl.dispatcher)
    assert ticket.number in desk.get("/workbench/hotline/dispatch/").content.decode()
    same = act(desk, ticket, "arbitrate", {"decision": "uphold", "department": "310115-hbj"})
    assert same.status_code == 422 and "退单成立时应改派其他部门。" in same.content.decode()
    done = act(desk, ticket, "arbitrate", {"decision": "reject", "note": "属于噪声执法"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.department.code) == (S.DISPATCHED, "310115-hbj")


# --- the department -------------------------------------------------------------------------


def test_the_department_accepts_starts_extends_and_replies(as_staff, hl):  # noqa: F811
    ticket = dispatched(hl)
    handler = as_staff(hl.handler)
    assert ticket.number in handler.get("/workbench/hotline/queue/").content.decode()
    assert act(handler, ticket, "accept").status_code == 302
    assert act(handler, ticket, "start").status_code == 302
    days = act(handler, ticket, "extension", {"days": "30", "reason": "需现场核查"})
    assert days.status_code == 422 and "延期天数应为 1 至 10 个工作日。" in days.content.decode()
    asked = act(handler, ticket, "extension", {"days": "3", "reason": "需现场核查"})
    assert asked.status_code == 302
    empty = act(handler, ticket, "reply", {"answer": "   "})
    assert empty.status_code == 422 and "请填写答复内容。" in empty.content.decode()
    assert act(handler, ticket, "reply", {"answer": "已责令停工。"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.answer, ticket.extension_days) == (S.REPLIED, "已责令停工。", 3)


def test_reply_to_a_ticket_the_department_does_not_hold(as_staff, hl):  # noqa: F811
    ticket = handling(hl)
    before = snapshot(ticket)
    other = as_staff(hl.other)
    response = act(other, ticket, "reply", {"answer": "已处理"})
    assert response.status_code == 404
    assert "工单不存在，或不由您的部门承办。" in response.content.decode()
    assert other.get(f"/workbench/hotline/tickets/{ticket.pk}/").status_code == 404
    assert ticket.number not in other.get("/workbench/hotline/queue/").content.decode()
    assert snapshot(ticket) == before


@pytest.mark.parametrize("action", ["accept", "return", "start", "extension", "reply"])
def test_the_wrong_department_cannot_act(as_staff, hl, action):  # noqa: F811
    ticket = dispatched(hl)
    before = snapshot(ticket)
    data = {"reason": "不属于本部门职责", "days": "2", "answer": "已处理"}
    assert act(as_staff(hl.other), ticket, action, data).status_code == 404
    assert snapshot(ticket) == before


@pytest.mark.parametrize(
    ("who", "action", "data"),
    [
        ("agent", "dispatch", {"category": "env-noise"}),
        ("handler", "dispatch", {"category": "env-noise"}),
        ("dispatcher", "answer", {"answer": "答复"}),
        ("supervisor", "arbitrate", {"decision": "reject"}),
        ("agent", "supervise", {"note": "请尽快"}),
        ("dispatcher", "accept", {}),
        ("agent", "return", {"reason": "不属于本部门职责"}),
        ("supervisor", "start", {}),
        ("dispatcher", "extension", {"days": "2", "reason": "需核查"}),
        ("supervisor", "reply", {"answer": "已处理"}),
    ],
)
def test_the_wrong_role_cannot_act(as_staff, hl, who, action, data):  # noqa: F811
    if action in ("dispatch", "answer"):
        ticket = file_noise(hl)
    elif action == "arbitrate":
        ticket = dispatched(hl)
        services.ticket_return(staff=hl.handler, ticket_id=ticket.pk, reason="不属于本部门职责")
    elif action in ("start", "extension", "reply"):
        ticket = handling(hl) if action == "reply" else dispatched(hl)
        if action != "reply":
            services.ticket_accept(staff=hl.handler, ticket_id=ticket.pk)
    else:
        ticket = dispatched(hl)
    before = snapshot(ticket)
    response = act(as_staff(getattr(hl, who)), ticket, action, data)
    assert response.status_code in (403, 404)
    assert snapshot(ticket) == before


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("handler", "/workbench/hotline/"),
        ("dispatcher", "/workbench/hotline/"),
        ("agent", "/workbench/hotline/dispatch/"),
        ("handler", "/workbench/hotline/dispatch/"),
        ("agent", "/workbench/hotline/queue/"),
        ("handler", "/workbench/hotline/board/"),
        ("handler", "/workbench/hotline/analysis/"),
    ],
)
def test_the_wrong_role_is_refused_each_page(as_staff, hl, who, path):  # noqa: F811
    response = as_staff(getattr(hl, who)).get(path)
    assert response.status_code == 403
    assert "需要以下角色之一" in response.content.decode()


def test_a_citizen_is_refused_the_workbench_pages(as_staff, hl):  # noqa: F811
    response = as_staff(hl.citizen).get("/workbench/hotline/board/")
    assert response.status_code == 403


def test_staff_without_a_hotline_or_handling_role_find_no_ticket(as_staff, hl, make):  # noqa: F811
    ticket = dispatched(hl)
    clerk = make.staff(department=hl.dept["310115-hbj"], roles=["counter_clerk"])
    before = snapshot(ticket)
    client = as_staff(clerk)
    assert client.get(f"/workbench/hotline/tickets/{ticket.pk}/").status_code == 404
    assert act(client, ticket, "accept").status_code == 404
    assert snapshot(ticket) == before


# --- supervision and analysis ---------------------------------------------------------------


def test_the_board_shows_warnings_and_the_supervisor_presses(as_staff, hl):  # noqa: F811
    ticket = dispatched(hl)
    Ticket.objects.filter(pk=ticket.pk).update(warning="red")
    sup = as_staff(hl.supervisor)
    page = sup.get("/workbench/hotline/board/").content.decode()
    assert 'data-testid="board-red"' in page and ticket.number in page
    empty = act(sup, ticket, "supervise", {"note": ""})
    assert empty.status_code == 422 and "请填写督办意见。" in empty.content.decode()
    assert f'data-supervise="{ticket.number}"' in page
    done = sup.post(
        f"/workbench/hotline/tickets/{ticket.pk}/supervise/",
        {"supervise-note": "请尽快处理", "next": "board"},
    )
    assert (done.status_code, done["Location"]) == (302, "/workbench/hotline/board/")
    ticket.refresh_from_db()
    assert ticket.supervision_level == 1
    page = as_staff(hl.dispatcher).get("/workbench/hotline/board/").content.decode()
    assert ticket.number in page and "data-supervise" not in page


def test_the_analysis_counts_rates_and_draws_svg(as_staff, hl):  # noqa: F811
    one = dispatched(hl)
    services.ticket_accept(staff=hl.handler, ticket_id=one.pk)
    services.ticket_start(staff=hl.handler, ticket_id=one.pk)
    services.ticket_reply(staff=hl.handler, ticket_id=one.pk, answer="已处理。")
    services.ticket_callback(
        account=hl.citizen.account, ticket_id=one.pk, solved=True, satisfied=False
    )
    file_noise(hl, text="张杨路500弄2号楼装修电钻声太吵")
    page = as_staff(hl.supervisor).get("/workbench/hotline/analysis/").content.decode()
    assert '<dd data-rate="total">2</dd>' in page
    assert '<dd data-rate="on-time">100%</dd>' in page
    assert '<dd data-rate="solved">100%</dd>' in page
    assert '<dd data-rate="satisfied">0%</dd>' in page
    assert page.count('<svg class="chart"') == 3
    assert "浦东新区" in page and "<script" not in page


def test_the_analysis_takes_a_fixed_number_of_queries(hl, django_assert_num_queries):  # noqa: F811
    from tongban.identity.access import staff_of

    staff = staff_of(hl.supervisor.account)
    file_noise(hl)
    with CaptureQueriesContext(connection) as few:
        reports.analysis(staff)
    for _ in range(6):
        file_noise(hl, text="工地夜里施工太吵" + "了" * _)
    with django_assert_num_queries(len(few.captured_queries)):
        data = reports.analysis(staff)
    assert len(few.captured_queries) == 4
    assert data["rates"]["total"] == 7


def test_the_workbench_pages_read_in_english(as_staff, hl, settings):  # noqa: F811
    client = as_staff(hl.supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/workbench/hotline/analysis/").content.decode()
    assert "12345 analysis" in page and "Replied on time" in page and "统计分析" not in page
    board = client.get("/workbench/hotline/board/").content.decode()
    assert "12345 supervision board" in board and "No ticket is overdue." in board


def test_an_actions_message_reads_in_the_staff_members_language(as_staff, hl, settings):  # noqa: F811
    """The table of actions keeps its messages lazy: translated when shown, not at import."""
    ticket = dispatched(hl)
    handler = as_staff(hl.handler)
    handler.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = handler.post(
        f"/workbench/hotline/tickets/{ticket.pk}/accept/", follow=True
    ).content.decode()
    assert "Accepted." in page and "已签收。" not in page
