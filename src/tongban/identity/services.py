"""Verbs that change identity state: registering, logging in, passwords and mobiles, second
factors, agents.

Each is one transaction and writes the audit log. Errors are coded (``IdentityError`` in
``.errors``) with a specific Chinese message, and nothing is changed when one is raised. A verb
that owns its transaction opens it durable (``transaction.atomic(durable=True)``), so calling it
inside another transaction is a ``RuntimeError`` rather than a silent change of what commits
when; a verb that other contexts' services or the seed call inside theirs says so and is not.
"""

import math
import secrets
import uuid
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record, audited_atomic, audited_block
from tongban.core.crypto import lookup_hash
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, TooManyRequests
from tongban.core.ratelimit import counters_purge, rate_limit
from tongban.notify.services import message_queue

from .access import require_role
from .choices import AccountKind, AgentScope, OtpPurpose, StaffRoleName
from .errors import IdentityError
from .models import (
    Account,
    AgentAuthorization,
    Department,
    LegalEntity,
    LoginFailure,
    OneTimeCode,
    Person,
    Staff,
    StaffRole,
    TotpDevice,
)
from .selectors import entity_acting_allowed, person_by_id_number, person_by_mobile
from .validators import IdentifierError, mask_mobile, validate_id_number, validate_mobile

ID_NUMBER_PURPOSE = "identity.person.id_number"
MOBILE_PURPOSE = "identity.person.mobile"


def _invalid(exc: IdentifierError, field: str) -> InvalidInput:
    return InvalidInput(exc.code, exc.message, fields={field: exc.message})


def clean_id_number(value: str, *, field: str = "id_number") -> str:
    try:
        return validate_id_number(value)
    except IdentifierError as exc:
        raise _invalid(exc, field) from None


def clean_mobile(value: str, *, field: str = "mobile") -> str:
    try:
        return validate_mobile(value)
    except IdentifierError as exc:
        raise _invalid(exc, field) from None


def clean_name(value: str, *, field: str = "name") -> str:
    name = (value or "").strip()
    if not 2 <= len(name) <= 50 or any(c.isdigit() for c in name):
        message = _("请填写与身份证件一致的姓名（2至50个字，不含数字）。")
        raise InvalidInput(IdentityError.NAME_INVALID, message, fields={field: message})
    return name


def _check_password(password: str, account: Account | None = None) -> None:
    try:
        password_validation.validate_password(password, account)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        raise InvalidInput(
            IdentityError.PASSWORD_WEAK,
            message,
            fields={"password": message},
        ) from None


def _person_account(name: str) -> Account:
    return Account(
        username=f"person-{uuid.uuid4().hex}", kind=AccountKind.PERSON, display_name=name
    )


# One-time codes -----------------------------------------------------------------------------


def _code_hash(code: str, *, mobile: str, purpose: str) -> str:
    return lookup_hash(f"{purpose}:{mobile}:{code}", purpose="identity.otp")


def _otp_send_limits(*, ip: str) -> None:
    """Bound how many codes one client address, and everyone together, can have sent: per
    number limits alone let one script send codes to many numbers (SMS pumping)."""
    message = _("获取验证码过于频繁，请 %(n)d 秒后再试。")
    rate_limit(
        scope="identity.otp.ip",
        client=ip or "-",
        rate=settings.TONGBAN_OTP_IP_RATE,
        code=IdentityError.OTP_RATE_LIMITED,
        message=message,
    )
    rate_limit(
        scope="identity.otp.all",
        client="all",
        rate=settings.TONGBAN_OTP_GLOBAL_RATE,
        code=IdentityError.OTP_RATE_LIMITED,
        message=message,
    )


def _person_account_by_mobile(mobile: str) -> Account | None:
    """The active account whose person holds this mobile, if any."""
    person = person_by_mobile(mobile)
    account = person.account if person is not None else None
    return account if account is not None and account.is_active else None


def _otp_refusal(mobile: str, purpose: OtpPurpose) -> str | None:
    """Whether this number may get a code for this purpose: ``None`` if it may, else the SMS
    it gets instead ("" for none at all).

    A login or password-reset code goes only to a number an active account holds; a
    registration or mobile-change code only to a number no account holds yet (a person
    recorded at a counter without an account does not count: registering claims that record).
    """
    if purpose in (OtpPurpose.LOGIN, OtpPurpose.PASSWORD_RESET):
        if _person_account_by_mobile(mobile) is not None:
            return None
        if purpose == OtpPurpose.PASSWORD_RESET:
            return ""  # nobody asked this number for anything: it gets no SMS
        return _(
            "【一网通办】有人用本手机号码申请登录一网通办，但本号码尚未注册，未发送验证码。"
            "如需使用请先注册；如非本人操作，请忽略本短信。"
        )
    owner = person_by_mobile(mobile)
    if owner is None or owner.account_id is None:
        return None
    if purpose == OtpPurpose.REGISTER:
        return _(
            "【一网通办】有人用本手机号码申请注册一网通办账号，但本号码已注册，未发送验证码。"
            "如是您本人，请直接登录或找回密码；如非本人操作，请忽略本短信。"
        )
    return _(
        "【一网通办】有人申请将本手机号码绑定到另一个一网通办账号，但本号码已被账号使用，"
        "未发送验证码。如非本人操作，请忽略本短信。"
    )


