"""Staff journeys through cases in a real Chromium: a reviewer takes a case from pre-review to
closed (with a correction notice of two items on the way); five departments review their parts
of a 开办企业-like theme case in parallel, each seeing only its own; a counter clerk records a
walk-in applicant without an account from the ID card and accepts their case, and the
responsible department finds it in its queue. Data is built through the real services, not the
demo seed."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.cases.conftest import World
from tests.e2e.test_workbench_journeys import staff_log_in
from tongban.cases import services
from tongban.catalog import services as catalog_services
from tongban.identity.validators import mask_id_number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(make):
    return World(make)


def state(page: Page):
    return page.get_by_test_id("case-state")


def clock_badge(page: Page):
    return page.get_by_test_id("clock").get_by_test_id("badge")


def test_a_reviewer_takes_a_case_from_pre_review_to_closed(page, world, make):
    case = world.submitted()

    staff_log_in(page, world.reviewer_a, make.PASSWORD)
    page.get_by_role("link", name="办件队列").click()
    expect(page.get_by_role("heading", name="办件队列", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="待预审")).to_have_attribute("aria-current", "page")
    row = page.get_by_role("row").filter(has_text=case.number)
    expect(row.get_by_test_id("badge")).to_have_text("正常")
    expect(row.get_by_role("cell").nth(2)).to_have_text("张*")
    row.get_by_role("link", name=case.number).click()

    expect(page.get_by_role("heading", name="居住证办理", level=1)).to_be_visible()
    expect(state(page)).to_have_text("预审中")
    expect(clock_badge(page)).to_have_text("正常")
    page.get_by_label("第 1 项：需补正的材料或内容").fill("身份证复印件")
    page.get_by_label("第 1 项：补正理由").fill("复印件模糊，无法辨认")
    page.get_by_label("第 2 项：需补正的材料或内容").fill("居住地址")
    page.get_by_label("第 2 项：补正理由").fill("与租赁合同地址不一致")
    page.get_by_role("button", name="出具一次性告知书").click()
    expect(page.get_by_text("已出具一次性告知书，等待申请人补正。")).to_be_visible()
    expect(state(page)).to_have_text("待补正")
    notice = page.get_by_test_id("notice")
    expect(notice.get_by_role("listitem")).to_have_text(
        ["身份证复印件：复印件模糊，无法辨认", "居住地址：与租赁合同地址不一致"]
    )
    expect(page.get_by_role("button", name="受理", exact=True)).to_have_count(0)

    services.case_correct(account=world.account, case_id=case.pk)  # the applicant corrects

    page.reload()
    expect(state(page)).to_have_text("预审中")
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.get_by_text("已受理。", exact=True)).to_be_visible()
    expect(state(page)).to_have_text("已受理")
    expect(clock_badge(page)).to_have_text("正常")

    page.get_by_role("button", name="分送审查").click()
    expect(state(page)).to_have_text("审查中")
    part = page.get_by_test_id("tasks").get_by_role("row").filter(has_text="居住证办理")
    expect(part.get_by_test_id("badge")).to_have_text("正常")
    expect(part.get_by_role("cell").nth(2)).to_have_text("办理中")

    page.get_by_label("准予许可").check()
    page.get_by_role("button", name="提交审查意见").click()
    expect(page.get_by_text("审查意见已提交。")).to_be_visible()
    expect(state(page)).to_have_text("已决定（准予许可）")
    expect(part.get_by_role("cell").nth(4)).to_contain_text("准予许可")

    page.get_by_label("电子送达").check()
    page.get_by_role("button", name="确认送达").click()
    expect(state(page)).to_have_text("已送达（准予许可）")

    page.get_by_role("button", name="办结").click()
    expect(page.get_by_text("办件已办结。")).to_be_visible()
    expect(state(page)).to_have_text("已办结（准予许可）")
    expect(page.get_by_text("当前状态下，您没有可办理的操作。")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_role("cell", name="状态：已送达 → 已办结")).to_be_visible()


def _kaiban(world, make):
    """A 开办企业-like theme: a lead department and four member departments, each with its item
    and a reviewer."""
    names = [
        ("市场监督管理局", "企业设立登记"),
        ("公安局", "公章刻制备案"),
        ("税务局", "发票申领"),
        ("人力资源和社会保障局", "社会保险登记"),
        ("住房公积金管理中心", "住房公积金缴存登记"),
    ]
    parts = []
    for dept_name, item_name in names:
        department = make.department(name=dept_name)
        item = world.publish(department=department, name=item_name)
        reviewer = make.staff(department=department, roles=("reviewer",))
        parts.append((department, item, reviewer))
    theme = catalog_services.theme_save(
        code="kaiban-e2e",
        name="开办企业",
        audience="person",
        members=[(item, item.published.name) for _d, item, _r in parts],
        promised_limit_days=5,
    )
    return theme, parts


def test_five_departments_review_their_parts_of_a_theme_case(page, new_page, world, make):
    theme, parts = _kaiban(world, make)
    lead, _item, lead_reviewer = parts[0]
    clerk = make.staff(department=lead, roles=("counter_clerk",))
    case = world.submitted(theme=theme)
    services.case_pre_review_accept(staff=clerk, case_id=case.pk)
    services.case_review_start(staff=clerk, case_id=case.pk)

    for department, item, reviewer in parts[1:]:
        member = new_page()
        staff_log_in(member, reviewer, make.PASSWORD)
        member.goto("/workbench/cases/?kind=review")
        expect(member.get_by_role("link", name="待审查")).to_have_attribute("aria-current", "page")
        rows = member.get_by_test_id("queue").get_by_role("row")
        expect(rows).to_have_count(2)  # the header and its own part
        expect(rows.nth(1)).to_contain_text(f"本部门负责：{item.published.name}")
        rows.nth(1).get_by_role("link", name=case.number).click()
        expect(member.get_by_role("heading", name="开办企业", level=1)).to_be_visible()
        tasks = member.get_by_test_id("tasks").get_by_role("row")
        expect(tasks).to_have_count(2)
        expect(tasks.nth(1).get_by_role("cell").nth(1)).to_have_text(department.name)
        expect(member.get_by_role("button", name="分送审查")).to_have_count(0)
        member.get_by_label("准予许可").check()
        member.get_by_role("button", name="提交审查意见").click()
        expect(member.get_by_text("审查意见已提交。")).to_be_visible()
        expect(state(member)).to_have_text("审查中")
        expect(tasks.nth(1).get_by_role("cell").nth(4)).to_contain_text("准予许可")
        member.context.close()

    staff_log_in(page, lead_reviewer, make.PASSWORD)
    page.goto("/workbench/cases/?kind=review")
    page.get_by_role("link", name=case.number).click()
    tasks = page.get_by_test_id("tasks").get_by_role("row")
    expect(tasks).to_have_count(6)
    expect(tasks.filter(has_text="准予许可")).to_have_count(4)
    page.get_by_label("准予许可").check()
    page.get_by_role("button", name="提交审查意见").click()
    expect(state(page)).to_have_text("已决定（准予许可）")
    expect(tasks.filter(has_text="准予许可")).to_have_count(5)
    expect(tasks.filter(has_text="已完成")).to_have_count(5)


def test_a_counter_clerk_accepts_a_walk_in_case_for_the_department(
    page, new_page, world, make, tmp_path
):
    world.publish(citywide=True, name="居住证签注")
    center = make.department(name="黄浦区行政服务中心")
    center.region = make.region(code="310101", name="黄浦区")
    center.save()
    clerk = make.staff(department=center, roles=("counter_clerk",))
    walk_in_id_number = make.id_number(birth="19850315")  # no account: unknown to the platform
    scan = tmp_path / "shenqingbiao.pdf"
    scan.write_bytes(PDF)

    staff_log_in(page, clerk, make.PASSWORD)
    page.get_by_role("link", name="一窗受理").click()
    expect(page.get_by_role("heading", name="一窗受理", level=1)).to_be_visible()
    page.get_by_label("事项名称").fill("签注")
    page.get_by_role("button", name="查找事项").click()
    row = page.get_by_test_id("counter-items").get_by_role("row").filter(has_text="居住证签注")
    expect(row.get_by_role("cell").nth(2)).to_have_text("全市通办")
    row.get_by_role("link", name="居住证签注").click()

    expect(page.get_by_role("heading", name="居住证签注 · 窗口收件")).to_be_visible()
    expect(page.get_by_text("申请人姓名取自上面核验的申请人，无需填写。")).to_be_visible()
    page.get_by_label("申请人公民身份号码").fill(walk_in_id_number[:-1])
    page.get_by_role("button", name="收件并转交责任部门").click()
    expect(page.get_by_text("公民身份号码应为 18 位，实为 17 位")).to_be_visible()

    page.get_by_label("申请人公民身份号码").fill(walk_in_id_number)
    page.get_by_label("居住地址").fill("黄浦区人民大道200号")
    page.get_by_label("申请表").set_input_files(str(scan))
    page.get_by_role("button", name="收件并转交责任部门").click()
    expect(page.get_by_test_id("intake-error")).to_contain_text("该身份证号码尚未在平台登记")

    # recorded from the ID card: name, and the mobile the walk-in gives
    page.get_by_label("申请人姓名（未在平台登记的申请人填写）").fill("郑申请")
    page.get_by_label("手机号码（选填，未在平台登记的申请人）").fill("13912345678")
    page.get_by_label("申请表").set_input_files(str(scan))
    page.get_by_role("button", name="收件并转交责任部门").click()

    expect(page.get_by_role("heading", name="收件回执")).to_be_visible()
    number = page.get_by_test_id("receipt-number").inner_text()
    assert re.fullmatch(r"310115\d{14}", number)
    expect(page.get_by_test_id("receipt-department")).to_have_text("甲局")
    expect(page.get_by_text("申请表", exact=True)).to_be_visible()
    assert walk_in_id_number not in page.content()
    # 受办分离: the center does not see the department's processing page
    response = page.goto(page.url.replace("/counter/receipts/", "/cases/"))
    assert response is not None and response.status == 403

    reviewer = new_page()
    staff_log_in(reviewer, world.reviewer_a, make.PASSWORD)
    reviewer.goto("/workbench/cases/")
    row = reviewer.get_by_test_id("queue").get_by_role("row").filter(has_text=number)
    expect(row.get_by_role("cell").nth(3)).to_have_text("窗口申请")
    expect(row.get_by_role("cell").nth(2)).to_have_text("郑**")
    row.get_by_role("link", name=number).click()
    expect(state(reviewer)).to_have_text("预审中")
    expect(reviewer.get_by_test_id("case-channel")).to_have_text("窗口申请")
    expect(reviewer.get_by_text("黄浦区行政服务中心")).to_be_visible()
    materials = reviewer.get_by_test_id("materials")
    expect(materials.get_by_role("cell", name="B 类：窗口人员核验（可复用）")).to_be_visible()
    expect(reviewer.get_by_text(mask_id_number(walk_in_id_number))).to_be_visible()
