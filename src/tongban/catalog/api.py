"""Catalog JSON API: public reads of the published catalog, and form checks that change nothing."""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema
from pydantic import Field

from tongban.core.api import ERRORS, MAX_OFFSET, RowId
from tongban.core.errors import InvalidInput

from . import schema_forms, selectors
from . import search as catalog_search
from .choices import (
    Audience,
    EnterpriseStage,
    ItemType,
    LifeEvent,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
)
from .errors import CatalogError

router = Router(tags=["catalog"])


class DepartmentOut(Schema):
    code: str
    name: str
    region: str


class ItemSummary(Schema):
    id: int
    name: str
    department: DepartmentOut
    implementation_code: str
    item_type: str
    item_type_label: str
    audience: str
    case_type: str
    online_depth: list[str]
    promised_limit_days: int
    legal_limit_days: int
    visits: int
    url: str


class CatalogMaterialOut(Schema):
    id: int
    name: str
    legal_basis: str
    form: str
    form_label: str
    count: int
    paper_format: str
    needs_signature: bool
    needs_seal: bool
    required: bool
    condition: str
    source: str
    source_label: str
    licence_type_code: str
    data_resource_code: str
    template_url: str | None
    example_url: str | None


class ItemDetail(ItemSummary):
    basic_code: str
    version: int
    published_at: str
    summary: str
    keywords: list[str]
    life_event: str
    enterprise_stage: str
    legal_basis: list[dict[str, Any]]
    conditions: str
    process_steps: list[dict[str, Any]]
    fees: list[dict[str, Any]]
    channels: list[str]
    locations: list[dict[str, Any]]
    consult_phone: str
    complaint_phone: str
    faq: list[dict[str, Any]]
    citywide: bool
    commitment: bool
    accept_with_gaps: bool
    intermediary_services: list[dict[str, Any]]
    result: str
    materials: list[CatalogMaterialOut]
    form_schema: dict[str, Any]
    form_ui: dict[str, Any]
    themes: list[str]


class ItemPage(Schema):
    total: int
    results: list[ItemSummary]


class ThemeMemberOut(Schema):
    part: str
    item: ItemSummary


class ThemeOut(Schema):
    code: str
    name: str
    summary: str
    audience: str
    promised_limit_days: int
    members: int


class ThemeDetail(Schema):
    code: str
    name: str
    summary: str
    audience: str
    promised_limit_days: int
    parts: list[ThemeMemberOut]
    form_schema: dict[str, Any]
    form_ui: dict[str, Any]


class SearchHitOut(Schema):
    id: int
    name: str
    name_highlighted: str = Field(description="名称，命中部分以 <mark> 标出（已转义）")
    department: str
    department_code: str
    region_code: str
    audience: str
    online_depth: list[str]
    online_depth_labels: list[str]
    promised_limit_days: int
    legal_limit_days: int
    case_type: str
    visits: int
    score: float
    url: str


class SearchThemeOut(Schema):
    code: str
    name: str
    summary: str
    url: str


class SearchOut(Schema):
    query: str
    total: int
    did_you_mean: str = Field(description="纠错或拼音识别后的查询（无则为空）")
    themes: list[SearchThemeOut] = Field(description="查询点名的主题服务（一件事），列在事项之前")
    results: list[SearchHitOut]


class ItemFilters(Schema):
    department: str = ""
    life_event: LifeEvent | None = None
    enterprise_stage: EnterpriseStage | None = None
    audience: Audience | None = None
    theme: str = ""
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class SearchFilters(Schema):
    q: str = Field(..., description="搜索内容：中文、拼音全拼或首字母（如 jzz）、口语说法")
    limit: int = Field(10, ge=1, le=50)
    offset: int = Field(0, ge=0, le=1000)
    audience: Audience | None = None
    department: str = ""
    district: str = Field("", description="区划代码，如 310115")
    theme: str = ""
    online_depth: OnlineDepth | None = None


DETAIL_FIELDS = (
    "summary", "keywords", "life_event", "enterprise_stage", "legal_basis", "conditions",
    "process_steps", "fees", "channels", "locations", "consult_phone", "complaint_phone", "faq",
    "citywide", "commitment", "accept_with_gaps", "intermediary_services", "result",
    "form_schema", "form_ui",
)  # fmt: skip


def _item_url(item_id: int) -> str:
    return f"/services/items/{item_id}/"


def _theme_url(code: str) -> str:
    return f"/services/themes/{code}/"


def _summary(item) -> dict:
    v = item.published
    return {
        "id": item.pk,
        "name": v.name,
        "department": {
            "code": item.department.code,
            "name": item.department.name,
            "region": item.region.name,
        },
        "implementation_code": item.implementation_code,
        "item_type": v.item_type,
        "item_type_label": str(ItemType(v.item_type).label),
        "audience": v.audience,
        "case_type": v.case_type,
        "online_depth": v.online_depth,
        "promised_limit_days": v.promised_limit_days,
        "legal_limit_days": v.legal_limit_days,
        "visits": v.visits,
        "url": _item_url(item.pk),
    }


