"""Catalog journeys in a real Chromium: a citizen searches, reads the guide and downloads a
template; a steward drafts an item and a platform admin publishes it, after which the public
finds it."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def staff_log_in(page: Page, staff, password: str) -> None:
    page.goto("/workbench/login/")
    page.get_by_label("工号/登录名", exact=True).fill(staff.account.username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workbench/$"))


def test_search_then_guide_then_template_download(page, demo_catalog):
    page.goto("/")
    page.get_by_label("搜索办事服务").fill("jzz")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.get_by_role("heading", name="搜索办事服务")).to_be_visible()
    expect(page.get_by_test_id("did-you-mean")).to_have_text("居住证")
    results = page.get_by_role("list", name="搜索结果")
    first = results.get_by_role("listitem").first
    expect(first.locator("mark")).to_have_text("居住证")
    first.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("居住证办理")
    expect(page.get_by_role("heading", name="申请材料")).to_be_visible()
    expect(page.get_by_test_id("department")).to_contain_text("公安局")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="空白模板").first.click()
    download = download_info.value
    assert download.suggested_filename == "居住证办理申请表（空白模板）.rtf"
    with open(download.path(), "rb") as f:
        assert f.read(6) == b"{\\rtf1"

    page.get_by_role("link", name="在线填写申请表").click()
    page.get_by_role("button", name="检查填写").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("请填写申请人姓名。")
    page.get_by_label("手机号码").fill("12345")
    page.get_by_role("button", name="检查填写").click()
    expect(page.locator("#f-mobile-error")).to_have_text(
        "手机号码有误：手机号码应为 11 位数字，实为 5 位。"
    )
    page.get_by_label("申请人姓名").fill("张晓明")
    page.get_by_label("公民身份号码").fill("310115198507160011")
    page.get_by_label("手机号码").fill("13800000001")
    page.get_by_label("居住地址").fill("浦东新区合欢路 2 号")
    page.get_by_label("工作单位").fill("上海浦江示范科技有限公司")
    page.get_by_role("group", name="居住依据 *").get_by_label("租赁住房").check()
    page.get_by_role("button", name="检查填写").click()
    expect(page.get_by_test_id("form-ok")).to_be_visible()
    page.get_by_role("link", name="居住证办理", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("居住证办理")

    page.get_by_role("link", name="打印办事指南").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("居住证办理 · 办事指南")
    expect(page.get_by_role("button", name="打印")).to_be_visible()


def test_a_bad_search_says_why(page, demo_catalog):
    page.goto("/services/search/?q=%EF%BC%9F%EF%BC%81")
    expect(page.get_by_role("alert")).to_have_text(
        "请输入要搜索的事项名称或关键词（不能只有标点符号）。"
    )
    expect(page.get_by_label("搜索内容")).to_have_attribute("aria-invalid", "true")


def test_steward_drafts_and_admin_publishes(page, browser, live_server, desk, make):
    basic, implementation = desk.codes(7)
    staff_log_in(page, desk.steward, make.PASSWORD)
    page.goto("/workbench/catalog/")
    page.get_by_role("link", name="新建事项").click()
    page.get_by_label("基本编码（12 位）").fill(basic)
    page.get_by_label("实施编码（31 位）").fill(implementation)
    page.get_by_label("事项名称").fill("犬只免疫证明补办")
    page.get_by_label("事项类型").select_option("07")
    page.get_by_label("办件类型").select_option("promised")
    page.get_by_label("服务对象").select_option("person")
    page.get_by_label("法定时限（工作日）").fill("10")
    page.get_by_label("承诺时限（工作日）").fill("12")
    page.get_by_label("到现场次数").fill("1")
    page.get_by_label("变更原因").fill("新增事项")
    page.get_by_role("button", name="保存草稿").click()
    expect(
        page.get_by_text("承诺时限（12 个工作日）不能超过法定时限（10 个工作日）。")
    ).to_be_visible()
    page.get_by_label("承诺时限（工作日）").fill("5")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_test_id("status")).to_have_text("草稿")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_test_id("status")).to_have_text("审核中")
    expect(page.get_by_role("button", name="发布")).to_have_count(0)  # stewards do not publish

    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    admin = context.new_page()
    staff_log_in(admin, desk.admin, make.PASSWORD)
    admin.goto("/workbench/catalog/review/")
    admin.get_by_role("link", name="犬只免疫证明补办").click()
    admin.get_by_label("审核意见").fill("同意发布")
    admin.get_by_role("button", name="发布").click()
    expect(admin.get_by_test_id("status")).to_have_text("已发布")
    admin.get_by_role("link", name="查看公开页面").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("犬只免疫证明补办")
    context.close()

    page.goto("/services/search/?q=quanzhi")
    expect(page.get_by_role("list", name="搜索结果").get_by_role("link").first).to_have_text(
        "犬只免疫证明补办"
    )
