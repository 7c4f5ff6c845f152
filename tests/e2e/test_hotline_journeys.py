"""The 12345 hotline in a real Chromium: a citizen files a complaint at an address picked from
the registry; the dispatcher dispatches it, the department returns it once, the dispatcher
arbitrates, the department handles and replies, and the citizen answers the callback. A phone
agent answers a consultation on the spot from a guide the live knowledge search found. A grid
inspector's finding is filed on the grid-patrol channel, by an agent or from the grid inspector's
own page. The hotline office decides an extension, records a phone callback, closes and reopens.
The pages fit a phone, and so do the analysis, which sets what grids find beside what citizens
report, and the board."""

import re
from pathlib import Path

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


def test_the_office_approves_an_extension_and_an_agent_records_the_callback(new_page, hl):  # noqa: F811
    """The department asks for more days; the supervisor approves them from the board; after
    the reply the requester, called by an agent, says it is not solved: the ticket is reopened
    and waits on the dispatch desk again."""
    from tests.hotline.conftest import handling

    ticket = handling(hl)
    due = ticket.due
    dept = new_page()
    staff_log_in(dept, hl.handler, PASSWORD)
    dept.goto(f"/workbench/hotline/tickets/{ticket.pk}/")
    dept.get_by_label("延期工作日").fill("3")
    dept.get_by_label("延期理由").fill("需夜间现场核查")
    dept.get_by_role("button", name="申请延期").click()
    expect(dept.get_by_text("已申请延期，等待热线办公室审批。")).to_be_visible()

    sup = new_page()
    staff_log_in(sup, hl.supervisor, PASSWORD)
    sup.get_by_role("link", name="12345 督办看板").click()
    expect(sup.get_by_test_id("board-extensions")).to_contain_text(ticket.number)
    assert fits_phone(sup) == []
    open_ticket(sup, ticket.number)
    expect(sup.get_by_test_id("extension-request")).to_have_text(
        "承办部门申请延期 3 个工作日：需夜间现场核查"
    )
    assert fits_phone(sup) == []
    sup.get_by_role("button", name="提交审批").click()
    expect(sup.get_by_text("请选择批准或不批准。").first).to_be_visible()
    sup.get_by_label("批准延期").check()
    sup.get_by_role("button", name="提交审批").click()
    expect(sup.get_by_text("已审批延期申请。")).to_be_visible()
    expect(sup.get_by_test_id("ticket-extension")).to_have_text("已批准延期 · 3 个工作日")
    ticket.refresh_from_db()
    assert ticket.due > due

    dept.reload()
    dept.get_by_label("答复内容").fill("已责令工地夜间停工。")
    dept.get_by_role("button", name="提交答复").click()
    expect(dept.get_by_text("已答复诉求人，等待回访。")).to_be_visible()

    agent = new_page()
    staff_log_in(agent, hl.agent, PASSWORD)
    agent.get_by_role("link", name="12345 话务台").click()
    expect(agent.get_by_test_id("agent-replied")).to_contain_text(ticket.number)
    assert fits_phone(agent) == []
    open_ticket(agent, ticket.number)
    assert fits_phone(agent) == []
    agent.get_by_label("未解决").check()
    agent.get_by_label("不满意").check()
    agent.get_by_label("回访记录（可选）").fill("来电称夜里仍在施工")
    agent.get_by_role("button", name="记录回访").click()
    expect(agent.get_by_text("已记录电话回访。")).to_be_visible()
    expect(ticket_state(agent)).to_have_text("重新派单")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.solved, ticket.satisfied) == (S.REOPENED, False, False)

    desk = new_page()
    staff_log_in(desk, hl.dispatcher, PASSWORD)
    desk.get_by_role("link", name="12345 派单台").click()
    expect(desk.get_by_test_id("dispatch-waiting")).to_contain_text(ticket.number)


def test_the_dispatcher_closes_a_ticket_nobody_answers_then_reopens_it(page, hl):  # noqa: F811
    from tests.hotline.conftest import replied

    ticket = replied(hl)
    staff_log_in(page, hl.dispatcher, PASSWORD)
    page.get_by_role("link", name="12345 派单台").click()
    expect(page.get_by_test_id("dispatch-replied")).to_contain_text(ticket.number)
    assert fits_phone(page) == []
    open_ticket(page, ticket.number)
    page.get_by_role("button", name="办结工单").click()
    expect(page.get_by_text("请填写理由。")).to_be_visible()
    page.get_by_label("理由").fill("诉求人电话三次无人接听")
    page.get_by_role("button", name="办结工单").click()
    expect(page.get_by_text("已办结。", exact=True)).to_be_visible()
    expect(ticket_state(page)).to_have_text("已办结")
    assert fits_phone(page) == []
    page.get_by_label("理由").fill("诉求人来电称仍未解决")
    page.get_by_role("button", name="重新打开").click()
    expect(page.get_by_text("已重新打开，等待派单。")).to_be_visible()
    expect(ticket_state(page)).to_have_text("重新派单")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.reopen_count) == (S.REOPENED, 1)


