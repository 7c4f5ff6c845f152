"""Normalizing and validating the content of an item version (the guide, materials and form) from
a plain dict, as pages, imports and the seed give it. Every problem raises ``InvalidInput`` naming
the field (``materials[2].licence_type_code``), so an import can report line, field and reason."""

import json
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from tongban.core import inputs
from tongban.core.errors import BadRequest, DomainError

from . import validators
from .choices import (
    Audience,
    CaseType,
    Channel,
    EnterpriseStage,
    ItemType,
    LifeEvent,
    MaterialForm,
    MaterialSource,
)
from .errors import CatalogError, FieldProblem, field_code, invalid

TEXT_FIELDS = {
    "name": 200,
    "summary": 4000,
    "conditions": 4000,
    "consult_phone": 30,
    "complaint_phone": 30,
    "result": 200,
}
LIST_FIELDS = (
    "keywords",
    "legal_basis",
    "process_steps",
    "fees",
    "online_depth",
    "channels",
    "locations",
    "faq",
    "intermediary_services",
)
BOOL_FIELDS = ("citywide", "commitment", "accept_with_gaps")
VERSION_FIELDS = (
    *TEXT_FIELDS,
    *LIST_FIELDS,
    *BOOL_FIELDS,
    "item_type",
    "case_type",
    "audience",
    "life_event",
    "enterprise_stage",
    "legal_limit_days",
    "promised_limit_days",
    "visits",
    "form_schema",
    "form_ui",
)
MATERIAL_FIELDS = (
    "name",
    "legal_basis",
    "form",
    "count",
    "paper_format",
    "needs_signature",
    "needs_seal",
    "required",
    "condition",
    "source",
    "licence_type_code",
    "data_resource_code",
    "applies_if",
)

_schema_ok: set[str] = set()


def _choice(value, choices, field: str, label: str) -> str:
    if value not in choices.values:
        raise invalid(
            field_code(field, FieldProblem.UNKNOWN),
            _("%(label)s“%(v)s”不在可选范围内。") % {"label": label, "v": value},
            field,
        )
    return value


def _int(value, field: str, label: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise invalid(
            field_code(field, FieldProblem.NOT_INTEGER),
            _("%(label)s应为整数，实为“%(v)s”。") % {"label": label, "v": value},
            field,
        ) from None
    return number


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "是", "y"}
    return bool(value)


class JsonRefused(Exception):
    """Uploaded JSON the catalog will not read: ``message`` says why, ``line`` where (1 when the
    whole document is at fault), ``code`` is the boundary's code for non-syntax refusals."""

    def __init__(self, message: str, line: int = 1, code: str = ""):
        super().__init__(message)
        self.message, self.line, self.code = message, line, code


def strict_json(text: str):
    """JSON from an uploaded file or a cell of one, read by the project's strict parser
    (``core.inputs.loads``: no NaN or Infinity, no nesting deeper than it allows, no NUL bytes or
    lone surrogates), so an import cannot store what the API would refuse. A syntax error is told
    with json's own words and line."""
    try:
        return inputs.loads(text)
    except BadRequest as exc:
        if exc.code == "input.invalid_json":
            line, message = _syntax_error(text)
            raise JsonRefused(message, line=line) from None
        raise JsonRefused(exc.message, code=exc.code) from None


