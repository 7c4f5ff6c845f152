"""The data exchange in a real Chromium: the police's data steward publishes a resource, the
civil affairs bureau asks for four of its fields, the police approve three; the bureau
registers its system (the secret shown once), which gets a token by client credentials and
queries; the resident sees in 「我的」 · 数据使用记录 which department read what, and why."""

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from tests import factories
from tests.exchange import conftest as exchange_world
from tests.exchange.conftest import ZHANG

# the exchange tests' departments and staff over the registries' small city
providers, city, people = exchange_world.providers, exchange_world.city, exchange_world.people
world = exchange_world.world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TIMEOUT = 10


def staff_log_in(page: Page, staff) -> None:
    page.goto("/workbench/login/")
    page.get_by_label("工号/登录名", exact=True).fill(staff.account.username)
    page.get_by_label("密码", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workbench/$"))


def test_publish_request_approve_fewer_fields_query_and_the_resident_sees_it(
    live_server, page, new_page, world
):
    resident = factories.person(name="张晓明", id_number=ZHANG)

    # the police's data steward publishes
    staff_log_in(page, world.steward)
    page.get_by_role("link", name="数据共享交换").click()
    page.get_by_role("link", name="发布信息资源").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("发布信息资源")
    page.get_by_label("资源编码", exact=True).fill("population-basic")
    page.get_by_label("资源名称", exact=True).fill("人口基本信息")
    for label in ("公民身份号码", "姓名", "性别", "出生日期"):
        page.get_by_label(label, exact=True).check()
    page.get_by_label("共享类型", exact=True).select_option("conditional")
    page.get_by_label("更新周期", exact=True).select_option("daily")
    page.get_by_label("共享依据", exact=True).fill("《政务信息资源共享管理暂行办法》")
    page.get_by_label("按键查询", exact=True).check()
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workbench/exchange/$"))
    expect(page.get_by_test_id("my-resources")).to_contain_text("人口基本信息（population-basic）")

    # the civil affairs bureau asks for four fields
    bureau = new_page()
    staff_log_in(bureau, world.requester)
    bureau.get_by_role("link", name="数据共享交换").click()
    bureau.get_by_test_id("catalog").get_by_role("link", name="申请使用").click()
    for label in ("公民身份号码", "姓名", "性别", "出生日期"):
        bureau.get_by_label(label, exact=True).check()
    bureau.get_by_label("使用用途", exact=True).fill("最低生活保障资格审核")
    bureau.get_by_label("申请依据", exact=True).fill("《社会救助暂行办法》第十一条")
    bureau.get_by_role("button", name="提交申请").click()
    expect(bureau.get_by_test_id("my-grants")).to_contain_text("人口基本信息 · 待审批")

    # the police approve three of them
    page.reload()
    request = page.get_by_role("article").filter(has_text="浦东新区民政局 · 人口基本信息")
    expect(request).to_contain_text("最低生活保障资格审核")
    request.get_by_label("出生日期", exact=True).uncheck()
    request.get_by_label("有效期（天）", exact=True).fill("30")
    request.get_by_role("button", name="批准", exact=True).click()
    expect(page.get_by_test_id("decided")).to_contain_text("已批准")

    # the bureau sees the grant, registers its system and is shown the secret once
    bureau.reload()
    expect(bureau.get_by_test_id("my-grants")).to_contain_text("公民身份号码、姓名、性别")
    bureau.get_by_label("接入系统名称", exact=True).fill("低保审核系统")
    bureau.get_by_role("button", name="注册接入系统").click()
    client_id = bureau.get_by_test_id("client-id").inner_text()
    secret = bureau.get_by_test_id("secret-value").inner_text()
    assert len(secret) > 30

    token = requests.post(
        f"{live_server.url}/oidc/token/",
        data={"grant_type": "client_credentials", "scope": "exchange"},
        auth=(client_id, secret),
        timeout=TIMEOUT,
    ).json()["access_token"]
    answer = requests.post(
        f"{live_server.url}/api/v1/exchange/query",
        json={"resource": "population-basic", "key": ZHANG, "purpose": "低保资格审核"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200
    assert answer.json()["fields"] == {"id_number": ZHANG, "name": "张晓明", "gender": "1"}

    # the resident sees the read
    own = new_page()
    own.goto("/login/")
    own.get_by_label("身份证号码或手机号码", exact=True).fill(resident.mobile)
    own.get_by_label("密码", exact=True).fill(factories.PASSWORD)
    own.get_by_role("button", name="登录", exact=True).click()
    own.get_by_role("link", name="数据使用记录").click()
    expect(own.get_by_role("heading", level=1)).to_have_text("数据使用记录")
    row = own.get_by_test_id("data-use").get_by_role("row").nth(1)
    expect(row).to_contain_text("浦东新区民政局")
    expect(row).to_contain_text("公民身份号码、姓名、性别")
    expect(row).to_contain_text("低保资格审核")
    # and a phone-sized screen does not scroll sideways
    own.set_viewport_size({"width": 375, "height": 800})
    width = own.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
