from django import forms
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(forms.Form):
    username = forms.CharField(
        label=_("工号/登录名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PersonLookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("申请人公民身份号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