def _syntax_error(text: str) -> tuple[int, str]:
    """Where and why json itself cannot read the text (its message names the problem)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno, _("不是合法的 JSON：%(m)s") % {"m": exc.msg}
    return 1, _("不是有效的 JSON。")


def _list(value, field: str):
    if value in (None, ""):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = strict_json(text)
            except JsonRefused as exc:
                raise invalid(field_code(field, FieldProblem.JSON), exc.message, field) from None
        else:
            value = [v.strip() for v in text.split("|") if v.strip()]
    if not isinstance(value, list):
        raise invalid(field_code(field, FieldProblem.TYPE), _("应为列表。"), field)
    return value


def _obj(value, field: str):
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = strict_json(value)
        except JsonRefused as exc:
            raise invalid(field_code(field, FieldProblem.JSON), exc.message, field) from None
    return value


def clean_form(schema, ui, *, field: str = "form_schema") -> tuple[dict, dict]:
    schema, ui = _obj(schema, field), _obj(ui, "form_ui")
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if isinstance(properties, dict) and "x-order" not in schema:
        schema = {**schema, "x-order": list(properties)}  # jsonb forgets key order
    if schema:
        key = json.dumps([schema, ui], sort_keys=True, ensure_ascii=False)
        if key not in _schema_ok:
            validators.validate_form_schema(schema, ui, field=field)
            _schema_ok.add(key)
    elif ui:
        raise invalid(
            CatalogError.FORM_UI_WITHOUT_SCHEMA, _("没有表单定义时不能有界面提示。"), "form_ui"
        )
    return schema, ui


def clean_material(data: dict, index: int) -> dict:
    prefix = f"materials[{index}]."
    name = str(data.get("name") or "").strip()
    if not name:
        raise invalid(CatalogError.MATERIAL_NAME, _("材料名称不能为空。"), prefix + "name")
    count = _int(data.get("count", 1), prefix + "count", _("份数"))
    if count <= 0:
        raise invalid(CatalogError.MATERIAL_COUNT, _("份数应大于 0。"), prefix + "count")
    required = _bool(data.get("required", True))
    condition = str(data.get("condition") or "").strip()
    if not required and not condition:
        raise invalid(
            CatalogError.MATERIAL_CONDITION, _("非必需材料须写明适用情形。"), prefix + "condition"
        )
    source = str(data.get("source") or MaterialSource.APPLICANT)
    if source not in MaterialSource.values:
        raise invalid(
            CatalogError.MATERIAL_SOURCE,
            _("未知的材料来源“%(v)s”。") % {"v": source},
            prefix + "source",
        )
    licence = str(data.get("licence_type_code") or "").strip().upper()
    resource = str(data.get("data_resource_code") or "").strip()
    validators.validate_material_source(
        source=source, licence_type_code=licence, data_resource_code=resource, field_prefix=prefix
    )
    return {
        "name": name[:200],
        "legal_basis": str(data.get("legal_basis") or "")[:300],
        "form": _choice(
            data.get("form") or MaterialForm.ORIGINAL, MaterialForm, prefix + "form", _("材料形式")
        ),
        "count": count,
        "paper_format": str(data.get("paper_format") or "")[:50],
        "needs_signature": _bool(data.get("needs_signature", False)),
        "needs_seal": _bool(data.get("needs_seal", False)),
        "required": required,
        "condition": condition[:300],
        "source": source,
        "licence_type_code": licence if source == MaterialSource.LICENCE else "",
        "data_resource_code": resource if source == MaterialSource.DATA_RESOURCE else "",
        "applies_if": _obj(data.get("applies_if"), prefix + "applies_if") or None,
    }


def clean_content(data: dict) -> tuple[dict, list[dict]]:
    """(version fields, materials) from a dict; raises ``InvalidInput`` at the first problem."""
    out: dict = {}
    for field, limit in TEXT_FIELDS.items():
        value = str(data.get(field) or "").strip()
        if len(value) > limit:
            raise invalid(
                field_code(field, FieldProblem.TOO_LONG),
                _("不能超过 %(n)d 个字。") % {"n": limit},
                field,
            )
        out[field] = value
    if not out["name"]:
        raise invalid(CatalogError.NAME_REQUIRED, _("事项名称不能为空。"), "name")
    for field in ("consult_phone", "complaint_phone"):
        if out[field] and not validators.PHONE.match(out[field]):
            raise invalid(field_code(field, FieldProblem.FORMAT), _("电话号码格式不正确。"), field)
    for field in LIST_FIELDS:
        out[field] = _list(data.get(field), field)
    for field in BOOL_FIELDS:
        out[field] = _bool(data.get(field, False))
    out["item_type"] = _choice(
        str(data.get("item_type") or "").zfill(2), ItemType, "item_type", _("事项类型")
    )
    out["case_type"] = _choice(data.get("case_type"), CaseType, "case_type", _("办件类型"))
    out["audience"] = _choice(data.get("audience"), Audience, "audience", _("服务对象"))
    out["life_event"] = data.get("life_event") or ""
    if out["life_event"]:
        _choice(out["life_event"], LifeEvent, "life_event", _("个人生命周期"))
    out["enterprise_stage"] = data.get("enterprise_stage") or ""
    if out["enterprise_stage"]:
        _choice(out["enterprise_stage"], EnterpriseStage, "enterprise_stage", _("企业生命周期"))
    out["legal_limit_days"] = _int(data.get("legal_limit_days"), "legal_limit_days", _("法定时限"))
    out["promised_limit_days"] = _int(
        data.get("promised_limit_days"), "promised_limit_days", _("承诺时限")
    )
    validators.validate_limits(legal=out["legal_limit_days"], promised=out["promised_limit_days"])
    out["visits"] = _int(data.get("visits", 1), "visits", _("到现场次数"))
    out["online_depth"] = validators.validate_online_depth(
        out["online_depth"], visits=out["visits"]
    )
    for channel in out["channels"]:
        _choice(channel, Channel, "channels", _("办理渠道"))
    out["keywords"] = [str(k).strip() for k in out["keywords"] if str(k).strip()]
    for i, basis in enumerate(out["legal_basis"]):
        if not isinstance(basis, dict) or not str(basis.get("law") or "").strip():
            raise invalid(
                CatalogError.LEGAL_BASIS_LAW,
                _("设定依据须写明法律法规名称。"),
                f"legal_basis[{i}].law",
            )
    for i, step in enumerate(out["process_steps"]):
        if not isinstance(step, dict) or not str(step.get("name") or "").strip():
            raise invalid(
                CatalogError.PROCESS_STEPS_NAME, _("办理环节须有名称。"), f"process_steps[{i}].name"
            )
    for i, fee in enumerate(out["fees"]):
        try:
            amount = Decimal(str(fee.get("amount", "0")))
        except (InvalidOperation, AttributeError):
            raise invalid(
                CatalogError.FEES_AMOUNT, _("收费金额应为数字。"), f"fees[{i}].amount"
            ) from None
        if amount < 0:
            raise invalid(CatalogError.FEES_AMOUNT, _("收费金额不能为负数。"), f"fees[{i}].amount")
        if amount > 0 and not str(fee.get("basis") or "").strip():
            raise invalid(
                CatalogError.FEES_BASIS, _("收费项目须写明收费依据。"), f"fees[{i}].basis"
            )
    out["form_schema"], out["form_ui"] = clean_form(data.get("form_schema"), data.get("form_ui"))
    raw_materials = _list(data.get("materials"), "materials")
    materials = []
    for i, m in enumerate(raw_materials):
        if not isinstance(m, dict):
            raise invalid(CatalogError.MATERIAL_TYPE, _("材料应为对象。"), f"materials[{i}]")
        material = clean_material(m, i)
        material["applies_if"] = validators.validate_applies_if(
            material["applies_if"], schema=out["form_schema"], field=f"materials[{i}].applies_if"
        )
        materials.append(material)
    return out, materials


def content_of(version, materials=None) -> dict:
    """The editable content of a version, as ``clean_content`` takes it (for copies and export)."""
    data = {field: getattr(version, field) for field in VERSION_FIELDS}
    items = version.materials.all() if materials is None else materials
    data["materials"] = [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in items]
    return data


__all__ = ["DomainError", "clean_content", "content_of"]
