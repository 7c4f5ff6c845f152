"""The verbs that change the base registries.

Each top-level verb owns one durable transaction (``audited_atomic(durable=True)``), is
audited, and writes a ``RegistryChange`` for every record it creates or changes in that same
transaction, so the exchange never delivers a change that was rolled back and never misses one
that committed. A call that changes nothing writes nothing.
"""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record, audited_atomic
from tongban.core.errors import InvalidInput, NotFound
from tongban.identity import selectors as identity_selectors
from tongban.identity.validators import id_number_birth_date, id_number_gender

from . import bulk, quality
from .access import require_maintainer
from .choices import (
    ENTITY_STATUS_FINAL,
    ChangeKind,
    Dataset,
    EntityRecordKind,
    EntityStatus,
    Gender,
    MaritalStatus,
    PlaceKind,
)
from .errors import RegistryError, invalid, record_not_found
from .keys import clean_key, dataset_of, key_hash
from .models import (
    EntityRecord,
    Place,
    PopulationRecord,
    QualityRun,
    RegistryChange,
    RegistryCorrection,
)
from .selectors import dataset_fields, keyed_records
from .synthetic import (
    DEFAULT_SEED,
    ENTITY_PROVIDER,
    MAX_SCALE,
    POPULATION_PROVIDER,
    SyntheticCity,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tongban.identity.models import Account, Department, Staff

CAPITAL_MAX = Decimal("1000000000000")  # 万元


# --------------------------------------------------------------------------- input checks


def _choice(value: object, choices, field: str):
    if isinstance(value, str) and value in choices.values:
        return choices(value)
    message = _("“%(field)s”的取值无效，应为 %(values)s 之一。") % {
        "field": field,
        "values": "、".join(choices.values),
    }
    raise invalid(RegistryError.CHOICE_INVALID, field, message)


def _text(value: object, field: str, *, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(RegistryError.TEXT_INVALID, field, _("应为文本。"))
    text = value.strip()
    if len(text) > max_length or any(ord(c) < 32 and c not in "\n\t" for c in text):
        message = _("最长 %(max)s 个字，且不能含有控制字符。") % {"max": max_length}
        raise invalid(RegistryError.TEXT_INVALID, field, message)
    if required and not text:
        raise invalid(RegistryError.TEXT_INVALID, field, _("此项必填。"))
    return text


def _person_name(value: object, field: str = "name") -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not 2 <= len(name) <= 50 or any(c.isdigit() or ord(c) < 32 for c in name):
        message = _("请填写与身份证件一致的姓名（2至50个字，不含数字）。")
        raise invalid(RegistryError.NAME_INVALID, field, message)
    return name


def _date(value: object, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime.date) or value > timezone.localdate():
        message = _("应为不晚于今天的日期（YYYY-MM-DD）。")
        raise invalid(RegistryError.DATE_INVALID, field, message)
    return value


def _capital(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        amount = Decimal("NaN")
    if (
        not amount.is_finite()
        or amount < 0
        or amount > CAPITAL_MAX
        or amount != amount.quantize(Decimal("0.0001"))
    ):
        message = _("注册资本应为 0 至 1 万亿之间的金额（万元，最多 4 位小数）。")
        raise invalid(RegistryError.CAPITAL_INVALID, "registered_capital", message)
    return amount.quantize(Decimal("0.0001"))


def _provider(code: str) -> Department:
    try:
        return identity_selectors.department_by_code(code)
    except NotFound:
        message = _("数源部门“%(code)s”不存在。") % {"code": str(code)[:50]}
        raise invalid(RegistryError.PROVIDER_UNKNOWN, "provider", message) from None


def _address_place(code: str | None, field: str) -> Place | None:
    if code is None or code == "":
        return None
    try:
        normalized = clean_key(Dataset.PLACES, code)
    except InvalidInput:
        raise invalid(RegistryError.PLACE_NOT_FOUND, field, _("地址编码格式不正确。")) from None
    place = Place.objects.filter(code=normalized).first()
    if place is None:
        raise invalid(RegistryError.PLACE_NOT_FOUND, field, _("空间地理库中没有该标准地址。"))
    if place.kind != PlaceKind.ADDRESS:
        raise invalid(RegistryError.PLACE_KIND, field, _("应为标准地址，而不是区、街镇或网格。"))
    return place


def _same_provider(record, provider: Department) -> None:
    if record.provider_id != provider.pk:
        message = _("这条记录的数源部门是另一个部门，只能由它更新（一数一源）。")
        raise invalid(RegistryError.PROVIDER_MISMATCH, "provider", message)


def _apply(record, values: dict) -> list[str]:
    """Set ``values`` on ``record``; the names of the fields that changed, in order."""
    changed = []
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name.removesuffix("_id"))
    return changed


def _log(dataset: Dataset, key: str, kind: ChangeKind, fields: list[str]) -> None:
    RegistryChange.objects.create(
        dataset=dataset, record_key_hash=key_hash(dataset, key), kind=kind, fields=fields
    )


@dataclass(frozen=True)
class UpsertResult:
    key: str
    created: bool
    changed_fields: list[str]


def _upsert(
    record,
    new,
    values: dict,
    *,
    dataset: Dataset,
    key: str,
    provider: Department,
    actor: Staff | None,
    action: str,
) -> UpsertResult:
    """The shared end of an upsert: a new row (``new()``) takes every value, a held one (the
    provider's only) the values that differ; a row that changed is saved with its change-log
    entry and audit entry, one that did not is left alone and logs nothing."""
    created = record is None
    if record is None:
        record = new()
        changed = [field.removesuffix("_id") for field in values]
        for field, value in values.items():
            setattr(record, field, value)
    else:
        _same_provider(record, provider)
        changed = _apply(record, values)
        if not changed:
            return UpsertResult(key=key, created=False, changed_fields=[])
    record.updated_at = timezone.now()
    record.save()
    kind = ChangeKind.CREATED if created else ChangeKind.UPDATED
    _log(dataset, key, kind, changed)
    audit_record(
        action=action,
        actor=actor.account if actor is not None else None,
        target=record,
        details={"kind": kind.value, "fields": ",".join(changed), "provider": provider.code},
    )
    return UpsertResult(key=key, created=created, changed_fields=changed)


# ----------------------------------------------------------------------------- population


@audited_atomic(durable=True)
def registry_person_upsert(
    *,
    id_number: str,
    name: str,
    hukou_address: str = "",
    residence_code: str | None = None,
    marital_status: str = MaritalStatus.UNSTATED,
    household_code: str = "",
    gender: str | None = None,
    birth_date: datetime.date | str | None = None,
    provider_code: str = POPULATION_PROVIDER,
    actor: Staff | None = None,
) -> UpsertResult:
    """Create or update a resident's record. Gender and birth date come from the ID number
    (given ones must agree with it). Only the record's provider department changes it."""
    try:
        number = clean_key(Dataset.POPULATION, id_number)
    except InvalidInput as exc:
        raise invalid(RegistryError.KEY_MALFORMED, "id_number", exc.message) from None
    provider = _provider(provider_code)
    require_maintainer(actor, provider)
    derived_gender = Gender.MALE if id_number_gender(number) == "M" else Gender.FEMALE
    if gender is not None and _choice(gender, Gender, "gender") != derived_gender:
        message = _("性别与公民身份号码第 17 位不符。")
        raise invalid(RegistryError.GENDER_MISMATCH, "gender", message)
    derived_birth = id_number_birth_date(number)
    if birth_date is not None and _date(birth_date, "birth_date") != derived_birth:
        message = _("出生日期与公民身份号码第 7-14 位不符。")
        raise invalid(RegistryError.BIRTH_DATE_MISMATCH, "birth_date", message)
    residence = _address_place(residence_code, "residence_code")
    values = {
        "name": _person_name(name),
        "gender": derived_gender.value,
        "birth_date": derived_birth,
        "hukou_address": _text(hukou_address, "hukou_address", max_length=200),
        "residence_id": residence.pk if residence else None,
        "marital_status": _choice(marital_status, MaritalStatus, "marital_status").value,
        "household_code": _text(household_code, "household_code", max_length=20),
    }
    digest = key_hash(Dataset.POPULATION, number)
    record = PopulationRecord.objects.select_for_update().filter(id_number_hash=digest).first()
    return _upsert(
        record,
        lambda: PopulationRecord(id_number=number, id_number_hash=digest, provider=provider),
        values,
        dataset=Dataset.POPULATION,
        key=number,
        provider=provider,
        actor=actor,
        action="registries.person.upsert",
    )


# ---------------------------------------------------------------------------- legal entities


@audited_atomic(durable=True)
def registry_entity_upsert(
    *,
    uscc: str,
    name: str,
    kind: str,
    legal_representative_id_number: str,
    established_on: datetime.date | str,
    registered_capital: Decimal | str | None = None,
    address_code: str | None = None,
    business_scope: str = "",
    provider_code: str = ENTITY_PROVIDER,
    actor: Staff | None = None,
) -> UpsertResult:
    """Create or update a legal entity's record (its status changes only through
    ``registry_entity_status_set``). The legal representative must be in the population
    registry; the address, when given, a standard address."""
    try:
        code = clean_key(Dataset.LEGAL_ENTITIES, uscc)
    except InvalidInput as exc:
        raise invalid(RegistryError.KEY_MALFORMED, "uscc", exc.message) from None
    provider = _provider(provider_code)
    require_maintainer(actor, provider)
    try:
        rep_number = clean_key(Dataset.POPULATION, legal_representative_id_number)
    except InvalidInput as exc:
        raise invalid(
            RegistryError.KEY_MALFORMED, "legal_representative_id_number", exc.message
        ) from None
    rep = PopulationRecord.objects.filter(
        id_number_hash=key_hash(Dataset.POPULATION, rep_number)
    ).first()
    if rep is None:
        message = _("人口库中没有该法定代表人，请先登记其人口信息。")
        raise invalid(RegistryError.PERSON_NOT_FOUND, "legal_representative_id_number", message)
    address = _address_place(address_code, "address_code")
    values = {
        "name": _text(name, "name", max_length=200, required=True),
        "kind": _choice(kind, EntityRecordKind, "kind").value,
        "legal_representative_id": rep.pk,
        "registered_capital": _capital(registered_capital),
        "address_id": address.pk if address else None,
        "business_scope": _text(business_scope, "business_scope", max_length=4000),
        "established_on": _date(established_on, "established_on"),
    }
    record = EntityRecord.objects.select_for_update().filter(uscc=code).first()
    return _upsert(
        record,
        lambda: EntityRecord(uscc=code, provider=provider, status=EntityStatus.EXISTING),
        values,
        dataset=Dataset.LEGAL_ENTITIES,
        key=code,
        provider=provider,
        actor=actor,
        action="registries.entity.upsert",
    )


@audited_atomic(durable=True)
def registry_entity_status_set(*, uscc: str, status: str, actor: Staff | None = None) -> None:
    """Change an entity's registration status (e.g. it becomes 注销). 注销 is final; setting
    the status it already has is refused (``registry.status_unchanged``)."""
    try:
        code = clean_key(Dataset.LEGAL_ENTITIES, uscc)
    except InvalidInput as exc:
        raise invalid(RegistryError.KEY_MALFORMED, "uscc", exc.message) from None
    new = _choice(status, EntityStatus, "status")
    record = EntityRecord.objects.select_for_update().select_related("provider").filter(uscc=code)
    entity = record.first()
    if entity is None:
        raise record_not_found("uscc")
    require_maintainer(actor, entity.provider)
    if entity.status in ENTITY_STATUS_FINAL:
        message = _("该主体已注销，登记状态不能再变更。")
        raise invalid(RegistryError.STATUS_FINAL, "status", message)
    if entity.status == new:
        message = _("该主体的登记状态已是“%(status)s”。") % {"status": new.label}
        raise invalid(RegistryError.STATUS_UNCHANGED, "status", message)
    previous = entity.status
    entity.status = new
    entity.updated_at = timezone.now()
    entity.save(update_fields=["status", "updated_at"])
    _log(Dataset.LEGAL_ENTITIES, code, ChangeKind.STATUS, ["status"])
    audit_record(
        action="registries.entity.status",
        actor=actor.account if actor is not None else None,
        target=entity,
        details={"from": previous, "to": new.value},
    )


# --------------------------------------------------------------------------------- bulk


@audited_atomic(durable=True)
def registry_bulk_load(
    *,
    places: Iterable[bulk.PlaceRow] = (),
    persons: Iterable[bulk.PersonRow] = (),
    entities: Iterable[bulk.EntityRow] = (),
    progress=None,
) -> bulk.LoadCounts:
    """Load generated or imported rows in bulk: the places first, then the persons, then the
    entities (each refers to the ones before). Rows whose key is already held are skipped, so a
    re-run adds nothing; each added row has its ``created`` change. COPY on PostgreSQL,
    ``bulk_create`` in batches elsewhere. The rows are trusted to be valid (the generator's
    tests check them); ``registry_quality_check`` finds what is not. One audit entry, none
    when nothing was added."""
    counts = bulk.load(places=places, persons=persons, entities=entities, progress=progress)
    if not (counts.places or counts.persons or counts.entities):
        return counts
    audit_record(
        action="registries.bulk_load",
        target_type="registries",
        target_id="bulk",
        details={
            "places": counts.places,
            "persons": counts.persons,
            "entities": counts.entities,
        },
    )
    return counts


def registry_correction_report(
    *, dataset: str, key: str, field: str, proposed: str, reference: str, reported_by: Account
) -> RegistryCorrection | None:
    """An applicant submitted ``proposed`` where the registry prefilled ``field`` of ``key``'s
    record: flagged to the record's provider as a possible data-quality issue (None when the
    registry holds no such record or field). Not durable: a step of the submission that
    carries it (``cases``), in its transaction."""
    ds = dataset_of(dataset)
    if field not in {f.name for f in dataset_fields(ds)}:
        return None
    if ds == Dataset.PLACES:
        return None
    normalized = clean_key(ds, key)
    provider_id = keyed_records(ds, normalized).values_list("provider_id", flat=True).first()
    if provider_id is None:
        return None
    correction = RegistryCorrection.objects.create(
        provider_id=provider_id,
        dataset=ds,
        record_key_hash=key_hash(ds, normalized),
        field=field,
        proposed=str(proposed)[:2000],
        reference=str(reference)[:40],
    )
    audit_record(
        action="registries.correction.report",
        actor=reported_by,
        target=correction,
        details={"dataset": ds.value, "field": field, "reference": correction.reference},
    )
    return correction


# ------------------------------------------------------------------------ synthetic city


@dataclass(frozen=True)
class SeedPerson:
    """A person the seed must hold as given (the demo's own citizens)."""

    id_number: str
    name: str


@dataclass(frozen=True)
class SeedEntity:
    """An entity the seed must hold as given; its representative one of the given persons."""

    uscc: str
    name: str
    legal_representative_id_number: str


def registry_seed_city(
    *,
    scale: int,
    seed: int = DEFAULT_SEED,
    persons: Iterable[SeedPerson] = (),
    entities: Iterable[SeedEntity] = (),
    progress=None,
) -> bulk.LoadCounts:
    """Load the synthetic city (``synthetic.py``): its places, ``scale`` persons and
    ``scale // 5`` legal entities drawn from ``seed``, and the given persons and entities
    (their other fields drawn too). Deterministic: a re-run adds nothing and a larger scale only
    the missing rows. One durable transaction (``registry_bulk_load``'s)."""
    if isinstance(scale, bool) or not isinstance(scale, int) or not 0 <= scale <= MAX_SCALE:
        message = _("规模应为 0 至 %(max)s 之间的整数。") % {"max": MAX_SCALE}
        raise invalid(RegistryError.QUERY_INVALID, "scale", message)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise invalid(RegistryError.QUERY_INVALID, "seed", _("随机种子应为整数。"))
    city = SyntheticCity(seed)
    given = random.Random(f"{seed}:given")
    given_persons = [
        city.person(given, clean_key(Dataset.POPULATION, p.id_number), p.name) for p in persons
    ]
    given_entities = [
        city.entity(
            given,
            0,
            rep=clean_key(Dataset.POPULATION, e.legal_representative_id_number),
            uscc=clean_key(Dataset.LEGAL_ENTITIES, e.uscc),
            name=e.name,
            kind=EntityRecordKind.LIMITED_COMPANY,
            status=EntityStatus.EXISTING,
        )
        for e in entities
    ]
    return registry_bulk_load(
        places=city.places,
        persons=itertools.chain(given_persons, city.persons(scale)),
        entities=itertools.chain(given_entities, city.entities(scale // 5)),
        progress=progress,
    )


# -------------------------------------------------------------------------- data quality


@audited_atomic(durable=True)
def registry_quality_check(*, dataset: str) -> list[QualityRun]:
    """Run the data-quality rules (``quality.py``) over ``dataset`` (``population``,
    ``legal_entities`` or ``places``), one ``QualityRun`` per provider department holding its
    records, with the count per rule and a few masked sample keys. One audit entry."""
    ds = dataset_of(dataset)
    now = timezone.now()
    runs = []
    for provider_id in list(quality.providers(ds)):
        started = timezone.now()
        result = quality.check(ds, provider_id, now)
        runs.append(
            QualityRun.objects.create(
                provider_id=provider_id,
                dataset=ds.value,
                started_at=started,
                finished_at=timezone.now(),
                records=result.records,
                counts={rule: f.count for rule, f in result.findings.items()},
                samples={rule: f.samples for rule, f in result.findings.items() if f.samples},
            )
        )
    audit_record(
        action="registries.quality_check",
        target_type="registries",
        target_id=ds.value,
        details={
            "runs": len(runs),
            "records": sum(r.records for r in runs),
            "findings": sum(sum(r.counts.values()) for r in runs),
        },
    )
    return runs


def registry_quality_check_all() -> int:
    """Every dataset's quality check (each its own transaction): the background task's body.
    Returns how many runs were stored."""
    return sum(len(registry_quality_check(dataset=ds)) for ds in Dataset.values)
