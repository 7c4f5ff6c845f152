"""Validation of catalog values. Each failure raises ``InvalidInput`` with a stable code and the
field it concerns, so services, model ``clean()`` and imports report the same precise message.

Codes
-----
The segment meaning of the national item codes is not published in full, so the catalog stores
them as validated strings rather than decoding them:

* ``basic_code`` (基本编码): 12 characters of ``0-9A-Z``;
* ``implementation_code`` (实施编码): 31 characters, as observed in published implementation
  lists: the implementing body's unified social credit code (18, checksum verified), one
  character (``0-9A-Z``; observed values distinguish sub-items), then the 12-character basic code
  of the item. When the implementing department has a USCC on record, the code must start with it.

Licence types
-------------
A material supplied by an e-licence (``source=licence``) names a licence type by its code in the
e-licence catalog (证照目录). The ``licences`` context does not exist yet, so the known types
live in ``catalog/data/licence_types.json`` and are checked here by ``licence_type_exists``;
when ``licences`` lands, that function becomes a call to its selector and the file goes away.
A licence type code is the issuing authority's USCC plus a 3-digit sequence number.
"""

import json
import re
from functools import cache
from importlib import resources

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from tongban.identity.validators import IdentifierError, validate_uscc
from tongban.registries import selectors as registries_selectors

from .choices import OnlineDepth
from .errors import CatalogError, invalid
from .schema_forms import BINDINGS, IDENTIFIER_FORMATS, SOURCE_DATASETS

BASIC_CODE = re.compile(r"^[0-9A-Z]{12}$")
LICENCE_TYPE_CODE = re.compile(r"^[0-9A-Z]{18}\d{3}$")
DATA_RESOURCE_CODE = re.compile(r"^[0-9A-Z][0-9A-Z./-]{3,63}$")
PHONE = re.compile(r"^[0-9+()\- ]{3,30}$")
UI_WIDGETS = {
    "text",
    "textarea",
    "select",
    "radio",
    "checkbox",
    "date",
    "number",
    "file",
    "id_number",
    "mobile",
    "uscc",
    "address",
}


def validate_basic_code(value: str) -> str:
    code = (value or "").strip().upper()
    if not BASIC_CODE.match(code):
        raise invalid(
            CatalogError.BASIC_CODE_FORMAT,
            _("基本编码应为 12 位数字或大写字母，实为“%(v)s”。") % {"v": value},
            "basic_code",
        )
    return code


def validate_implementation_code(
    value: str, *, basic_code: str, department_uscc: str | None
) -> str:
    code = (value or "").strip().upper()
    field = "implementation_code"
    if len(code) != 31:
        raise invalid(
            CatalogError.IMPLEMENTATION_CODE_LENGTH,
            _(
                "实施编码应为 31 位（实施主体统一社会信用代码 18 位 + 1 位 + 基本编码 12 位），"
                "实为 %(n)d 位。"
            )
            % {"n": len(code)},
            field,
        )
    try:
        validate_uscc(code[:18])
    except IdentifierError as exc:
        raise invalid(
            CatalogError.IMPLEMENTATION_CODE_USCC,
            _("实施编码前 18 位应为实施主体的统一社会信用代码：%(m)s。") % {"m": exc.message},
            field,
        ) from exc
    if not re.match(r"^[0-9A-Z]$", code[18]):
        raise invalid(
            CatalogError.IMPLEMENTATION_CODE_FORMAT,
            _("实施编码第 19 位应为数字或大写字母。"),
            field,
        )
    if code[19:] != basic_code:
        raise invalid(
            CatalogError.IMPLEMENTATION_CODE_BASIC_CODE,
            _("实施编码后 12 位应与基本编码 %(b)s 一致。") % {"b": basic_code},
            field,
        )
    if department_uscc and code[:18] != department_uscc:
        raise invalid(
            CatalogError.IMPLEMENTATION_CODE_DEPARTMENT,
            _("实施编码前 18 位应为实施部门的统一社会信用代码 %(u)s。") % {"u": department_uscc},
            field,
        )
    return code


