"""Staff journeys in a real Chromium: the workbench shows a staff member their post, a counter
clerk's look-up of a person is masked and lands in that person's security log, and department
and role boundaries answer with a 403 page that says why."""

import re

import pytest
from playwright.sync_api import Page, expect

from tongban.identity.validators import mask_id_number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def staff_log_in(page: Page, staff, password: str) -> None:
    page.goto("/workbench/login/")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    field(page, "工号/登录名").fill(staff.account.username)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workbench/$"))


def test_counter_clerk_looks_up_a_person_who_sees_it_in_their_log(page, new_page, make):
    centre = make.department(name="潍坊新村街道社区事务受理服务中心")
    clerk = make.staff(department=centre, roles=["counter_clerk"], username="clerk.e2e")
    person = make.person(name="郑申请")

    staff_log_in(page, clerk, make.PASSWORD)
    name = clerk.account.display_name
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}，您好")
    expect(page.get_by_test_id("staff-badge")).to_have_text(
        "潍坊新村街道社区事务受理服务中心 · 窗口人员"
    )
    post = page.get_by_role("region", name="我的岗位")
    expect(post.get_by_test_id("department")).to_have_text("潍坊新村街道社区事务受理服务中心")
    expect(post.get_by_test_id("roles")).to_have_text("窗口人员")

    page.get_by_role("link", name="窗口：查询申请人").click()
    expect(page.get_by_role("heading", name="查询申请人")).to_be_visible()
    field(page, "申请人公民身份号码").fill(person.id_number)
    page.get_by_role("button", name="查询", exact=True).click()
    found = page.get_by_test_id("person")
    expect(found).to_contain_text("郑申请")
    expect(found).to_contain_text(mask_id_number(person.id_number))
    # Neither the result nor the form echoes the full number back.
    expect(field(page, "申请人公民身份号码")).to_have_value("")
    assert person.id_number not in page.content()

    # The person, in their own browser, sees who looked them up.
    own = new_page()
    own.goto("/login/")
    field(own, "身份证号码或手机号码").fill(person.mobile)
    field(own, "密码").fill(make.PASSWORD)
    own.get_by_role("button", name="登录", exact=True).click()
    expect(own.get_by_test_id("profile-name")).to_have_text("郑申请")
    read = (
        own.get_by_role("region", name="安全日志")
        .get_by_role("row")
        .filter(has=own.get_by_role("cell", name="工作人员查阅个人信息", exact=True))
    )
    expect(read).to_have_count(1)
    expect(read.get_by_role("cell").nth(2)).to_have_text(name)


def test_department_head_sees_own_staff_but_not_another_department(page, make):
    mine = make.department(name="浦东新区市场监督管理局")
    other = make.department(name="黄浦区市场监督管理局")
    head = make.staff(department=mine, roles=["department_head"])
    colleague = make.staff(department=mine, roles=["reviewer"])
    make.staff(department=other, roles=["reviewer"])

    staff_log_in(page, head, make.PASSWORD)
    page.get_by_role("link", name="本部门人员").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("浦东新区市场监督管理局 · 工作人员")
    expect(page.get_by_role("row")).to_have_count(3)  # the header and the two of us
    member = page.get_by_role("row").filter(has_text=colleague.account.username)
    expect(member.get_by_role("cell").nth(2)).to_have_text("审核人员")

    response = page.goto(f"/workbench/departments/{other.code}/staff/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="无法完成此操作")).to_be_visible()
    expect(
        page.get_by_text("您属于“浦东新区市场监督管理局”，无权查看“黄浦区市场监督管理局”的数据。")
    ).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)


def test_reviewer_may_not_list_their_own_departments_staff(page, make):
    mine = make.department(name="浦东新区人力资源和社会保障局")
    reviewer = make.staff(department=mine, roles=["reviewer"])

    staff_log_in(page, reviewer, make.PASSWORD)
    expect(page.get_by_test_id("roles")).to_have_text("审核人员")
    response = page.goto(f"/workbench/departments/{mine.code}/staff/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="无法完成此操作")).to_be_visible()
    expect(page.get_by_text("需要以下角色之一：部门负责人。")).to_be_visible()


def test_a_citizen_account_cannot_use_the_workbench(page, make):
    person = make.person(name="冯市民")
    page.goto("/workbench/login/")
    field(page, "工号/登录名").fill(person.mobile)
    field(page, "密码").fill(make.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("账号或密码错误。")
    expect(page).to_have_url(re.compile(r"/workbench/login/$"))
