"""Verbs that change the catalog. Each is one transaction, audit-logged, and checks who acts.

Every public verb is top-level (``audited_atomic(durable=True)``): it opens a durable
transaction, so calling it from inside another transaction is a bug that raises
``RuntimeError`` rather than a savepoint that could be rolled back without the caller noticing;
its audit entries are appended together when it ends. No verb calls another: shared steps are
private helpers.

Stewards (role ``data_steward`` of the item's department) create items, draft and submit
versions; platform admins review: reject back to draft or publish. Publishing supersedes the
previous published version and bumps the search-index version so every process catches up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record, audited_atomic
from tongban.core.errors import DomainError, InvalidInput
from tongban.identity import selectors as identity_selectors

from . import access, errors, validators
from .choices import VersionStatus
from .content import JsonRefused, clean_content, content_of, strict_json
from .errors import CatalogError
from .models import CatalogState, Material, ServiceItem, ServiceItemVersion, Theme, ThemeMember
from .schema_forms import ordered_properties
from .search import cache as search_cache

if TYPE_CHECKING:
    from tongban.identity.models import Staff

if TYPE_CHECKING:
    from tongban.identity.models import Department


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise errors.reason_required()
    return reason[:500]


def _department(code_or_department):
    if isinstance(code_or_department, str):
        try:
            return identity_selectors.department_by_code(code_or_department)
        except DomainError:
            raise errors.department_unknown(code_or_department) from None
    return code_or_department


def _codes(*, basic_code: str, implementation_code: str, department) -> tuple[str, str]:
    basic = validators.validate_basic_code(basic_code)
    implementation = validators.validate_implementation_code(
        implementation_code, basic_code=basic, department_uscc=department.uscc
    )
    return basic, implementation


def _write_materials(version: ServiceItemVersion, materials: list[dict], files=None) -> None:
    """Replace a draft's materials. Template/example files are kept by position when the caller
    passes the previous rows' files (a new draft copies them)."""
    version.materials.all().delete()
    rows = []
    for i, m in enumerate(materials):
        row = Material(version=version, order=i, **m)
        if files and i < len(files):
            row.template_file, row.example_file = files[i]
        rows.append(row)
    Material.objects.bulk_create(rows)


def _search_version_bump() -> int:
    CatalogState.objects.get_or_create(id=1)
    CatalogState.objects.filter(id=1).update(search_version=F("search_version") + 1)
    version = CatalogState.objects.values_list("search_version", flat=True).get(id=1)
    search_cache.version_bumped(version)
    return version


@audited_atomic(durable=True)
def item_create(
    *,
    staff: Staff,
    department,
    basic_code: str,
    implementation_code: str,
    content: dict,
    reason: str,
    region=None,
) -> ServiceItemVersion:
    """A new item and its first draft (version 1)."""
    department = _department(department)
    access.require_steward(staff, department)
    reason = _reason(reason)
    basic, implementation = _codes(
        basic_code=basic_code, implementation_code=implementation_code, department=department
    )
    fields, materials = clean_content(content)
    if ServiceItem.objects.filter(implementation_code=implementation).exists():
        raise errors.implementation_code_taken(implementation)
    try:
        with transaction.atomic():
            item = ServiceItem.objects.create(
                basic_code=basic,
                implementation_code=implementation,
                department=department,
                region=region or department.region,
            )
    except IntegrityError:
        raise errors.implementation_code_taken(implementation) from None
    version = ServiceItemVersion.objects.create(
        item=item, number=1, change_reason=reason, created_by=staff.account, **fields
    )
    _write_materials(version, materials)
    audit_record(
        action="catalog.item.create",
        actor=staff.account,
        target=version,
        details={"implementation_code": implementation, "reason": reason},
    )
    return version


@audited_atomic(durable=True)
def version_draft(*, staff: Staff, item: ServiceItem, reason: str, content: dict | None = None):
    """Start a new draft from the published version (or the latest one)."""
    item = ServiceItem.objects.select_for_update().select_related("department").get(pk=item.pk)
    access.require_steward(staff, item.department)
    reason = _reason(reason)
    if item.versions.filter(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]).exists():
        raise errors.wrong_status(_("无未完成的草稿"), _("已有草稿或审核中的版本"))
    base = item.published or item.versions.order_by("-number").first()
    assert base is not None, "an item is created with its first version"
    base_materials = list(base.materials.all())
    data = content_of(base, base_materials)
    if content:
        data.update(content)
    fields, materials = clean_content(data)
    version = ServiceItemVersion.objects.create(
        item=item,
        number=base.number + 1 if base else 1,
        change_reason=reason,
        created_by=staff.account,
        **fields,
    )
    files = (
        [(m.template_file, m.example_file) for m in base_materials]
        if not content or "materials" not in content
        else None
    )
    _write_materials(version, materials, files)
    audit_record(
        action="catalog.version.draft",
        actor=staff.account,
        target=version,
        details={"number": version.number, "reason": reason},
    )
    return version


