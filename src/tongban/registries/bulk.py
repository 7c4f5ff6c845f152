"""The registries' bulk path: rows in, skipping keys already held, sealed and hashed in bulk,
written by COPY on PostgreSQL and ``bulk_create`` in batches elsewhere, each added row with its
``created`` change. Memory stays bounded by the batch: existing keys and foreign keys are read
per batch, and new ids are taken from the sequence (PostgreSQL) or returned by the insert
(SQLite) so a batch's children can point at its parents.

Called only through ``services.registry_bulk_load`` (one durable transaction)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from tongban.core.crypto import encrypter, lookup_hasher

from .choices import ChangeKind, Dataset
from .models import EntityRecord, Place, PopulationRecord, RegistryChange

BATCH = 5000


class PlaceRow(NamedTuple):
    code: str
    kind: str
    name: str
    parent_code: str | None
    provider_code: str
    address: str = ""
    road: str = ""
    house_number: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None
    grid_code: str | None = None


class PersonRow(NamedTuple):
    id_number: str
    name: str
    gender: str
    birth_date: date
    provider_code: str
    hukou_address: str = ""
    residence_code: str | None = None
    marital_status: str = "90"
    household_code: str = ""


class EntityRow(NamedTuple):
    uscc: str
    name: str
    kind: str
    legal_representative_id_number: str
    established_on: date
    provider_code: str
    registered_capital: Decimal | None = None
    address_code: str | None = None
    business_scope: str = ""
    status: str = "existing"


@dataclass
class LoadCounts:
    places: int = 0
    persons: int = 0
    entities: int = 0
    skipped: int = 0


Progress = Callable[[str, int], None]


def _batches(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _departments(codes: set[str]) -> dict[str, int]:
    from tongban.identity import selectors as identity_selectors

    return {code: identity_selectors.department_by_code(code).pk for code in codes}


class _Writer:
    """Inserts model rows given as dicts of column values, with their ids."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def ids(self, model: type[Model], count: int) -> list[int] | None:
        """Ids for ``count`` new rows, from the table's sequence (PostgreSQL only)."""
        if not self.postgres or count == 0:
            return None
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]

    def write(self, model: type[Model], rows: list[dict]) -> list[int]:
        """Insert ``rows`` (attribute names → values; ``id`` set on PostgreSQL); their ids."""
        if not rows:
            return []
        if self.postgres:
            names = list(rows[0])
            columns = [model._meta.get_field(n).column if n != "id" else "id" for n in names]
            statement = "COPY {} ({}) FROM STDIN".format(
                connection.ops.quote_name(model._meta.db_table),
                ", ".join(connection.ops.quote_name(c) for c in columns),
            )
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row([row[n] for n in names])
            return [row["id"] for row in rows] if "id" in rows[0] else []
        objects = model._default_manager.bulk_create([model(**row) for row in rows])
        return [obj.pk for obj in objects]


def _change_rows(dataset: Dataset, hashes: list[str], fields: list[str], at: datetime) -> list:
    payload = json.dumps(fields) if connection.vendor == "postgresql" else fields
    return [
        {
            "dataset": dataset.value,
            "record_key_hash": h,
            "kind": ChangeKind.CREATED.value,
            "fields": payload,
            "at": at,
        }
        for h in hashes
    ]


_PLACE_FIELDS = [
    "code",
    "kind",
    "name",
    "parent",
    "address",
    "road",
    "house_number",
    "lat",
    "lng",
    "grid",
    "provider",
]
_PERSON_FIELDS = [
    "id_number",
    "name",
    "gender",
    "birth_date",
    "hukou_address",
    "residence",
    "marital_status",
    "household_code",
    "provider",
]
_ENTITY_FIELDS = [
    "uscc",
    "name",
    "kind",
    "legal_representative",
    "registered_capital",
    "address",
    "business_scope",
    "status",
    "established_on",
    "provider",
]


