"""The data-quality rules, per dataset (called by ``services.registry_quality_check``).

Each rule counts one provider department's records that break it (``FindingKind``) and keeps
the keys of the first few, masked:

- ``required``: a field every record must carry is empty (a person's name, gender, hukou
  address or residence; an entity's name, kind or address; an address's text or point);
- ``check_character``: the key does not check (ID number: ISO 7064 MOD 11-2, and gender and
  birth date agree with it; USCC: GB 32100; a place code: its form and its parent's prefix);
- ``reference``: what a record points at is not what it should be (a residence or entity
  address that is not a standard address, a hukou address no standard address reads, an entity
  whose legal representative is not in the population registry, an address without a grid);
- ``duplicate``: records that look like one (persons: same name and birth date; entities: same
  name; addresses: same text);
- ``stale``: not updated within the dataset's expected period (``EXPECTED_PERIOD``).

Counting is done by the database where it can (``Count``, ``Exists``); only the check
characters are computed here, streaming the keys in chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from tongban.identity.validators import (
    IdentifierError,
    mask_id_number,
    validate_id_number,
    validate_uscc,
)

from .choices import Dataset, FindingKind, Gender, PlaceKind
from .keys import PLACE_CODE
from .models import EntityRecord, Place, PopulationRecord

SAMPLES = 5
CHUNK = 5000
EXPECTED_PERIOD = {
    Dataset.POPULATION: timedelta(days=365),
    Dataset.LEGAL_ENTITIES: timedelta(days=365),
    Dataset.PLACES: timedelta(days=730),
}


def mask_uscc(code: str) -> str:
    """``"91310115********6A"``: the registering authority's part and the last two kept."""
    return code[:8] + "*" * max(len(code) - 10, 0) + code[-2:] if len(code) > 10 else "*" * 8


@dataclass
class Finding:
    count: int = 0
    samples: list[str] = field(default_factory=list)

    def add(self, key: str) -> None:
        self.count += 1
        if len(self.samples) < SAMPLES:
            self.samples.append(key)


@dataclass
class Result:
    records: int
    findings: dict[str, Finding]


def _from_query(query: QuerySet, key: str, mask: Callable[[str], str]) -> Finding:
    samples = [mask(k) for k in query.order_by("id").values_list(key, flat=True)[:SAMPLES]]
    return Finding(count=query.count(), samples=samples)


def _duplicates(
    query: QuerySet, fields: list[str], key: str, mask: Callable[[str], str]
) -> Finding:
    groups = query.values(*fields).annotate(n=Count("id")).filter(n__gt=1).order_by(*fields)
    count = sum(g["n"] for g in groups.iterator())
    samples: list[str] = []
    for group in groups[:SAMPLES]:
        if len(samples) >= SAMPLES:
            break
        match = query.filter(**{f: group[f] for f in fields}).order_by("id")
        samples += [mask(k) for k in match.values_list(key, flat=True)[: SAMPLES - len(samples)]]
    return Finding(count=count, samples=samples)


def _addresses() -> QuerySet:
    return Place.objects.filter(kind=PlaceKind.ADDRESS)


def _person_key_broken(number: str, gender: str, birth) -> bool:
    try:
        normalized = validate_id_number(number)
    except IdentifierError:
        return True
    expected = Gender.MALE if int(normalized[16]) % 2 else Gender.FEMALE
    return gender != expected or birth.strftime("%Y%m%d") != normalized[6:14]


def _population(records: QuerySet, cutoff: datetime) -> dict[str, Finding]:
    mask = mask_id_number
    key = "id_number"
    checks = Finding()
    rows = records.order_by("id").values_list("id_number", "gender", "birth_date")
    for number, gender, birth in rows.iterator(chunk_size=CHUNK):
        if _person_key_broken(number, gender, birth):
            checks.add(mask(number))
    known = _addresses().filter(address=OuterRef("hukou_address"))
    reference = records.filter(
        (Q(residence__isnull=False) & ~Q(residence__kind=PlaceKind.ADDRESS))
        | (~Q(hukou_address="") & ~Exists(known))
    )
    return {
        FindingKind.REQUIRED: _from_query(
            records.filter(
                Q(name="") | Q(gender="") | Q(hukou_address="") | Q(residence__isnull=True)
            ),
            key,
            mask,
        ),
        FindingKind.CHECK_CHARACTER: checks,
        FindingKind.REFERENCE: _from_query(reference, key, mask),
        FindingKind.DUPLICATE: _duplicates(records, ["name", "birth_date"], key, mask),
        FindingKind.STALE: _from_query(records.filter(updated_at__lt=cutoff), key, mask),
    }