@audited_atomic(durable=True)
def otp_send(*, mobile: str, purpose: str, ip: str) -> OneTimeCode:
    """Send a 6-digit code by SMS (through the outbox). One per minute and ten a day per number
    and purpose, and per-address and overall rates (``_otp_send_limits``).

    A number that may not get a code for this purpose (``_otp_refusal``: a login or reset code
    for a number no account holds, a registration or mobile-change code for a number an account
    already holds) takes the same path and gives the same answer, so the answer does not tell
    who is registered: the limits count it, a code row is stored (with a hash no code matches,
    so checking it fails as a wrong code does) and the number gets an SMS saying why no code
    was sent instead of a code (for a password reset, no SMS: nobody is registered with it)."""
    mobile = clean_mobile(mobile)
    purpose = OtpPurpose(purpose)
    mobile_hash = lookup_hash(mobile, purpose=MOBILE_PURPOSE)
    _otp_send_limits(ip=ip)
    now = timezone.now()
    recent = OneTimeCode.objects.filter(
        mobile_hash=mobile_hash,
        purpose=purpose,
        created_at__gt=now - timedelta(seconds=settings.TONGBAN_OTP_RESEND_SECONDS),
    ).exists()
    if recent:
        raise TooManyRequests(IdentityError.OTP_TOO_SOON, _("验证码已发送，请稍后再试。"))
    sent_today = OneTimeCode.objects.filter(
        mobile_hash=mobile_hash, created_at__gt=now - timedelta(days=1)
    ).count()
    if sent_today >= settings.TONGBAN_OTP_DAILY_LIMIT:
        raise TooManyRequests(
            IdentityError.OTP_DAILY_LIMIT,
            _("该手机号码今日获取验证码次数已达上限，请明天再试或使用密码登录。"),
        )
    code = f"{secrets.randbelow(10**6):06d}"
    refusal = _otp_refusal(mobile, purpose)
    otp = OneTimeCode.objects.create(
        purpose=purpose,
        mobile_hash=mobile_hash,
        code_hash=_code_hash(
            code if refusal is None else secrets.token_hex(16), mobile=mobile, purpose=purpose
        ),
        expires_at=now + timedelta(seconds=settings.TONGBAN_OTP_TTL_SECONDS),
    )
    minutes = settings.TONGBAN_OTP_TTL_SECONDS // 60
    if refusal is None:
        body = _(
            "【一网通办】您的%(purpose)s验证码为 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。"
        ) % {"purpose": purpose.label, "code": code, "minutes": minutes}
    else:
        body = refusal
    if body:
        _sms(mobile, subject=_("验证码"), body=body)
    return otp


def _sms(mobile: str, *, subject: str, body: str) -> None:
    message_queue(
        channel="sms",
        recipient=mobile,
        recipient_masked=mask_mobile(mobile),
        subject=subject,
        body=body,
    )


def otp_check(*, mobile: str, purpose: str, code: str) -> None:
    """Consume the latest code for this number and purpose, or raise a specific error.

    Runs in its own transaction, durable so that it cannot be nested in the caller's: a wrong
    attempt is counted even though the caller's action then fails. Guessing is bounded per code
    (``TONGBAN_OTP_MAX_ATTEMPTS``, then ``otp.locked`` whatever is typed) and by how many codes
    ``otp_send`` sends."""
    mobile_hash = lookup_hash(mobile, purpose=MOBILE_PURPOSE)
    with audited_block(durable=True):
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile_hash=mobile_hash, purpose=purpose, consumed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            raise _otp_error(IdentityError.OTP_MISSING, _("请先获取短信验证码。"))
        if otp.expires_at <= timezone.now():
            raise _otp_error(IdentityError.OTP_EXPIRED, _("验证码已过期，请重新获取。"))
        if otp.attempts >= settings.TONGBAN_OTP_MAX_ATTEMPTS:
            raise _otp_error(IdentityError.OTP_LOCKED, _("验证码错误次数过多，请重新获取。"))
        if not secrets.compare_digest(
            otp.code_hash, _code_hash((code or "").strip(), mobile=mobile, purpose=purpose)
        ):
            otp.attempts += 1
            otp.save(update_fields=["attempts"])
            left = settings.TONGBAN_OTP_MAX_ATTEMPTS - otp.attempts
            wrong = _otp_error(
                IdentityError.OTP_WRONG, _("验证码错误，还可尝试 %(left)s 次。") % {"left": left}
            )
        else:
            otp.consumed_at = timezone.now()
            otp.save(update_fields=["consumed_at"])
            wrong = None
    if wrong:
        raise wrong


def _otp_error(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, fields={"code": message})


# Registration -------------------------------------------------------------------------------


