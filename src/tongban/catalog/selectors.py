"""Reads of the catalog for pages, APIs, the search index and other contexts. Public reads see
published versions only; staff reads are scoped to the steward's department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, Prefetch, Q
from django.utils.translation import get_language

from tongban.identity import selectors as identity_selectors

from . import access, errors, schema_forms
from .choices import Audience, EnterpriseStage, LifeEvent, MaterialSource, VersionStatus
from .content import MATERIAL_FIELDS, VERSION_FIELDS
from .models import CatalogState, Material, ServiceItem, ServiceItemVersion, Theme, ThemeMember

if TYPE_CHECKING:
    from tongban.identity.models import Staff

PUBLIC_ITEM_FIELDS = ("published", "department", "department__region", "region")


def search_version() -> int:
    return CatalogState.objects.filter(id=1).values_list("search_version", flat=True).first() or 0


def search_themes() -> list[dict]:
    """Themes for the search index: code, name, keywords, summary, audience."""
    rows = Theme.objects.order_by("code").values("code", "name", "keywords", "summary", "audience")
    return [dict(row) for row in rows]


def _themes_by_item(item_ids=None) -> dict[int, list[str]]:
    qs = ThemeMember.objects.select_related("theme")
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    out: dict[int, list[str]] = {}
    for member in qs:
        out.setdefault(member.item_id, []).append(member.theme.code)
    return out


def _row(item: ServiceItem, themes: dict[int, list[str]]) -> dict:
    v = item.published
    assert v is not None, "the search index holds published items only"
    return {
        "id": item.pk,
        "name": v.name,
        "keywords": v.keywords,
        "summary": v.summary,
        "department": item.department.name,
        "department_code": item.department.code,
        "region_code": item.region.code,
        "audience": v.audience,
        "online_depth": v.online_depth,
        "themes": themes.get(item.pk, []),
        "life_event": v.life_event,
        "enterprise_stage": v.enterprise_stage,
        "tags": [
            str(LifeEvent(v.life_event).label) if v.life_event else "",
            str(EnterpriseStage(v.enterprise_stage).label) if v.enterprise_stage else "",
        ],
        "promised_limit_days": v.promised_limit_days,
        "legal_limit_days": v.legal_limit_days,
        "case_type": v.case_type,
        "visits": v.visits,
        "popularity": item.popularity,
    }


def search_rows(*, changed_after: int | None = None):
    """Rows for the search index: all published items, or ``(id, row | None)`` for the items
    stamped after ``changed_after`` (None when it is cheaper to rebuild)."""
    qs = ServiceItem.objects.select_related("published", "department", "region").only(
        "id", "popularity", "department__name", "department__code", "region__code",
        *(f"published__{f}" for f in (
            "name", "keywords", "summary", "audience", "online_depth", "life_event",
            "enterprise_stage", "promised_limit_days", "legal_limit_days", "case_type", "visits",
        )),
    )  # fmt: skip
    if changed_after is None:
        qs = qs.filter(published__isnull=False).order_by("id")
        themes = _themes_by_item()
        return [_row(item, themes) for item in qs.iterator(chunk_size=2000)]
    changed = list(qs.filter(search_version__gt=changed_after)[:5001])
    if len(changed) > 5000:
        return None
    themes = _themes_by_item([i.pk for i in changed])
    return [(i.pk, _row(i, themes) if i.published_id else None) for i in changed]


def published_items():
    return ServiceItem.objects.filter(published__isnull=False).select_related(*PUBLIC_ITEM_FIELDS)


# item id -> (the catalog's search version it was read at, the item with its published
# version, materials and theme memberships). Every publish and unpublish bumps that version
# (``services._search_version_bump``), and ``search.cache.search_version`` reads it without a
# query within its TTL, so a process reads a published item once per version, not per request.
# Callers must not change what it returns. Emptied with the search index (``reset_index``).
_published: dict[int, tuple[int, ServiceItem]] = {}
_PUBLISHED_MAX = 5000


def published_forget() -> None:
    _published.clear()


def item_public(item_id: int) -> ServiceItem:
    """A published item, read once per catalog search version in this process (see above)."""
    from .search.cache import search_version

    version = search_version()
    hit = _published.get(item_id)
    if hit is not None and hit[0] == version:
        return hit[1]
    item = _item_public(item_id)
    if len(_published) >= _PUBLISHED_MAX:
        _published.clear()
    _published[item_id] = (version, item)
    return item


def _item_public(item_id: int) -> ServiceItem:
    item = (
        published_items()
        .prefetch_related(
            Prefetch("published__materials", queryset=Material.objects.order_by("order", "id")),
            Prefetch("theme_members", queryset=ThemeMember.objects.select_related("theme")),
        )
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise errors.item_not_found()
    return item


def published_version(item: ServiceItem) -> ServiceItemVersion:
    """The published version of an item read through the public selectors (``item_public``,
    ``theme_members_published``), which return published items only: one unpublished since is
    "not found", as it is to a new reader."""
    if item.published is None:
        raise errors.item_not_found()
    return item.published


def material_public(material_id: int) -> Material:
    material = (
        Material.objects.select_related("version")
        .filter(pk=material_id, version__status=VersionStatus.PUBLISHED)
        .first()
    )
    if material is None:
        raise errors.item_not_found()
    return material


def items_list(
    *,
    department: str = "",
    life_event: str = "",
    enterprise_stage: str = "",
    audience: str = "",
    theme: str = "",
    limit: int = 50,
    offset: int = 0,
):
    qs = published_items()
    if department:
        qs = qs.filter(department__code=department)
    if life_event:
        qs = qs.filter(published__life_event=life_event)
    if enterprise_stage:
        qs = qs.filter(published__enterprise_stage=enterprise_stage)
    if audience:
        qs = qs.filter(published__audience__in=[audience, Audience.BOTH])
    if theme:
        qs = qs.filter(theme_members__theme__code=theme)
    qs = qs.order_by("-popularity", "published__name", "id")
    return qs.count(), list(qs[offset : offset + limit])


def departments_with_items() -> list[dict]:
    rows = (
        ServiceItem.objects.filter(published__isnull=False)
        .values(
            "department__code",
            "department__name",
            "department__kind",
            "department__region__name",
            "department__region__code",
        )
        .annotate(n=Count("id"))
        .order_by("department__region__code", "department__code")
    )
    return [
        {
            "code": r["department__code"],
            "name": r["department__name"],
            "kind": r["department__kind"],
            "region": r["department__region__name"],
            "region_code": r["department__region__code"],
            "count": r["n"],
        }
        for r in rows
    ]


def department_public(code: str):
    return identity_selectors.department_by_code(code)


def life_event_counts() -> dict[str, int]:
    rows = (
        ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .exclude(life_event="")
        .values("life_event")
        .annotate(n=Count("id"))
    )
    return {r["life_event"]: r["n"] for r in rows}


def enterprise_stage_counts() -> dict[str, int]:
    rows = (
        ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .exclude(enterprise_stage="")
        .values("enterprise_stage")
        .annotate(n=Count("id"))
    )
    return {r["enterprise_stage"]: r["n"] for r in rows}


def themes_list() -> list[Theme]:
    return list(Theme.objects.annotate(n=Count("members")).order_by("code"))


def theme_ids_with_member_department(department_id: int) -> list[int]:
    """Themes in which the department handles a (published) member item."""
    members = ThemeMember.objects.filter(
        item__department_id=department_id, item__published__isnull=False
    )
    return sorted(set(members.values_list("theme_id", flat=True)))


def theme_public(code: str) -> Theme:
    theme = (
        Theme.objects.prefetch_related(
            Prefetch(
                "members",
                queryset=ThemeMember.objects.select_related(
                    "item", "item__published", "item__department"
                ).order_by("order"),
            )
        )
        .filter(code=code)
        .first()
    )
    if theme is None:
        raise errors.theme_not_found()
    return theme


# --- staff ----------------------------------------------------------------------------------


def _versions():
    return ServiceItemVersion.objects.select_related(
        "item", "item__department", "created_by", "submitted_by"
    )


def versions_for_steward(*, staff: Staff, department=None, status: str = "", limit: int = 200):
    """Open and recent versions of the items of the steward's department."""
    department = department or staff.department
    access.require_steward(staff, department)
    qs = _versions().filter(item__department=department)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-created_at", "-id")[:limit])