def _material(m) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "legal_basis": m.legal_basis,
        "form": m.form,
        "form_label": str(MaterialForm(m.form).label),
        "count": m.count,
        "paper_format": m.paper_format,
        "needs_signature": m.needs_signature,
        "needs_seal": m.needs_seal,
        "required": m.required,
        "condition": m.condition,
        "source": m.source,
        "source_label": str(MaterialSource(m.source).label),
        "licence_type_code": m.licence_type_code,
        "data_resource_code": m.data_resource_code,
        "template_url": f"/services/materials/{m.pk}/template/" if m.template_file else None,
        "example_url": f"/services/materials/{m.pk}/example/" if m.example_file else None,
    }


@router.get("/items", response={200: ItemPage, **ERRORS}, auth=None, summary="已发布事项列表")
def items(request, filters: Query[ItemFilters]):
    total, rows = selectors.items_list(
        department=filters.department,
        life_event=filters.life_event or "",
        enterprise_stage=filters.enterprise_stage or "",
        audience=filters.audience or "",
        theme=filters.theme,
        limit=filters.limit,
        offset=filters.offset,
    )
    return {"total": total, "results": [_summary(i) for i in rows]}


@router.get(
    "/items/{item_id}",
    response={200: ItemDetail, **ERRORS},
    auth=None,
    summary="事项详情：办事指南、材料与申请表单",
)
def item_detail(request, item_id: RowId):
    item = selectors.item_public(item_id)
    v = item.published
    data = _summary(item)
    data.update({f: getattr(v, f) for f in DETAIL_FIELDS})
    data.update(
        basic_code=item.basic_code,
        version=v.number,
        published_at=v.published_at.isoformat() if v.published_at else "",
        materials=[_material(m) for m in v.materials.all()],
        themes=[m.theme.code for m in item.theme_members.all()],
    )
    return data


@router.get(
    "/themes", response={200: list[ThemeOut], **ERRORS}, auth=None, summary="主题服务（一件事）列表"
)
def themes(request):
    return [
        {
            "code": t.code,
            "name": t.name,
            "summary": t.summary,
            "audience": t.audience,
            "promised_limit_days": t.promised_limit_days,
            "members": t.n,
        }
        for t in selectors.themes_list()
    ]


@router.get(
    "/themes/{code}",
    response={200: ThemeDetail, **ERRORS},
    auth=None,
    summary="主题服务详情：成员事项、各环节部门与合并表单",
)
def theme_detail(request, code: str):
    theme = selectors.theme_public(code)
    parts = []
    for member in theme.members.all():
        item = member.item
        if item.published_id is None:
            continue
        parts.append({"part": member.part, "item": _summary(item)})
    return {
        "code": theme.code,
        "name": theme.name,
        "summary": theme.summary,
        "audience": theme.audience,
        "promised_limit_days": theme.promised_limit_days,
        "parts": parts,
        "form_schema": theme.form_schema,
        "form_ui": theme.form_ui,
    }


@router.get(
    "/search",
    response={200: SearchOut, **ERRORS},
    auth=None,
    summary="搜索事项（分词、拼音、口语、纠错），结果按相关度排序",
    description="错误码：catalog.search.too_long（超过 100 个字符）、"
    "catalog.search.no_terms（只有标点或空白）。",
)
def search(request, filters: Query[SearchFilters]):
    result = catalog_search.search(
        filters.q,
        limit=filters.limit,
        offset=filters.offset,
        audience=filters.audience or "",
        department=filters.department,
        district=filters.district,
        theme=filters.theme,
        online_depth=filters.online_depth or "",
    )
    return {
        "query": result.query,
        "total": result.total,
        "did_you_mean": result.did_you_mean,
        "themes": [{**t.__dict__, "url": _theme_url(t.code)} for t in result.themes],
        "results": [
            {**h.__dict__, "name_highlighted": str(h.name_html), "url": _item_url(h.id)}
            for h in result.hits
        ],
    }


class FormCheckOut(Schema):
    valid: bool


def _check(schema: dict, data: dict) -> dict:
    errors = schema_forms.validate(schema, data)
    if errors:
        raise InvalidInput(
            CatalogError.FORM_INVALID,
            _("申请表有 %(n)d 处需要修改。") % {"n": len(errors)},
            fields=errors,
        )
    return {"valid": True}


@router.post(
    "/items/{item_id}/form/check",
    response={200: FormCheckOut, **ERRORS},
    auth=None,
    summary="按事项的申请表单（JSON Schema）检查填写内容",
    description="与门户“在线填写”使用同一份 JSON Schema；错误逐字段返回中文说明。",
)
def item_form_check(request, item_id: RowId, data: Body[dict[str, Any]]):
    item = selectors.item_public(item_id)
    return _check(item.published.form_schema or {"type": "object"}, data)


@router.post(
    "/themes/{code}/form/check",
    response={200: FormCheckOut, **ERRORS},
    auth=None,
    summary="按主题服务的合并表单检查填写内容",
)
def theme_form_check(request, code: str, data: Body[dict[str, Any]]):
    return _check(selectors.theme_public(code).form_schema, data)
