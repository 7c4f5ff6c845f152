"""Citizen journeys in a real Chromium: register, log in, second factor, agents, lock-out.

Locators are accessible names (labels, roles), so each journey also checks that every input it
uses has a label and that field errors are tied to their input (``aria-describedby``).
"""

import re
import time
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tongban.identity.models import Person
from tongban.identity.validators import id_number_check_char, mask_id_number, mask_mobile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Kaihu2026abc"


def read_code(page: Page, mobile: str) -> str:
    """Open the demo SMS outbox in a second tab and read the newest code sent to ``mobile``."""
    outbox = page.context.new_page()
    outbox.goto("/demo/outbox/")
    expect(outbox.get_by_role("heading", name="演示短信发件箱")).to_be_visible()
    row = outbox.get_by_role("row").filter(has_text=mask_mobile(mobile)).first
    body = row.get_by_role("cell").nth(2).inner_text()
    outbox.close()
    found = re.search(r"验证码为 (\d{6})，", body)
    assert found, body
    return found.group(1)


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def log_in_with_password(page: Page, identifier: str, password: str) -> None:
    page.goto("/login/")
    field(page, "身份证号码或手机号码").fill(identifier)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def security_log(page: Page):
    return page.get_by_role("region", name="安全日志")


def log_row(page: Page, event: str):
    """The security log's rows for one event, by the event's visible name."""
    return (
        security_log(page)
        .get_by_role("row")
        .filter(has=page.get_by_role("cell", name=event, exact=True))
    )


def expect_on_me(page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name="我的", exact=True)).to_be_visible()
    expect(page.get_by_test_id("profile-name")).to_have_text(name)


def with_wrong_check_char(number: str) -> str:
    good = number[17]
    return number[:17] + ("0" if good != "0" else "1")


# 1. Registration ------------------------------------------------------------------------------


def test_citizen_registers_with_an_sms_code(page, outbox_enabled, make):
    number, mobile = make.id_number(birth="19880512"), make.mobile()
    page.goto("/register/")
    expect(page.get_by_role("heading", name="注册个人账号")).to_be_visible()
    field(page, "姓名").fill("王小二")
    field(page, "公民身份号码").fill(number)
    field(page, "手机号码").fill(mobile)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_have_text(
        "短信已发送，请查收。如该号码已注册，短信会提示您直接登录。"
    )
    # What was typed stays in the form while the code is on its way.
    expect(field(page, "公民身份号码")).to_have_value(number)

    code = read_code(page, mobile)
    field(page, "短信验证码").fill(code)
    field(page, "密码").fill(NEW_PASSWORD)
    field(page, "确认密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()

    expect_on_me(page, "王小二")
    expect(page.get_by_role("status")).to_have_text("注册成功，欢迎使用一网通办。")
    # The owner sees their own number in full.
    expect(page.get_by_test_id("profile-id-number")).to_have_text(number)
    row = log_row(page, "注册账号")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(2)).to_have_text("王小二")
    expect(log_row(page, "登录成功")).to_have_count(1)
    assert Person.objects.filter(name="王小二", account__isnull=False).count() == 1


# 2. One-time code login -----------------------------------------------------------------------


def test_citizen_logs_in_with_an_sms_code(page, outbox_enabled, make):
    person = make.person(name="李四")
    page.goto("/login/")
    page.get_by_role("navigation", name="登录方式").get_by_role(
        "link", name="短信验证码登录"
    ).click()
    expect(page).to_have_url(re.compile(r"/login/sms/$"))
    field(page, "手机号码").fill(person.mobile)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_have_text(
        "短信已发送，请查收。如该号码尚未注册，短信会提示您先注册。"
    )
    field(page, "短信验证码").fill(read_code(page, person.mobile))
    page.get_by_role("button", name="登录", exact=True).click()

    expect_on_me(page, "李四")
    expect(page.get_by_role("navigation", name="账号")).to_contain_text("李四")
    expect(log_row(page, "登录成功")).to_have_count(1)


# 3. Bad input ---------------------------------------------------------------------------------