def review_queue(*, staff: Staff, limit: int = 200):
    access.require_publisher(staff)
    return list(_versions().filter(status=VersionStatus.IN_REVIEW).order_by("submitted_at")[:limit])


def version_for_staff(*, staff: Staff, version_id: int) -> ServiceItemVersion:
    version = (
        _versions()
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("order")))
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise errors.item_not_found()
    if not access.is_publisher(staff):
        access.require_steward(staff, version.item.department)
    return version


def item_for_staff(*, staff: Staff, item_id: int) -> ServiceItem:
    item = ServiceItem.objects.select_related("department", "published").filter(pk=item_id).first()
    if item is None:
        raise errors.item_not_found()
    access.require_steward(staff, item.department)
    return item


def item_history(*, item: ServiceItem):
    return list(_versions().filter(item=item).order_by("-number"))


def items_export(*, staff: Staff, department=None) -> list[dict]:
    """The department's items as import rows: the published version, else the latest draft."""
    department = department or staff.department
    access.require_steward(staff, department)
    items = (
        ServiceItem.objects.filter(department=department)
        .select_related("department", "published")
        .prefetch_related(
            Prefetch("versions", queryset=ServiceItemVersion.objects.order_by("-number")),
            "versions__materials",
        )
        .order_by("implementation_code")
    )
    rows = []
    for item in items:
        version = item.published or next(iter(item.versions.all()), None)
        if version is None:
            continue
        materials = version.materials.all()
        row: dict[str, object] = {
            "implementation_code": item.implementation_code,
            "basic_code": item.basic_code,
            "department": item.department.code,
        }
        row.update({f: getattr(version, f) for f in VERSION_FIELDS})
        row["materials"] = [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in materials]
        rows.append(row)
    return rows


