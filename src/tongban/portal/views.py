from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.core.errors import DomainError, Forbidden
from tongban.core.web import form_add_domain_error, form_status
from tongban.exchange import selectors as exchange_selectors
from tongban.identity import selectors, services, sessions
from tongban.identity.choices import AccountKind, OtpPurpose
from tongban.identity.errors import IdentityError
from tongban.licences import selectors as licence_selectors
from tongban.notify.selectors import messages_recent

from .forms import (
    AgentAuthorizeForm,
    MobileChangeForm,
    OtpLoginForm,
    PasswordChangeForm,
    PasswordForgotForm,
    PasswordLoginForm,
    RegisterForm,
    TotpForm,
)


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def home(request):
    return render(request, "portal/home.html")


def _send_code(request, form, *, purpose: str) -> DomainError | None:
    """The "获取验证码" button of a form: only the mobile number matters for it. The words are
    the same whether or not an account holds the number (``services.otp_send``)."""
    form.errors.clear()
    mobile, ip = request.POST.get("mobile", ""), client_ip(request)
    try:
        if purpose == OtpPurpose.MOBILE_CHANGE:
            services.mobile_change_code_send(account=request.user, mobile=mobile, ip=ip)
        else:
            services.otp_send(mobile=mobile, purpose=purpose, ip=ip)
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return exc
    sent = {
        OtpPurpose.LOGIN: _("短信已发送，请查收。如该号码尚未注册，短信会提示您先注册。"),
        OtpPurpose.PASSWORD_RESET: _("若该手机号已注册，验证码已发送。"),
        OtpPurpose.MOBILE_CHANGE: _("短信已发送至新手机号码，请查收。"),
        OtpPurpose.REGISTER: _("短信已发送，请查收。如该号码已注册，短信会提示您直接登录。"),
    }
    messages.success(request, sent[purpose])
    return None


@dataclass
class _Posted:
    done: bool = False
    result: object = None
    error: DomainError | None = None


def _code_form_post(request, form, *, purpose: str, submit) -> _Posted:
    """The POST of a page whose form asks for an SMS code: 获取验证码 sends one for ``purpose``;
    the main button calls ``submit(cleaned_data)`` (a service). A refusal lands on the form."""
    if request.method != "POST":
        return _Posted()
    if request.POST.get("action") == "send_code":
        form.is_valid()
        return _Posted(error=_send_code(request, form, purpose=purpose))
    if not form.is_valid():
        return _Posted()
    try:
        return _Posted(done=True, result=submit(form.cleaned_data))
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _Posted(error=exc)


def register(request):
    form = RegisterForm(request.POST or None)
    posted = _code_form_post(
        request,
        form,
        purpose=OtpPurpose.REGISTER,
        submit=lambda data: services.person_register(
            name=data["name"],
            id_number=data["id_number"],
            mobile=data["mobile"],
            password=data["password"],
            code=data["code"],
        ),
    )
    if posted.done:
        sessions.login_finish(request, posted.result.account, method="register")
        messages.success(request, _("注册成功，欢迎使用一网通办。"))
        return redirect("portal:me")
    status = form_status(form, posted.error)
    return render(request, "portal/register.html", {"form": form}, status=status)


