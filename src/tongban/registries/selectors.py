"""Reads of the base registries.

These return what the registries hold, unmasked: the caller (the exchange, the hotline, a
prefill) decides which fields its reader may see, masks them and audits the read. Nothing here
is scoped to a staff member, so nothing here is exposed to a page or an API without such a
caller in between.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.core import compiled

from . import access, geo
from .choices import ChangeKind, Dataset, FieldType, FindingKind, PlaceKind
from .errors import RegistryError, invalid
from .keys import clean_key, dataset_of, key_hash
from .models import (
    EntityRecord,
    Place,
    PopulationRecord,
    QualityRun,
    RegistryChange,
    RegistryCorrection,
)
from .synthetic import SyntheticCity

if TYPE_CHECKING:
    from tongban.identity.models import Department, Staff

DATASETS = (Dataset.POPULATION.value, Dataset.LEGAL_ENTITIES.value, Dataset.PLACES.value)
CHANGES_LIMIT_MAX = 5000
SEARCH_LIMIT_MAX = 50
SEARCH_TEXT_MAX = 100


@dataclass(frozen=True)
class DatasetField:
    name: str
    label: Promise | str
    type: str
    personal: bool = False
    sensitive: bool = False


@dataclass(frozen=True)
class RegistryRecord:
    dataset: str
    key: str
    fields: dict[str, str | None]
    provider_code: str
    provider_name: str
    updated_at: datetime


@dataclass(frozen=True)
class ChangeRow:
    id: int
    dataset: str
    record_key_hash: str
    kind: str
    fields: list[str]
    at: datetime


@dataclass(frozen=True)
class PlaceMatch:
    district_code: str
    district_name: str
    street_code: str | None
    street_name: str | None
    grid_code: str | None
    grid_name: str | None
    address_code: str | None
    address: str | None
    lat: Decimal | None
    lng: Decimal | None


_S, _D, _N, _C = FieldType.STRING.value, FieldType.DATE.value, FieldType.DECIMAL.value, "code"
_FIELDS: dict[str, tuple[DatasetField, ...]] = {
    Dataset.POPULATION: (
        DatasetField("id_number", gettext_lazy("公民身份号码"), _C, True, True),
        DatasetField("name", gettext_lazy("姓名"), _S, True),
        DatasetField("gender", gettext_lazy("性别"), _C, True),
        DatasetField("birth_date", gettext_lazy("出生日期"), _D, True),
        DatasetField("hukou_address", gettext_lazy("户籍地址"), _S, True, True),
        DatasetField("residence_code", gettext_lazy("居住地址编码"), _C, True, True),
        DatasetField("residence_address", gettext_lazy("居住地址"), _S, True, True),
        DatasetField("marital_status", gettext_lazy("婚姻状况"), _C, True, True),
        DatasetField("household_code", gettext_lazy("户号"), _C, True),
    ),
    Dataset.LEGAL_ENTITIES: (
        DatasetField("uscc", gettext_lazy("统一社会信用代码"), _C),
        DatasetField("name", gettext_lazy("名称"), _S),
        DatasetField("kind", gettext_lazy("类型"), _C),
        DatasetField("legal_representative_name", gettext_lazy("法定代表人姓名"), _S, True),
        DatasetField(
            "legal_representative_id_number",
            gettext_lazy("法定代表人公民身份号码"),
            _C,
            True,
            True,
        ),
        DatasetField("registered_capital", gettext_lazy("注册资本（万元）"), _N),
        DatasetField("address_code", gettext_lazy("住所地址编码"), _C),
        DatasetField("address", gettext_lazy("住所"), _S),
        DatasetField("business_scope", gettext_lazy("经营范围"), _S),
        DatasetField("status", gettext_lazy("登记状态"), _C),
        DatasetField("established_on", gettext_lazy("成立日期"), _D),
    ),
    Dataset.PLACES: (
        DatasetField("code", gettext_lazy("编码"), _C),
        DatasetField("kind", gettext_lazy("类型"), _C),
        DatasetField("name", gettext_lazy("名称"), _S),
        DatasetField("parent_code", gettext_lazy("上级编码"), _C),
        DatasetField("address", gettext_lazy("标准地址"), _S),
        DatasetField("district_code", gettext_lazy("区划代码"), _C),
        DatasetField("street_code", gettext_lazy("街镇代码"), _C),
        DatasetField("grid_code", gettext_lazy("网格编码"), _C),
        DatasetField("lat", gettext_lazy("纬度"), _N),
        DatasetField("lng", gettext_lazy("经度"), _N),
    ),
}


def dataset_fields(dataset: str) -> list[DatasetField]:
    """The fields a record of ``dataset`` carries, in order, each with its type and whether it
    is personal (about a natural person) or sensitive (masked unless a grant says otherwise)."""
    return list(_FIELDS[dataset_of(dataset)])


def record_key_hash(*, dataset: str, key: str) -> str:
    """The keyed hash ``RegistryChange.record_key_hash`` holds for the record of ``key``
    (checked and normalized first: ``registry.key_malformed``)."""
    ds = dataset_of(dataset)
    return key_hash(ds, clean_key(ds, key))


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _population_fields(record: PopulationRecord) -> dict[str, str | None]:
    residence = record.residence
    return {
        "id_number": record.id_number,
        "name": record.name,
        "gender": record.gender,
        "birth_date": _text(record.birth_date),
        "hukou_address": record.hukou_address or None,
        "residence_code": residence.code if residence else None,
        "residence_address": residence.address if residence else None,
        "marital_status": record.marital_status,
        "household_code": record.household_code or None,
    }


def _entity_fields(record: EntityRecord) -> dict[str, str | None]:
    rep, address = record.legal_representative, record.address
    return {
        "uscc": record.uscc,
        "name": record.name,
        "kind": record.kind,
        "legal_representative_name": rep.name,
        "legal_representative_id_number": rep.id_number,
        "registered_capital": _text(record.registered_capital),
        "address_code": address.code if address else None,
        "address": address.address if address else None,
        "business_scope": record.business_scope or None,
        "status": record.status,
        "established_on": _text(record.established_on),
    }


_ANCESTORS = ("parent__parent__parent", "grid", "provider")


def _lineage(place: Place) -> dict[PlaceKind, Place]:
    """The place and its ancestors by kind (an address: committee, street, district)."""
    found: dict[PlaceKind, Place] = {}
    node: Place | None = place
    while node is not None:
        found[PlaceKind(node.kind)] = node
        node = node.parent
    if place.grid is not None:
        found[PlaceKind.GRID] = place.grid
    return found


def _place_fields(place: Place) -> dict[str, str | None]:
    lineage = _lineage(place)
    district, street, grid = (
        lineage.get(PlaceKind.DISTRICT),
        lineage.get(PlaceKind.STREET),
        lineage.get(PlaceKind.GRID),
    )
    return {
        "code": place.code,
        "kind": place.kind,
        "name": place.name,
        "parent_code": place.parent.code if place.parent else None,
        "address": place.address or None,
        "district_code": district.code if district else None,
        "street_code": street.code if street else None,
        "grid_code": grid.code if grid else None,
        "lat": _text(place.lat),
        "lng": _text(place.lng),
    }


def keyed_records(ds: Dataset, normalized: str) -> QuerySet:
    """The rows holding ``normalized`` (a cleaned key) in ``ds``: the one place that says how
    each dataset is keyed (a person by the keyed hash of the ID number, an entity by its USCC,
    a place by its code)."""
    if ds == Dataset.POPULATION:
        return PopulationRecord.objects.filter(id_number_hash=key_hash(ds, normalized))
    if ds == Dataset.LEGAL_ENTITIES:
        return EntityRecord.objects.filter(uscc=normalized)
    return Place.objects.filter(code=normalized)


_POPULATION_COLUMNS = (
    "id_number",
    "name",
    "gender",
    "birth_date",
    "hukou_address",
    "residence__code",
    "residence__address",
    "marital_status",
    "household_code",
    "provider__code",
    "provider__name",
    "updated_at",
)


def _population_by_hash() -> QuerySet:
    """The population read ``record_by_key`` compiles once per connection (core.compiled)."""
    return PopulationRecord.objects.filter(id_number_hash="").values_list(*_POPULATION_COLUMNS)[:1]


def _population_record(normalized: str) -> RegistryRecord | None:
    """A person's record by the keyed hash of their ID number: one indexed read of the
    columns it gives, by SQL compiled once (the exchange's hot read, bench/exchange_query.py);
    the same fields as ``_population_fields``."""
    row = compiled.first_row(
        "registries.population_by_hash",
        PopulationRecord,
        _population_by_hash,
        [key_hash(Dataset.POPULATION, normalized)],
    )
    if row is None:
        return None
    (id_number, name, gender, born, hukou, place_code, place_address) = row[:7]
    marital, household, provider_code, provider_name, updated = row[7:]
    return RegistryRecord(
        dataset=Dataset.POPULATION.value,
        key=normalized,
        fields={
            "id_number": id_number,
            "name": name,
            "gender": gender,
            "birth_date": _text(born),
            "hukou_address": hukou or None,
            "residence_code": place_code,
            "residence_address": place_address,
            "marital_status": marital,
            "household_code": household or None,
        },
        provider_code=provider_code,
        provider_name=provider_name,
        updated_at=updated,
    )


def record_by_key(*, dataset: str, key: str) -> RegistryRecord | None:
    """The record of ``key`` (an ID number, a USCC or a place code) in ``dataset``, or None.
    A malformed key is ``registry.key_malformed`` (422, field ``key``)."""
    ds = dataset_of(dataset)
    normalized = clean_key(ds, key)
    fields: dict[str, str | None]
    if ds == Dataset.POPULATION:
        return _population_record(normalized)
    if ds == Dataset.LEGAL_ENTITIES:
        entity = (
            keyed_records(ds, normalized)
            .select_related("legal_representative", "address", "provider")
            .first()
        )
        if entity is None:
            return None
        fields, provider, updated = _entity_fields(entity), entity.provider, entity.updated_at
    else:
        place = keyed_records(ds, normalized).select_related(*_ANCESTORS).first()
        if place is None:
            return None
        fields, provider, updated = _place_fields(place), place.provider, place.updated_at
    return RegistryRecord(
        dataset=ds.value,
        key=normalized,
        fields=fields,
        provider_code=provider.code,
        provider_name=provider.name,
        updated_at=updated,
    )


def changes_after(*, dataset: str, after_id: int, limit: int = 500) -> list[ChangeRow]:
    """The changes of ``dataset`` after the change ``after_id`` (0: from the start), oldest
    first, at most ``limit`` (1–5000). The exchange keeps the last id it delivered."""
    ds = dataset_of(dataset)
    if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
        raise invalid(RegistryError.QUERY_INVALID, "after_id", _("after_id 应为非负整数。"))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= CHANGES_LIMIT_MAX:
        message = _("limit 应为 1 至 %(max)s 之间的整数。") % {"max": CHANGES_LIMIT_MAX}
        raise invalid(RegistryError.QUERY_INVALID, "limit", message)
    rows = RegistryChange.objects.filter(dataset=ds, id__gt=after_id).order_by("id")[:limit]
    return [
        ChangeRow(
            id=row.id,
            dataset=row.dataset,
            record_key_hash=row.record_key_hash,
            kind=ChangeKind(row.kind).value,
            fields=list(row.fields),
            at=row.at,
        )
        for row in rows
    ]


# ----------------------------------------------------------------------------------- places


def _match(place: Place) -> PlaceMatch:
    lineage = _lineage(place)
    district = lineage.get(PlaceKind.DISTRICT)
    street = lineage.get(PlaceKind.STREET)
    grid = lineage.get(PlaceKind.GRID)
    is_address = place.kind == PlaceKind.ADDRESS
    assert district is not None  # every place descends from a district (place_parent_unless_…)
    return PlaceMatch(
        district_code=district.code,
        district_name=district.name,
        street_code=street.code if street else None,
        street_name=street.name if street else None,
        grid_code=grid.code if grid else None,
        grid_name=grid.name if grid else None,
        address_code=place.code if is_address else None,
        address=place.address if is_address else None,
        lat=place.lat,
        lng=place.lng,
    )


def place_by_code(code: str) -> PlaceMatch | None:
    """A place's district, street, grid and (for a standard address) address, or None.
    A malformed code is ``registry.key_malformed``."""
    normalized = clean_key(Dataset.PLACES, code)
    place = Place.objects.select_related(*_ANCESTORS).filter(code=normalized).first()
    return _match(place) if place is not None else None


def place_names(codes) -> dict[str, str]:
    """The names of the places with these codes (code → name), in one query."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(Place.objects.filter(code__in=wanted).values_list("code", "name"))


def _coordinate(value: object, field: str, bound: int) -> float:
    try:
        number = float(Decimal(str(value))) if not isinstance(value, float) else value
    except (InvalidOperation, ValueError, TypeError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not -bound <= number <= bound:
        message = _("坐标应为 -%(bound)s 至 %(bound)s 之间的十进制度数。") % {"bound": bound}
        raise invalid(RegistryError.POINT_INVALID, field, message)
    return number


# Boxes tried around a point, in degrees of latitude: about 550 m, 2.2 km, 9 km, 33 km.
_BOXES = (0.005, 0.02, 0.08, 0.3)


def place_for_point(*, lat: Decimal | float, lng: Decimal | float) -> PlaceMatch | None:
    """The district, street and grid of the standard address nearest to a point (CGCS2000 /
    WGS84), or None when the point is outside the city's outline or no address lies within
    about 30 km. Each try reads the addresses in a box around the point (``place_address_point``
    index), growing the box until the nearest one found is nearer than the box's edge."""
    y, x = _coordinate(lat, "lat", 90), _coordinate(lng, "lng", 180)
    if not geo.in_city(y, x):
        return None
    scale = max(math.cos(math.radians(y)), 0.1)
    for half in _BOXES:
        candidates = [
            (pk, math.hypot(float(a or 0) - y, (float(b or 0) - x) * scale))
            for pk, a, b in Place.objects.filter(
                kind=PlaceKind.ADDRESS,
                lat__isnull=False,
                lat__gte=y - half,
                lat__lte=y + half,
                lng__gte=x - half / scale,
                lng__lte=x + half / scale,
            ).values_list("pk", "lat", "lng")
        ]
        if not candidates:
            continue
        best, distance = min(candidates, key=lambda c: (c[1], c[0]))
        if distance <= half:
            place = Place.objects.select_related(*_ANCESTORS).get(pk=best)
            return _match(place)
    return None


_ROAD = re.compile(r"[\u4e00-\u9fff]+?(?:大道|公路|大街|路|街|巷)")
_NUMBER = re.compile(r"^(\d{1,5})(?:号|弄(?:(\d{1,5})号?)?)?")


def _clean_search_text(text: object) -> str:
    if not isinstance(text, str):
        raise invalid(RegistryError.QUERY_INVALID, "text", _("请输入要查找的地址。"))
    if len(text) > SEARCH_TEXT_MAX * 4 or "\x00" in text:
        message = _("地址最长 %(max)s 个字。") % {"max": SEARCH_TEXT_MAX}
        raise invalid(RegistryError.QUERY_INVALID, "text", message)
    cleaned = "".join(unicodedata.normalize("NFKC", text).split())
    if not cleaned or len(cleaned) > SEARCH_TEXT_MAX:
        message = _("请输入 1 至 %(max)s 个字的地址。") % {"max": SEARCH_TEXT_MAX}
        raise invalid(RegistryError.QUERY_INVALID, "text", message)
    return cleaned


def _area_filters(text: str) -> tuple[str, Q]:
    """Take district and street names out of the text; return the rest and a filter."""
    condition = Q()
    rest = text.removeprefix("上海市").removeprefix("上海")
    areas = Place.objects.filter(kind__in=[PlaceKind.DISTRICT, PlaceKind.STREET]).values_list(
        "kind", "code", "name"
    )
    for kind, code, name in sorted(areas, key=lambda a: -len(a[2])):
        short = name.removesuffix("新区").removesuffix("区") if kind == PlaceKind.DISTRICT else ""
        for variant in (name, short):
            if len(variant) >= 2 and variant in rest:
                rest = rest.replace(variant, "", 1)
                prefix = "A" + code
                condition &= Q(code__startswith=prefix)
                break
    return rest, condition


def places_search(*, text: str, limit: int = 10) -> list[PlaceMatch]:
    """Standard addresses matching a typed address ("浦东新区张杨路500号", "张杨路500弄").
    The road is found in the text and looked up by the ``place_address_road`` index, the
    longest road name the registry knows winning ("在张杨路" reads as 张杨路); a house number
    after it narrows the result, a district or street name in the text restricts it. A text
    naming no known road falls back to addresses containing it (a scan, stopped at ``limit``)."""
    cleaned = _clean_search_text(text)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= SEARCH_LIMIT_MAX:
        message = _("limit 应为 1 至 %(max)s 之间的整数。") % {"max": SEARCH_LIMIT_MAX}
        raise invalid(RegistryError.QUERY_INVALID, "limit", message)
    rest, area = _area_filters(cleaned)
    addresses = Place.objects.filter(area, kind=PlaceKind.ADDRESS)
    found = None
    for candidate in _ROAD.finditer(rest):
        phrase = candidate.group(0)
        suffixes = [phrase[i:] for i in range(len(phrase) - 1)]
        roads = set(
            addresses.filter(road__in=suffixes).values_list("road", flat=True).distinct()[:20]
        )
        if roads:
            road = max(roads, key=len)
            found = addresses.filter(road=road)
            number = _NUMBER.match(rest[candidate.end() :])
            if number:
                lane, building = number.group(1), number.group(2)
                if building:
                    found = found.filter(house_number=f"{lane}弄{building}号")
                else:
                    found = found.filter(
                        Q(house_number=f"{lane}号") | Q(house_number__startswith=f"{lane}弄")
                    )
            break
    if found is None:
        found = addresses.filter(address__contains=rest or cleaned)
    rows = found.select_related(*_ANCESTORS).order_by("code")[:limit]
    return [_match(place) for place in rows]


# ------------------------------------------------------------------------- synthetic city


def synthetic_city_size(scale: int) -> dict[str, int]:
    """How many rows ``services.registry_seed_city(scale=scale)`` generates per kind (the
    places do not depend on the seed): the totals of a progress bar."""
    return {"places": len(SyntheticCity().places), "persons": scale, "entities": scale // 5}


# --------------------------------------------------------------------------- data quality

TREND_RUNS = 10


@dataclass(frozen=True)
class QualityRunRow:
    dataset: str
    started_at: datetime
    finished_at: datetime
    records: int
    counts: dict[str, int]
    samples: dict[str, list[str]]

    @property
    def findings(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class DatasetQuality:
    dataset: str
    latest: QualityRunRow | None
    trend: list[QualityRunRow]  # the last runs, oldest first, the latest last


def _run_row(run: QualityRun) -> QualityRunRow:
    return QualityRunRow(
        dataset=run.dataset,
        started_at=run.started_at,
        finished_at=run.finished_at,
        records=run.records,
        counts={rule: int(run.counts.get(rule, 0)) for rule in FindingKind.values},
        samples={rule: list(run.samples.get(rule, [])) for rule in FindingKind.values},
    )


def quality_report(provider: Department) -> list[DatasetQuality]:
    """A provider department's data quality: per dataset it provides records of, its latest
    run and its trend (the last ``TREND_RUNS`` runs, oldest first). Sample keys are masked."""
    report = []
    for dataset in DATASETS:
        runs = list(
            QualityRun.objects.filter(provider=provider, dataset=dataset).order_by(
                "-started_at", "-id"
            )[:TREND_RUNS]
        )
        if not runs:
            continue
        rows = [_run_row(run) for run in reversed(runs)]
        report.append(DatasetQuality(dataset=dataset, latest=rows[-1], trend=rows))
    return report


# --------------------------------------------------------------------------- the steward's pages

CORRECTIONS_PAGE = 100
FINDING_LABELS = {kind.value: kind.label for kind in FindingKind}
DATASET_LABELS = {ds.value: ds.label for ds in Dataset}


def mask_value(value: str) -> str:
    """A proposed value as a steward's list shows it: its first and last characters, the rest
    starred (at most 8 stars, so the length of a long address is not told either)."""
    text = str(value)
    if len(text) <= 2:
        return text[:1] + "*"
    return f"{text[0]}{'*' * min(len(text) - 2, 8)}{text[-1]}"


@dataclass(frozen=True)
class CorrectionRow:
    dataset: str
    dataset_label: str
    field: str
    field_label: str
    proposed_masked: str
    reference: str
    reported_at: datetime


def quality_for_steward(*, staff: Staff, provider: Department) -> list[DatasetQuality]:
    """``quality_report`` for a data steward of ``provider`` (or a platform admin); anyone
    else is refused (``access.require_steward``). Counts and masked sample keys only."""
    access.require_steward(staff, provider)
    return quality_report(provider)


def corrections_for_provider(
    *, staff: Staff, provider: Department, limit: int = CORRECTIONS_PAGE
) -> list[CorrectionRow]:
    """The corrections applicants reported against ``provider``'s records, newest first, for
    its data steward (or a platform admin; anyone else refused): dataset, field, the proposed
    value **masked** (``mask_value``), the reporting case's number, when. The unmasked value
    is never shown here, so the list is no read of anyone's personal data and is not audited;
    the record itself is named only by its keyed hash, which the list leaves out."""
    access.require_steward(staff, provider)
    rows = RegistryCorrection.objects.filter(provider=provider).order_by("-reported_at", "-id")
    labels = {ds: {f.name: f.label for f in dataset_fields(ds)} for ds in DATASETS}
    return [
        CorrectionRow(
            dataset=c.dataset,
            dataset_label=str(Dataset(c.dataset).label),
            field=c.field,
            field_label=str(labels.get(c.dataset, {}).get(c.field, c.field)),
            proposed_masked=mask_value(c.proposed),
            reference=c.reference,
            reported_at=c.reported_at,
        )
        for c in rows[:limit]
    ]


def addresses_sample(*, limit: int = 2000) -> list[PlaceMatch]:
    """Up to ``limit`` standard addresses with their district, street and grid, in code order
    (a deterministic spread for synthetic data such as the hotline's seeded year)."""
    places = (
        Place.objects.select_related(*_ANCESTORS)
        .filter(kind=PlaceKind.ADDRESS)
        .order_by("code")[:limit]
    )
    return [_match(place) for place in places]