def person_register(*, name: str, id_number: str, mobile: str, password: str, code: str) -> Person:
    """A citizen opens an account with real name, ID number and a mobile proved by SMS code.

    A person already known (e.g. named as an agent by an enterprise) gets the account attached
    if the name matches.

    The answer does not tell whether another account holds the mobile: no code is ever sent to
    such a number (``otp_send`` texts it that someone tried), so the code check fails as any
    wrong code does, before the mobile's holder is looked at. Only someone who did receive a
    code, that is the number's owner, can reach the generic refusal after it (the number was
    taken meanwhile, or belongs to a recorded person with another ID number).

    For the same reason whether the ID number already has an account, or is recorded under
    another name, is told only after the code checks: without it, the form would answer anyone
    who types ID numbers which of them are registered, and confirm a name against each."""
    name = clean_name(name)
    id_number = clean_id_number(id_number)
    mobile = clean_mobile(mobile)
    _check_password(password)
    otp_check(mobile=mobile, purpose=OtpPurpose.REGISTER, code=code)
    existing = person_by_id_number(id_number)
    if existing is not None and existing.account_id is not None:
        raise Conflict(
            IdentityError.PERSON_ALREADY_REGISTERED,
            _("该身份证号码已注册，请直接登录；如忘记密码请使用短信验证码登录。"),
            fields={"id_number": _("该身份证号码已注册")},
        )
    if existing is not None and existing.name != name:
        message = _("姓名与身份证号码不一致。")
        raise InvalidInput(IdentityError.PERSON_NAME_MISMATCH, message, fields={"name": message})
    try:
        with audited_block(durable=True):
            owner = person_by_mobile(mobile)
            if owner is not None and owner != existing:
                raise Conflict(
                    IdentityError.REGISTRATION_REFUSED,
                    _("无法使用该手机号码注册，请核对后重试；如已有账号，请直接登录或找回密码。"),
                    fields={"mobile": _("无法使用该手机号码注册")},
                )
            account = _person_account(name)
            account.set_password(password)
            account.save()
            person = existing or Person(
                name=name,
                id_number=id_number,
                id_number_hash=lookup_hash(id_number, purpose=ID_NUMBER_PURPOSE),
            )
            person.account = account
            person.mobile = mobile
            person.mobile_hash = lookup_hash(mobile, purpose=MOBILE_PURPOSE)
            person.save()
            audit_record(
                action="identity.person.registered",
                actor=account,
                target=person,
                subject_person_id=person.pk,
            )
    except IntegrityError:
        raise Conflict(
            IdentityError.PERSON_ALREADY_REGISTERED, _("该身份证号码已注册，请直接登录。")
        ) from None
    return person


def person_ensure(
    *, name: str, id_number: str, name_field: str = "name", id_number_field: str = "id_number"
) -> Person:
    """The person with this ID number, created (without an account) if not yet known.

    Errors name the caller's own fields (an agent's form says ``agent_name``, not ``name``).
    Not durable: it is a step of other services (``agent_authorize``, seeding) and runs inside
    their transaction."""
    name = clean_name(name, field=name_field)
    id_number = clean_id_number(id_number, field=id_number_field)
    person = person_by_id_number(id_number)
    if person is None:
        person = Person.objects.create(
            name=name,
            id_number=id_number,
            id_number_hash=lookup_hash(id_number, purpose=ID_NUMBER_PURPOSE),
        )
    elif person.name != name:
        message = _("姓名与身份证号码不一致。")
        raise InvalidInput(
            IdentityError.PERSON_NAME_MISMATCH,
            message,
            fields={name_field: message},
        )
    return person


@transaction.atomic
def person_record_walk_in(*, staff: Staff, name: str, id_number: str, mobile: str = "") -> Person:
    """A counter clerk records a walk-in applicant the platform does not know yet, from the ID
    card they show: name and ID number, the mobile if they give one, and no account (audited).
    Any counter serves anyone; the person claims this record later by registering with the same
    ID number (``person_register`` attaches the new account to it).

    Not durable: the counter's case service (``cases``) calls it inside its own transaction, so
    that the record and the case it is made for are saved together or not at all."""
    require_role(staff, StaffRoleName.COUNTER_CLERK)
    name, id_number = clean_name(name), clean_id_number(id_number)
    mobile = clean_mobile(mobile) if (mobile or "").strip() else ""
    if person_by_id_number(id_number) is not None:
        message = _("该身份证号码已在平台登记，无需重复登记。")
        raise Conflict(
            IdentityError.PERSON_ALREADY_RECORDED,
            message,
            fields={"id_number": message},
        )
    if mobile and person_by_mobile(mobile) is not None:
        message = _("该手机号码已被其他人使用。")
        raise Conflict(IdentityError.PERSON_MOBILE_TAKEN, message, fields={"mobile": message})
    person = Person.objects.create(
        name=name,
        id_number=id_number,
        id_number_hash=lookup_hash(id_number, purpose=ID_NUMBER_PURPOSE),
        mobile=mobile,
        mobile_hash=lookup_hash(mobile, purpose=MOBILE_PURPOSE) if mobile else "",
    )
    audit_record(
        action="identity.person.recorded",
        actor=staff.account,
        target=person,
        subject_person_id=person.pk,
        details={"department": staff.department.code, "channel": "counter"},
    )
    return person


# Login --------------------------------------------------------------------------------------


def _failure_keys(subject: str, ip: str) -> tuple[str, str, str]:
    """Keyed hashes that failures are counted under: the account (or, for a name no account
    has, the name), that account from this client address, and the address alone."""
    source = ip or "-"
    return (
        lookup_hash(subject, purpose="identity.login.name"),
        lookup_hash(f"{subject}|{source}", purpose="identity.login.pair"),
        lookup_hash(source, purpose="identity.login.ip"),
    )