def login_password(request):
    form = PasswordLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.login_with_password(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
            return render(
                request, "portal/login.html", {"form": form, "tab": "password"}, status=exc.status
            )
        return redirect(sessions.login_begin(request, account, method="password", fallback="/me/"))
    return render(
        request, "portal/login.html", {"form": form, "tab": "password"}, status=form_status(form)
    )


def login_sms(request):
    form = OtpLoginForm(request.POST or None)
    posted = _code_form_post(
        request,
        form,
        purpose=OtpPurpose.LOGIN,
        submit=lambda data: services.login_with_otp(
            mobile=data["mobile"], code=data["code"], ip=client_ip(request)
        ),
    )
    if posted.done:
        return redirect(sessions.login_begin(request, posted.result, method="sms", fallback="/me/"))
    status = form_status(form, posted.error)
    return render(request, "portal/login.html", {"form": form, "tab": "sms"}, status=status)


def login_totp(request):
    account = sessions.pending_account(request)
    if account is None:
        messages.error(request, _("登录已超时，请重新登录。"))
        return redirect("portal:login")
    form = TotpForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(
                account=account, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
        else:
            sessions.login_finish(
                request, account, method=sessions.pending_method(request) + "+totp"
            )
            fallback = "/workbench/" if account.kind == AccountKind.STAFF else "/me/"
            return redirect(sessions.safe_next(request, fallback=fallback))
    return render(
        request, "portal/login_totp.html", {"form": form}, status=form_status(form, error)
    )


def password_forgot(request):
    """忘记密码: a code to the mobile, then the code and a new password. The page says the same
    for a number no account holds (``services.otp_send`` sends it nothing)."""
    form = PasswordForgotForm(request.POST or None)
    posted = _code_form_post(
        request,
        form,
        purpose=OtpPurpose.PASSWORD_RESET,
        submit=lambda data: services.password_reset(
            mobile=data["mobile"],
            code=data["code"],
            password=data["password"],
            ip=client_ip(request),
        ),
    )
    if posted.done:
        messages.success(request, _("密码已重设，请使用新密码登录。"))
        return redirect("portal:login")
    status = form_status(form, posted.error)
    return render(request, "portal/password_forgot.html", {"form": form}, status=status)


@require_POST
def logout(request):
    sessions.logout_finish(request)
    return redirect("portal:home")


def _person(request):
    person = selectors.person_for_account(request.user)
    if person is None:
        raise Forbidden(
            IdentityError.PERSON_REQUIRED, _("此页面仅限个人账号使用，工作人员请进入工作台。")
        )
    return person


@login_required
def me(request):
    person = _person(request)
    log = selectors.security_log_page(person=person, page=request.GET.get("log_page"))
    return render(
        request,
        "portal/me.html",
        {
            "person": person,
            "entities": selectors.entities_for_person(person=person),
            "acting": selectors.acting_entity(request.user),
            "security_log": log,
            "totp_enabled": services.totp_required(request.user),
            "expiring": licence_selectors.expiring_for_account(account=request.user),
        },
    )


@login_required
def totp_setup(request):
    """Enrolment of an authenticator. Only a POST (CSRF-checked) creates or renews the secret:
    opening the page, even from a link on another site, shows the pending one unchanged."""
    _person(request)
    action = request.POST.get("action") if request.method == "POST" else None
    if services.totp_required(request.user):
        messages.info(request, _("已启用动态口令，如需更换请先停用。"))
        return redirect("portal:me")
    if action == "start":
        services.totp_begin(account=request.user)
        return redirect("portal:totp_setup")
    form = TotpForm(request.POST if action == "confirm" else None)
    error = None
    if action == "confirm" and form.is_valid():
        try:
            services.totp_confirm(account=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
        else:
            messages.success(request, _("动态口令已启用，下次登录时需要输入。"))
            return redirect("portal:me")
    context = {"form": form}
    device = selectors.totp_pending(request.user)
    if device is not None:
        uri = services.totp_uri(device)
        context.update(secret=device.secret, uri=uri, qr_svg=_qr_svg(uri))
    return render(request, "portal/totp_setup.html", context, status=form_status(form, error))


@login_required
def password_change(request):
    """修改密码. The other sessions of the account end with the old password (Django keeps the
    password's hash in each session); this one is kept with ``update_session_auth_hash``."""
    _person(request)
    form = PasswordChangeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.password_change(
                account=request.user,
                current_password=data["current_password"],
                password=data["password"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改，其他设备上的登录已退出。"))
            return redirect("portal:me")
    return render(
        request, "portal/password_change.html", {"form": form}, status=form_status(form, error)
    )


@login_required
def mobile_change(request):
    person = _person(request)
    form = MobileChangeForm(request.POST or None)
    posted = _code_form_post(
        request,
        form,
        purpose=OtpPurpose.MOBILE_CHANGE,
        submit=lambda data: services.mobile_change(
            account=request.user,
            current_password=data["current_password"],
            mobile=data["mobile"],
            code=data["code"],
            ip=client_ip(request),
        ),
    )
    if posted.done:
        messages.success(request, _("手机号码已更换，原手机号码已收到短信通知。"))
        return redirect("portal:me")
    status = form_status(form, posted.error)
    return render(
        request, "portal/mobile_change.html", {"form": form, "person": person}, status=status
    )


def _qr_svg(data: str) -> str:
    import io

    import qrcode
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return buffer.getvalue().decode()


@login_required
def entity_agents(request, uscc: str):
    person = _person(request)
    entity = selectors.entity_for_representative(person=person, uscc=uscc)
    form = AgentAuthorizeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            authorization = services.agent_authorize(
                entity=entity,
                granted_by=person,
                agent_name=data["agent_name"],
                agent_id_number=data["agent_id_number"],
                scopes=data["scopes"],
                expires_at=form.expires_at_moment(),
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
        else:
            messages.success(
                request, _("已授权 %(name)s 为经办人。") % {"name": authorization.agent.name}
            )
            return redirect("portal:entity_agents", uscc=uscc)
    return render(
        request,
        "portal/entity_agents.html",
        {
            "entity": entity,
            "form": form,
            "authorizations": selectors.authorizations_for_entity(entity=entity),
        },
        status=form_status(form, error),
    )


@login_required
@require_POST
def entity_agent_revoke(request, uscc: str, authorization_id: int):
    person = _person(request)
    selectors.entity_for_representative(person=person, uscc=uscc)
    try:
        services.agent_revoke(authorization_id=authorization_id, revoked_by=person)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("授权已撤销。"))
    return redirect("portal:entity_agents", uscc=uscc)


@login_required
@require_POST
def acting_choose(request):
    person = _person(request)
    uscc = request.POST.get("uscc", "")
    entity = None
    if uscc:
        rows = {r["entity"].uscc: r["entity"] for r in selectors.entities_for_person(person=person)}
        entity = rows.get(uscc)
        if entity is None:
            raise Forbidden(IdentityError.AGENT_NOT_AUTHORIZED, _("您没有代办该企业的有效授权。"))
    services.acting_entity_choose(account=request.user, entity=entity)
    if entity:
        messages.success(request, _("您正在以“%(name)s”经办人身份办事。") % {"name": entity.name})
    else:
        messages.success(request, _("已切换回个人身份。"))
    return redirect(sessions.safe_next(request, fallback="/me/"))


def demo_outbox(request):
    if not settings.TONGBAN_DEMO_OUTBOX:
        raise Http404
    return render(request, "portal/outbox.html", {"outbox": messages_recent(limit=30)})


@login_required
def data_use(request):
    """数据使用记录: which department read which of the person's data through the exchange,
    when and why — only the person's own."""
    person = _person(request)
    return render(
        request,
        "portal/data_use.html",
        {"person": person, "uses": exchange_selectors.data_use_for_person(person=person)},
    )
