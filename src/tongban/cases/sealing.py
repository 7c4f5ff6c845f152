"""Form answers with their personal data sealed at rest (issue 8 item 10).

The form says which answers are personal data (ID numbers, mobiles, ``x-sensitive`` fields:
``catalog_selectors.form_sealed_fields``); ``core.sealing`` seals them, with
``cases.case.form_data.<field>`` as associated data. This module keeps the names the model and
the migration that sealed the existing answers (0003) were written against.
"""

from tongban.core.sealing import SealedJSONField, open_values, seal_values

PURPOSE = "cases.case.form_data"


def seal_answers(data: dict, names) -> dict:
    """The answers with the values of ``names`` sealed (already sealed ones left alone)."""
    return seal_values(data, names, purpose=PURPOSE)


def open_answers(data: dict) -> dict:
    """The answers with every sealed value opened."""
    return open_values(data, purpose=PURPOSE)


class FormAnswersField(SealedJSONField):
    """The case's form answers (``Case.form_data``), sealed by ``core.sealing``."""
