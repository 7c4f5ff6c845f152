"""The small forms of the workbench case page and the counter. They only shape what is posted;
the services decide what is allowed and answer in Chinese (messages land on these fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.cases import services as case_services
from tongban.cases.choices import CaseChannel, Decision, DeliveryMethod, QueueKind
from tongban.core.errors import DomainError
from tongban.identity import services as identity_services

CORRECTION_ROWS = 6


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=QueueKind.choices, required=False)
    channel = forms.ChoiceField(
        label=_("申请渠道"),
        choices=[("", _("全部渠道")), *CaseChannel.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=_("只看已超期"), required=False)


class CorrectionItemForm(forms.Form):
    target = forms.CharField(label=_("需补正的材料或内容"), max_length=200, required=False)
    reason = forms.CharField(label=_("补正理由"), max_length=500, required=False)


CorrectionItemFormSet = forms.formset_factory(
    CorrectionItemForm, extra=CORRECTION_ROWS, max_num=CORRECTION_ROWS, absolute_max=30
)


def correction_items(formset) -> list[dict]:
    """The rows the clerk filled in (a row with only one half is kept: the service names it)."""
    return [
        {"target": f.cleaned_data.get("target", ""), "reason": f.cleaned_data.get("reason", "")}
        for f in formset.forms
        if f.cleaned_data.get("target") or f.cleaned_data.get("reason")
    ]


class CorrectionDaysForm(forms.Form):
    days = forms.IntegerField(
        label=_("补正期限（工作日）"), initial=case_services.APPLICANT_CORRECTION_DAYS
    )


class RefuseForm(forms.Form):
    reasons = forms.CharField(
        label=_("不予受理理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    legal_basis = forms.CharField(label=_("法律依据"), max_length=500, required=False)


class GapsForm(forms.Form):
    gaps = forms.CharField(
        label=_("容缺材料（每行一项）"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    days = forms.IntegerField(label=_("补齐期限（工作日）"), initial=10)

    def gap_list(self) -> list[str]:
        return [line for line in self.cleaned_data["gaps"].splitlines() if line.strip()]


class TaskForm(forms.Form):
    """A form about one task; ``task`` is posted without the form's prefix."""


class DecideForm(TaskForm):
    decision = forms.ChoiceField(
        label=_("审查意见"), choices=Decision.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class VerifyForm(TaskForm):
    result = forms.ChoiceField(
        label=_("核查结果"),
        choices=[("pass", _("核查属实")), ("fail", _("核查不实（撤销许可）"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("核查情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReassignForm(TaskForm):
    department_code = forms.ChoiceField(label=_("改派至部门"))

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department_code"].choices = [("", _("请选择")), *departments]


class ExtendForm(forms.Form):
    reason = forms.CharField(label=_("延期理由"), max_length=300, required=False)


class DeliverForm(forms.Form):
    method = forms.ChoiceField(
        label=_("送达方式"), choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )
    tracking_number = forms.CharField(label=_("快递单号"), max_length=40, required=False)


class CounterSearchForm(forms.Form):
    q = forms.CharField(label=_("事项名称"), max_length=50, required=False)


class CounterApplicantForm(forms.Form):
    """The walk-in applicant, from the ID card the clerk checked: the only place the counter
    page says who applies (posted under the prefix ``applicant-``, so no field of an item's
    form can stand in for it). Name and mobile are for someone the platform does not know yet."""

    prefix = "applicant"
    id_number = forms.CharField(
        label=_("申请人公民身份号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("请填写申请人的公民身份号码（以身份证件为准）。")},
    )
    name = forms.CharField(
        label=_("申请人姓名（未在平台登记的申请人填写）"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    mobile = forms.CharField(
        label=_("手机号码（选填，未在平台登记的申请人）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
    )

    def clean_id_number(self) -> str:
        try:
            return identity_services.clean_id_number(self.cleaned_data["id_number"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
