from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.identity.choices import AgentScope


def _mobile_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


def _sms_code_field(label) -> forms.CharField:
    """Not required here: the 获取验证码 button posts the form before a code exists."""
    return forms.CharField(
        label=label,
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _current_password_field() -> forms.CharField:
    return forms.CharField(
        label=_("当前密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    mobile = _mobile_field(_("手机号码"))
    code = _sms_code_field(_("短信验证码"))
    password = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，须同时包含字母和数字。"),
    )
    password2 = forms.CharField(
        label=_("确认密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class PasswordLoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("身份证号码或手机号码"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class OtpLoginForm(forms.Form):
    mobile = _mobile_field(_("手机号码"))
    code = _sms_code_field(_("短信验证码"))


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("动态口令"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AgentAuthorizeForm(forms.Form):
    agent_name = forms.CharField(label=_("经办人姓名"), max_length=50)
    agent_id_number = forms.CharField(label=_("经办人公民身份号码"), max_length=20)
    scopes = forms.MultipleChoiceField(
        label=_("授权范围"), choices=AgentScope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateField(
        label=_("授权截止日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("授权在该日 24 时失效，最长三年。"),
    )

    def expires_at_moment(self) -> datetime:
        """The authorization ends when the chosen day ends (midnight after it, local time)."""
        day = self.cleaned_data["expires_at"] + timedelta(days=1)
        return timezone.make_aware(datetime.combine(day, time.min))


def _new_password_fields():
    return (
        forms.CharField(
            label=_("新密码"),
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=_("至少 8 位，须同时包含字母和数字。"),
        ),
        forms.CharField(
            label=_("确认新密码"),
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


class _NewPasswordForm(forms.Form):
    """A new password typed twice (the strength rule is the service's)."""

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class PasswordForgotForm(_NewPasswordForm):
    mobile = _mobile_field(_("注册时使用的手机号码"))
    code = _sms_code_field(_("短信验证码"))
    password, password2 = _new_password_fields()


class PasswordChangeForm(_NewPasswordForm):
    current_password = _current_password_field()
    password, password2 = _new_password_fields()


class MobileChangeForm(forms.Form):
    mobile = _mobile_field(_("新手机号码"))
    code = _sms_code_field(_("新手机号码收到的验证码"))
    current_password = _current_password_field()