def _place_ids(codes: set[str], known: dict[str, int]) -> dict[str, int]:
    missing = [c for c in codes if c and c not in known]
    found = dict(known)
    for chunk in _batches(missing, 2000):
        found.update(Place.objects.filter(code__in=chunk).values_list("code", "id"))
    return found


def _load_places(rows, writer: _Writer, at, progress, counts: LoadCounts) -> None:
    purpose = Dataset.PLACES
    digest = lookup_hasher(purpose=f"registries.{purpose.value}.key")
    departments: dict[str, int] = {}
    recent: dict[str, int] = {}  # this run's places of the last batch: children follow parents
    for batch in _batches(rows):
        codes = [r.code for r in batch]
        held = set(Place.objects.filter(code__in=codes).values_list("code", flat=True))
        new = [r for r in batch if r.code not in held]
        counts.skipped += len(batch) - len(new)
        departments.update(_departments({r.provider_code for r in new} - set(departments)))
        refs = _place_ids({r.parent_code for r in new} | {r.grid_code for r in new}, recent)
        ids = writer.ids(Place, len(new))
        values, added = [], {}
        for index, r in enumerate(new):
            row = {
                "code": r.code,
                "kind": r.kind,
                "name": r.name,
                "parent_id": refs.get(r.parent_code) if r.parent_code else None,
                "address": r.address,
                "road": r.road,
                "house_number": r.house_number,
                "lat": r.lat,
                "lng": r.lng,
                "grid_id": refs.get(r.grid_code) if r.grid_code else None,
                "provider_id": departments[r.provider_code],
                "updated_at": at,
            }
            if ids is not None:  # a parent in this same batch has its id already
                if r.parent_code and row["parent_id"] is None:
                    row["parent_id"] = added[r.parent_code]
                if r.grid_code and row["grid_id"] is None:
                    row["grid_id"] = added[r.grid_code]
                row = {"id": ids[index], **row}
                added[r.code] = ids[index]
            values.append(row)
        if ids is None:
            new_ids = _write_in_order(Place, values, new, writer)
            added = dict(zip([r.code for r in new], new_ids, strict=True))
        else:
            writer.write(Place, values)
        recent = added
        writer.write(
            RegistryChange, _change_rows(purpose, [digest(r.code) for r in new], _PLACE_FIELDS, at)
        )
        counts.places += len(new)
        if progress:
            progress("places", len(batch))


def _write_in_order(model, values: list[dict], rows: list[PlaceRow], writer: _Writer) -> list[int]:
    """SQLite: ids come back from the insert, so a batch holding parents and children is
    written in runs, each run's rows pointing only at rows already written."""
    written: dict[str, int] = {}
    result: list[int] = []
    start = 0
    while start < len(values):
        end = start
        run_codes: set[str] = set()
        while end < len(values):
            r = rows[end]
            if (r.parent_code in run_codes) or (r.grid_code in run_codes):
                break
            run_codes.add(r.code)
            end += 1
        run = values[start:end]
        for row, r in zip(run, rows[start:end], strict=True):
            if r.parent_code and row["parent_id"] is None:
                row["parent_id"] = written[r.parent_code]
            if r.grid_code and row["grid_id"] is None:
                row["grid_id"] = written[r.grid_code]
        ids = writer.write(model, run)
        written.update(zip([r.code for r in rows[start:end]], ids, strict=True))
        result.extend(ids)
        start = end
    return result