def validate_limits(*, legal: int | None, promised: int | None) -> None:
    if legal is None or legal <= 0:
        raise invalid(
            CatalogError.LIMIT_LEGAL, _("法定时限应为大于 0 的工作日数。"), "legal_limit_days"
        )
    if promised is None or promised <= 0:
        raise invalid(
            CatalogError.LIMIT_PROMISED, _("承诺时限应为大于 0 的工作日数。"), "promised_limit_days"
        )
    if promised > legal:
        raise invalid(
            CatalogError.LIMIT_PROMISED_EXCEEDS_LEGAL,
            _("承诺时限（%(p)d 个工作日）不能超过法定时限（%(l)d 个工作日）。")
            % {"p": promised, "l": legal},
            "promised_limit_days",
        )


def validate_online_depth(depth: list[str], *, visits: int) -> list[str]:
    unknown = [d for d in depth if d not in OnlineDepth.values]
    if unknown:
        raise invalid(
            CatalogError.ONLINE_DEPTH_UNKNOWN,
            _("未知的网办深度：%(v)s。") % {"v": "、".join(unknown)},
            "online_depth",
        )
    if visits < 0:
        raise invalid(CatalogError.VISITS_NEGATIVE, _("到现场次数不能为负数。"), "visits")
    if OnlineDepth.FULLY_ONLINE in depth and visits != 0:
        raise invalid(
            CatalogError.ONLINE_DEPTH_FULLY_ONLINE_VISITS,
            _("“全程网办”的事项到现场次数必须为 0，当前为 %(n)d 次。") % {"n": visits},
            "online_depth",
        )
    order = list(OnlineDepth.values)
    return sorted(set(depth), key=order.index)


def validate_form_schema(schema, ui: dict | None = None, *, field: str = "form_schema") -> None:
    """A JSON Schema (draft 2020-12) describing an object, and UI hints for its properties."""
    if not isinstance(schema, dict):
        raise invalid(CatalogError.FORM_SCHEMA_TYPE, _("表单定义应为 JSON 对象。"), field)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "（根）"
        raise invalid(
            CatalogError.FORM_SCHEMA_INVALID,
            _("表单定义不是合法的 JSON Schema：%(where)s 处 %(msg)s")
            % {"where": where, "msg": exc.message},
            field,
        ) from exc
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise invalid(
            CatalogError.FORM_SCHEMA_OBJECT,
            _("表单定义的根必须是 type=object 且带 properties。"),
            field,
        )
    order = schema.get("x-order", [])
    if not isinstance(order, list) or any(n not in schema["properties"] for n in order):
        raise invalid(
            CatalogError.FORM_SCHEMA_ORDER,
            _("x-order 须为 properties 中字段名的列表。"),
            field,
        )
    missing = [r for r in schema.get("required", []) if r not in schema["properties"]]
    if missing:
        raise invalid(
            CatalogError.FORM_SCHEMA_REQUIRED,
            _("必填字段未在 properties 中定义：%(v)s。") % {"v": "、".join(missing)},
            field,
        )
    for name, prop in schema["properties"].items():
        _validate_field_markers(name, prop, field)
    for name, hint in (ui or {}).items():
        if name not in schema["properties"]:
            raise invalid(
                CatalogError.FORM_UI_UNKNOWN_FIELD,
                _("界面提示引用了表单中不存在的字段“%(v)s”。") % {"v": name},
                "form_ui",
            )
        widget = hint.get("widget") if isinstance(hint, dict) else None
        if widget is not None and widget not in UI_WIDGETS:
            raise invalid(
                CatalogError.FORM_UI_WIDGET,
                _("字段“%(f)s”的控件类型“%(w)s”未知。") % {"f": name, "w": widget},
                "form_ui",
            )


def _validate_field_markers(name: str, prop, field: str) -> None:
    """The project's own markers on a form field: an identifier ``format`` on a string field,
    ``x-sensitive`` a boolean, ``x-bind`` one of the applicant's own values, ``x-source`` a
    field of the applicant's or the enterprise's base-registry record."""
    if not isinstance(prop, dict):
        return
    if prop.get("format") in IDENTIFIER_FORMATS and prop.get("type") != "string":
        raise invalid(
            CatalogError.FORM_SCHEMA_FORMAT_TYPE,
            _("字段“%(f)s”使用格式“%(v)s”，其类型须为 string。") % {"f": name, "v": prop["format"]},
            field,
        )
    if "x-sensitive" in prop and not isinstance(prop["x-sensitive"], bool):
        raise invalid(
            CatalogError.FORM_SCHEMA_SENSITIVE,
            _("字段“%(f)s”的 x-sensitive 须为 true 或 false。") % {"f": name},
            field,
        )
    if "x-bind" in prop and prop["x-bind"] not in BINDINGS:
        raise invalid(
            CatalogError.FORM_SCHEMA_BIND,
            _("字段“%(f)s”的 x-bind 须为以下之一：%(v)s。") % {"f": name, "v": "、".join(BINDINGS)},
            field,
        )
    if "x-source" in prop and prop["x-source"] not in registry_sources():
        raise invalid(
            CatalogError.FORM_SCHEMA_SOURCE,
            _("字段“%(f)s”的 x-source 须为基础库字段，如 population.residence_address。")
            % {"f": name},
            field,
        )


