import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Audience, CaseType, Channel, EnterpriseStage, ItemType, LifeEvent, OnlineDepth

JSON_FIELDS = (
    "legal_basis",
    "process_steps",
    "fees",
    "locations",
    "faq",
    "materials",
    "form_schema",
    "form_ui",
)


class JsonArea(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"})

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


class VersionForm(forms.Form):
    """A steward's draft. Values are checked by the services (one set of rules for pages,
    imports and the seed); this form only carries them."""

    name = forms.CharField(label=_("事项名称"), max_length=200)
    summary = forms.CharField(
        label=_("事项简介"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    keywords = forms.CharField(label=_("别名与关键词（用“|”分隔）"), required=False)
    item_type = forms.ChoiceField(label=_("事项类型"), choices=ItemType.choices)
    case_type = forms.ChoiceField(label=_("办件类型"), choices=CaseType.choices)
    audience = forms.ChoiceField(label=_("服务对象"), choices=Audience.choices)
    life_event = forms.ChoiceField(
        label=_("个人生命周期"), choices=[("", "—"), *LifeEvent.choices], required=False
    )
    enterprise_stage = forms.ChoiceField(
        label=_("企业生命周期"), choices=[("", "—"), *EnterpriseStage.choices], required=False
    )
    legal_limit_days = forms.IntegerField(label=_("法定时限（工作日）"))
    promised_limit_days = forms.IntegerField(label=_("承诺时限（工作日）"))
    visits = forms.IntegerField(label=_("到现场次数"), initial=1)
    online_depth = forms.MultipleChoiceField(
        label=_("网办深度"),
        choices=OnlineDepth.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("办理渠道"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    conditions = forms.CharField(
        label=_("受理条件"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    consult_phone = forms.CharField(label=_("咨询电话"), required=False)
    complaint_phone = forms.CharField(label=_("投诉电话"), required=False)
    citywide = forms.BooleanField(label=_("全市通办"), required=False)
    commitment = forms.BooleanField(label=_("告知承诺"), required=False)
    accept_with_gaps = forms.BooleanField(label=_("容缺受理"), required=False)
    result = forms.CharField(label=_("办理结果"), required=False)
    legal_basis = JsonArea(label=_('设定依据（JSON：[{"law", "article"}]）'))
    process_steps = JsonArea(label=_('办理流程（JSON：[{"name", "detail"}]）'))
    fees = JsonArea(label=_('收费（JSON：[{"name", "amount", "basis"}]）'))
    locations = JsonArea(label=_('办理地点（JSON：[{"name", "address", "hours"}]）'))
    faq = JsonArea(label=_('常见问题（JSON：[{"q", "a"}]）'))
    materials = JsonArea(label=_("申请材料（JSON 数组）"))
    form_schema = JsonArea(label=_("申请表单（JSON Schema）"))
    form_ui = JsonArea(label=_("表单界面提示（JSON）"))
    reason = forms.CharField(label=_("变更原因"), max_length=500)

    @classmethod
    def initial_from(cls, content: dict) -> dict:
        initial = dict(content)
        initial["keywords"] = "|".join(content.get("keywords") or [])
        for field in JSON_FIELDS:
            initial[field] = json.dumps(
                content.get(field) or ([] if field not in ("form_schema", "form_ui") else {}),
                ensure_ascii=False,
                indent=1,
            )
        initial.pop("reason", None)
        return initial

    def content(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("reason")
        return data


class NewItemForm(VersionForm):
    basic_code = forms.CharField(label=_("基本编码（12 位）"), max_length=12)
    implementation_code = forms.CharField(label=_("实施编码（31 位）"), max_length=31)
    field_order = ["basic_code", "implementation_code"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("变更原因"), max_length=500)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), max_length=500, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("导入文件（JSON 或 CSV，UTF-8）"))
    reason = forms.CharField(label=_("导入原因"), max_length=500)