def _login_subject(identifier: str, account: Account | None) -> str:
    """What failures count against: the account, whichever of its names was typed."""
    if account is not None:
        return f"account:{account.pk}"
    return f"name:{(identifier or '').strip().upper()}"


def _minutes_left(failures, *, limit: int, window: timedelta) -> int:
    """Whole minutes until fewer than ``limit`` of these failures are inside the window."""
    times = sorted(failures.values_list("at", flat=True))
    frees_at = times[len(times) - limit] + window
    return max(1, math.ceil((frees_at - timezone.now()).total_seconds() / 60))


def _ensure_not_locked(keys: tuple[str, str, str], *, sms_offered: bool) -> None:
    """Refuse a password attempt while this account is locked from this address (its pair has
    too many failures), while this address is locked (too many failures over all names), or
    while the account cools down after failures from many addresses.

    The account as a whole is never locked: someone elsewhere failing on purpose only makes its
    owner wait a few seconds (doubling per failure, capped), and SMS login stays open."""
    account_key, pair_key, ip_key = keys
    window = timedelta(seconds=settings.TONGBAN_LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gt=timezone.now() - window)
    limit = settings.TONGBAN_LOGIN_MAX_FAILURES
    sms = _("也可使用短信验证码登录。") if sms_offered else ""
    pair = recent.filter(key=pair_key)
    if pair.count() >= limit:
        minutes = _minutes_left(pair, limit=limit, window=window)
        raise TooManyRequests(
            IdentityError.LOGIN_LOCKED,
            _(
                "此账号在您当前网络的密码错误次数过多，已暂停从这里密码登录，"
                "请 %(minutes)s 分钟后再试。"
            )
            % {"minutes": minutes}
            + sms,
        )
    source = recent.filter(key=ip_key)
    if source.count() >= settings.TONGBAN_LOGIN_MAX_FAILURES_PER_ADDRESS:
        minutes = _minutes_left(
            source, limit=settings.TONGBAN_LOGIN_MAX_FAILURES_PER_ADDRESS, window=window
        )
        raise TooManyRequests(
            IdentityError.LOGIN_ADDRESS_LOCKED,
            _("您当前网络的登录失败次数过多，已暂停从这里密码登录，请 %(minutes)s 分钟后再试。")
            % {"minutes": minutes}
            + sms,
        )
    _ensure_account_cooled_down(recent.filter(key=account_key), sms=sms)


def _ensure_account_cooled_down(failures, *, sms: str) -> None:
    over = failures.count() - settings.TONGBAN_LOGIN_ACCOUNT_SLOW_AFTER
    if over < 0:
        return
    delay = min(2**over, settings.TONGBAN_LOGIN_ACCOUNT_MAX_DELAY_SECONDS)
    last = failures.order_by("-at").values_list("at", flat=True).first()
    wait = math.ceil((last + timedelta(seconds=delay) - timezone.now()).total_seconds())
    if wait > 0:
        raise TooManyRequests(
            IdentityError.LOGIN_SLOWED,
            _("此账号近期在多处登录失败，为防止密码被猜测，请 %(seconds)s 秒后再试。")
            % {"seconds": wait}
            + sms,
        )


def _login_failed(
    *,
    keys: tuple[str, ...],
    reason: str,
    account: Account | None,
    action: str = "identity.login.failed",
) -> None:
    with transaction.atomic():
        LoginFailure.objects.bulk_create([LoginFailure(key=key) for key in keys])
        person = getattr(account, "person", None) if account else None
        audit_record(
            action=action,
            actor=account,
            subject_person_id=person.pk if person else None,
            details={"reason": reason},
        )


def _account_for_identifier(identifier: str) -> Account | None:
    value = (identifier or "").strip()
    if len(value) == 18:
        try:
            person = person_by_id_number(validate_id_number(value))
        except IdentifierError:
            person = None
        return person.account if person and person.account_id else None
    try:
        mobile = validate_mobile(value)
    except IdentifierError:
        return Account.objects.filter(username=value, kind=AccountKind.STAFF).first()
    person = person_by_mobile(mobile)
    return person.account if person and person.account_id else None


def login_with_password(*, identifier: str, password: str, ip: str, staff: bool = False) -> Account:
    """Check a password login. Citizens give an ID number or mobile, staff their login name.

    The answer never says whether the account exists. Failures lock the account from this
    client address only (see ``_ensure_not_locked``), so its owner can still log in elsewhere."""
    account = _account_for_identifier(identifier)
    expected_kind = AccountKind.STAFF if staff else AccountKind.PERSON
    if account is not None and account.kind != expected_kind:
        account = None
    keys = _failure_keys(_login_subject(identifier, account), ip)
    _ensure_not_locked(keys, sms_offered=not staff)
    if account is None:
        # Hash anyway, so that the time taken does not tell whether the account exists.
        Account().set_password(password or "")
    if account is None or not account.is_active or not account.check_password(password or ""):
        _login_failed(keys=keys, reason="password", account=account)
        raise NotAuthenticated(IdentityError.LOGIN_INVALID, _("账号或密码错误。"))
    account_key, pair_key, _ip_key = keys
    failures = LoginFailure.objects.filter(key__in=(account_key, pair_key))
    if failures.exists():  # a read; an unconditional DELETE would take SQLite's write lock
        failures.delete()
    return account


