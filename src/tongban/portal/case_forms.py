"""Forms of the applicant's case pages. The application form itself comes from the item's JSON
Schema (``catalog.schema_forms``); these are the small fixed ones around it."""

from django import forms
from django.utils.translation import gettext_lazy as _

UPLOAD_PREFIX = "material-"


def uploads_from(files) -> list[tuple[int, object]]:
    """``(catalog material id, file)`` for each file chosen in the checklist (inputs named
    ``material-<id>``, several files each)."""
    out = []
    for name in files:
        suffix = name.removeprefix(UPLOAD_PREFIX)
        if name.startswith(UPLOAD_PREFIX) and suffix.isdigit():
            out += [(int(suffix), f) for f in files.getlist(name)]
    return out


def field_errors(exc) -> tuple[dict[str, str], dict[int, str], str]:
    """A domain error split for the page: form field → message, checklist entry → message, and
    what belongs to neither (shown at the top)."""
    form, materials, other = {}, {}, ""
    for key, message in exc.fields.items():
        head, _dot, rest = key.partition(".")
        if head == "form_data" and rest:
            form[rest] = message
        elif head == "materials" and rest.isdigit():
            materials[int(rest)] = message
        else:
            other = message
    return form, materials, other or ("" if form or materials else exc.message)


def error_summary(top_error: str, fields: list[dict], rows: list[dict]) -> list[dict]:
    """The errors of the page for its summary at the top (GOV.UK's error summary), in page
    order, each linking to its field: what belongs to no field first, then the form's fields,
    then the checklist's file inputs."""
    summary = [{"href": "", "message": top_error}] if top_error else []
    summary += [{"href": f"#{f['id']}", "message": f["error"]} for f in fields if f["error"]]
    summary += [
        {"href": f"#material-{row['entry'].id}", "message": f"{row['entry'].name}：{row['error']}"}
        for row in rows
        if row["error"]
    ]
    return summary


class StatusQueryForm(forms.Form):
    number = forms.CharField(label=_("办件编号"), max_length=30)
    name = forms.CharField(label=_("申请人姓名"), max_length=50)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因（选填）"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
