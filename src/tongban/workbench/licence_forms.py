"""The forms of the workbench's 电子证照库. They only shape what is posted; the licences
services decide what is allowed and answer in Chinese (messages land on these fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.licences.choices import LicenceStatus

IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_FORMATS = {"json": "json", "csv": "csv"}  # file extension → import_rows' format
STATUS_FILTER = [
    ("", _("全部状态")),
    *[(v, label) for v, label in LicenceStatus.choices],
]


class LicenceFilterForm(forms.Form):
    type_code = forms.ChoiceField(label=_("证照类型"), required=False)
    status = forms.ChoiceField(label=_("状态（以今天为准）"), choices=STATUS_FILTER, required=False)
    holder_code = forms.CharField(
        label=_("持证主体代码"),
        max_length=20,
        required=False,
        help_text=_("完整的公民身份号码或统一社会信用代码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    issued_from = forms.DateField(
        label=_("颁证日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    issued_to = forms.DateField(
        label=_("颁证日期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type_code"].choices = [("", _("全部类型")), *types]

    def clean(self):
        data = super().clean()
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and end < start:
            self.add_error("issued_to", _("结束日期早于开始日期。"))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明原因。")},
    )


class RevokeForm(ReasonForm):
    legal_basis = forms.CharField(
        label=_("法律依据"),
        max_length=500,
        error_messages={"required": _("撤销证照须写明法律依据。")},
    )


class RenewForm(forms.Form):
    valid_from = forms.DateField(
        label=_("新证有效期起始（不填为今天）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class IssueForm(forms.Form):
    """The envelope of a licence issued by hand; its data fields come from the type's schema
    (``catalog.schema_forms``)."""

    holder_code = forms.CharField(
        label=_("持证主体代码"),
        max_length=20,
        help_text=_("自然人填公民身份号码，单位填统一社会信用代码；持证主体须已在平台登记。"),
        error_messages={"required": _("请填写持证主体代码。")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    valid_from = forms.DateField(
        label=_("有效期起始（不填为今天）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("导入文件（JSON 或 CSV）"),
        help_text=_(
            "JSON 为证照对象的数组；CSV 首行为列名：type_code、holder_code、issued_on、"
            "valid_from、valid_until、identifier、data（JSON 对象）。"
        ),
        error_messages={"required": _("请选择要导入的文件。")},
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in IMPORT_FORMATS:
            raise forms.ValidationError(_("仅支持 JSON 或 CSV 文件（.json、.csv）。"))
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过 2 MB。"))
        return upload

    def file_format(self) -> str:
        """``json`` or ``csv``, by the (checked) file's extension."""
        return IMPORT_FORMATS[self.cleaned_data["file"].name.rsplit(".", 1)[-1].lower()]