def login_with_otp(*, mobile: str, code: str, ip: str) -> Account:
    """Log in with a code sent by SMS. Not held back by password failures: guessing is bounded
    per code (``TONGBAN_OTP_MAX_ATTEMPTS``) and by how many codes are sent. An unknown number
    fails exactly as a wrong code does (its code was never sent, see ``otp_send``)."""
    mobile = clean_mobile(mobile)
    person = person_by_mobile(mobile)
    account = person.account if person and person.account_id else None
    try:
        otp_check(mobile=mobile, purpose=OtpPurpose.LOGIN, code=code)
    except InvalidInput as exc:
        _login_failed(keys=(), reason=exc.code, account=account)
        raise
    if account is None or not account.is_active:  # closed between sending and checking
        raise NotAuthenticated(IdentityError.LOGIN_INVALID, _("账号或密码错误。"))
    return account


def login_completed(*, account: Account, method: str) -> None:
    """Record a successful login (after any second factor)."""
    person = getattr(account, "person", None) if account.kind == AccountKind.PERSON else None
    audit_record(
        action="identity.login.succeeded",
        actor=account,
        subject_person_id=person.pk if person else None,
        details={"method": method},
    )


def logout_recorded(*, account: Account) -> None:
    person = getattr(account, "person", None) if account.kind == AccountKind.PERSON else None
    audit_record(
        action="identity.logout", actor=account, subject_person_id=person.pk if person else None
    )


# Password and mobile -------------------------------------------------------------------------


def _client_tokens_revoke(account: Account) -> None:
    """End the account's sessions in client systems too (its OIDC access and refresh tokens):
    its browser sessions here end by themselves when the password changes, because Django keeps
    a hash of the password in each session and drops a session whose hash no longer matches."""
    from oauth2_provider.models import get_access_token_model, get_refresh_token_model

    for token in get_refresh_token_model().objects.filter(user=account, revoked__isnull=True):
        token.revoke()
    get_access_token_model().objects.filter(user=account).delete()


def _new_password_set(account: Account, password: str, *, ip: str) -> None:
    """Set the password, end the account's other sessions and clear its login failures from
    this address (as a successful login does: a lock an attacker earned elsewhere stays)."""
    account.set_password(password)
    account.save(update_fields=["password"])
    _client_tokens_revoke(account)
    account_key, pair_key, _ip_key = _failure_keys(_login_subject("", account), ip)
    LoginFailure.objects.filter(key__in=(account_key, pair_key)).delete()


def password_reset(*, mobile: str, code: str, password: str, ip: str) -> Account:
    """A citizen who forgot the password sets a new one with a code sent to their mobile
    (``otp_send`` with ``password_reset``: sent only to a number an active account holds).

    Every session of the account ends, its login failures from here are cleared, and it is
    audited. A number no account holds fails exactly as a wrong code does. Wrong codes are
    counted per code (``otp_check``: a few tries, then a new code is needed) and audited;
    the reset is deliberately not held back by password-login failures, since someone who
    forgot their password has usually just failed at it from this very address."""
    mobile = clean_mobile(mobile)
    _check_password(password)
    account = _person_account_by_mobile(mobile)
    try:
        otp_check(mobile=mobile, purpose=OtpPurpose.PASSWORD_RESET, code=code)
    except InvalidInput as exc:
        if account is not None:
            audit_record(
                action="identity.password.reset_failed",
                actor=account,
                subject_person_id=account.person.pk,
                details={"reason": exc.code},
            )
        raise
    if account is None:  # closed between sending and checking
        message = _("验证码错误，请重新获取。")
        raise InvalidInput(IdentityError.OTP_WRONG, message, fields={"code": message})
    with audited_block(durable=True):
        _new_password_set(account, password, ip=ip)
        audit_record(
            action="identity.password.reset",
            actor=account,
            subject_person_id=account.person.pk,
            details={"channel": "sms"},
        )
    return account


def _current_password_check(account: Account, password: str, *, ip: str) -> None:
    """The signed-in person proves it is them with their current password. A wrong one counts
    as a failed password login (same keys, same locks), so a borrowed session cannot be used
    to guess the password faster than the login page allows."""
    keys = _failure_keys(_login_subject("", account), ip)
    _ensure_not_locked(keys, sms_offered=False)
    if not account.check_password(password or ""):
        _login_failed(
            keys=keys,
            reason="current_password",
            account=account,
            action="identity.password.check_failed",
        )
        message = _("当前密码不正确。")
        raise InvalidInput(
            IdentityError.PASSWORD_WRONG, message, fields={"current_password": message}
        )


def password_change(*, account: Account, current_password: str, password: str, ip: str) -> None:
    """A signed-in person changes their password. Their other sessions end (the view keeps
    the current one with ``update_session_auth_hash``); audited."""
    _current_password_check(account, current_password, ip=ip)
    if account.check_password(password or ""):
        message = _("新密码不能与当前密码相同。")
        raise InvalidInput(IdentityError.PASSWORD_UNCHANGED, message, fields={"password": message})
    _check_password(password)
    with audited_block(durable=True):
        _new_password_set(account, password, ip=ip)
        audit_record(
            action="identity.password.changed",
            actor=account,
            subject_person_id=account.person.pk,
        )


