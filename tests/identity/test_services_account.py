"""What a citizen does with their own account: forgot password, change password, change mobile,
and a registration that does not tell who holds a mobile. Every refusal changes nothing."""

import pytest
from django.db import transaction
from django.utils import translation

from tests import factories
from tongban.core.errors import Conflict, InvalidInput, NotAuthenticated, TooManyRequests
from tongban.core.models import AuditEntry
from tongban.identity import services
from tongban.identity.errors import IdentityError
from tongban.identity.models import Account, LoginFailure, OneTimeCode, Person
from tongban.identity.validators import IdentifierError, mask_mobile, validate_mobile
from tongban.notify.models import Message

pytestmark = pytest.mark.django_db
IP = "203.0.113.9"
ATTACKER = "198.51.100.66"
NEW_PASSWORD = "Xinmima2026"


def messages_to(mobile: str) -> list[Message]:
    """SMS to this number, newest first (recipients are sealed: compared after reading)."""
    return [m for m in Message.objects.order_by("-id") if m.recipient == mobile]


def sent_code(mobile: str) -> str:
    return messages_to(mobile)[0].body.split("验证码为 ")[1][:6]


def wrong_code(mobile: str) -> str:
    return "000000" if sent_code(mobile) != "000000" else "111111"


def actions(person: Person) -> list[str]:
    return list(
        AuditEntry.objects.filter(subject_person_id=person.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def refused(exc_type, call, **kwargs) -> tuple[str, str, dict]:
    with pytest.raises(exc_type) as caught:
        call(**kwargs)
    return caught.value.code, caught.value.message, caught.value.fields


# 1. Forgot password ----------------------------------------------------------------------------


def test_forgot_password_sets_a_new_one_clears_failures_and_is_logged(make):
    person = make.person()
    for _attempt in range(3):
        refused(
            NotAuthenticated,
            services.login_with_password,
            identifier=person.mobile,
            password="Wrong2026pass",
            ip=IP,
        )
    assert LoginFailure.objects.count() == 9
    services.otp_send(mobile=person.mobile, purpose="password_reset", ip=IP)
    assert messages_to(person.mobile)[0].body.startswith("【一网通办】您的找回密码验证码为 ")

    account = services.password_reset(
        mobile=person.mobile, code=sent_code(person.mobile), password=NEW_PASSWORD, ip=IP
    )

    account.refresh_from_db()
    assert account == person.account
    assert account.check_password(NEW_PASSWORD) and not account.check_password(factories.PASSWORD)
    # the account's and this address's pair are cleared; the address's own count stays
    assert LoginFailure.objects.count() == 3
    assert actions(person)[-1] == "identity.password.reset"
    assert services.login_with_password(identifier=person.mobile, password=NEW_PASSWORD, ip=IP)


def test_forgot_password_answers_alike_for_an_unknown_number_and_sends_it_nothing(make):
    person = make.person()
    unknown = factories.mobile()
    for mobile in (person.mobile, unknown):
        assert isinstance(
            services.otp_send(mobile=mobile, purpose="password_reset", ip=IP), OneTimeCode
        )
    assert OneTimeCode.objects.filter(purpose="password_reset").count() == 2
    assert messages_to(unknown) == []
    wrong = wrong_code(person.mobile)

    answers = [
        refused(
            InvalidInput,
            services.password_reset,
            mobile=mobile,
            code=wrong,
            password=NEW_PASSWORD,
            ip=IP,
        )
        for mobile in (person.mobile, unknown)
    ]
    assert (
        answers[0]
        == answers[1]
        == ("otp.wrong", "验证码错误，还可尝试 4 次。", {"code": "验证码错误，还可尝试 4 次。"})
    )
    assert person.account.check_password(factories.PASSWORD)
    assert actions(person)[-1] == "identity.password.reset_failed"


def test_forgot_password_locks_the_code_after_five_wrong_tries(make):
    person = make.person()
    services.otp_send(mobile=person.mobile, purpose="password_reset", ip=IP)
    good, wrong = sent_code(person.mobile), wrong_code(person.mobile)
    for left in (4, 3, 2, 1, 0):
        code, message, _fields = refused(
            InvalidInput,
            services.password_reset,
            mobile=person.mobile,
            code=wrong,
            password=NEW_PASSWORD,
            ip=ATTACKER,
        )
        assert (code, message) == ("otp.wrong", f"验证码错误，还可尝试 {left} 次。")
    assert refused(
        InvalidInput,
        services.password_reset,
        mobile=person.mobile,
        code=good,
        password=NEW_PASSWORD,
        ip=ATTACKER,
    )[:2] == ("otp.locked", "验证码错误次数过多，请重新获取。")
    person.account.refresh_from_db()
    assert person.account.check_password(factories.PASSWORD)
    assert actions(person).count("identity.password.reset_failed") == 6


def test_forgot_password_with_a_weak_password_keeps_the_code(make):
    person = make.person()
    services.otp_send(mobile=person.mobile, purpose="password_reset", ip=IP)
    code, _message, fields = refused(
        InvalidInput,
        services.password_reset,
        mobile=person.mobile,
        code=sent_code(person.mobile),
        password="qwzmxnbvlkj",
        ip=IP,
    )
    assert code == "password.weak"
    assert fields == {"password": "密码须同时包含字母和数字。"}
    assert OneTimeCode.objects.get().consumed_at is None
    services.password_reset(
        mobile=person.mobile, code=sent_code(person.mobile), password=NEW_PASSWORD, ip=IP
    )


def test_forgot_password_is_not_held_back_by_password_failures_from_here(make):
    person = make.person()
    for _attempt in range(5):
        refused(
            NotAuthenticated,
            services.login_with_password,
            identifier=person.mobile,
            password="Wrong2026pass",
            ip=IP,
        )
    assert refused(
        TooManyRequests,
        services.login_with_password,
        identifier=person.mobile,
        password=factories.PASSWORD,
        ip=IP,
    )[0] == ("login.locked")
    services.otp_send(mobile=person.mobile, purpose="password_reset", ip=IP)
    services.password_reset(
        mobile=person.mobile, code=sent_code(person.mobile), password=NEW_PASSWORD, ip=IP
    )
    assert services.login_with_password(identifier=person.mobile, password=NEW_PASSWORD, ip=IP)


# 2. Change password ----------------------------------------------------------------------------


def test_change_password_with_the_current_one_is_logged(make):
    person = make.person()
    services.password_change(
        account=person.account,
        current_password=factories.PASSWORD,
        password=NEW_PASSWORD,
        ip=IP,
    )
    account = Account.objects.get(pk=person.account.pk)
    assert account.check_password(NEW_PASSWORD)
    assert actions(person)[-1] == "identity.password.changed"


def test_a_wrong_current_password_counts_as_a_failed_login_and_locks_like_one(make):
    person = make.person()
    for _attempt in range(5):
        assert refused(
            InvalidInput,
            services.password_change,
            account=person.account,
            current_password="Wrong2026pass",
            password=NEW_PASSWORD,
            ip=ATTACKER,
        ) == ("password.wrong", "当前密码不正确。", {"current_password": "当前密码不正确。"})
    assert LoginFailure.objects.count() == 15
    locked = "此账号在您当前网络的密码错误次数过多，已暂停从这里密码登录，请 15 分钟后再试。"
    assert refused(
        TooManyRequests,
        services.password_change,
        account=person.account,
        current_password=factories.PASSWORD,
        password=NEW_PASSWORD,
        ip=ATTACKER,
    )[:2] == ("login.locked", locked)
    assert refused(
        TooManyRequests,
        services.login_with_password,
        identifier=person.mobile,
        password=factories.PASSWORD,
        ip=ATTACKER,
    )[:2] == ("login.locked", locked + "也可使用短信验证码登录。")
    person.account.refresh_from_db()
    assert person.account.check_password(factories.PASSWORD)
    assert actions(person).count("identity.password.check_failed") == 5


@pytest.mark.parametrize(
    ("password", "code", "message"),
    [
        (factories.PASSWORD, "password.unchanged", "新密码不能与当前密码相同。"),
        (
            "12345678",
            "password.weak",
            "这个密码太常见了。 密码只包含数字。 密码须同时包含字母和数字。",
        ),
    ],
)
def test_change_password_refuses_the_same_or_a_weak_one(make, password, code, message):
    person = make.person()
    assert refused(
        InvalidInput,
        services.password_change,
        account=person.account,
        current_password=factories.PASSWORD,
        password=password,
        ip=IP,
    ) == (code, message, {"password": message})
    person.account.refresh_from_db()
    assert person.account.check_password(factories.PASSWORD)
    assert "identity.password.changed" not in actions(person)


# 3. Change mobile ------------------------------------------------------------------------------


def test_change_mobile_with_password_and_a_code_to_the_new_number(make):
    person = make.person()
    old, new = person.mobile, factories.mobile()
    services.mobile_change_code_send(account=person.account, mobile=new, ip=IP)
    assert messages_to(new)[0].body.startswith("【一网通办】您的更换手机号码验证码为 ")

    services.mobile_change(
        account=person.account,
        current_password=factories.PASSWORD,
        mobile=new,
        code=sent_code(new),
        ip=IP,
    )

    person.refresh_from_db()
    assert person.mobile == new
    assert services.login_with_password(identifier=new, password=factories.PASSWORD, ip=IP)
    assert refused(
        NotAuthenticated,
        services.login_with_password,
        identifier=old,
        password=factories.PASSWORD,
        ip=IP,
    )[0] == ("login.invalid")
    notice = messages_to(old)[0]
    assert notice.body == (
        f"【一网通办】您的一网通办账号绑定的手机号码已更换为 {mask_mobile(new)}，本号码不再用于"
        "登录和接收验证码。如非本人操作，请立即致电 12345 或到窗口办理。"
    )
    entry = AuditEntry.objects.get(action="identity.mobile.changed")
    assert entry.subject_person_id == person.pk
    assert entry.details == {"old": mask_mobile(old), "new": mask_mobile(new)}


def test_a_number_another_account_holds_gets_a_notice_not_a_code_and_the_change_fails(make):
    person, other = make.person(), make.person(name="李四")
    free = factories.mobile()
    for mobile in (other.mobile, free):
        assert isinstance(
            services.mobile_change_code_send(account=person.account, mobile=mobile, ip=IP),
            OneTimeCode,
        )
    notice = messages_to(other.mobile)[0]
    assert "验证码为" not in notice.body
    assert "本号码已被账号使用" in notice.body
    wrong = wrong_code(free)
    answers = [
        refused(
            InvalidInput,
            services.mobile_change,
            account=person.account,
            current_password=factories.PASSWORD,
            mobile=mobile,
            code=wrong,
            ip=IP,
        )
        for mobile in (other.mobile, free)
    ]
    assert answers[0] == answers[1]
    assert answers[0][:2] == ("otp.wrong", "验证码错误，还可尝试 4 次。")
    person.refresh_from_db()
    other.refresh_from_db()
    assert person.mobile != other.mobile and person.mobile != free


def test_a_number_taken_after_its_code_was_sent_is_refused_plainly(make):
    person = make.person()
    new = factories.mobile()
    services.mobile_change_code_send(account=person.account, mobile=new, ip=IP)
    code = sent_code(new)
    make.person(name="李四", mobile=new)
    assert refused(
        Conflict,
        services.mobile_change,
        account=person.account,
        current_password=factories.PASSWORD,
        mobile=new,
        code=code,
        ip=IP,
    ) == (
        "person.mobile_taken",
        "该手机号码已被其他账号使用。",
        {"mobile": "该手机号码已被其他账号使用。"},
    )
    person.refresh_from_db()
    assert person.mobile != new
    assert not AuditEntry.objects.filter(action="identity.mobile.changed").exists()


def test_change_mobile_refuses_a_wrong_password_before_using_the_code(make):
    person = make.person()
    new = factories.mobile()
    services.mobile_change_code_send(account=person.account, mobile=new, ip=IP)
    assert refused(
        InvalidInput,
        services.mobile_change,
        account=person.account,
        current_password="Wrong2026pass",
        mobile=new,
        code=sent_code(new),
        ip=IP,
    )[:2] == ("password.wrong", "当前密码不正确。")
    assert OneTimeCode.objects.get().consumed_at is None
    person.refresh_from_db()
    assert person.mobile != new


@pytest.mark.parametrize(
    ("mobile", "code", "message"),
    [
        (None, "mobile.unchanged", "新手机号码与当前手机号码相同。"),
        ("1381234567", "mobile.format", "手机号码应为 11 位数字，实为 10 位"),
    ],
)
def test_change_mobile_refuses_the_same_or_a_malformed_number(make, mobile, code, message):
    person = make.person()
    for call, extra in (
        (services.mobile_change_code_send, {}),
        (services.mobile_change, {"current_password": factories.PASSWORD, "code": "123456"}),
    ):
        assert refused(
            InvalidInput,
            call,
            account=person.account,
            mobile=mobile or person.mobile,
            ip=IP,
            **extra,
        ) == (code, message, {"mobile": message})
    assert OneTimeCode.objects.count() == 0 and Message.objects.count() == 0


# 5. Registration does not tell who holds a mobile ----------------------------------------------


def test_registering_a_taken_mobile_looks_the_same_as_a_free_one(make):
    holder = make.person()
    free = factories.mobile()
    for mobile in (holder.mobile, free):
        assert isinstance(services.otp_send(mobile=mobile, purpose="register", ip=IP), OneTimeCode)
    notice = messages_to(holder.mobile)[0]
    assert notice.body == (
        "【一网通办】有人用本手机号码申请注册一网通办账号，但本号码已注册，未发送验证码。"
        "如是您本人，请直接登录或找回密码；如非本人操作，请忽略本短信。"
    )
    wrong = wrong_code(free)
    answers = [
        refused(
            InvalidInput,
            services.person_register,
            name="王小二",
            id_number=factories.id_number(),
            mobile=mobile,
            password=NEW_PASSWORD,
            code=wrong,
        )
        for mobile in (holder.mobile, free)
    ]
    assert (
        answers[0]
        == answers[1]
        == ("otp.wrong", "验证码错误，还可尝试 4 次。", {"code": "验证码错误，还可尝试 4 次。"})
    )
    assert Person.objects.count() == 1


def test_a_mobile_of_a_person_recorded_with_another_id_number_is_refused_generically(make):
    clerk = make.staff(roles=["counter_clerk"])
    mobile = factories.mobile()
    services.person_record_walk_in(
        staff=clerk, name="赵六", id_number=factories.id_number(), mobile=mobile
    )
    services.otp_send(mobile=mobile, purpose="register", ip=IP)
    message = "无法使用该手机号码注册，请核对后重试；如已有账号，请直接登录或找回密码。"
    assert refused(
        Conflict,
        services.person_register,
        name="王小二",
        id_number=factories.id_number(),
        mobile=mobile,
        password=NEW_PASSWORD,
        code=sent_code(mobile),
    ) == ("registration.refused", message, {"mobile": "无法使用该手机号码注册"})
    assert Account.objects.filter(kind="person").count() == 0


# 6. Patterns -----------------------------------------------------------------------------------


def test_error_codes_are_members_of_the_enum_and_equal_their_strings(make):
    person = make.person()
    with pytest.raises(InvalidInput) as caught:
        services.password_change(
            account=person.account, current_password="x", password=NEW_PASSWORD, ip=IP
        )
    assert caught.value.code is IdentityError.PASSWORD_WRONG
    assert caught.value.code == "password.wrong"
    assert caught.value.as_dict()["code"] == "password.wrong"


def test_validator_messages_are_english_on_the_english_site():
    with translation.override("en"), pytest.raises(IdentifierError) as caught:
        validate_mobile("1381234567")
    assert caught.value.code == "mobile.format"
    assert caught.value.message == "A mobile number has 11 digits; this one has 10"


@pytest.mark.django_db(transaction=True)
def test_top_level_services_refuse_to_run_inside_another_transaction():
    mobile = factories.mobile()
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.person_register(
            name="王小二",
            id_number=factories.id_number(),
            mobile=mobile,
            password=NEW_PASSWORD,
            code="123456",
        )
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.otp_send(mobile=mobile, purpose="register", ip=IP)
    assert OneTimeCode.objects.count() == 0 and Person.objects.count() == 0
