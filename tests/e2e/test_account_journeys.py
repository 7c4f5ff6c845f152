"""A citizen looks after their account in a real Chromium: 忘记密码, 修改密码, 更换手机号码, and
the security log read page by page. Locators are accessible names, as in the identity journeys."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tongban.identity import services
from tongban.identity.validators import mask_mobile

from .test_identity_journeys import (
    expect_on_me,
    field,
    log_in_with_password,
    log_row,
    read_code,
    security_log,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Xinmima2026"


def outbox_body(page: Page, mobile: str) -> str:
    """The newest SMS to ``mobile`` in the demo outbox."""
    outbox = page.context.new_page()
    outbox.goto("/demo/outbox/")
    row = outbox.get_by_role("row").filter(has_text=mask_mobile(mobile)).first
    body = row.get_by_role("cell").nth(2).inner_text()
    outbox.close()
    return body


def test_a_citizen_who_forgot_the_password_resets_it_by_sms(new_page, outbox_enabled, make):
    person = make.person(name="钱忘记")
    elsewhere = new_page()
    log_in_with_password(elsewhere, person.mobile, make.PASSWORD)
    expect_on_me(elsewhere, "钱忘记")

    page = new_page()
    log_in_with_password(page, person.mobile, "Wrong2026pass")
    expect(page.get_by_role("alert")).to_have_text("账号或密码错误。")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.get_by_role("heading", name="忘记密码")).to_be_visible()
    field(page, "注册时使用的手机号码").fill(person.mobile)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_have_text("若该手机号已注册，验证码已发送。")
    field(page, "短信验证码").fill(read_code(page, person.mobile))
    field(page, "新密码").fill(NEW_PASSWORD)
    field(page, "确认新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="重设密码").click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("status")).to_have_text("密码已重设，请使用新密码登录。")
    log_in_with_password(page, person.mobile, NEW_PASSWORD)
    expect_on_me(page, "钱忘记")
    expect(log_row(page, "通过短信验证码重设密码")).to_have_count(1)
    # the session opened with the old password is over
    elsewhere.goto("/me/")
    expect(elsewhere).to_have_url(re.compile(r"/login/\?next=/me/$"))


def test_forgot_password_for_an_unknown_number_says_the_same_and_sends_nothing(
    page, outbox_enabled
):
    unknown = factories.mobile()
    page.goto("/login/forgot/")
    field(page, "注册时使用的手机号码").fill(unknown)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_have_text("若该手机号已注册，验证码已发送。")
    page.goto("/demo/outbox/")
    expect(page.get_by_role("row").filter(has_text=mask_mobile(unknown))).to_have_count(0)


def test_changing_the_password_keeps_this_session_and_ends_the_other(
    new_page, outbox_enabled, make
):
    person = make.person(name="孙改密")
    here, elsewhere = new_page(), new_page()
    for page in (here, elsewhere):
        log_in_with_password(page, person.id_number, make.PASSWORD)
        expect_on_me(page, "孙改密")

    here.get_by_role("link", name="修改密码").click()
    expect(here.get_by_role("heading", name="修改密码")).to_be_visible()
    field(here, "当前密码").fill("Wrong2026pass")
    field(here, "新密码").fill(NEW_PASSWORD)
    field(here, "确认新密码").fill(NEW_PASSWORD)
    here.get_by_role("button", name="修改密码").click()
    expect(field(here, "当前密码")).to_have_accessible_description("当前密码不正确。")

    field(here, "当前密码").fill(make.PASSWORD)
    field(here, "新密码").fill(NEW_PASSWORD)
    field(here, "确认新密码").fill(NEW_PASSWORD)
    here.get_by_role("button", name="修改密码").click()
    expect_on_me(here, "孙改密")
    expect(here.get_by_role("status")).to_have_text("密码已修改，其他设备上的登录已退出。")
    expect(log_row(here, "修改密码")).to_have_count(1)
    expect(log_row(here, "核验当前密码失败")).to_have_count(1)

    elsewhere.goto("/me/")
    expect(elsewhere).to_have_url(re.compile(r"/login/\?next=/me/$"))
    log_in_with_password(elsewhere, person.id_number, NEW_PASSWORD)
    expect_on_me(elsewhere, "孙改密")


def test_changing_the_mobile_needs_the_password_and_a_code_to_the_new_number(
    page, outbox_enabled, make
):
    person = make.person(name="周换号")
    old, new = person.mobile, factories.mobile()
    log_in_with_password(page, person.id_number, make.PASSWORD)
    expect_on_me(page, "周换号")
    page.get_by_role("link", name="更换手机号码").click()
    expect(page.get_by_role("heading", name="更换手机号码")).to_be_visible()
    expect(page.get_by_text(f"当前手机号码：{mask_mobile(old)}。", exact=False)).to_be_visible()

    field(page, "新手机号码").fill(new)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_have_text("短信已发送至新手机号码，请查收。")
    field(page, "新手机号码收到的验证码").fill(read_code(page, new))
    field(page, "当前密码").fill(make.PASSWORD)
    page.get_by_role("button", name="确认更换").click()

    expect_on_me(page, "周换号")
    expect(page.get_by_role("status")).to_have_text("手机号码已更换，原手机号码已收到短信通知。")
    expect(page.get_by_test_id("profile-mobile")).to_have_text(new)
    expect(log_row(page, "更换手机号码")).to_have_count(1)
    assert outbox_body(page, old).startswith(
        f"【一网通办】您的一网通办账号绑定的手机号码已更换为 {mask_mobile(new)}，"
    )


def test_the_security_log_pages_back_to_the_registration(page, make):
    person = make.person(name="郑翻页")
    for _n in range(23):
        services.login_completed(account=person.account, method="password")
    log_in_with_password(page, person.id_number, make.PASSWORD)  # the 25th entry
    expect_on_me(page, "郑翻页")
    pager = page.get_by_role("navigation", name="安全日志分页")
    expect(pager).to_contain_text("第 1 / 2 页")
    expect(log_row(page, "登录成功")).to_have_count(20)
    expect(log_row(page, "注册账号")).to_have_count(0)

    pager.get_by_role("link", name="下一页").click()
    expect(pager).to_contain_text("第 2 / 2 页")
    expect(log_row(page, "注册账号")).to_have_count(1)
    expect(security_log(page).get_by_role("row")).to_have_count(6)  # header and 5 entries
    pager.get_by_role("link", name="上一页").click()
    expect(pager).to_contain_text("第 1 / 2 页")
