"""Mark the identifier and personal fields of existing forms as the seed now does (issue 8 item
7): ``format`` gb11643/gb32100/cn-mobile, ``x-sensitive``, and ``x-bind`` for the applicant's own
fields. Only string fields are touched: those with the seeded names, and those whose UI widget
is an identifier's (``id_number``, ``mobile``, ``uscc``: the format only). A marker a form
already has is kept. Reversing removes exactly the markers this migration would add."""

from django.db import migrations

MARKERS = {
    "applicant_name": {"x-bind": "applicant.name"},
    "id_number": {"format": "gb11643", "x-bind": "applicant.id_number"},
    "mobile": {"format": "cn-mobile", "x-bind": "applicant.mobile"},
    "entity_name": {"x-bind": "entity.name"},
    "uscc": {"format": "gb32100", "x-bind": "entity.uscc"},
    "spouse_id_number": {"format": "gb11643"},
    "deceased_id_number": {"format": "gb11643"},
    "passport_number": {"x-sensitive": True},
    "bank_account": {"x-sensitive": True},
    "hpf_account": {"x-sensitive": True},
}


WIDGET_FORMATS = {"id_number": "gb11643", "mobile": "cn-mobile", "uscc": "gb32100"}


def _markers(name: str, audience: str, widget: str = "") -> dict:
    markers = dict(MARKERS.get(name, {}))
    if name == "mobile" and audience == "enterprise":
        markers.pop("x-bind")  # an enterprise form's mobile is its contact's
    if widget in WIDGET_FORMATS:
        markers.setdefault("format", WIDGET_FORMATS[widget])
    return markers


def _widget(ui: dict | None, name: str) -> str:
    hint = (ui or {}).get(name)
    return hint.get("widget") or "" if isinstance(hint, dict) else ""


def marked(schema: dict, audience: str, ui: dict | None = None) -> dict:
    properties = {}
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get("type") == "string":
            prop = {**_markers(name, audience, _widget(ui, name)), **prop}
        properties[name] = prop
    return {**schema, "properties": properties}


def unmarked(schema: dict, audience: str, ui: dict | None = None) -> dict:
    properties = {}
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            added = _markers(name, audience, _widget(ui, name))
            prop = {k: v for k, v in prop.items() if added.get(k, object()) != v}
        properties[name] = prop
    return {**schema, "properties": properties}


def _rewrite(apps, change) -> None:
    for label in ("ServiceItemVersion", "Theme"):
        model = apps.get_model("catalog", label)
        rows = model.objects.values_list("pk", "form_schema", "form_ui", "audience")
        for pk, schema, ui, audience in rows:
            if schema and schema.get("properties"):
                new = change(schema, audience, ui)
                if new != schema:
                    model.objects.filter(pk=pk).update(form_schema=new)


def add_markers(apps, schema_editor):
    _rewrite(apps, marked)


def remove_markers(apps, schema_editor):
    _rewrite(apps, unmarked)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_material_applies_if")]

    operations = [migrations.RunPython(add_markers, remove_markers)]
