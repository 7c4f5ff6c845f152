"""Password lock-out and SMS code limits (issue 8, items 11 and 12).

Failures lock an account from one client address only; the account as a whole is only slowed,
so an attacker elsewhere cannot keep its owner out. Sending codes is limited per address and
overall, and answers alike for registered and unregistered numbers."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tests import factories
from tongban.core.errors import InvalidInput, NotAuthenticated, TooManyRequests
from tongban.identity import services
from tongban.identity.models import LoginFailure, OneTimeCode
from tongban.notify.models import Message

pytestmark = pytest.mark.django_db
ATTACKER = "198.51.100.66"
OWNER = "203.0.113.9"
LOCKED_CITIZEN = (
    "此账号在您当前网络的密码错误次数过多，已暂停从这里密码登录，请 15 分钟后再试。"
    "也可使用短信验证码登录。"
)
LOCKED_STAFF = "此账号在您当前网络的密码错误次数过多，已暂停从这里密码登录，请 15 分钟后再试。"


def fail(identifier: str, *, ip: str, staff: bool = False, times: int = 1) -> None:
    for _attempt in range(times):
        with pytest.raises(NotAuthenticated) as caught:
            services.login_with_password(
                identifier=identifier, password="Wrong2026pass", ip=ip, staff=staff
            )
        assert caught.value.code == "login.invalid"


def message_to(mobile: str) -> Message:
    """The latest SMS to this number (recipients are sealed: compared after reading)."""
    return next(m for m in Message.objects.order_by("-id") if m.recipient == mobile)


def sent_code(mobile: str) -> str:
    return message_to(mobile).body.split("验证码为 ")[1][:6]


# Item 11: lock the pair, slow the account -------------------------------------------------


def test_an_attacker_locks_only_their_own_address_and_the_owner_logs_in_elsewhere(make):
    person = make.person()
    fail(person.mobile, ip=ATTACKER, times=5)

    with pytest.raises(TooManyRequests) as locked:
        services.login_with_password(
            identifier=person.mobile, password=factories.PASSWORD, ip=ATTACKER
        )
    assert locked.value.code == "login.locked"
    assert locked.value.message == LOCKED_CITIZEN
    account = services.login_with_password(
        identifier=person.mobile, password=factories.PASSWORD, ip=OWNER
    )
    assert account == person.account


def test_a_staff_account_is_locked_from_the_attackers_address_only(make):
    staff = make.staff(username="head.locked", roles=["department_head"])
    fail("head.locked", ip=ATTACKER, staff=True, times=5)

    with pytest.raises(TooManyRequests) as locked:
        services.login_with_password(
            identifier="head.locked", password=factories.PASSWORD, ip=ATTACKER, staff=True
        )
    assert locked.value.code == "login.locked"
    assert locked.value.message == LOCKED_STAFF  # no SMS login at the workbench: not offered
    account = services.login_with_password(
        identifier="head.locked", password=factories.PASSWORD, ip=OWNER, staff=True
    )
    assert account == staff.account


def test_sms_login_stays_open_to_the_owner_at_a_locked_address(make):
    person = make.person()
    fail(person.mobile, ip=OWNER, times=5)
    services.otp_send(mobile=person.mobile, purpose="login", ip=OWNER)
    account = services.login_with_otp(mobile=person.mobile, code=sent_code(person.mobile), ip=OWNER)
    assert account == person.account


def test_the_id_number_and_the_mobile_count_against_the_same_account(make):
    person = make.person()
    fail(person.id_number, ip=ATTACKER, times=3)
    fail(person.mobile, ip=ATTACKER, times=2)
    with pytest.raises(TooManyRequests) as locked:
        services.login_with_password(
            identifier=person.id_number, password=factories.PASSWORD, ip=ATTACKER
        )
    assert locked.value.code == "login.locked"


def test_the_lock_says_how_many_minutes_are_really_left(make):
    person = make.person()
    fail(person.mobile, ip=ATTACKER, times=5)
    LoginFailure.objects.update(at=F("at") - timedelta(minutes=10))
    with pytest.raises(TooManyRequests) as locked:
        services.login_with_password(
            identifier=person.mobile, password=factories.PASSWORD, ip=ATTACKER
        )
    assert locked.value.message.startswith("此账号在您当前网络的密码错误次数过多，")
    assert "请 5 分钟后再试。" in locked.value.message


def test_failures_from_many_addresses_slow_the_account_progressively_but_never_lock_it(make):
    person = make.person()
    for n in range(10):
        fail(person.mobile, ip=f"192.0.2.{n}")
    with pytest.raises(TooManyRequests) as slowed:
        services.login_with_password(
            identifier=person.mobile, password=factories.PASSWORD, ip=OWNER
        )
    assert slowed.value.code == "login.slowed"
    assert slowed.value.message == (
        "此账号近期在多处登录失败，为防止密码被猜测，请 1 秒后再试。也可使用短信验证码登录。"
    )

    LoginFailure.objects.update(at=F("at") - timedelta(seconds=2))
    fail(person.mobile, ip="192.0.2.10")
    LoginFailure.objects.update(at=F("at") - timedelta(seconds=3))
    fail(person.mobile, ip="192.0.2.11")
    with pytest.raises(TooManyRequests) as slower:
        services.login_with_password(
            identifier=person.mobile, password=factories.PASSWORD, ip=OWNER
        )
    assert "请 4 秒后再试。" in slower.value.message  # 12 failures: 2 ** 2 seconds

    LoginFailure.objects.update(at=F("at") - timedelta(seconds=5))
    account = services.login_with_password(
        identifier=person.mobile, password=factories.PASSWORD, ip=OWNER
    )
    assert account == person.account


def test_failures_over_many_names_lock_the_address_and_say_so(make):
    for n in range(20):
        fail(f"1390000{n:04d}", ip=ATTACKER)
    person = make.person()
    with pytest.raises(TooManyRequests) as locked:
        services.login_with_password(
            identifier=person.mobile, password=factories.PASSWORD, ip=ATTACKER
        )
    assert locked.value.code == "login.address_locked"
    assert locked.value.message == (
        "您当前网络的登录失败次数过多，已暂停从这里密码登录，请 15 分钟后再试。"
        "也可使用短信验证码登录。"
    )
    assert (
        services.login_with_password(
            identifier=person.mobile, password=factories.PASSWORD, ip=OWNER
        )
        == person.account
    )


def test_a_successful_login_clears_the_accounts_failures_but_not_the_attackers_lock(make):
    person = make.person()
    fail(person.mobile, ip=ATTACKER, times=5)
    fail(person.mobile, ip=OWNER, times=4)
    services.login_with_password(identifier=person.mobile, password=factories.PASSWORD, ip=OWNER)
    fail(person.mobile, ip=OWNER, times=4)  # four more: the owner's count started over
    with pytest.raises(TooManyRequests):
        services.login_with_password(
            identifier=person.mobile, password=factories.PASSWORD, ip=ATTACKER
        )


# Item 12: code sending limits and answers --------------------------------------------------


def test_codes_sent_per_address_are_limited(settings):
    settings.TONGBAN_OTP_IP_RATE = "3/h"
    for _n in range(3):
        services.otp_send(mobile=factories.mobile(), purpose="register", ip=ATTACKER)
    with pytest.raises(TooManyRequests) as caught:
        services.otp_send(mobile=factories.mobile(), purpose="register", ip=ATTACKER)
    assert caught.value.code == "otp.rate_limited"
    assert re.fullmatch(r"获取验证码过于频繁，请 \d+ 秒后再试。", caught.value.message)
    assert Message.objects.count() == 3
    services.otp_send(mobile=factories.mobile(), purpose="register", ip=OWNER)
    assert Message.objects.count() == 4


def test_codes_sent_by_everyone_together_are_limited(settings):
    settings.TONGBAN_OTP_GLOBAL_RATE = "2/m"
    services.otp_send(mobile=factories.mobile(), purpose="register", ip="192.0.2.1")
    services.otp_send(mobile=factories.mobile(), purpose="register", ip="192.0.2.2")
    with pytest.raises(TooManyRequests) as caught:
        services.otp_send(mobile=factories.mobile(), purpose="register", ip="192.0.2.3")
    assert caught.value.code == "otp.rate_limited"
    assert Message.objects.count() == 2


def _send_login_code_page(client, mobile: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/login/sms/", {"mobile": mobile, "action": "send_code"})
    body = response.content.decode().replace(mobile, "<mobile>")
    return response.status_code, re.sub(r'value="[^"]{40,}"', 'value="<csrf>"', body), queries


def test_asking_a_login_code_answers_alike_for_registered_and_unregistered_numbers(client, make):
    person = make.person()
    unknown = factories.mobile()
    # The first code of a window creates the rate-limit counters (rows of the database cache);
    # ask once beforehand so that both measured requests only count.
    _send_login_code_page(client, factories.mobile())

    known_status, known_body, known_queries = _send_login_code_page(client, person.mobile)
    unknown_status, unknown_body, unknown_queries = _send_login_code_page(client, unknown)

    assert known_status == unknown_status == 200
    assert known_body == unknown_body
    assert "短信已发送，请查收。如该号码尚未注册，短信会提示您先注册。" in known_body
    assert "尚未注册。" not in known_body.replace("如该号码尚未注册", "")
    assert len(known_queries) == len(unknown_queries)
    assert OneTimeCode.objects.count() == 3
    to_unknown = message_to(unknown)
    assert "验证码为" not in to_unknown.body and "本号码尚未注册" in to_unknown.body
    # Asking again at once is refused alike, too.
    again_known = services_error(person.mobile)
    again_unknown = services_error(unknown)
    assert again_known == again_unknown == ("otp.too_soon", "验证码已发送，请稍后再试。")


def services_error(mobile: str) -> tuple[str, str]:
    with pytest.raises(TooManyRequests) as caught:
        services.otp_send(mobile=mobile, purpose="login", ip=OWNER)
    return caught.value.code, caught.value.message


def test_checking_a_code_for_an_unknown_number_fails_like_a_wrong_code(make):
    person = make.person()
    unknown = factories.mobile()
    for mobile in (person.mobile, unknown):
        services.otp_send(mobile=mobile, purpose="login", ip=OWNER)
    wrong = "000000" if sent_code(person.mobile) != "000000" else "111111"

    errors = []
    for mobile in (person.mobile, unknown):
        with pytest.raises(InvalidInput) as caught:
            services.login_with_otp(mobile=mobile, code=wrong, ip=OWNER)
        errors.append((caught.value.code, caught.value.message, caught.value.fields))
    assert (
        errors[0]
        == errors[1]
        == (
            "otp.wrong",
            "验证码错误，还可尝试 4 次。",
            {"code": "验证码错误，还可尝试 4 次。"},
        )
    )


def test_checking_without_a_code_sent_fails_alike_for_known_and_unknown_numbers(make):
    person = make.person()
    errors = []
    for mobile in (person.mobile, factories.mobile()):
        with pytest.raises(InvalidInput) as caught:
            services.login_with_otp(mobile=mobile, code="123456", ip=OWNER)
        errors.append((caught.value.code, caught.value.message))
    assert errors[0] == errors[1] == ("otp.missing", "请先获取短信验证码。")
