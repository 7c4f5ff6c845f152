"""The registries' one-row invariants, held by the database, and sealing at rest."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from tongban.registries.choices import PlaceKind
from tongban.registries.models import EntityRecord, Place, PopulationRecord

from .conftest import LI, ZHANG

pytestmark = pytest.mark.django_db


def _refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Place.objects.create(**fields)


def test_place_constraints(city):
    provider = city["sh-planning"]
    district = Place.objects.get(code="310115")
    street = Place.objects.get(code="310115004")
    grid = Place.objects.get(code="G310115004001")
    _refused(code="310115", kind=PlaceKind.DISTRICT, name="重复", provider=provider)
    _refused(code="310116", kind=PlaceKind.DISTRICT, name="金山区", parent=district,
             provider=provider)  # fmt: skip
    _refused(code="310115005", kind=PlaceKind.STREET, name="无上级", provider=provider)
    _refused(code="310115006", kind=PlaceKind.STREET, name="纬度", parent=district,
             lat=Decimal("91"), lng=Decimal("121"), provider=provider)  # fmt: skip
    _refused(code="310115007", kind=PlaceKind.STREET, name="网格", parent=district,
             grid=grid, provider=provider)  # fmt: skip
    _refused(code="A31011500400100009", kind=PlaceKind.ADDRESS, name="无地址文本",
             parent=street, provider=provider)  # fmt: skip
    assert Place.objects.count() == 12


def test_population_and_entity_constraints(people):
    zhang = PopulationRecord.objects.get(name="张晓明")
    with pytest.raises(IntegrityError), transaction.atomic():
        PopulationRecord.objects.create(
            id_number=ZHANG, id_number_hash=zhang.id_number_hash, name="重复",
            gender="1", birth_date=zhang.birth_date, provider=zhang.provider,
        )  # fmt: skip
    entity = EntityRecord.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        EntityRecord.objects.filter(pk=entity.pk).update(registered_capital=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        EntityRecord.objects.create(
            uscc=entity.uscc, name="重复", kind=entity.kind, legal_representative=zhang,
            established_on=entity.established_on, provider=entity.provider,
        )  # fmt: skip


def test_id_numbers_are_sealed_at_rest(people):
    table = PopulationRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, id_number_hash FROM {table} ORDER BY id")
        raw = cursor.fetchall()
    assert len(raw) == 2
    for (sealed, digest), number in zip(raw, [ZHANG, LI], strict=True):
        assert sealed.startswith("v1:")
        assert number not in sealed and number[:17] not in sealed
        assert len(digest) == 64 and number not in digest
    assert [p.id_number for p in PopulationRecord.objects.order_by("id")] == [ZHANG, LI]
