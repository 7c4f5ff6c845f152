"""Registering and logging in: the happy paths and every refusal, each with nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tongban.core.errors import Conflict, InvalidInput, NotAuthenticated, TooManyRequests
from tongban.core.models import AuditEntry
from tongban.identity import services
from tongban.identity.models import Account, OneTimeCode, Person
from tongban.notify.models import Message

pytestmark = pytest.mark.django_db
IP = "203.0.113.9"


def sent_code(mobile: str) -> str:
    body = Message.objects.order_by("-id").first().body
    assert mobile[-4:] in Message.objects.order_by("-id").first().recipient_masked
    return body.split("验证码为 ")[1][:6]


def register(mobile=None, id_number=None, name="王小二", password="Passw0rd2026", code=None):
    mobile = mobile or factories.mobile()
    id_number = id_number or factories.id_number()
    if code is None:
        services.otp_send(mobile=mobile, purpose="register", ip=IP)
        code = sent_code(mobile)
    return services.person_register(
        name=name, id_number=id_number, mobile=mobile, password=password, code=code
    )


def test_register_seals_personal_data_and_logs_it():
    person = register(id_number="11010519491231002X", name="张三")
    assert person.account.kind == "person"
    assert person.id_number == "11010519491231002X"
    assert person.id_number_masked == "1101**********002X"
    assert person.account.password.startswith("argon2id-owasp$argon2id$v=19$m=19456,t=2,p=1$")
    entry = AuditEntry.objects.get(action="identity.person.registered")
    assert entry.subject_person_id == person.pk


@pytest.mark.parametrize(
    ("id_number", "code", "fragment"),
    [
        ("11010519491231002", "id_number.length", "18"),
        ("110105194912310021", "id_number.checksum", "校验"),
        ("11010520991231002X", "id_number.birth_date", "出生日期"),
        ("11010519490230002X", "id_number.birth_date", "出生日期"),
        ("99010519491231002X", "id_number.region", ""),
    ],
)
def test_malformed_id_numbers_are_refused_and_nothing_is_saved(id_number, code, fragment):
    with pytest.raises(InvalidInput) as caught:
        register(id_number=id_number)
    assert caught.value.code == code
    assert fragment in caught.value.fields["id_number"]
    assert Person.objects.count() == 0 and Account.objects.count() == 0


def test_duplicate_registration_is_refused():
    first = register(id_number="11010519491231002X", name="张三")
    with pytest.raises(Conflict) as caught:
        register(id_number="11010519491231002X", name="张三")
    assert caught.value.code == "person.already_registered"
    assert Person.objects.count() == 1 and Person.objects.get().account == first.account


@pytest.mark.parametrize("name", ["张三", "李四"])
def test_without_a_right_code_the_form_does_not_tell_whether_an_id_number_is_registered(name):
    register(id_number="11010519491231002X", name="张三")
    mobile = factories.mobile()
    services.otp_send(mobile=mobile, purpose="register", ip=IP)
    with pytest.raises(InvalidInput) as caught:
        register(mobile=mobile, id_number="11010519491231002X", name=name, code="000000")
    assert caught.value.code == "otp.wrong"
    assert Person.objects.count() == 1 and Account.objects.count() == 1


def test_wrong_code_is_refused_and_counted():
    mobile = factories.mobile()
    services.otp_send(mobile=mobile, purpose="register", ip=IP)
    with pytest.raises(InvalidInput) as caught:
        register(mobile=mobile, code="000000" if sent_code(mobile) != "000000" else "111111")
    assert caught.value.code == "otp.wrong"
    assert caught.value.message == "验证码错误，还可尝试 4 次。"
    assert OneTimeCode.objects.get().attempts == 1
    assert Person.objects.count() == 0


def test_expired_code_is_refused():
    mobile = factories.mobile()
    services.otp_send(mobile=mobile, purpose="register", ip=IP)
    code = sent_code(mobile)
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidInput) as caught:
        register(mobile=mobile, code=code)
    assert caught.value.code == "otp.expired"
    assert Person.objects.count() == 0


def test_code_cannot_be_used_twice():
    mobile = factories.mobile()
    services.otp_send(mobile=mobile, purpose="register", ip=IP)
    code = sent_code(mobile)
    register(mobile=mobile, code=code)
    with pytest.raises(InvalidInput) as caught:
        register(mobile=factories.mobile(), code=code)
    assert caught.value.code == "otp.missing"


def test_codes_are_not_resent_within_a_minute():
    mobile = factories.mobile()
    services.otp_send(mobile=mobile, purpose="register", ip=IP)
    with pytest.raises(TooManyRequests) as caught:
        services.otp_send(mobile=mobile, purpose="register", ip=IP)
    assert caught.value.code == "otp.too_soon"
    assert Message.objects.count() == 1


def test_only_hashes_of_codes_are_stored():
    mobile = factories.mobile()
    otp = services.otp_send(mobile=mobile, purpose="register", ip=IP)
    assert sent_code(mobile) not in otp.code_hash and len(otp.code_hash) == 64


def test_weak_password_and_bad_name_and_bad_mobile():
    with pytest.raises(InvalidInput) as weak:
        register(password="abcdefgh")
    assert weak.value.code == "password.weak" and "字母和数字" in weak.value.message
    with pytest.raises(InvalidInput) as name:
        register(name="张3")
    assert name.value.code == "name.invalid"
    with pytest.raises(InvalidInput) as mobile:
        services.otp_send(mobile="12345", purpose="register", ip=IP)
    assert mobile.value.code == "mobile.format"
    assert Person.objects.count() == 0


def test_password_login_by_id_number_or_mobile(make):
    person = make.person()
    by_id = services.login_with_password(
        identifier=person.id_number, password=factories.PASSWORD, ip=IP
    )
    by_mobile = services.login_with_password(
        identifier=person.mobile, password=factories.PASSWORD, ip=IP
    )
    assert by_id == by_mobile == person.account


def test_wrong_password_does_not_say_whether_the_account_exists(make):
    person = make.person()
    with pytest.raises(NotAuthenticated) as wrong:
        services.login_with_password(identifier=person.mobile, password="nope", ip=IP)
    with pytest.raises(NotAuthenticated) as unknown:
        services.login_with_password(identifier="13999999999", password="nope", ip=IP)
    assert wrong.value.message == unknown.value.message == "账号或密码错误。"
    failed = AuditEntry.objects.filter(action="identity.login.failed")
    assert failed.count() == 2
    assert failed.filter(subject_person_id=person.pk).count() == 1


def test_staff_cannot_log_in_at_the_citizen_door_and_vice_versa(make):
    staff = make.staff(username="clerk.one")
    person = make.person()
    with pytest.raises(NotAuthenticated):
        services.login_with_password(identifier="clerk.one", password=factories.PASSWORD, ip=IP)
    with pytest.raises(NotAuthenticated):
        services.login_with_password(
            identifier=person.mobile, password=factories.PASSWORD, ip=IP, staff=True
        )
    assert (
        services.login_with_password(
            identifier="clerk.one", password=factories.PASSWORD, ip=IP, staff=True
        )
        == staff.account
    )


def test_otp_login(make):
    person = make.person()
    services.otp_send(mobile=person.mobile, purpose="login", ip=IP)
    account = services.login_with_otp(mobile=person.mobile, code=sent_code(person.mobile), ip=IP)
    assert account == person.account


def test_a_person_named_as_agent_can_register_later_with_the_same_name(make):
    entity = make.entity()
    agent_number = factories.id_number()
    services.agent_authorize(
        entity=entity,
        granted_by=entity.legal_representative,
        agent_name="赵六",
        agent_id_number=agent_number,
        scopes=["apply"],
        expires_at=timezone.now() + timedelta(days=10),
    )
    with pytest.raises(InvalidInput) as mismatch:
        register(id_number=agent_number, name="赵七")
    assert mismatch.value.code == "person.name_mismatch"
    person = register(id_number=agent_number, name="赵六")
    assert person.agent_authorizations.count() == 1


def test_at_most_ten_codes_a_day_per_number():
    mobile = factories.mobile()
    for _ in range(10):
        services.otp_send(mobile=mobile, purpose="register", ip=IP)
        OneTimeCode.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(TooManyRequests) as caught:
        services.otp_send(mobile=mobile, purpose="register", ip=IP)
    assert caught.value.code == "otp.daily_limit"
    assert Message.objects.count() == 10


def test_unknown_accounts_cost_a_password_hash_too(make, monkeypatch):
    from tongban.identity.models import Account

    hashed = []
    original = Account.set_password
    monkeypatch.setattr(
        Account, "set_password", lambda self, raw: hashed.append(raw) or original(self, raw)
    )
    with pytest.raises(NotAuthenticated):
        services.login_with_password(identifier="13911112222", password="guess", ip=IP)
    assert hashed == ["guess"]