def _load_persons(rows, writer: _Writer, at, progress, counts: LoadCounts) -> None:
    dataset = Dataset.POPULATION
    digest = lookup_hasher(purpose=f"registries.{dataset.value}.key")
    field = PopulationRecord._meta.get_field("id_number")
    # PostgreSQL: sealed here, in bulk; elsewhere bulk_create seals through the field
    seal = encrypter(purpose=field.purpose) if writer.postgres else str  # type: ignore[attr-defined]
    departments: dict[str, int] = {}
    for batch in _batches(rows):
        hashes = [digest(r.id_number) for r in batch]
        held = set(
            PopulationRecord.objects.filter(id_number_hash__in=hashes).values_list(
                "id_number_hash", flat=True
            )
        )
        pairs = [(r, h) for r, h in zip(batch, hashes, strict=True) if h not in held]
        counts.skipped += len(batch) - len(pairs)
        departments.update(_departments({r.provider_code for r, _ in pairs} - set(departments)))
        places = _place_ids({r.residence_code for r, _ in pairs if r.residence_code}, {})
        ids = writer.ids(PopulationRecord, len(pairs))
        values = []
        for index, (r, h) in enumerate(pairs):
            row = {
                "id_number": seal(r.id_number),
                "id_number_hash": h,
                "name": r.name,
                "gender": r.gender,
                "birth_date": r.birth_date,
                "hukou_address": r.hukou_address,
                "residence_id": places[r.residence_code] if r.residence_code else None,
                "marital_status": r.marital_status,
                "household_code": r.household_code,
                "provider_id": departments[r.provider_code],
                "updated_at": at,
            }
            values.append({"id": ids[index], **row} if ids is not None else row)
        writer.write(PopulationRecord, values)
        writer.write(
            RegistryChange, _change_rows(dataset, [h for _, h in pairs], _PERSON_FIELDS, at)
        )
        counts.persons += len(pairs)
        if progress:
            progress("persons", len(batch))


def _load_entities(rows, writer: _Writer, at, progress, counts: LoadCounts) -> None:
    dataset = Dataset.LEGAL_ENTITIES
    digest = lookup_hasher(purpose=f"registries.{dataset.value}.key")
    person_digest = lookup_hasher(purpose=f"registries.{Dataset.POPULATION.value}.key")
    departments: dict[str, int] = {}
    for batch in _batches(rows):
        held = set(
            EntityRecord.objects.filter(uscc__in=[r.uscc for r in batch]).values_list(
                "uscc", flat=True
            )
        )
        new = [r for r in batch if r.uscc not in held]
        counts.skipped += len(batch) - len(new)
        departments.update(_departments({r.provider_code for r in new} - set(departments)))
        rep_hashes = {
            r.legal_representative_id_number: person_digest(r.legal_representative_id_number)
            for r in new
        }
        reps = dict(
            PopulationRecord.objects.filter(
                id_number_hash__in=set(rep_hashes.values())
            ).values_list("id_number_hash", "id")
        )
        places = _place_ids({r.address_code for r in new if r.address_code}, {})
        ids = writer.ids(EntityRecord, len(new))
        values = []
        for index, r in enumerate(new):
            row = {
                "uscc": r.uscc,
                "name": r.name,
                "kind": r.kind,
                "legal_representative_id": reps[rep_hashes[r.legal_representative_id_number]],
                "registered_capital": r.registered_capital,
                "address_id": places[r.address_code] if r.address_code else None,
                "business_scope": r.business_scope,
                "status": r.status,
                "established_on": r.established_on,
                "provider_id": departments[r.provider_code],
                "updated_at": at,
            }
            values.append({"id": ids[index], **row} if ids is not None else row)
        writer.write(EntityRecord, values)
        writer.write(
            RegistryChange, _change_rows(dataset, [digest(r.uscc) for r in new], _ENTITY_FIELDS, at)
        )
        counts.entities += len(new)
        if progress:
            progress("entities", len(batch))


def load(
    *,
    places: Iterable[PlaceRow],
    persons: Iterable[PersonRow],
    entities: Iterable[EntityRow],
    progress: Progress | None = None,
) -> LoadCounts:
    writer, at, counts = _Writer(), timezone.now(), LoadCounts()
    _load_places(places, writer, at, progress, counts)
    _load_persons(persons, writer, at, progress, counts)
    _load_entities(entities, writer, at, progress, counts)
    return counts
