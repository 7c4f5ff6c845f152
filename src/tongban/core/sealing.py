"""JSON objects with some values sealed at rest (form answers of a case, the data of a licence).

The model says which values are personal data (``sealed_fields()``, from its JSON Schema:
ID numbers, mobiles, ``x-sensitive`` fields). Each such value is stored as an envelope
``{"$sealed": token}``, AES-256-GCM under ``core.crypto`` with ``<app>.<model>.<field>.<name>``
as associated data, so a sealed value copied to another field or column does not open. The
other values stay plain JSON. Python code sees plain values: ``SealedJSONField`` opens every
envelope when reading and seals the model's personal fields when saving.
"""

import json

from django.db import models

from .crypto import decrypt, encrypt

SEALED = "$sealed"


def _is_envelope(value) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED}


def seal_values(data: dict, names, *, purpose: str) -> dict:
    """``data`` with the values of ``names`` sealed (already sealed ones left alone)."""
    return {
        name: {SEALED: encrypt(json.dumps(value), purpose=f"{purpose}.{name}")}
        if name in names and value not in (None, "") and not _is_envelope(value)
        else value
        for name, value in data.items()
    }


def open_values(data: dict, *, purpose: str) -> dict:
    """``data`` with every sealed value opened."""
    return {
        name: json.loads(decrypt(value[SEALED], purpose=f"{purpose}.{name}"))
        if _is_envelope(value)
        else value
        for name, value in data.items()
    }


class SealedJSONField(models.JSONField):
    """A JSON object whose personal values are sealed in the database; the model names them
    with a ``sealed_fields()`` method. The associated data is the column's own name
    (``cases.case.form_data``), as for ``core.crypto.EncryptedTextField``."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.purpose = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value, expression, connection):
        data = super().from_db_value(value, expression, connection)
        return open_values(data, purpose=self.purpose) if isinstance(data, dict) else data

    def pre_save(self, model_instance, add):
        data = super().pre_save(model_instance, add)
        if not isinstance(data, dict):
            return data
        return seal_values(data, model_instance.sealed_fields(), purpose=self.purpose)