def _locked(version: ServiceItemVersion) -> ServiceItemVersion:
    return (
        ServiceItemVersion.objects.select_for_update()
        .select_related("item", "item__department")
        .get(pk=version.pk)
    )


@audited_atomic(durable=True)
def version_update(*, staff: Staff, version: ServiceItemVersion, content: dict, reason: str):
    version = _locked(version)
    access.require_steward(staff, version.item.department)
    if version.status != VersionStatus.DRAFT:
        if version.status in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED):
            raise errors.published_is_frozen()
        raise errors.wrong_status(VersionStatus.DRAFT.label, version.get_status_display())
    reason = _reason(reason)
    data = content_of(version)
    data.update(content)
    fields, materials = clean_content(data)
    for field, value in fields.items():
        setattr(version, field, value)
    version.change_reason = reason
    version.created_by = staff.account
    version.save()
    if "materials" in content:
        _write_materials(version, materials)
    audit_record(
        action="catalog.version.update",
        actor=staff.account,
        target=version,
        details={"reason": reason, "fields": ",".join(sorted(content))[:300]},
    )
    return version


@audited_atomic(durable=True)
def version_submit(*, staff: Staff, version: ServiceItemVersion) -> ServiceItemVersion:
    version = _locked(version)
    access.require_steward(staff, version.item.department)
    if version.status != VersionStatus.DRAFT:
        raise errors.wrong_status(VersionStatus.DRAFT.label, version.get_status_display())
    version.status = VersionStatus.IN_REVIEW
    version.submitted_by, version.submitted_at = staff.account, timezone.now()
    version.save()
    audit_record(action="catalog.version.submit", actor=staff.account, target=version)
    return version


@audited_atomic(durable=True)
def version_reject(*, staff: Staff, version: ServiceItemVersion, note: str) -> ServiceItemVersion:
    access.require_publisher(staff)
    version = _locked(version)
    if version.status != VersionStatus.IN_REVIEW:
        raise errors.wrong_status(VersionStatus.IN_REVIEW.label, version.get_status_display())
    note = (note or "").strip()
    if not note:
        raise errors.invalid(CatalogError.REVIEW_NOTE_REQUIRED, _("退回时请写明审核意见。"), "note")
    version.status = VersionStatus.DRAFT
    version.reviewed_by, version.reviewed_at, version.review_note = (
        staff.account,
        timezone.now(),
        note[:500],
    )
    version.save()
    audit_record(
        action="catalog.version.reject", actor=staff.account, target=version, details={"note": note}
    )
    return version


def _publish(version: ServiceItemVersion, *, actor, note: str = "") -> ServiceItemVersion:
    item = ServiceItem.objects.select_for_update().get(pk=version.item_id)
    previous = item.published
    if previous is not None:
        ServiceItemVersion.objects.filter(pk=previous.pk).update(status=VersionStatus.SUPERSEDED)
    now = timezone.now()
    ServiceItemVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.PUBLISHED,
        reviewed_by=actor,
        reviewed_at=now,
        review_note=note[:500],
        published_at=now,
    )
    item.published_id = version.pk
    item.search_version = _search_version_bump()
    item.save(update_fields=["published", "search_version"])
    version.refresh_from_db()
    return version


@audited_atomic(durable=True)
def version_publish(
    *, staff: Staff, version: ServiceItemVersion, note: str = ""
) -> ServiceItemVersion:
    access.require_publisher(staff)
    version = _locked(version)
    if version.status != VersionStatus.IN_REVIEW:
        raise errors.wrong_status(VersionStatus.IN_REVIEW.label, version.get_status_display())
    version = _publish(version, actor=staff.account, note=note)
    audit_record(
        action="catalog.version.publish",
        actor=staff.account,
        target=version,
        details={"number": version.number, "implementation_code": version.item.implementation_code},
    )
    return version


# --- themes ---------------------------------------------------------------------------------


def merged_form(parts: Iterable[tuple[str, dict, dict]]) -> tuple[dict, dict]:
    """One form for a theme from its members' forms: each field asked once (by name), required if
    any member requires it; ``x-parts`` says which members use a field."""
    properties: dict = {}
    required: list[str] = []
    ui: dict = {}
    used: dict[str, list[str]] = {}
    for part, schema, hints in parts:
        for name, prop in ordered_properties(schema):
            properties.setdefault(name, prop)
            used.setdefault(name, []).append(part)
            if name in hints:
                ui.setdefault(name, hints[name])
        for name in (schema or {}).get("required", []):
            if name not in required:
                required.append(name)
    for name, prop in properties.items():
        properties[name] = {**prop, "x-parts": used[name]}
    schema = {
        "type": "object",
        "properties": properties,
        "required": required,
        "x-order": list(properties),
    }
    validators.validate_form_schema(schema, ui)
    return schema, ui


