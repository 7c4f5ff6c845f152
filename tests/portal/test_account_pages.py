"""The account pages: 忘记密码, 修改密码, 更换手机号码 and the paged security log in 「我的」."""

import re

import pytest
from django.test import Client

from tests import factories
from tongban.core.models import AuditEntry
from tongban.identity import services
from tongban.identity.models import Account, OneTimeCode
from tongban.notify.models import Message

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Xinmima2026"


def code_sent_to(mobile: str) -> str:
    message = next(m for m in Message.objects.order_by("-id") if m.recipient == mobile)
    return message.body.split("验证码为 ")[1][:6]


def page_for(response, mobile: str) -> str:
    """The page as the caller sees it, with their own number and the CSRF token set aside."""
    body = response.content.decode().replace(mobile, "<mobile>")
    return re.sub(r'value="[^"]{40,}"', 'value="<csrf>"', body)


def logged_in(account) -> Client:
    client = Client()
    client.force_login(account)
    assert client.get("/me/").status_code == 200
    return client


def test_the_login_page_links_to_forgot_password(client):
    body = client.get("/login/").content.decode()
    assert '<a href="/login/forgot/">忘记密码？</a>' in body
    assert client.get("/login/forgot/").status_code == 200


def test_forgot_password_answers_alike_for_registered_and_unknown_numbers(client, make):
    person = make.person()
    unknown = factories.mobile()
    pages = []
    for mobile in (person.mobile, unknown):
        response = client.post("/login/forgot/", {"mobile": mobile, "action": "send_code"})
        assert response.status_code == 200
        pages.append(page_for(response, mobile))
    assert pages[0] == pages[1]
    assert "若该手机号已注册，验证码已发送。" in pages[0]
    assert [m.recipient for m in Message.objects.all()] == [person.mobile]


