"""The hotline pages' forms: they parse what is posted; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.core.web import FilesField, MultipleFileInput
from tongban.hotline.choices import TicketChannel, TicketKind, Urgency

DESK_CHANNELS = [
    (c.value, c.label) for c in (TicketChannel.PHONE, TicketChannel.GRID, TicketChannel.SYSTEM)
]
LONG = 100_000  # the services bound the length with their own message


def _text(label, rows=4, required=False, max_length=LONG):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class KnowledgeForm(forms.Form):
    q = forms.CharField(label=_("搜索知识库"), required=False, max_length=400)


class DeskFileForm(forms.Form):
    """An agent takes a call (or a grid inspector reports a finding): the ticket, and an
    optional answer given on the spot."""

    channel = forms.ChoiceField(label=_("渠道"), choices=DESK_CHANNELS)
    kind = forms.ChoiceField(label=_("诉求类型"), choices=TicketKind.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    text = _text(_("诉求内容"), rows=5)
    name = forms.CharField(label=_("来电人姓名"), required=False, max_length=50)
    mobile = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    lat = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6)
    lng = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6)
    contact_private = forms.BooleanField(label=_("对承办部门保密联系方式"), required=False)
    answer = _text(_("当场答复内容（咨询可当场答复办结）"), rows=4)


class GridFindingForm(forms.Form):
    """A grid inspector's finding on patrol: what, how urgent and where (no caller)."""

    kind = forms.ChoiceField(
        label=_("问题类型"),
        choices=[(k.value, k.label) for k in (TicketKind.COMPLAINT, TicketKind.REPORT,
                                              TicketKind.HELP, TicketKind.SUGGESTION)],
    )  # fmt: skip
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    text = _text(_("问题描述"), rows=5)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    lat = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6)
    lng = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6)
    attachments = FilesField(
        label=_("现场照片（可选）"),
        required=False,
        help_text=_("PDF、JPG 或 PNG，最多 3 个，每个不超过 10 MB。"),
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class AnswerForm(forms.Form):
    answer = _text(_("答复内容"), max_length=LONG)


class DispatchForm(forms.Form):
    category = forms.ChoiceField(label=_("分类"))
    department = forms.ChoiceField(label=_("主办部门"), required=False)
    note = forms.CharField(label=_("派单说明"), required=False, max_length=500)

    def __init__(self, *args, categories=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (str(parent), [(c.code, c.name) for c in parent.children.all()])
            for parent in categories
        ]
        self.fields["department"].choices = [("", _("按权责清单"))] + [
            (d.code, d.name) for d in departments
        ]


class ArbitrateForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("仲裁结果"),
        choices=[("uphold", _("退单成立，改派")), ("reject", _("退单不成立，退回原部门"))],
        widget=forms.RadioSelect,
    )
    department = forms.ChoiceField(label=_("改派部门"), required=False)
    note = forms.CharField(label=_("仲裁意见"), required=False, max_length=500)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [(d.code, d.name) for d in departments]


class ReasonForm(forms.Form):
    reason = _text(_("理由"), rows=3)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("延期工作日"), min_value=0, max_value=365)
    reason = _text(_("延期理由"), rows=3)


def _yes_no(label, yes, no, required_message):
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", yes), ("no", no)],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


class ExtensionDecisionForm(forms.Form):
    """The hotline office approves a department's extension request or refuses it."""

    approve = _yes_no(_("审批结果"), _("批准延期"), _("不批准"), _("请选择批准或不批准。"))


class PhoneCallbackForm(forms.Form):
    """What the requester said when an agent called them back (回访) by phone."""

    solved = _yes_no(_("问题是否解决"), _("已解决"), _("未解决"), _("请选择“是”或“否”。"))
    satisfied = _yes_no(_("是否满意"), _("满意"), _("不满意"), _("请选择“是”或“否”。"))
    comment = forms.CharField(
        label=_("回访记录（可选）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SuperviseForm(forms.Form):
    note = _text(_("督办意见"), rows=3)


class EmptyForm(forms.Form):
    pass