@audited_atomic(durable=True)
def theme_save(
    *,
    code: str,
    name: str,
    audience: str,
    members: list[tuple[ServiceItem, str]],
    summary: str = "",
    keywords: list[str] | None = None,
    promised_limit_days: int = 1,
    actor=None,
) -> Theme:
    """Create or replace a theme. Members must be published items."""
    if not members:
        raise errors.invalid(CatalogError.THEME_MEMBERS, _("主题服务至少包含一个事项。"), "members")
    if promised_limit_days <= 0:
        raise errors.invalid(
            CatalogError.LIMIT_PROMISED, _("承诺时限应为大于 0 的工作日数。"), "promised_limit_days"
        )
    parts = []
    for item, part in members:
        if item.published_id is None:
            raise errors.invalid(
                CatalogError.THEME_UNPUBLISHED, _("主题成员须为已发布事项。"), "members"
            )
        published = item.published
        assert published is not None, "checked just above"
        parts.append((part, published.form_schema, published.form_ui))
    schema, ui = merged_form(parts)
    theme, _created = Theme.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "audience": audience,
            "summary": summary,
            "keywords": keywords or [],
            "form_schema": schema,
            "form_ui": ui,
            "promised_limit_days": promised_limit_days,
            "updated_at": timezone.now(),
        },
    )
    touched = set(theme.members.values_list("item_id", flat=True))
    theme.members.all().delete()
    ThemeMember.objects.bulk_create(
        [
            ThemeMember(theme=theme, item=item, order=i, part=part)
            for i, (item, part) in enumerate(members)
        ]
    )
    touched |= {item.pk for item, _part in members}
    version = _search_version_bump()
    ServiceItem.objects.filter(pk__in=touched).update(search_version=version)
    audit_record(
        action="catalog.theme.save", actor=actor, target=theme, details={"members": len(members)}
    )
    return theme


# --- import ---------------------------------------------------------------------------------

IMPORT_KEYS = ("implementation_code", "basic_code", "department")


class ImportRejected(InvalidInput):
    """Some rows are wrong; nothing was imported. ``rows``: [{line, field, reason}]."""

    def __init__(self, rows: list[dict]):
        message = _("导入文件有 %(n)d 处错误，未导入任何事项。") % {"n": len(rows)}
        super().__init__(CatalogError.IMPORT_REJECTED, message)
        self.rows = rows

    def as_dict(self) -> dict:
        return {**super().as_dict(), "rows": self.rows}


@dataclass(frozen=True)
class ImportResult:
    created: int
    drafted: int


def parse_import(*, data: bytes, fmt: str) -> list[tuple[int, dict]]:
    """(line, row) pairs from a JSON array or a CSV file (header on line 1)."""
    import csv
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(
            [{"line": 0, "field": "file", "reason": _("文件须为 UTF-8 编码。")}]
        ) from None
    if fmt == "json":
        try:
            rows = strict_json(text)
        except JsonRefused as exc:
            problem = {"line": exc.line, "field": "file", "reason": exc.message}
            raise ImportRejected([problem | ({"code": exc.code} if exc.code else {})]) from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ImportRejected(
                [{"line": 1, "field": "file", "reason": _("JSON 须为事项对象的数组。")}]
            )
        return [(i + 1, r) for i, r in enumerate(rows)]
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        return [(reader.line_num, dict(r)) for r in reader]
    raise ImportRejected([{"line": 0, "field": "format", "reason": _("仅支持 JSON 或 CSV。")}])


