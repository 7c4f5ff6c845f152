"""Form answers with their personal data sealed at rest (issue 8 item 10).

The form says which answers are personal data (ID numbers, mobiles, ``x-sensitive`` fields:
``catalog_selectors.form_sealed_fields``). Each such value is stored as an envelope
``{"$sealed": token}``, AES-256-GCM under ``core.crypto`` with ``cases.case.form_data.<field>``
as associated data, so a sealed value copied to another field or column does not open. The
other answers stay plain JSON. Python code sees plain answers: ``FormAnswersField`` opens every
envelope when reading and seals the form's personal fields when saving.
"""

import json

from django.db import models

from tongban.core.crypto import decrypt, encrypt

SEALED = "$sealed"
PURPOSE = "cases.case.form_data"


def _is_envelope(value) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED}


def seal_answers(data: dict, names) -> dict:
    """The answers with the values of ``names`` sealed (already sealed ones left alone)."""
    return {
        name: {SEALED: encrypt(json.dumps(value), purpose=f"{PURPOSE}.{name}")}
        if name in names and value not in (None, "") and not _is_envelope(value)
        else value
        for name, value in data.items()
    }


def open_answers(data: dict) -> dict:
    """The answers with every sealed value opened."""
    return {
        name: json.loads(decrypt(value[SEALED], purpose=f"{PURPOSE}.{name}"))
        if _is_envelope(value)
        else value
        for name, value in data.items()
    }


class FormAnswersField(models.JSONField):
    """A JSON object of form answers whose personal values are sealed in the database; the
    model names them with a ``sealed_fields()`` method (from its form)."""

    def from_db_value(self, value, expression, connection):
        data = super().from_db_value(value, expression, connection)
        return open_answers(data) if isinstance(data, dict) else data

    def pre_save(self, model_instance, add):
        data = super().pre_save(model_instance, add)
        if not isinstance(data, dict):
            return data
        return seal_answers(data, model_instance.sealed_fields())
