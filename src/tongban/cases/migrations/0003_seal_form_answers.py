"""Seal the personal data already in cases' form answers (issue 8 item 10): the values of the
fields each case's form marks (ID numbers, mobiles, ``x-sensitive``), as ``FormAnswersField``
now does on every save. Reversible: reversing writes the answers back in clear."""

from django.db import migrations

import tongban.cases.sealing
from tongban.catalog.selectors import form_sealed_fields


def _rows(case_model, size=500):
    """Every case's answers and form, a chunk at a time (in primary-key order)."""
    rows = case_model.objects.order_by("pk").values_list(
        "pk", "form_data", "item_version__form_schema", "theme__form_schema"
    )
    last = 0
    while chunk := list(rows.filter(pk__gt=last)[:size]):
        yield from chunk
        last = chunk[-1][0]


def seal_existing(apps, schema_editor):
    """Reading opens any envelope already there, so sealing again is harmless."""
    case_model = apps.get_model("cases", "Case")
    for pk, data, item_schema, theme_schema in _rows(case_model):
        names = form_sealed_fields(item_schema or theme_schema or {})
        if data and names & set(data):
            sealed = tongban.cases.sealing.seal_answers(data, names)
            case_model.objects.filter(pk=pk).update(form_data=sealed)


def open_existing(apps, schema_editor):
    case_model = apps.get_model("cases", "Case")
    for pk, data, _item_schema, _theme_schema in _rows(case_model):
        if data:
            case_model.objects.filter(pk=pk).update(form_data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_appointments"),
        ("catalog", "0003_form_identifier_markers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="form_data",
            field=tongban.cases.sealing.FormAnswersField(
                blank=True, default=dict, verbose_name="表单数据"
            ),
        ),
        migrations.RunPython(seal_existing, open_existing),
    ]