def test_a_grid_inspector_files_a_finding_from_the_patrol_page(new_page, hl, settings, tmp_path):  # noqa: F811
    from tests import factories
    from tongban.identity.choices import StaffRoleName as R

    settings.MEDIA_ROOT = tmp_path

    inspector = factories.staff(hl.dept["310115004-office"], roles=[R.GRID_INSPECTOR])
    grid = new_page()
    staff_log_in(grid, inspector, PASSWORD)
    grid.get_by_role("link", name="12345 网格巡查").click()
    expect(grid.get_by_role("heading", name="12345 网格巡查", level=1)).to_be_visible()
    assert fits_phone(grid) == []
    grid.get_by_role("button", name="登记工单").click()
    expect(grid.get_by_text("请写明诉求内容。")).to_be_visible()
    grid.get_by_label("问题类型").select_option(label="举报")
    grid.get_by_label("问题描述").fill("张杨路500弄门口有人摆摊卖水果，占用人行道。")
    grid.get_by_label("地址", exact=True).fill("张杨路500弄1号")
    photo = {
        "name": "占道.png",
        "mimeType": "image/png",
        "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
    }
    grid.get_by_label("现场照片（可选）").set_input_files([photo])
    grid.get_by_role("button", name="登记工单").click()
    expect(grid.get_by_text(re.compile(r"已登记网格巡查工单 GD\d{14}，等待派单。"))).to_be_visible()
    expect(grid.get_by_test_id("finding-attachments")).to_have_text("1 张照片")
    ticket = Ticket.objects.get()
    expect(grid.get_by_test_id("grid-findings")).to_contain_text(ticket.number)
    assert fits_phone(grid) == []
    assert (ticket.channel, ticket.state, ticket.filed_by_id) == (
        "grid",
        S.RECEIVED,
        inspector.account_id,
    )

    desk = new_page()
    staff_log_in(desk, hl.dispatcher, PASSWORD)
    desk.get_by_role("link", name="12345 派单台").click()
    open_ticket(desk, ticket.number)
    expect(desk.get_by_text("网格巡查", exact=True)).to_be_visible()
    expect(desk.get_by_test_id("ticket-attachments")).to_contain_text("占道.png")


def test_a_citizen_attaches_a_photo_and_the_department_downloads_it(
    new_page,
    hl,  # noqa: F811
    settings,
    tmp_path,
):
    from tongban.hotline import services

    settings.MEDIA_ROOT = tmp_path
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    citizen = new_page()
    log_in(citizen, hl.citizen, PASSWORD)
    citizen.goto("/hotline/new/")
    citizen.get_by_label("诉求类型").select_option(label="投诉")
    citizen.get_by_label("诉求内容").fill(NOISE)
    citizen.get_by_label("地址", exact=True).fill("张杨路500弄1号")
    files = citizen.get_by_label("附件（可选）")
    files.set_input_files(
        [{"name": "现场.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + b"\0" * 20}]
    )
    citizen.get_by_role("button", name="提交诉求").click()
    expect(
        citizen.get_by_text("只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。").first
    ).to_be_visible()
    assert Ticket.objects.count() == 0
    assert fits_phone(citizen) == []
    citizen.get_by_label("附件（可选）").set_input_files(
        [{"name": "夜间施工.png", "mimeType": "image/png", "buffer": png}]
    )
    citizen.get_by_role("button", name="提交诉求").click()
    expect(citizen.get_by_test_id("my-attachments")).to_contain_text("夜间施工.png")
    ticket = Ticket.objects.get()
    services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise")

    dept = new_page()
    staff_log_in(dept, hl.handler, PASSWORD)
    dept.get_by_role("link", name="12345 工单队列").click()
    open_ticket(dept, ticket.number)
    with dept.expect_download() as download:
        dept.get_by_test_id("ticket-attachments").get_by_role("link", name="夜间施工.png").click()
    assert download.value.suggested_filename == "夜间施工.png"
    assert Path(download.value.path()).read_bytes() == png


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