def test_register_with_a_wrong_check_character_shows_the_validator_message(page, make):
    make.person(name="已注册")
    before = Person.objects.count()
    good = make.id_number(birth="19920228")
    bad = with_wrong_check_char(good)
    expected = f"公民身份号码校验位错误：应为 {id_number_check_char(good[:17])}，实为 {bad[17]}"

    page.goto("/register/")
    field(page, "姓名").fill("钱多多")
    field(page, "公民身份号码").fill(bad)
    field(page, "手机号码").fill(make.mobile())
    field(page, "短信验证码").fill("123456")
    field(page, "密码").fill(NEW_PASSWORD)
    field(page, "确认密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()

    id_input = field(page, "公民身份号码")
    expect(id_input).to_have_attribute("aria-invalid", "true")
    # The message is the input's accessible description: shown at, and read out with, the field.
    expect(id_input).to_have_accessible_description(expected)
    expect(page.get_by_role("alert")).to_have_text(expected)
    expect(id_input).to_have_value(bad)
    assert Person.objects.count() == before


def test_wrong_sms_code_says_how_many_tries_are_left(page, outbox_enabled, make):
    person = make.person(name="孙五")
    page.goto("/login/sms/")
    field(page, "手机号码").fill(person.mobile)
    page.get_by_role("button", name="获取验证码").click()
    code = read_code(page, person.mobile)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    field(page, "短信验证码").fill(wrong)
    page.get_by_role("button", name="登录", exact=True).click()
    code_input = field(page, "短信验证码")
    expect(code_input).to_have_accessible_description("验证码错误，还可尝试 4 次。")
    expect(page.get_by_role("alert")).to_have_text("验证码错误，还可尝试 4 次。")
    expect(page).to_have_url(re.compile(r"/login/sms/$"))
    expect(page.get_by_role("navigation", name="账号")).not_to_contain_text("孙五")

    # The right code still works after one wrong try.
    code_input.fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect_on_me(page, "孙五")


def test_registering_an_id_number_twice_is_refused(page, outbox_enabled, make):
    existing = make.person(name="赵六")
    before = Person.objects.count()
    mobile = make.mobile()
    page.goto("/register/")
    field(page, "姓名").fill("赵六")
    field(page, "公民身份号码").fill(existing.id_number)
    field(page, "手机号码").fill(mobile)
    # Only after a right code does the form say the ID number is taken (no lookup for strangers).
    page.get_by_role("button", name="获取验证码").click()
    field(page, "短信验证码").fill(read_code(page, mobile))
    field(page, "密码").fill(NEW_PASSWORD)
    field(page, "确认密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()

    id_input = field(page, "公民身份号码")
    expect(id_input).to_have_accessible_description("该身份证号码已注册")
    expect(page.get_by_role("alert")).to_have_text("该身份证号码已注册")
    assert Person.objects.count() == before


# 4. Agents (经办人) ---------------------------------------------------------------------------


def test_representative_authorizes_an_agent_who_acts_until_revoked(page, new_page, make):
    representative = make.person(name="钱法人")
    entity = make.entity(representative=representative, name="上海通办示范科技有限公司")
    agent = make.person(name="孙经办")
    last_day = (timezone.localdate() + timedelta(days=90)).isoformat()

    # The legal representative grants the authorization.
    log_in_with_password(page, representative.id_number, make.PASSWORD)
    expect_on_me(page, "钱法人")
    enterprises = page.get_by_role("region", name="我的企业与授权")
    row = enterprises.get_by_role("row").filter(has_text=entity.name)
    expect(row.get_by_role("cell").nth(1)).to_have_text("法定代表人")
    row.get_by_role("link", name="管理经办人").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{entity.name} · 经办人授权")

    # A mistyped ID number is answered at its field, and nothing is granted.
    field(page, "经办人姓名").fill("孙经办")
    field(page, "经办人公民身份号码").fill(with_wrong_check_char(agent.id_number))
    scopes = page.get_by_role("group", name="授权范围")
    scopes.get_by_label("代为申办事项").check()
    scopes.get_by_label("查询办件进度").check()
    field(page, "授权截止日期").fill(last_day)
    page.get_by_role("button", name="授权", exact=True).click()
    expect(field(page, "经办人公民身份号码")).to_have_accessible_description(
        re.compile(r"^公民身份号码校验位错误：应为 \w，实为 \w$")
    )
    records = page.get_by_role("region", name="授权记录")
    expect(records.get_by_role("cell", name="暂无经办人")).to_be_visible()

    field(page, "经办人公民身份号码").fill(agent.id_number)
    page.get_by_role("button", name="授权", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("已授权 孙经办 为经办人。")
    granted = records.get_by_role("row").filter(has_text="孙经办")
    expect(granted).to_have_count(1)
    cells = granted.get_by_role("cell")
    expect(cells.nth(0)).to_have_text(f"孙经办{mask_id_number(agent.id_number)}")
    expect(cells.nth(1)).to_have_text("代为申办事项、查询办件进度")
    expect(granted.get_by_role("button", name="撤销孙经办的授权")).to_be_visible()

    # The agent sees the enterprise and acts for it.
    agent_page = new_page()
    log_in_with_password(agent_page, agent.mobile, make.PASSWORD)
    expect_on_me(agent_page, "孙经办")
    agent_row = (
        agent_page.get_by_role("region", name="我的企业与授权")
        .get_by_role("row")
        .filter(has_text=entity.name)
    )
    expect(agent_row.get_by_role("cell").nth(1)).to_have_text("经办人")
    expect(agent_row.get_by_role("link", name="管理经办人")).to_have_count(0)
    agent_row.get_by_role("button", name="以此企业身份办事").click()
    expect(agent_page.get_by_test_id("acting")).to_have_text(f"当前身份：{entity.name} 经办人")
    expect(agent_page.get_by_role("status")).to_have_text(
        f"您正在以“{entity.name}”经办人身份办事。"
    )
    stale = agent_page.context.new_page()  # a second tab, opened while still authorized
    stale.goto("/me/")
    expect(stale.get_by_role("button", name="以此企业身份办事")).to_be_visible()

    # The representative revokes, from another browser.
    revoking = new_page()
    log_in_with_password(revoking, representative.mobile, make.PASSWORD)
    revoking.goto(f"/me/enterprises/{entity.uscc}/")
    revoking.get_by_role("button", name="撤销孙经办的授权").click()
    expect(revoking.get_by_role("status")).to_have_text("授权已撤销。")
    revoked = (
        revoking.get_by_role("region", name="授权记录").get_by_role("row").filter(has_text="孙经办")
    )
    expect(revoked.get_by_role("cell").nth(3)).to_have_text("已撤销")

    # The agent's next page load acts for nobody, and the enterprise is gone from the list.
    agent_page.reload()
    expect_on_me(agent_page, "孙经办")
    expect(agent_page.get_by_test_id("acting")).to_have_count(0)
    expect(agent_page.get_by_role("region", name="我的企业与授权")).to_contain_text(
        "您还没有担任法定代表人或经办人的企业。"
    )
    expect(log_row(agent_page, "撤销经办人授权")).to_have_count(1)

    # The stale tab's button is refused.
    with stale.expect_response(re.compile(r"/me/acting/$")) as answer:
        stale.get_by_role("button", name="以此企业身份办事").click()
    assert answer.value.status == 403
    expect(stale.get_by_role("heading", name="无法完成此操作")).to_be_visible()
    expect(stale.get_by_text(re.compile(r"^您没有代办.*的有效授权。$"))).to_be_visible()


# 5. TOTP second factor ------------------------------------------------------------------------


def test_totp_is_enabled_then_asked_for_at_login(page, make):
    person = make.person(name="周双因")
    log_in_with_password(page, person.mobile, make.PASSWORD)
    expect_on_me(page, "周双因")
    page.get_by_role("link", name="启用动态口令").click()
    expect(page).to_have_url(re.compile(r"/me/security/totp/$"))
    # Opening the page creates no secret; the button does.
    expect(page.get_by_role("img", name="动态口令绑定二维码")).to_have_count(0)
    page.get_by_role("button", name="开始绑定").click()
    expect(page.get_by_role("img", name="动态口令绑定二维码")).to_be_visible()
    totp = pyotp.TOTP(page.get_by_test_id("totp-secret").inner_text())
    binding_code = totp.now()
    field(page, "动态口令").fill(binding_code)
    page.get_by_role("button", name="确认绑定").click()
    expect_on_me(page, "周双因")
    expect(page.get_by_role("status")).to_have_text("动态口令已启用，下次登录时需要输入。")
    expect(page.get_by_role("region", name="个人信息")).to_contain_text("已启用动态口令")
    expect(log_row(page, "启用动态口令")).to_have_count(1)

    page.get_by_role("navigation", name="账号").get_by_role("button", name="退出").click()
    expect(
        page.get_by_role("navigation", name="账号").get_by_role("link", name="登录")
    ).to_be_visible()

    log_in_with_password(page, person.mobile, make.PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/totp/\?next=/me/$"))
    expect(page.get_by_role("heading", name="请输入动态口令")).to_be_visible()
    # The code used for binding cannot be replayed.
    field(page, "动态口令").fill(binding_code)
    page.get_by_role("button", name="验证并登录").click()
    expect(field(page, "动态口令")).to_have_accessible_description("动态口令不正确或已使用。")
    # A fresh code (the next 30-second step, which the server accepts as clock drift).
    field(page, "动态口令").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="验证并登录").click()
    expect_on_me(page, "周双因")
    expect(log_row(page, "登录成功")).to_have_count(2)


# 7. Lock-out ----------------------------------------------------------------------------------


def test_five_wrong_passwords_pause_password_login_from_here_and_sms_login_still_works(
    page, outbox_enabled, make
):
    person = make.person(name="吴锁定")
    for _attempt in range(5):
        log_in_with_password(page, person.id_number, "Wrong2026pass")
        expect(page.get_by_role("alert")).to_have_text("账号或密码错误。")
    log_in_with_password(page, person.id_number, make.PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(
        "此账号在您当前网络的密码错误次数过多，已暂停从这里密码登录，请 15 分钟后再试。"
        "也可使用短信验证码登录。"
    )
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("navigation", name="账号")).not_to_contain_text("吴锁定")

    # What the message offers is true: the SMS login lets the owner in from here.
    page.goto("/login/sms/")
    field(page, "手机号码").fill(person.mobile)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text("短信已发送")
    field(page, "短信验证码").fill(read_code(page, person.mobile))
    page.get_by_role("button", name="登录", exact=True).click()
    expect_on_me(page, "吴锁定")
