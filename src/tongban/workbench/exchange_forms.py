"""Forms of the exchange desk: they check types and sizes only; rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.exchange.choices import AccessMethod, SharingClass, UpdateFrequency
from tongban.registries.choices import Dataset


class ResourceForm(forms.Form):
    code = forms.CharField(
        label=_("资源编码"), max_length=50, help_text=_("小写字母、数字或连字符")
    )
    name = forms.CharField(label=_("资源名称"), max_length=100)
    description = forms.CharField(
        label=_("资源摘要"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    dataset = forms.ChoiceField(
        label=_("基础库"), choices=Dataset.choices, widget=forms.HiddenInput
    )
    fields = forms.MultipleChoiceField(
        label=_("共享字段"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    sharing = forms.ChoiceField(label=_("共享类型"), choices=SharingClass.choices)
    update_frequency = forms.ChoiceField(label=_("更新周期"), choices=UpdateFrequency.choices)
    legal_basis = forms.CharField(label=_("共享依据"), max_length=500)
    access_methods = forms.MultipleChoiceField(
        label=_("共享方式"), choices=AccessMethod.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, field_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].choices = list(field_choices)


class RequestForm(forms.Form):
    fields = forms.MultipleChoiceField(
        label=_("申请字段"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(label=_("使用用途"), max_length=500)
    legal_basis = forms.CharField(label=_("申请依据"), max_length=500)

    def __init__(self, *args, field_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].choices = list(field_choices)


class ApproveForm(forms.Form):
    fields = forms.MultipleChoiceField(
        label=_("批准字段"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(label=_("有效期（天）"), initial=365)

    def __init__(self, *args, field_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].choices = list(field_choices)


class ClientForm(forms.Form):
    name = forms.CharField(label=_("接入系统名称"), max_length=100)