def _new_mobile(account: Account, mobile: str) -> str:
    mobile = clean_mobile(mobile)
    if account.person.mobile == mobile:
        message = _("新手机号码与当前手机号码相同。")
        raise InvalidInput(IdentityError.MOBILE_UNCHANGED, message, fields={"mobile": message})
    return mobile


def mobile_change_code_send(*, account: Account, mobile: str, ip: str) -> OneTimeCode:
    """Send the code that proves the person receives SMS on the new number (``otp_send``: a
    number another account holds gets a notice instead, and the answer is the same)."""
    return otp_send(mobile=_new_mobile(account, mobile), purpose=OtpPurpose.MOBILE_CHANGE, ip=ip)


def mobile_change(
    *, account: Account, current_password: str, mobile: str, code: str, ip: str
) -> Person:
    """A signed-in person moves their account to a new mobile: re-verified with the current
    password and with a code sent to the new number. The old number is told by SMS.

    Whether another account holds the new number is not said before the code is checked: such
    a number never gets a code (``otp_send``), so asking fails as a wrong code does. After a
    good code the refusal says plainly "已被其他账号使用", because only someone who receives
    SMS on that number, its owner, can get there (the number was taken in the meantime)."""
    person = account.person
    mobile = _new_mobile(account, mobile)
    _current_password_check(account, current_password, ip=ip)
    otp_check(mobile=mobile, purpose=OtpPurpose.MOBILE_CHANGE, code=code)
    with audited_block(durable=True):
        person = Person.objects.select_for_update().get(pk=person.pk)
        owner = person_by_mobile(mobile)
        if owner is not None and owner.pk != person.pk:
            message = _("该手机号码已被其他账号使用。")
            raise Conflict(IdentityError.PERSON_MOBILE_TAKEN, message, fields={"mobile": message})
        old = person.mobile
        person.mobile = mobile
        person.mobile_hash = lookup_hash(mobile, purpose=MOBILE_PURPOSE)
        person.save(update_fields=["mobile", "mobile_hash"])
        audit_record(
            action="identity.mobile.changed",
            actor=account,
            target=person,
            subject_person_id=person.pk,
            details={"old": mask_mobile(old), "new": mask_mobile(mobile)},
        )
        if old:
            _sms(
                old,
                subject=_("手机号码变更"),
                body=_(
                    "【一网通办】您的一网通办账号绑定的手机号码已更换为 %(new)s，本号码不再用于"
                    "登录和接收验证码。如非本人操作，请立即致电 12345 或到窗口办理。"
                )
                % {"new": mask_mobile(mobile)},
            )
    return person


# Housekeeping -------------------------------------------------------------------------------


@audited_atomic(durable=True)
def identity_throttle_purge(*, now: datetime | None = None) -> int:
    """Delete login failures that no longer count (older than the lock-out window), one-time
    codes older than ``TONGBAN_OTP_RETENTION_DAYS`` (at least a day: the daily limit per number
    counts the last day's codes) and rate-limit counters whose window has ended
    (``core.ratelimit``). Idempotent; one audit entry sums up a run that deleted rows. Returns
    how many rows went."""
    now = now or timezone.now()
    window = timedelta(seconds=settings.TONGBAN_LOGIN_FAILURE_WINDOW_SECONDS)
    retention = timedelta(days=max(settings.TONGBAN_OTP_RETENTION_DAYS, 1))
    failures, _by_model = LoginFailure.objects.filter(at__lte=now - window).delete()
    codes, _by_model = OneTimeCode.objects.filter(created_at__lt=now - retention).delete()
    counters = counters_purge(now=now)
    if failures or codes or counters:
        audit_record(
            action="identity.throttle.purged",
            details={
                "login_failures": failures,
                "one_time_codes": codes,
                "rate_counters": counters,
            },
        )
    return failures + codes + counters


# TOTP second factor -------------------------------------------------------------------------


@audited_atomic(durable=True)
def totp_begin(*, account: Account) -> TotpDevice:
    """Start (or restart) enrolment: a new secret, unconfirmed until a code from it is given."""
    device, _created = TotpDevice.objects.select_for_update().get_or_create(
        account=account, defaults={"secret": pyotp.random_base32()}
    )
    if device.confirmed_at is not None:
        raise Conflict(IdentityError.TOTP_ALREADY_ENABLED, _("已启用动态口令，如需更换请先停用。"))
    device.secret = pyotp.random_base32()
    device.save(update_fields=["secret"])
    return device


def totp_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.account.display_name, issuer_name="一网通办"
    )


def _totp_step_matching(device: TotpDevice, code: str) -> int | None:
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    for drift in (-1, 0, 1):
        at = now + timedelta(seconds=30 * drift)
        if secrets.compare_digest(totp.at(at), (code or "").strip()):
            return totp.timecode(at)
    return None


