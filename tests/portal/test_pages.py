"""Pages answer bad input with a specific Chinese message and a 4xx, and change nothing."""

import re
from datetime import date, timedelta

import pyotp
import pytest
from django.conf import settings
from django.test import Client

from tests import factories
from tongban.identity.models import AgentAuthorization, Person, TotpDevice
from tongban.notify.models import Message

pytestmark = pytest.mark.django_db


def test_pages_render_for_the_public(client):
    for path in ("/", "/login/", "/login/sms/", "/register/", "/workbench/login/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "一网通办" in response.content.decode() or "政务工作台" in response.content.decode()


def test_register_with_a_bad_checksum_shows_the_field_error(client):
    response = client.post(
        "/register/",
        {
            "action": "register",
            "name": "张三",
            "id_number": "110105194912310021",
            "mobile": "13800001111",
            "code": "123456",
            "password": "Passw0rd2026",
            "password2": "Passw0rd2026",
        },
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "公民身份号码校验位错误" in body
    assert Person.objects.count() == 0


def test_register_with_mismatched_passwords(client):
    response = client.post(
        "/register/",
        {
            "action": "register",
            "name": "张三",
            "id_number": factories.id_number(),
            "mobile": "13800001111",
            "code": "123456",
            "password": "Passw0rd2026",
            "password2": "Passw0rd2027",
        },
    )
    assert response.status_code == 400
    assert "两次输入的密码不一致。" in response.content.decode()
    assert Person.objects.count() == 0


def test_send_code_then_double_submit_registers_once(client):
    mobile, number = "13800002222", factories.id_number()
    form = {
        "name": "张三",
        "id_number": number,
        "mobile": mobile,
        "password": "Passw0rd2026",
        "password2": "Passw0rd2026",
    }
    sent = client.post("/register/", {**form, "action": "send_code"})
    assert sent.status_code == 200 and "短信已发送，请查收。" in sent.content.decode()
    code = Message.objects.get().body.split("验证码为 ")[1][:6]
    first = client.post("/register/", {**form, "action": "register", "code": code})
    assert first.status_code == 302 and first["Location"] == "/me/"
    client.logout()
    second = client.post("/register/", {**form, "action": "register", "code": code})
    # The code was spent by the first submit; only a fresh one would learn the ID number is taken.
    assert second.status_code == 422
    assert "请先获取短信验证码。" in second.content.decode()
    assert Person.objects.count() == 1


def test_wrong_password_page_is_401_with_message(client, make):
    person = make.person()
    response = client.post("/login/", {"identifier": person.mobile, "password": "nope"})
    assert response.status_code == 401 and "账号或密码错误。" in response.content.decode()


def test_login_follows_only_local_next(client, make):
    person = make.person()
    ok = client.post(
        "/login/",
        {"identifier": person.mobile, "password": factories.PASSWORD, "next": "/me/?tab=1"},
    )
    assert ok["Location"] == "/me/?tab=1"
    client.logout()
    evil = client.post(
        "/login/",
        {
            "identifier": person.mobile,
            "password": factories.PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert evil["Location"] == "/me/"


def test_tampered_session_cookie_is_anonymous(client, make):
    person = make.person()
    client.force_login(person.account)
    assert client.get("/me/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.cookies[settings.SESSION_COOKIE_NAME] = key[:-2] + ("aa" if key[-2:] != "aa" else "bb")
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_owner_sees_full_id_number_on_me(client, make):
    person = make.person(name="孙八")
    client.force_login(person.account)
    body = client.get("/me/").content.decode()
    assert person.id_number in body and "孙八" in body


def test_staff_opening_me_gets_a_clear_403(client, make):
    client.force_login(make.staff().account)
    response = client.get("/me/")
    assert response.status_code == 403 and "此页面仅限个人账号使用" in response.content.decode()


def test_agent_form_errors_change_nothing(client, make):
    entity = make.entity()
    client.force_login(entity.legal_representative.account)
    url = f"/me/enterprises/{entity.uscc}/"
    response = client.post(
        url,
        {
            "agent_name": "李四",
            "agent_id_number": "110105194912310021",
            "scopes": ["apply"],
            "expires_at": (date.today() + timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 422 and "校验位错误" in response.content.decode()
    past = client.post(
        url,
        {
            "agent_name": "李四",
            "agent_id_number": factories.id_number(),
            "scopes": ["apply"],
            "expires_at": (date.today() - timedelta(days=5)).isoformat(),
        },
    )
    assert past.status_code == 422 and "授权截止时间必须晚于现在。" in past.content.decode()
    assert AgentAuthorization.objects.count() == 0


def test_someone_elses_enterprise_page_is_404(client, make):
    entity = make.entity()
    client.force_login(make.person(name="路人").account)
    response = client.get(f"/me/enterprises/{entity.uscc}/")
    assert response.status_code == 404
    assert "未找到您担任法定代表人的该企业" in response.content.decode()


def test_acting_for_an_unrelated_enterprise_is_refused(client, make):
    entity = make.entity()
    client.force_login(make.person(name="路人").account)
    response = client.post("/me/acting/", {"uscc": entity.uscc})
    assert response.status_code == 403


def test_outbox_page_exists_only_in_the_demo(client, settings):
    settings.TONGBAN_DEMO_OUTBOX = False
    assert client.get("/demo/outbox/").status_code == 404
    settings.TONGBAN_DEMO_OUTBOX = True
    assert client.get("/demo/outbox/").status_code == 200


def test_csrf_is_enforced_on_login(make):
    from django.test import Client

    person = make.person()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"identifier": person.mobile, "password": factories.PASSWORD})
    assert response.status_code == 403


# TOTP enrolment: only a CSRF-checked POST creates or renews the secret -------------------------


def _shown_secret(response) -> str:
    match = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', response.content.decode())
    return match.group(1) if match else ""


def test_opening_the_totp_page_creates_no_secret(client, make):
    person = make.person()
    client.force_login(person.account)

    response = client.get("/me/security/totp/")

    assert response.status_code == 200
    assert _shown_secret(response) == ""
    assert "开始绑定" in response.content.decode()
    assert not TotpDevice.objects.filter(account=person.account).exists()


def test_started_totp_enrolment_shows_the_same_secret_on_every_get(client, make):
    person = make.person()
    client.force_login(person.account)

    started = client.post("/me/security/totp/", {"action": "start"})

    assert started.status_code == 302 and started["Location"] == "/me/security/totp/"
    secret = TotpDevice.objects.get(account=person.account).secret
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert _shown_secret(client.get("/me/security/totp/")) == secret
    assert _shown_secret(client.get("/me/security/totp/")) == secret
    assert TotpDevice.objects.get(account=person.account).secret == secret


def test_another_site_cannot_renew_a_pending_totp_secret(make):
    person = make.person()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person.account)
    page = browser.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    browser.post("/me/security/totp/", {"action": "start", "csrfmiddlewaretoken": token.group(1)})
    secret = TotpDevice.objects.get(account=person.account).secret

    # A link or an image on another site is a GET; a form there posts without our CSRF token.
    linked = browser.get("/me/security/totp/", HTTP_REFERER="https://evil.example/")
    forged = browser.post("/me/security/totp/", {"action": "start"})

    assert _shown_secret(linked) == secret
    assert forged.status_code == 403
    assert TotpDevice.objects.get(account=person.account).secret == secret


def test_totp_page_sends_an_enabled_account_back_to_me(client, make):
    person = make.person()
    client.force_login(person.account)
    client.post("/me/security/totp/", {"action": "start"})
    secret = TotpDevice.objects.get(account=person.account).secret
    client.post("/me/security/totp/", {"action": "confirm", "code": pyotp.TOTP(secret).now()})

    response = client.get("/me/security/totp/")
    restart = client.post("/me/security/totp/", {"action": "start"})

    assert response.status_code == 302 and response["Location"] == "/me/"
    assert restart.status_code == 302 and restart["Location"] == "/me/"
    assert TotpDevice.objects.get(account=person.account).secret == secret