@cache
def registry_sources() -> frozenset[str]:
    """Every ``<dataset>.<field>`` a form field may be prefilled from."""
    return frozenset(
        f"{dataset}.{f.name}"
        for dataset in SOURCE_DATASETS
        for f in registries_selectors.dataset_fields(dataset)
    )


@cache
def licence_types() -> dict[str, str]:
    text = resources.files("tongban.catalog").joinpath("data/licence_types.json").read_text("utf-8")
    return {row["code"]: row["name"] for row in json.loads(text)}


def licence_type_exists(code: str) -> bool:
    return code in licence_types()


def validate_material_source(
    *, source: str, licence_type_code: str, data_resource_code: str, field_prefix: str = ""
) -> None:
    from .choices import MaterialSource

    if source == MaterialSource.LICENCE:
        field = f"{field_prefix}licence_type_code"
        if not LICENCE_TYPE_CODE.match(licence_type_code or ""):
            raise invalid(
                CatalogError.MATERIAL_LICENCE_TYPE_FORMAT,
                _("证照类型编码应为颁发机构统一社会信用代码 18 位 + 3 位序号，实为“%(v)s”。")
                % {"v": licence_type_code},
                field,
            )
        if not licence_type_exists(licence_type_code):
            raise invalid(
                CatalogError.MATERIAL_LICENCE_TYPE_UNKNOWN,
                _("证照目录中没有编码为“%(v)s”的证照类型。") % {"v": licence_type_code},
                field,
            )
    elif source == MaterialSource.DATA_RESOURCE:
        if not DATA_RESOURCE_CODE.match(data_resource_code or ""):
            raise invalid(
                CatalogError.MATERIAL_DATA_RESOURCE,
                _("数据共享获取的材料须填写数据资源编码。"),
                f"{field_prefix}data_resource_code",
            )
    elif source != MaterialSource.APPLICANT:
        raise invalid(CatalogError.MATERIAL_SOURCE, _("未知的材料来源。"), f"{field_prefix}source")


def validate_applies_if(value, *, schema: dict, field: str = "applies_if") -> dict | None:
    """A material's machine-readable condition: ``{"field": <form field>, "in": [answers]}``.
    The field must exist in the version's form; where the field offers a list of answers, each
    value must be one of them (so a typo cannot silently hide a material)."""
    if value in (None, "", {}):
        return None
    if (
        not isinstance(value, dict)
        or set(value) != {"field", "in"}
        or not isinstance(value["field"], str)
        or not isinstance(value["in"], list)
        or not value["in"]
        or not all(isinstance(v, str | int | float | bool) for v in value["in"])
    ):
        raise invalid(
            CatalogError.MATERIAL_APPLIES_IF_SHAPE,
            _('适用条件应为 {"field": 表单字段名, "in": [取值, …]}，且至少有一个取值。'),
            field,
        )
    properties = (schema or {}).get("properties") or {}
    prop = properties.get(value["field"])
    if prop is None:
        raise invalid(
            CatalogError.MATERIAL_APPLIES_IF_FIELD,
            _("适用条件引用了申请表中不存在的字段“%(f)s”。") % {"f": value["field"]},
            field,
        )
    options = prop.get("enum") or (prop.get("items") or {}).get("enum")
    unknown = [str(v) for v in value["in"] if options and v not in options]
    if unknown:
        raise invalid(
            CatalogError.MATERIAL_APPLIES_IF_VALUE,
            _("适用条件的取值“%(v)s”不在字段“%(f)s”的可选项中。")
            % {"v": "、".join(unknown), "f": prop.get("title", value["field"])},
            field,
        )
    return {"field": value["field"], "in": list(value["in"])}