@audited_atomic(durable=True)
def totp_confirm(*, account: Account, code: str) -> TotpDevice:
    device = TotpDevice.objects.select_for_update().filter(account=account).first()
    if device is None or device.confirmed_at is not None:
        raise Conflict(IdentityError.TOTP_NOT_ENROLLING, _("请先开始绑定动态口令。"))
    step = _totp_step_matching(device, code)
    if step is None:
        message = _("动态口令不正确，请核对手机时间后重试。")
        raise InvalidInput(IdentityError.TOTP_WRONG, message, fields={"code": message})
    device.confirmed_at, device.last_used_step = timezone.now(), step
    device.save(update_fields=["confirmed_at", "last_used_step"])
    person = getattr(account, "person", None)
    audit_record(
        action="identity.totp.enabled",
        actor=account,
        subject_person_id=person.pk if person else None,
    )
    return device


def totp_required(account: Account) -> bool:
    return TotpDevice.objects.filter(account=account, confirmed_at__isnull=False).exists()


def totp_verify(*, account: Account, code: str, ip: str) -> None:
    """Second step of a login. A code is good once (no replay within its 30-second step)."""
    with audited_block(durable=True):
        device = TotpDevice.objects.select_for_update().get(account=account)
        step = _totp_step_matching(device, code)
        if step is not None and (device.last_used_step is None or step > device.last_used_step):
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            return
    keys = _failure_keys(_login_subject("", account), ip)
    _login_failed(keys=keys, reason="totp", account=account)
    message = _("动态口令不正确或已使用。")
    raise InvalidInput(IdentityError.TOTP_WRONG, message, fields={"code": message})


# Agents (经办人) ----------------------------------------------------------------------------


def agent_authorize(
    *,
    entity: LegalEntity,
    granted_by: Person,
    agent_name: str,
    agent_id_number: str,
    scopes: list[str],
    expires_at: datetime,
) -> AgentAuthorization:
    """The legal representative lets a person act for the enterprise.

    Not durable: the demo seed authorizes its agents inside its own transaction."""
    if entity.legal_representative_id != granted_by.pk:
        raise Forbidden(
            IdentityError.AGENT_NOT_REPRESENTATIVE, _("只有企业的法定代表人可以授权经办人。")
        )
    scopes = sorted(set(scopes or []))
    if not scopes or any(s not in AgentScope.values for s in scopes):
        message = _("请至少选择一项授权范围。")
        raise InvalidInput(IdentityError.AGENT_SCOPES, message, fields={"scopes": message})
    now = timezone.now()
    if expires_at <= now:
        message = _("授权截止时间必须晚于现在。")
        raise InvalidInput(IdentityError.AGENT_EXPIRY_PAST, message, fields={"expires_at": message})
    if expires_at > now + timedelta(days=366 * 3):
        message = _("授权期限最长三年。")
        raise InvalidInput(
            IdentityError.AGENT_EXPIRY_TOO_FAR,
            message,
            fields={"expires_at": message},
        )
    with transaction.atomic():
        agent = person_ensure(
            name=agent_name,
            id_number=agent_id_number,
            name_field="agent_name",
            id_number_field="agent_id_number",
        )
        if agent.pk == granted_by.pk:
            message = _("法定代表人本人无需授权。")
            raise InvalidInput(
                IdentityError.AGENT_SELF,
                message,
                fields={"agent_id_number": message},
            )
        live = AgentAuthorization.objects.select_for_update().filter(
            entity=entity, agent=agent, revoked_at__isnull=True, expires_at__gt=now
        )
        if live.exists():
            raise Conflict(
                IdentityError.AGENT_ALREADY_AUTHORIZED,
                _("%(name)s 已是本企业的经办人，如需变更请先撤销原授权。") % {"name": agent.name},
            )
        # An expired authorization is closed before the new one, keeping one live row at most.
        AgentAuthorization.objects.filter(
            entity=entity, agent=agent, revoked_at__isnull=True
        ).update(revoked_at=now, revoked_by=granted_by)
        authorization = AgentAuthorization.objects.create(
            entity=entity,
            agent=agent,
            scopes=scopes,
            granted_by=granted_by,
            granted_at=now,
            expires_at=expires_at,
        )
        details = {
            "entity": entity.uscc,
            "scopes": ",".join(scopes),
            "expires_at": expires_at.isoformat(),
        }
        actor = granted_by.account
        audit_record(
            action="identity.agent.authorized",
            actor=actor,
            target=authorization,
            subject_person_id=agent.pk,
            details=details,
        )
        audit_record(
            action="identity.agent.authorized",
            actor=actor,
            target=authorization,
            subject_person_id=granted_by.pk,
            details=details,
        )
    return authorization


@audited_atomic(durable=True)
def agent_revoke(*, authorization_id: int, revoked_by: Person) -> AgentAuthorization:
    authorization = (
        AgentAuthorization.objects.select_for_update()
        .select_related("entity", "agent")
        .filter(pk=authorization_id)
        .first()
    )
    if authorization is None or authorization.entity.legal_representative_id != revoked_by.pk:
        raise Forbidden(
            IdentityError.AGENT_NOT_REPRESENTATIVE, _("只有企业的法定代表人可以撤销授权。")
        )
    if authorization.revoked_at is not None:
        raise Conflict(IdentityError.AGENT_ALREADY_REVOKED, _("该授权已撤销。"))
    authorization.revoked_at, authorization.revoked_by = timezone.now(), revoked_by
    authorization.save(update_fields=["revoked_at", "revoked_by"])
    Account.objects.filter(person=authorization.agent, acting_entity=authorization.entity).update(
        acting_entity=None
    )
    details = {"entity": authorization.entity.uscc}
    for subject in (authorization.agent_id, revoked_by.pk):
        audit_record(
            action="identity.agent.revoked",
            actor=revoked_by.account,
            target=authorization,
            subject_person_id=subject,
            details=details,
        )
    return authorization


