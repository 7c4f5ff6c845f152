"""Forms of the workbench appointment pages: a new item group, and slots to publish."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

DEFAULT_TIMES = "09:00-10:00\n10:00-11:00\n11:00-12:00\n13:30-14:30\n14:30-15:30\n15:30-16:30"


class GroupForm(forms.Form):
    name = forms.CharField(label=_("业务分组名称"), max_length=100)
    queue_letter = forms.CharField(
        label=_("排队号字母"), max_length=1, initial="A", help_text=_("如 A，排队号为 A001 起。")
    )


class PublishForm(forms.Form):
    date_from = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    times = forms.CharField(
        label=_("每日时段"),
        initial=DEFAULT_TIMES,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一个时段，如 09:00-10:00。"),
    )
    capacity = forms.IntegerField(
        label=_("每个时段可约人数"), initial=5, widget=forms.NumberInput(attrs={"min": 1})
    )
    workdays_only = forms.BooleanField(label=_("仅工作日"), initial=True, required=False)

    def clean_times(self) -> list[tuple[str, str]]:
        pairs = []
        for n, line in enumerate(self.cleaned_data["times"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = re.split(r"\s*[-–~至]\s*", line.strip())
            if len(parts) != 2:
                raise forms.ValidationError(
                    _("第 %(n)d 行应写成 09:00-10:00 这样的时段。") % {"n": n}
                )
            pairs.append((parts[0], parts[1]))
        return pairs