@audited_atomic(durable=True)
def items_import(*, staff: Staff, rows: list[tuple[int, dict]], reason: str) -> ImportResult:
    """Validate every row first; if any row fails, raise ``ImportRejected`` listing them all and
    save nothing. New implementation codes become new items (version 1, draft); known ones of
    the same department get a new draft."""
    reason = _reason(reason)
    problems: list[dict] = []
    departments: dict[str, Department] = {}
    seen: dict[str, int] = {}
    plan = []
    existing = {
        item.implementation_code: item
        for item in ServiceItem.objects.filter(
            implementation_code__in=[
                str(r.get("implementation_code", "")).strip().upper() for _l, r in rows
            ]
        ).select_related("department", "published")
    }
    open_items = set(
        ServiceItemVersion.objects.filter(
            item__in=existing.values(), status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]
        ).values_list("item_id", flat=True)
    )
    for line, row in rows:
        try:
            code = str(row.get("department") or "").strip()
            if code not in departments:
                departments[code] = _department(code)
            department = departments[code]
            access.require_steward(staff, department)
            basic, implementation = _codes(
                basic_code=str(row.get("basic_code") or ""),
                implementation_code=str(row.get("implementation_code") or ""),
                department=department,
            )
            if implementation in seen:
                raise errors.invalid(
                    CatalogError.IMPORT_DUPLICATE_ROW,
                    _("实施编码与第 %(l)d 行重复。") % {"l": seen[implementation]},
                    "implementation_code",
                )
            seen[implementation] = line
            item = existing.get(implementation)
            if item is not None:
                if item.department_id != department.pk:
                    raise errors.implementation_code_taken(implementation)
                if item.pk in open_items:
                    raise errors.invalid(
                        CatalogError.IMPORT_OPEN_VERSION,
                        _("该事项已有草稿或审核中的版本，请先处理后再导入。"),
                        "implementation_code",
                    )
            fields, materials = clean_content(row)
            plan.append((department, basic, implementation, item, fields, materials))
        except DomainError as exc:
            field = next(iter(exc.fields), "") if exc.fields else ""
            problems.append({"line": line, "field": field, "reason": exc.message, "code": exc.code})
    if problems:
        raise ImportRejected(problems)
    created = drafted = 0
    for department, basic, implementation, item, fields, materials in plan:
        if item is None:
            item = ServiceItem.objects.create(
                basic_code=basic,
                implementation_code=implementation,
                department=department,
                region=department.region,
            )
            number = 1
            created += 1
        else:
            number = (
                item.versions.order_by("-number").values_list("number", flat=True).first() or 0
            ) + 1
            drafted += 1
        version = ServiceItemVersion.objects.create(
            item=item, number=number, change_reason=reason, created_by=staff.account, **fields
        )
        _write_materials(version, materials)
    audit_record(
        action="catalog.import",
        actor=staff.account,
        target_type="catalog.serviceitem",
        details={"created": created, "drafted": drafted, "rows": len(rows), "reason": reason},
    )
    return ImportResult(created=created, drafted=drafted)


# --- bulk load (demo seed, benchmarks) ------------------------------------------------------


@audited_atomic(durable=True)
def items_load_published(*, entries: list[dict], reason: str) -> list[ServiceItemVersion]:
    """Create items and publish their first version in bulk, validated exactly like a steward's
    draft. Entries: {department, basic_code, implementation_code, popularity, content}.
    Refuses the whole batch on the first invalid entry."""
    reason = _reason(reason)
    prepared = []
    for entry in entries:
        department = _department(entry["department"])
        basic, implementation = _codes(
            basic_code=entry["basic_code"],
            implementation_code=entry["implementation_code"],
            department=department,
        )
        fields, materials = clean_content(entry["content"])
        prepared.append(
            (department, basic, implementation, entry.get("popularity", 0), fields, materials)
        )
    if not prepared:
        return []
    codes = [p[2] for p in prepared]
    taken = set(
        ServiceItem.objects.filter(implementation_code__in=codes).values_list(
            "implementation_code", flat=True
        )
    )
    if taken or len(set(codes)) != len(codes):
        raise errors.implementation_code_taken(next(iter(taken)) if taken else "（批内重复）")
    version_no = _search_version_bump()
    now = timezone.now()
    items = ServiceItem.objects.bulk_create(
        [
            ServiceItem(
                basic_code=b,
                implementation_code=c,
                department=d,
                region=d.region,
                popularity=p,
                search_version=version_no,
            )
            for d, b, c, p, _f, _m in prepared
        ],
        batch_size=1000,
    )
    if items and items[0].pk is None:  # backends without RETURNING
        by_code = dict(
            ServiceItem.objects.filter(implementation_code__in=codes).values_list(
                "implementation_code", "pk"
            )
        )
        for item in items:
            item.pk = by_code[item.implementation_code]
    versions = ServiceItemVersion.objects.bulk_create(
        [
            ServiceItemVersion(
                item=item,
                number=1,
                status=VersionStatus.PUBLISHED,
                change_reason=reason,
                published_at=now,
                reviewed_at=now,
                **fields,
            )
            for item, (_d, _b, _c, _p, fields, _m) in zip(items, prepared, strict=True)
        ],
        batch_size=1000,
    )
    if versions and versions[0].pk is None:
        by_item = dict(
            ServiceItemVersion.objects.filter(item__in=items).values_list("item_id", "pk")
        )
        for version in versions:
            version.pk = by_item[version.item_id]
    Material.objects.bulk_create(
        [
            Material(version=version, order=i, **m)
            for version, (*_rest, materials) in zip(versions, prepared, strict=True)
            for i, m in enumerate(materials)
        ],
        batch_size=2000,
    )
    for item, version in zip(items, versions, strict=True):
        item.published_id = version.pk
    ServiceItem.objects.bulk_update(items, ["published"], batch_size=1000)
    audit_record(
        action="catalog.import",
        target_type="catalog.serviceitem",
        details={"created": len(items), "published": len(items), "reason": reason},
    )
    return versions
