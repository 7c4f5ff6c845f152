"""Portal pages of the catalog: browse (department, life event, enterprise lifecycle, theme),
the item guide (with a printable view and template downloads), and search."""

from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongban.core.errors import DomainError

from . import schema_forms, selectors
from . import search as catalog_search
from .choices import Audience, EnterpriseStage, ItemType, LifeEvent, OnlineDepth

PAGE_SIZE = 20


def _int(value, default: int = 1) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def home(request):
    life = selectors.life_event_counts()
    stages = selectors.enterprise_stage_counts()
    return render(
        request,
        "catalog/home.html",
        {
            "life_events": [(e, life.get(e.value, 0)) for e in LifeEvent],
            "stages": [(s, stages.get(s.value, 0)) for s in EnterpriseStage],
            "themes": selectors.themes_list(),
            "departments": selectors.departments_with_items(),
        },
    )


def _listing(request, *, title: str, subtitle: str = "", **filters):
    page = _int(request.GET.get("page"))
    total, items = selectors.items_list(**filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render(
        request,
        "catalog/list.html",
        {
            "title": title,
            "subtitle": subtitle,
            "items": items,
            "total": total,
            "page": page,
            "pages": pages,
        },
    )


def life_event(request, event: str):
    if event not in LifeEvent.values:
        raise Http404
    return _listing(
        request, title=_("个人办事 · %(e)s") % {"e": LifeEvent(event).label}, life_event=event
    )


def enterprise_stage(request, stage: str):
    if stage not in EnterpriseStage.values:
        raise Http404
    return _listing(
        request,
        title=_("法人办事 · %(s)s") % {"s": EnterpriseStage(stage).label},
        enterprise_stage=stage,
    )


def departments(request):
    return render(
        request, "catalog/departments.html", {"departments": selectors.departments_with_items()}
    )


def department(request, code: str):
    dept = selectors.department_public(code)
    return _listing(request, title=dept.name, subtitle=dept.region.name, department=code)


def theme(request, code: str):
    theme = selectors.theme_public(code)
    fields = [
        {"name": name, "title": prop.get("title", name), "parts": prop.get("x-parts", []),
         "required": name in theme.form_schema.get("required", [])}
        for name, prop in schema_forms.ordered_properties(theme.form_schema)
    ]  # fmt: skip
    return render(
        request,
        "catalog/theme.html",
        {"theme": theme, "fields": fields, "applies_online": selectors.theme_applies_online(theme)},
    )


def item(request, item_id: int):
    item = selectors.item_public(item_id)
    return render(request, "catalog/item.html", _item_context(item))


def item_print(request, item_id: int):
    item = selectors.item_public(item_id)
    return render(request, "catalog/item_print.html", _item_context(item))


def _item_context(item) -> dict:
    v = item.published
    schema = v.form_schema or {}
    return {
        "item": item,
        "v": v,
        "item_type": ItemType(v.item_type).label,
        "depth": [OnlineDepth(d).label for d in v.online_depth],
        "materials": list(v.materials.all()),
        "form_fields": [
            {"title": p.get("title", n), "required": n in schema.get("required", [])}
            for n, p in schema_forms.ordered_properties(schema)
        ],
        "themes": [m.theme for m in item.theme_members.all()],
    }


def material_file(request, material_id: int, kind: str):
    if kind not in ("template", "example"):
        raise Http404
    material = selectors.material_public(material_id)
    file = material.template_file if kind == "template" else material.example_file
    if not file:
        raise Http404
    suffix = file.name.rsplit(".", 1)[-1]
    label = _("空白模板") if kind == "template" else _("填写样例")
    return FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=f"{material.name}（{label}）.{suffix}",
        content_type="application/rtf" if suffix == "rtf" else None,
    )


SEARCH_FILTERS = ("audience", "department", "district", "theme", "online_depth")


def search(request):
    q = request.GET.get("q", "")
    filters = {k: request.GET.get(k, "") for k in SEARCH_FILTERS}
    page = _int(request.GET.get("page"))
    result, error, status = None, None, 200
    if q.strip():
        try:
            result = catalog_search.search(
                q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters
            )
        except DomainError as exc:
            error, status = exc, exc.status
    pages = max(1, ((result.total if result else 0) + PAGE_SIZE - 1) // PAGE_SIZE)
    departments = selectors.departments_with_items()
    return render(
        request,
        "catalog/search.html",
        {
            "q": q
            if len(q) <= catalog_search.MAX_QUERY_CHARS
            else q[: catalog_search.MAX_QUERY_CHARS],
            "filters": filters,
            "result": result,
            "error": error,
            "page": page,
            "pages": pages,
            # the pager keeps the query and every filter; only the page changes
            "page_query": urlencode({"q": q, **{k: v for k, v in filters.items() if v}}),
            "audiences": [(v, label) for v, label in Audience.choices if v != Audience.BOTH],
            "depths": OnlineDepth.choices,
            "themes": selectors.themes_list(),
            "departments": departments,
            "districts": sorted({(d["region_code"], d["region"]) for d in departments}),
        },
        status=status,
    )


def _form_page(request, *, title, back_url, schema, ui):
    data, errors, checked, status = {}, {}, False, 200
    if request.method == "POST":
        data = schema_forms.coerce(schema, request.POST)
        errors = schema_forms.validate(schema, data)
        checked, status = not errors, (422 if errors else 200)
    return render(
        request,
        "catalog/form.html",
        {
            "title": title,
            "back_url": back_url,
            "fields": schema_forms.fields(schema, ui, data, errors),
            "errors": errors,
            "checked": checked,
        },
        status=status,
    )


def item_form(request, item_id: int):
    item = selectors.item_public(item_id)
    v = item.published
    if not v.form_schema:
        raise Http404
    return _form_page(
        request,
        title=v.name,
        back_url=f"/services/items/{item.pk}/",
        schema=v.form_schema,
        ui=v.form_ui,
    )


def theme_form(request, code: str):
    theme = selectors.theme_public(code)
    return _form_page(
        request,
        title=theme.name,
        back_url=f"/services/themes/{theme.code}/",
        schema=theme.form_schema,
        ui=theme.form_ui,
    )