def test_forgot_password_resets_and_ends_every_session(client, make):
    person = make.person()
    elsewhere = logged_in(person.account)
    client.post("/login/forgot/", {"mobile": person.mobile, "action": "send_code"})
    response = client.post(
        "/login/forgot/",
        {
            "mobile": person.mobile,
            "code": code_sent_to(person.mobile),
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "action": "reset",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/login/", 302)]
    assert "密码已重设，请使用新密码登录。" in response.content.decode()
    assert elsewhere.get("/me/")["Location"].startswith("/login/")
    assert Account.objects.get(pk=person.account.pk).check_password(NEW_PASSWORD)


def test_forgot_password_with_a_wrong_code_is_422_and_changes_nothing(client, make):
    person = make.person()
    client.post("/login/forgot/", {"mobile": person.mobile, "action": "send_code"})
    wrong = "000000" if code_sent_to(person.mobile) != "000000" else "111111"
    response = client.post(
        "/login/forgot/",
        {
            "mobile": person.mobile,
            "code": wrong,
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "action": "reset",
        },
    )
    assert response.status_code == 422
    assert "验证码错误，还可尝试 4 次。" in response.content.decode()
    assert Account.objects.get(pk=person.account.pk).check_password(factories.PASSWORD)


def test_change_password_keeps_this_session_and_ends_the_others(make):
    person = make.person()
    here, elsewhere = logged_in(person.account), logged_in(person.account)
    response = here.post(
        "/me/security/password/",
        {
            "current_password": factories.PASSWORD,
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert response.redirect_chain == [("/me/", 302)]
    assert "密码已修改，其他设备上的登录已退出。" in response.content.decode()
    assert here.get("/me/").status_code == 200
    assert elsewhere.get("/me/")["Location"].startswith("/login/")


def test_change_password_with_a_wrong_current_one_is_422_and_counted(make):
    person = make.person()
    client = logged_in(person.account)
    response = client.post(
        "/me/security/password/",
        {"current_password": "Wrong2026pass", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_current_password"' in body and "当前密码不正确。" in body
    assert Account.objects.get(pk=person.account.pk).check_password(factories.PASSWORD)
    assert AuditEntry.objects.filter(action="identity.password.check_failed").count() == 1


def test_change_password_with_mismatched_new_ones_changes_nothing(make):
    person = make.person()
    client = logged_in(person.account)
    response = client.post(
        "/me/security/password/",
        {
            "current_password": factories.PASSWORD,
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD + "x",
        },
    )
    assert response.status_code == 400 and "两次输入的密码不一致。" in response.content.decode()
    assert Account.objects.get(pk=person.account.pk).check_password(factories.PASSWORD)


def test_change_mobile_page_changes_it_and_tells_the_old_number(make):
    person = make.person()
    old, new = person.mobile, factories.mobile()
    client = logged_in(person.account)
    sent = client.post("/me/security/mobile/", {"mobile": new, "action": "send_code"})
    assert "短信已发送至新手机号码，请查收。" in sent.content.decode()
    response = client.post(
        "/me/security/mobile/",
        {
            "mobile": new,
            "code": code_sent_to(new),
            "current_password": factories.PASSWORD,
            "action": "change",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/me/", 302)]
    body = response.content.decode()
    assert "手机号码已更换，原手机号码已收到短信通知。" in body
    assert f'<span data-testid="profile-mobile">{new}</span>' in body
    assert "更换手机号码" in body
    assert any(m.recipient == old and "已更换为" in m.body for m in Message.objects.all())


def test_asking_a_mobile_change_code_answers_alike_for_a_taken_number(make):
    person, other = make.person(), make.person(name="李四")
    free = factories.mobile()
    client = logged_in(person.account)
    pages = [
        page_for(client.post("/me/security/mobile/", {"mobile": m, "action": "send_code"}), m)
        for m in (other.mobile, free)
    ]
    assert pages[0] == pages[1]
    assert OneTimeCode.objects.count() == 2


def test_asking_a_registration_code_answers_alike_for_a_taken_number(client, make):
    holder = make.person()
    free = factories.mobile()
    pages = []
    for mobile in (holder.mobile, free):
        response = client.post("/register/", {"mobile": mobile, "action": "send_code"})
        assert response.status_code == 200
        pages.append(page_for(response, mobile))
    assert pages[0] == pages[1]
    assert "短信已发送，请查收。如该号码已注册，短信会提示您直接登录。" in pages[0]
    assert "已被其他账号使用" not in pages[0]


def test_account_pages_need_a_citizen_login(client, make):
    for path in ("/me/security/password/", "/me/security/mobile/"):
        assert client.get(path)["Location"] == f"/login/?next={path}"
    client.force_login(make.staff().account)
    for path in ("/me/security/password/", "/me/security/mobile/"):
        response = client.get(path)
        assert response.status_code == 403
        assert "此页面仅限个人账号使用" in response.content.decode()


def _log_rows(body: str) -> list[str]:
    return re.findall(r'<tr data-action="([a-z_.]+)">', body)


def test_the_security_log_is_paged_and_in_words(make):
    person = make.person()
    client = logged_in(person.account)  # force_login writes no audit entry
    for _n in range(24):
        services.login_completed(account=person.account, method="password")
    total = AuditEntry.objects.filter(subject_person_id=person.pk).count()
    assert total == 25  # registered, then 24 logins

    first = client.get("/me/").content.decode()
    assert _log_rows(first) == ["identity.login.succeeded"] * 20
    assert "<td>登录成功</td>" in first and "<td>identity.login.succeeded</td>" not in first
    assert "第 1 / 2 页" in first
    assert 'href="?log_page=2#log-title" rel="next">下一页</a>' in first
    assert "上一页" not in first

    second = client.get("/me/?log_page=2").content.decode()
    assert _log_rows(second) == ["identity.login.succeeded"] * 4 + ["identity.person.registered"]
    assert "<td>注册账号</td>" in second
    assert 'href="?log_page=1#log-title" rel="prev">上一页</a>' in second
    assert "下一页" not in second

    assert _log_rows(client.get("/me/?log_page=abc").content.decode()) == _log_rows(first)
    assert _log_rows(client.get("/me/?log_page=99").content.decode()) == _log_rows(second)


def test_a_short_security_log_has_no_pager(make):
    person = make.person()
    body = logged_in(person.account).get("/me/").content.decode()
    assert _log_rows(body) == ["identity.person.registered"]
    assert "安全日志分页" not in body