def _entities(records: QuerySet, cutoff: datetime) -> dict[str, Finding]:
    mask, key = mask_uscc, "uscc"
    checks = Finding()
    for code in records.order_by("id").values_list("uscc", flat=True).iterator(chunk_size=CHUNK):
        try:
            validate_uscc(code)
        except IdentifierError:
            checks.add(mask(code))
    # NOT EXISTS, not NOT IN: an anti-join, however many persons there are
    known_person = PopulationRecord.objects.filter(pk=OuterRef("legal_representative_id"))
    reference = records.filter(
        (Q(address__isnull=False) & ~Q(address__kind=PlaceKind.ADDRESS)) | ~Exists(known_person)
    )
    return {
        FindingKind.REQUIRED: _from_query(
            records.filter(Q(name="") | Q(kind="") | Q(address__isnull=True)), key, mask
        ),
        FindingKind.CHECK_CHARACTER: checks,
        FindingKind.REFERENCE: _from_query(reference, key, mask),
        FindingKind.DUPLICATE: _duplicates(records, ["name"], key, mask),
        FindingKind.STALE: _from_query(records.filter(updated_at__lt=cutoff), key, mask),
    }


def _place_code_broken(code: str, kind: str, parent: str | None) -> bool:
    if not PLACE_CODE.fullmatch(code):
        return True
    body = code.lstrip("AG")
    expected = {
        PlaceKind.DISTRICT: (6, None),
        PlaceKind.STREET: (9, 6),
        PlaceKind.COMMITTEE: (12, 9),
        PlaceKind.GRID: (12, 9),
        PlaceKind.ADDRESS: (17, 12),
    }[PlaceKind(kind)]
    length, prefix = expected
    if len(body) != length or (kind == PlaceKind.ADDRESS) != code.startswith("A"):
        return True
    if (kind == PlaceKind.GRID) != code.startswith("G"):
        return True
    return prefix is not None and (parent is None or body[:prefix] != parent)


def _places(records: QuerySet, cutoff: datetime) -> dict[str, Finding]:
    mask, key = str, "code"
    checks = Finding()
    rows = records.order_by("id").values_list("code", "kind", "parent__code")
    for code, kind, parent in rows.iterator(chunk_size=CHUNK):
        if _place_code_broken(code, kind, parent):
            checks.add(code)
    addresses = records.filter(kind=PlaceKind.ADDRESS)
    reference = addresses.filter(Q(grid__isnull=True) | ~Q(parent__kind=PlaceKind.COMMITTEE))
    return {
        FindingKind.REQUIRED: _from_query(
            records.filter(
                Q(name="") | (Q(kind=PlaceKind.ADDRESS) & (Q(address="") | Q(lat__isnull=True)))
            ),
            key,
            mask,
        ),
        FindingKind.CHECK_CHARACTER: checks,
        FindingKind.REFERENCE: _from_query(reference, key, mask),
        FindingKind.DUPLICATE: _duplicates(addresses, ["address"], key, mask),
        FindingKind.STALE: _from_query(records.filter(updated_at__lt=cutoff), key, mask),
    }


_MODELS = {
    Dataset.POPULATION: (PopulationRecord, _population),
    Dataset.LEGAL_ENTITIES: (EntityRecord, _entities),
    Dataset.PLACES: (Place, _places),
}


def providers(dataset: Dataset) -> Iterable[int]:
    """The provider departments holding records of ``dataset``."""
    model, _ = _MODELS[dataset]
    return model.objects.order_by("provider_id").values_list("provider_id", flat=True).distinct()


def check(dataset: Dataset, provider_id: int, now: datetime) -> Result:
    """The rules of ``dataset`` over ``provider_id``'s records."""
    model, rules = _MODELS[dataset]
    records = model.objects.filter(provider_id=provider_id)
    findings = rules(records, now - EXPECTED_PERIOD[dataset])
    return Result(records=records.count(), findings={str(k): v for k, v in findings.items()})