def items_count(*, published_only: bool = True) -> int:
    qs = ServiceItem.objects.all()
    if published_only:
        qs = qs.filter(published__isnull=False)
    return qs.count()


def draft_count_for_department(department) -> int:
    return ServiceItemVersion.objects.filter(
        Q(status=VersionStatus.DRAFT) | Q(status=VersionStatus.IN_REVIEW),
        item__department=department,
    ).count()


def form_errors(*, schema: dict, data: dict) -> dict[str, str]:
    """Field-by-field Chinese messages for form data against an item's or theme's schema
    (empty when valid): the same check the catalog's own form page makes."""
    return schema_forms.validate(schema, data)


def form_sealed_fields(schema: dict) -> frozenset[str]:
    """The fields of a form whose answers are personal data (sealed at rest, masked for staff)."""
    return schema_forms.sealed_fields(schema)


def form_answers_masked(*, schema: dict, data: dict) -> dict:
    return schema_forms.masked(schema, data)


def form_sources(schema: dict) -> dict[str, tuple[str, str]]:
    """Field → (base registry, field) it is prefilled from (``x-source``)."""
    return schema_forms.sources(schema)


def form_bindings(schema: dict) -> dict[str, str]:
    """Field → the applicant's own value it must equal (``applicant.id_number``…)."""
    return schema_forms.bindings(schema)


# --- materials checklist --------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistEntry:
    """One material an application may need. ``ids`` are the catalog materials it stands for
    (several when a theme's members ask for the same material); an upload for any of them counts.
    ``uploaded_by_applicant`` is False for materials an e-licence or data sharing supplies."""

    id: int
    ids: tuple[int, ...]
    name: str
    required: bool
    condition: str
    source: str
    source_label: str
    form_label: str
    count: int
    applies_if: dict | None
    parts: tuple[str, ...] = ()
    licence_type_code: str = ""  # the licence type that supplies it (source: e-licence)
    data_resource_code: str = ""  # the exchange resource that supplies it (source: data sharing)

    @property
    def uploaded_by_applicant(self) -> bool:
        return self.source == MaterialSource.APPLICANT

    def applies_to(self, form_data: dict | None) -> bool:
        """Whether the material is needed for these answers: always without a machine-readable
        condition; else when the answer to its field (or one of a multiple choice) is listed."""
        if not self.applies_if:
            return True
        answer = (form_data or {}).get(self.applies_if["field"])
        answers = answer if isinstance(answer, list) else [answer]
        return any(a in self.applies_if["in"] for a in answers if a is not None)


def _entry(material: Material, parts: tuple[str, ...] = ()) -> ChecklistEntry:
    return ChecklistEntry(
        id=material.pk,
        ids=(material.pk,),
        name=material.name,
        required=material.required,
        condition=material.condition,
        source=material.source,
        source_label=str(material.get_source_display()),
        form_label=str(material.get_form_display()),
        count=material.count,
        applies_if=material.applies_if or None,
        parts=parts,
        licence_type_code=material.licence_type_code
        if material.source == MaterialSource.LICENCE
        else "",
        data_resource_code=material.data_resource_code
        if material.source == MaterialSource.DATA_RESOURCE
        else "",
    )


def _materials_of(version: ServiceItemVersion) -> list[Material]:
    cached = getattr(version, "_prefetched_objects_cache", {}).get("materials")
    rows = list(cached) if cached is not None else list(version.materials.all())
    return sorted(rows, key=lambda m: (m.order, m.pk))


def material_entries(*, version: ServiceItemVersion) -> list[ChecklistEntry]:
    """Every material of an item version, each with its condition (for pages that show and hide
    conditional materials as the applicant answers).

    Memoised on the version instance, per language (the labels are translated): an application
    asks five times, and building an entry costs about half a millisecond of Django's choice
    display and gettext. A published version does not change, and its instance lives as long as
    the per-process cache of published items (``item_public``, keyed by the catalog's version);
    any other instance lives for one request."""
    memo = version.__dict__.setdefault("_material_entries", {})
    language = get_language()
    if language not in memo:
        memo[language] = tuple(_entry(m) for m in _materials_of(version))
    return list(memo[language])