@transaction.atomic
def acting_entity_choose(*, account: Account, entity: LegalEntity | None) -> None:
    """Act for an enterprise (or, with None, for oneself again).

    Not durable: the demo's case seed switches identities inside its own transaction."""
    person = account.person
    if entity is not None and not entity_acting_allowed(person=person, entity=entity):
        raise Forbidden(
            IdentityError.AGENT_NOT_AUTHORIZED,
            _("您没有代办“%(name)s”的有效授权。") % {"name": entity.name},
        )
    account.acting_entity = entity
    account.save(update_fields=["acting_entity"])
    audit_record(
        action="identity.acting.chosen",
        actor=account,
        subject_person_id=person.pk,
        details={"entity": entity.uscc if entity else ""},
    )


# Staff --------------------------------------------------------------------------------------


@transaction.atomic
def staff_create(
    *,
    username: str,
    display_name: str,
    password: str,
    department: Department,
    roles: list[str],
) -> Staff:
    """A staff account. Platform admins also get the Django admin site (client systems, users):
    saving the account with its flags derives them from the roles (``identity.signals``).

    Not durable: the demo seed creates staff inside its own transaction."""
    if Account.objects.filter(username=username).exists():
        raise Conflict(
            IdentityError.STAFF_USERNAME_TAKEN,
            _("登录名已被使用。"),
            fields={"username": _("登录名已被使用。")},
        )
    account = Account(username=username, kind=AccountKind.STAFF, display_name=display_name)
    _check_password(password, account)
    account.set_password(password)
    account.save()
    staff = Staff.objects.create(account=account, department=department)
    StaffRole.objects.bulk_create([StaffRole(staff=staff, role=r) for r in sorted(set(roles))])
    account.save(update_fields=["is_staff", "is_superuser"])  # bulk_create sends no signals
    audit_record(
        action="identity.staff.created",
        target=staff,
        details={"department": department.code, "roles": ",".join(sorted(roles))},
    )
    return staff


@transaction.atomic
def person_enroll(*, name: str, id_number: str, mobile: str, password: str) -> Person:
    """Open an account for a person whose identity and mobile were checked by a trusted party
    (seeding, a counter clerk with the person present) rather than by SMS code.

    Not durable: the demo seed runs it inside the one transaction that seeds everybody."""
    name, id_number, mobile = clean_name(name), clean_id_number(id_number), clean_mobile(mobile)
    if person_by_id_number(id_number) is not None:
        raise Conflict(IdentityError.PERSON_ALREADY_REGISTERED, _("该身份证号码已注册。"))
    account = _person_account(name)
    _check_password(password, account)
    account.set_password(password)
    account.save()
    person = Person.objects.create(
        account=account,
        name=name,
        id_number=id_number,
        id_number_hash=lookup_hash(id_number, purpose=ID_NUMBER_PURPOSE),
        mobile=mobile,
        mobile_hash=lookup_hash(mobile, purpose=MOBILE_PURPOSE),
    )
    audit_record(
        action="identity.person.registered",
        target=person,
        subject_person_id=person.pk,
        details={"channel": "enrolled"},
    )
    return person


@transaction.atomic
def regions_departments_load(*, regions: list[dict], departments: list[dict]) -> tuple[int, int]:
    """Create or update regions and departments from reference data (parents before children).

    Not durable: seeding calls it as one step of its own transaction."""
    from .models import Region
    from .validators import validate_uscc

    by_code: dict[str, Region] = {}
    for row in regions:
        region, _created = Region.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent": by_code.get(row["parent"]) if row["parent"] else None,
            },
        )
        by_code[region.code] = region
    depts: dict[str, Department] = {}
    for row in departments:
        uscc = validate_uscc(row["uscc"]) if row.get("uscc") else None
        department, _created = Department.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "short_name": row.get("short_name", ""),
                "kind": row["kind"],
                "region": by_code[row["region"]],
                "uscc": uscc,
                "parent": depts.get(row["parent"]) if row.get("parent") else None,
            },
        )
        depts[department.code] = department
    return len(by_code), len(depts)


@transaction.atomic
def entity_register(
    *, uscc: str, name: str, kind: str, legal_representative: Person, region=None
) -> LegalEntity:
    """Record a legal entity from the legal-entities base registry. One insert, run inside the
    seed's transaction, so it opens none of its own."""
    from .validators import validate_uscc

    try:
        uscc = validate_uscc(uscc)
    except IdentifierError as exc:
        raise _invalid(exc, "uscc") from None
    if LegalEntity.objects.filter(uscc=uscc).exists():
        raise Conflict(
            IdentityError.ENTITY_EXISTS,
            _("该统一社会信用代码已登记。"),
            fields={"uscc": _("已登记")},
        )
    return LegalEntity.objects.create(
        uscc=uscc, name=name, kind=kind, legal_representative=legal_representative, region=region
    )
