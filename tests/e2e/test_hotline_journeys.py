"""The 12345 hotline in a real Chromium: a citizen files a complaint at an address picked from
the registry; the dispatcher dispatches it, the department returns it once, the dispatcher
arbitrates, the department handles and replies, and the citizen answers the callback. A phone
agent answers a consultation on the spot from a guide the live knowledge search found. A grid
inspector's finding is filed on the grid-patrol channel. The citizen's pages fit a phone, and so
do the analysis, which sets what grids find beside what citizens report, and the board."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.cases.conftest import World
from tests.e2e.test_workbench_journeys import staff_log_in
from tests.factories import PASSWORD
from tests.hotline.conftest import (  # noqa: F401 (fixtures)
    NOISE,
    VENDING,
    city,
    file_noise,
    hl,
    providers,
)
from tongban.hotline import services
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Ticket

from .test_case_applicant_journeys import log_in
from .test_phone_layout import OVERFLOWS, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def ticket_state(page: Page):
    return page.get_by_test_id("ticket-state")


def open_ticket(page: Page, number: str):
    page.get_by_role("row").filter(has_text=number).get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"工单 {number}", level=1)).to_be_visible()


def fits_phone(page: Page) -> list[str]:
    page.set_viewport_size(PHONE)
    page.wait_for_load_state("load")
    found = page.evaluate(OVERFLOWS)
    page.set_viewport_size({"width": 1280, "height": 800})
    return found


def test_a_complaint_from_filing_through_a_return_to_the_callback(new_page, hl):  # noqa: F811
    citizen = new_page()
    log_in(citizen, hl.citizen, PASSWORD)
    citizen.goto("/me/")
    citizen.get_by_role("link", name="我的诉求").click()
    citizen.get_by_role("link", name="我要诉求").click()
    expect(citizen.get_by_role("heading", name="我要诉求", level=1)).to_be_visible()
    assert fits_phone(citizen) == []
    citizen.get_by_label("诉求类型").select_option(label="投诉")
    citizen.get_by_label("诉求内容").fill(NOISE)
    citizen.get_by_label("地址", exact=True).fill("张杨路500弄")
    citizen.get_by_role("button", name="查找地址").click()
    choices = citizen.get_by_test_id("place-choices")
    expect(choices.get_by_role("radio")).to_have_count(2)
    choices.get_by_label(re.compile("张杨路500弄1号")).check()
    citizen.get_by_role("button", name="提交诉求").click()
    expect(citizen.get_by_text(re.compile(r"诉求已提交，工单编号 GD\d{14}。"))).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.place_id == "A31011500400100001"
    expect(ticket_state(citizen)).to_have_text("已接收")
    assert fits_phone(citizen) == []
    citizen.goto("/me/requests/")
    expect(citizen.get_by_test_id("my-requests")).to_contain_text(ticket.number)
    assert fits_phone(citizen) == []
    citizen.go_back()

    desk = new_page()
    staff_log_in(desk, hl.dispatcher, PASSWORD)
    desk.get_by_role("link", name="12345 派单台").click()
    open_ticket(desk, ticket.number)
    suggestion = desk.get_by_test_id("suggestion")
    expect(suggestion.get_by_role("listitem").first).to_contain_text("噪声")
    expect(desk.get_by_test_id("suggestion-words")).not_to_be_empty()
    desk.get_by_role("button", name="确认派单").click()
    expect(desk.get_by_text("已派单。", exact=True)).to_be_visible()
    expect(desk.get_by_test_id("ticket-department")).to_have_text("浦东新区生态环境局")

    dept = new_page()
    staff_log_in(dept, hl.handler, PASSWORD)
    dept.get_by_role("link", name="12345 工单队列").click()
    open_ticket(dept, ticket.number)
    dept.get_by_label("理由").fill("不")
    dept.get_by_role("button", name="退单").click()
    expect(dept.get_by_text("退单须写明理由（至少 4 个字）。")).to_be_visible()
    dept.get_by_label("理由").fill("施工许可属住建部门")
    dept.get_by_role("button", name="退单").click()
    expect(dept.get_by_text("已退单，等待派单员仲裁。")).to_be_visible()
    expect(ticket_state(dept)).to_have_text("退单待仲裁")

    desk.get_by_role("link", name="工作台", exact=True).click()
    desk.get_by_role("link", name="12345 派单台").click()
    expect(desk.get_by_test_id("dispatch-returned")).to_contain_text(ticket.number)
    open_ticket(desk, ticket.number)
    expect(desk.get_by_test_id("return-reason")).to_have_text("施工许可属住建部门")
    desk.get_by_label("退单不成立，退回原部门").check()
    desk.get_by_label("仲裁意见").fill("夜间施工噪声属生态环境执法")
    desk.get_by_role("button", name="提交仲裁").click()
    expect(desk.get_by_text("已仲裁。", exact=True)).to_be_visible()
    expect(ticket_state(desk)).to_have_text("已派单")

    dept.reload()
    dept.get_by_role("button", name="签收").click()
    expect(ticket_state(dept)).to_have_text("已签收")
    dept.get_by_role("button", name="开始办理").click()
    expect(ticket_state(dept)).to_have_text("办理中")
    dept.get_by_label("答复内容").fill("已责令工地夜间停工，并处罚款。")
    dept.get_by_role("button", name="提交答复").click()
    expect(dept.get_by_text("已答复诉求人，等待回访。")).to_be_visible()

    citizen.reload()
    expect(ticket_state(citizen)).to_have_text("已答复")
    expect(citizen.get_by_test_id("ticket-answer")).to_have_text("已责令工地夜间停工，并处罚款。")
    assert fits_phone(citizen) == []
    citizen.get_by_label("已解决").check()
    citizen.get_by_label("满意", exact=True).check()
    citizen.get_by_role("button", name="提交评价").click()
    expect(citizen.get_by_text("感谢您的评价。")).to_be_visible()
    expect(ticket_state(citizen)).to_have_text("已办结")
    expect(citizen.get_by_test_id("timeline").get_by_role("listitem")).to_have_text(
        [
            re.compile("已接收$"),
            re.compile("已派单$"),
            re.compile("退单待仲裁$"),
            re.compile("已派单$"),
            re.compile("已签收$"),
            re.compile("办理中$"),
            re.compile("已答复$"),
            re.compile("回访$"),
            re.compile("已办结$"),
        ]
    )
    ticket.refresh_from_db()
    assert (ticket.state, ticket.solved, ticket.satisfied) == (S.CLOSED, True, True)


def test_an_agent_answers_a_consultation_on_the_spot_from_a_guide(page, hl, make):  # noqa: F811
    World(make)  # publishes 居住证办理
    staff_log_in(page, hl.agent, PASSWORD)
    page.get_by_role("link", name="12345 话务台").click()
    page.get_by_label("搜索知识库（边输入边查找）").press_sequentially("居住证怎么办", delay=30)
    results = page.get_by_test_id("knowledge-results")
    # no submit: the list updates as the words come (the first search loads the dictionary)
    expect(results.get_by_role("link", name="居住证办理")).to_be_visible(timeout=20_000)
    assert "q=" not in page.url
    page.get_by_label("渠道").select_option(label="电话（话务员）")
    page.get_by_label("诉求类型").select_option(label="咨询")
    page.get_by_label("诉求内容").fill("来电咨询居住证怎么办理")
    page.get_by_label("来电人姓名").fill("赵六")
    page.get_by_label("联系电话").fill("13900001111")
    page.get_by_label("地址", exact=True).fill("张杨路500弄1号")
    results.get_by_role("button", name="引用到答复").click()
    answer = page.get_by_label("当场答复内容（咨询可当场答复办结）")
    expect(answer).to_have_value(re.compile("请参照办事指南《居住证办理》办理"))
    page.get_by_role("button", name="当场答复并办结").click()
    expect(page.get_by_text(re.compile(r"已当场答复并办结：GD\d{14}。"))).to_be_visible()
    expect(ticket_state(page)).to_have_text("当场答复")
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.kind, ticket.state) == ("phone", "consult", S.ANSWERED)


def test_a_grid_inspectors_finding_is_filed_from_the_keyboard(page, hl):  # noqa: F811
    staff_log_in(page, hl.agent, PASSWORD)
    page.goto("/workbench/hotline/")
    page.get_by_label("渠道").select_option(label="网格巡查")
    page.get_by_label("诉求类型").select_option(label="举报")
    page.get_by_label("诉求内容").fill("张杨路500弄门口有人摆摊卖水果，占用人行道。")
    page.get_by_label("地址", exact=True).fill("张杨路500弄1号")
    page.get_by_label("地址", exact=True).press("Enter")  # Enter submits the form
    expect(page.get_by_text(re.compile(r"已登记工单 GD\d{14}，等待派单。"))).to_be_visible()
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.state) == ("grid", S.RECEIVED)


def test_the_analysis_sets_grids_beside_citizens_and_fits_a_phone(page, hl):  # noqa: F811
    file_noise(hl)  # a citizen's complaint
    services.ticket_file_by_staff(
        staff=hl.agent, channel="grid", kind="report", text=VENDING, address="张杨路500弄1号"
    )  # a grid patrol's finding, in the same street
    staff_log_in(page, hl.supervisor, PASSWORD)
    page.goto("/workbench/hotline/analysis/")
    row = page.get_by_test_id("grid").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        ["潍坊新村街道", "1 (50%)", "1", re.compile(r"^\S+ 1$")]
    )
    assert fits_phone(page) == []
    page.goto("/workbench/hotline/board/")
    expect(page.get_by_test_id("board-totals")).to_be_visible()
    assert fits_phone(page) == []