def theme_material_entries(*, theme: Theme) -> list[ChecklistEntry]:
    """The materials of a theme's published members, one entry per material name: required if
    any member requires it, and naming the parts that need it."""
    by_name: dict[str, ChecklistEntry] = {}
    members = ThemeMember.objects.filter(theme=theme, item__published__isnull=False)
    members = members.select_related("item__published").prefetch_related(
        Prefetch("item__published__materials", queryset=Material.objects.order_by("order", "id"))
    )
    for member in members.order_by("order", "id"):
        published = member.item.published
        assert published is not None, "filtered on item__published above"
        for material in _materials_of(published):
            entry = _entry(material, (member.part,))
            seen = by_name.get(entry.name)
            if seen is None:
                by_name[entry.name] = entry
                continue
            by_name[entry.name] = ChecklistEntry(
                **{
                    **seen.__dict__,
                    "ids": seen.ids + entry.ids,
                    "required": seen.required or entry.required,
                    "parts": seen.parts + entry.parts,
                    # a condition holds for the merged entry only if every member shares it
                    "applies_if": seen.applies_if if seen.applies_if == entry.applies_if else None,
                }
            )
    return list(by_name.values())


def material_checklist(*, version: ServiceItemVersion, form_data: dict) -> list[ChecklistEntry]:
    """The materials this application needs, given its answers (conditional ones only when
    their condition holds)."""
    return [e for e in material_entries(version=version) if e.applies_to(form_data)]


def theme_material_checklist(*, theme: Theme, form_data: dict) -> list[ChecklistEntry]:
    return [e for e in theme_material_entries(theme=theme) if e.applies_to(form_data)]


def theme_members_published(theme: Theme) -> list[ThemeMember]:
    """The members of ``theme`` whose item has a published version, in the theme's order: the
    parts a case of the theme is made of. Reads ``theme.members`` as ``theme_public`` prefetched
    it (item, published version and department), so it costs no query."""
    return [m for m in theme.members.all() if m.item.published_id]


def theme_applies_online(theme: Theme) -> bool:
    """A theme takes online applications when every published member item does."""
    versions = [published_version(m.item) for m in theme_members_published(theme)]
    return bool(versions) and all(v.applies_online for v in versions)


# --- the published catalog in figures (免提交率) -------------------------------------------


def published_material_counts() -> list[dict]:
    """The materials of every item's published version, counted per implementing department and
    source (申请人提交 / 电子证照获取 / 数据共享获取), with the form fields each department's
    published forms prefill from the base registries (``x-source``) beside them: rows of
    ``{"department_id", "department", "source", "materials"}`` and, per department,
    ``{"department_id", "department", "prefilled_fields"}`` under ``source == ""``. Two queries:
    the materials grouped in the database; the forms (one per published item) read here, since
    ``x-source`` is inside the schema's JSON."""
    published = ServiceItem.objects.filter(published__isnull=False).values("published_id")
    rows = list(
        Material.objects.filter(version_id__in=published)
        .values("source")
        .annotate(
            department_id=models.F("version__item__department_id"),
            department=models.F("version__item__department__name"),
            materials=Count("id"),
        )
        .values("department_id", "department", "source", "materials")
        .order_by("department", "source")
    )
    fields: dict[int, dict] = {}
    forms = ServiceItemVersion.objects.filter(pk__in=published).values_list(
        "item__department_id", "item__department__name", "form_schema"
    )
    for department_id, department, schema in forms:
        row = fields.setdefault(
            department_id,
            {"department_id": department_id, "department": department, "source": "",
             "prefilled_fields": 0},
        )  # fmt: skip
        row["prefilled_fields"] += len(schema_forms.sources(schema or {}))
    return rows + list(fields.values())


def published_data_materials() -> list[dict]:
    """The materials of every item's published version that data sharing is to supply, per
    implementing department and resource code: rows of ``{"department_id", "code",
    "materials"}`` (whether a resource answers the code is the exchange's to say). One query."""
    published = ServiceItem.objects.filter(published__isnull=False).values("published_id")
    return list(
        Material.objects.filter(version_id__in=published, source=MaterialSource.DATA_RESOURCE)
        .values("data_resource_code")
        .annotate(department_id=models.F("version__item__department_id"), materials=Count("id"))
        .values("department_id", "data_resource_code", "materials")
        .order_by()
    )
