"""Application forms from an item's (or theme's) JSON Schema: coerce what a page posts into the
schema's types, validate with the schema itself, and say what is wrong in Chinese, per field.
The API validates JSON bodies with the same function, so page and API agree.

Identifiers and personal data are marked in the schema itself:

* ``"format": "gb11643"`` (resident ID number), ``"gb32100"`` (USCC) and ``"cn-mobile"`` are
  checked to their standard by ``tongban.identity.validators`` (check character, birth date…);
* ID numbers, mobiles and fields with ``"x-sensitive": true`` (bank account, passport number…)
  are sealed at rest and masked wherever staff read the answers (``sealed_fields``, ``masked``);
* ``"x-bind": "applicant.id_number"`` (one of ``BINDINGS``) says the answer must be the
  applicant's own (``bindings``): the cases context compares it with the case's person or entity;
* ``"x-source": "population.residence_address"`` (``<dataset>.<field>`` of a base registry,
  ``population`` for the applicant, ``legal_entities`` for the enterprise they act for) says the
  answer is prefilled from that registry field, with its provider and date shown (``sources``):
  the requirement, its evidence and the department that holds it, named in the form itself.
"""

from datetime import date

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from tongban.identity.validators import (
    IdentifierError,
    mask_id_number,
    mask_mobile,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

IDENTIFIER_FORMATS = {
    "gb11643": validate_id_number,
    "gb32100": validate_uscc,
    "cn-mobile": validate_mobile,
}
MASKS = {"gb11643": mask_id_number, "cn-mobile": mask_mobile}
BINDINGS = (
    "applicant.name",
    "applicant.id_number",
    "applicant.mobile",
    "entity.name",
    "entity.uscc",
)
FORMAT_CHECKER = FormatChecker()


def _register_identifier_format(name: str, check) -> None:
    @FORMAT_CHECKER.checks(name, raises=IdentifierError)
    def _conforms(value) -> bool:
        return not isinstance(value, str) or bool(check(value))


for _name, _check in IDENTIFIER_FORMATS.items():
    _register_identifier_format(_name, _check)


def ordered_properties(schema: dict) -> list[tuple[str, dict]]:
    """Properties in the form's order. PostgreSQL's jsonb does not keep object keys in order,
    so a schema records its field order in ``x-order`` (added when it is saved)."""
    properties = (schema or {}).get("properties", {})
    order = [n for n in (schema or {}).get("x-order", []) if n in properties]
    order += [n for n in properties if n not in order]
    return [(n, properties[n]) for n in order]


def _title(schema: dict, name: str) -> str:
    return (schema.get("properties", {}).get(name) or {}).get("title") or name


def _message(error, schema: dict) -> tuple[str, str]:
    """(field, Chinese message) for one jsonschema error."""
    path = [p for p in error.absolute_path if isinstance(p, str)]
    field = path[0] if path else ""
    v = error.validator
    if v == "required":
        field = error.message.split("'")[1] if "'" in error.message else field
        return field, _("请填写%(t)s。") % {"t": _title(schema, field)}
    if v == "additionalProperties":
        return "", _("表单中有未定义的字段。")
    title = _title(schema, field)
    value = error.validator_value
    if v == "format" and isinstance(error.cause, IdentifierError):
        return field, _("%(t)s有误：%(m)s。") % {"t": title, "m": error.cause.message}
    messages = {
        "pattern": _("%(t)s格式不正确。"),
        "minLength": _("%(t)s至少 %(n)s 个字。"),
        "maxLength": _("%(t)s不能超过 %(n)s 个字。"),
        "enum": _("请从列表中选择%(t)s。"),
        "minimum": _("%(t)s不能小于 %(n)s。"),
        "maximum": _("%(t)s不能大于 %(n)s。"),
        "minItems": _("%(t)s请至少选择 %(n)s 项。"),
        "maxItems": _("%(t)s最多选择 %(n)s 项。"),
        "format": _("%(t)s不是有效的日期（格式：年-月-日）。")
        if value == "date"
        else _("%(t)s格式不正确。"),
        "type": _("%(t)s应为数字。") if value in ("number", "integer") else _("%(t)s格式不正确。"),
    }
    text = messages.get(v, _("%(t)s填写有误。"))
    return field, text % {"t": title, "n": value}


def validate(schema: dict, data: dict) -> dict[str, str]:
    """Field → message for everything wrong (empty when the data fits the schema)."""
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    errors: dict[str, str] = {}
    position = {name: i for i, (name, _prop) in enumerate(ordered_properties(schema))}

    def where(error) -> int:
        path = [p for p in error.absolute_path if isinstance(p, str)]
        name = path[0] if path else (error.message.split("'")[1] if "'" in error.message else "")
        return position.get(name, len(position))

    for error in sorted(validator.iter_errors(data), key=where):
        field, message = _message(error, schema)
        errors.setdefault(field or "form", message)
    return errors


def sealed_fields(schema: dict) -> frozenset[str]:
    """The fields holding personal data: ID numbers, mobiles and those marked ``x-sensitive``."""
    return frozenset(
        name
        for name, prop in (schema or {}).get("properties", {}).items()
        if prop.get("format") in MASKS or prop.get("x-sensitive") is True
    )


def _mask_tail(value: str) -> str:
    """Any other personal value: only the last 4 characters shown, and only of a long one."""
    return "*" * (len(value) - 4) + value[-4:] if len(value) >= 8 else "*" * len(value)


def masked(schema: dict, data: dict) -> dict:
    """The answers with every sealed field's value masked (``3101**********123X``)."""
    properties = (schema or {}).get("properties", {})
    sealed = sealed_fields(schema)
    out = {}
    for name, value in (data or {}).items():
        if name in sealed and value not in (None, ""):
            value = MASKS.get(properties[name].get("format"), _mask_tail)(str(value))
        out[name] = value
    return out


def bindings(schema: dict) -> dict[str, str]:
    """Field → what of the applicant's it must equal (``applicant.id_number``…)."""
    return {
        name: prop["x-bind"]
        for name, prop in (schema or {}).get("properties", {}).items()
        if prop.get("x-bind")
    }


# The registries whose record belongs to the applicant (or the enterprise they act for).
SOURCE_DATASETS = ("population", "legal_entities")


def sources(schema: dict) -> dict[str, tuple[str, str]]:
    """Field → (dataset, registry field) it is prefilled from (``x-source``)."""
    out = {}
    for name, prop in (schema or {}).get("properties", {}).items():
        dataset, _dot, field = str(prop.get("x-source") or "").partition(".")
        if dataset and field:
            out[name] = (dataset, field)
    return out


def coerce(schema: dict, post) -> dict:
    """What a page posted (all strings), in the schema's types; blanks are left out so that
    ``required`` speaks rather than ``type``."""
    data: dict = {}
    for name, prop in ordered_properties(schema):
        kind = prop.get("type")
        if kind == "array":
            values = [v for v in post.getlist(name) if v != ""]
            if values:
                data[name] = values
            continue
        raw = (post.get(name) or "").strip()
        if raw == "":
            continue
        if kind == "integer":
            try:
                data[name] = int(raw)
            except ValueError:
                data[name] = raw
        elif kind == "number":
            try:
                data[name] = float(raw)
            except ValueError:
                data[name] = raw
        elif kind == "boolean":
            data[name] = raw in ("on", "true", "1")
        else:
            data[name] = raw.upper() if name.endswith(("id_number", "uscc")) else raw
    return data


def fields(schema: dict, ui: dict, data: dict | None = None, errors: dict | None = None):
    """What a template needs to render each field accessibly."""
    data, errors = data or {}, errors or {}
    required = set(schema.get("required", []))
    out = []
    for name, prop in ordered_properties(schema):
        hint = (ui or {}).get(name, {})
        widget = hint.get("widget") or ("checkbox" if prop.get("type") == "array" else "text")
        if prop.get("enum") and widget not in ("radio", "select"):
            widget = "select"
        value = data.get(name, "")
        out.append(
            {
                "name": name,
                "id": f"f-{name}",
                "title": prop.get("title", name),
                "required": name in required,
                "widget": widget,
                "input_type": {"date": "date", "number": "number", "mobile": "tel"}.get(
                    widget, "text"
                ),
                "options": prop.get("enum") or (prop.get("items") or {}).get("enum") or [],
                "value": value,
                "values": value if isinstance(value, list) else [],
                "error": errors.get(name, ""),
                "help": hint.get("help", ""),
                "max": date.today().isoformat() if prop.get("format") == "date" else "",
            }
        )
    return out
