"""The synthetic city: valid keys, places everywhere an address is, legal representatives among
the persons, deterministic and idempotent; the demo's own citizens and enterprises in it."""

import os
import subprocess
import sys
from datetime import date

import pytest

from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEntry
from tongban.demo import seed as demo
from tongban.identity.validators import validate_id_number, validate_uscc
from tongban.registries import selectors, services
from tongban.registries.choices import EntityStatus, Gender, PlaceKind
from tongban.registries.models import EntityRecord, Place, PopulationRecord, RegistryChange

PLACES = 14220  # 16 districts, 212 streets, 636 committees and grids, 12,720 addresses


def test_every_key_is_valid_and_every_address_a_place(providers):
    counts = services.registry_seed_city(scale=250)
    assert (counts.places, counts.persons, counts.entities, counts.skipped) == (PLACES, 250, 50, 0)
    assert Place.objects.filter(kind=PlaceKind.DISTRICT).count() == 16
    assert Place.objects.filter(kind=PlaceKind.ADDRESS).count() == 12720
    addresses = set(Place.objects.filter(kind=PlaceKind.ADDRESS).values_list("address", flat=True))
    assert len(addresses) == 12720  # no two addresses read the same

    persons = list(PopulationRecord.objects.select_related("residence"))
    assert len(persons) == 250
    assert len({p.id_number for p in persons}) == 250
    for p in persons:
        assert validate_id_number(p.id_number) == p.id_number
        assert p.id_number[:6] in demo_districts()
        assert p.gender == (Gender.MALE if int(p.id_number[16]) % 2 else Gender.FEMALE)
        birth = date(int(p.id_number[6:10]), int(p.id_number[10:12]), int(p.id_number[12:14]))
        assert p.birth_date == birth and date(1938, 1, 1) <= birth <= date(2022, 12, 31)
        assert 2 <= len(p.name) <= 3
        assert p.residence.kind == PlaceKind.ADDRESS
        assert p.residence.code[1:7] == p.id_number[:6]  # they live in their district
        assert p.hukou_address in addresses
        if birth.year >= 2007:
            assert p.marital_status == "10"
    assert {p.gender for p in persons} == {"1", "2"}

    entities = list(EntityRecord.objects.select_related("legal_representative", "address"))
    assert len(entities) == 50
    assert len({e.name for e in entities}) == 50
    for e in entities:
        assert validate_uscc(e.uscc) == e.uscc
        assert e.uscc[2:8] in demo_districts()
        rep = e.legal_representative
        assert rep.birth_date.year <= 2004
        assert e.established_on.year - rep.birth_date.year >= 18
        assert e.address.kind == PlaceKind.ADDRESS
        assert e.business_scope
    statuses = {e.status for e in entities}
    assert EntityStatus.EXISTING in statuses
    existing = sum(e.status == EntityStatus.EXISTING for e in entities)
    assert existing >= 35
    assert RegistryChange.objects.count() == PLACES + 300


def demo_districts() -> set[str]:
    return set(Place.objects.filter(kind=PlaceKind.DISTRICT).values_list("code", flat=True))


def test_a_rerun_adds_and_changes_nothing_and_a_larger_scale_only_the_rest(providers):
    services.registry_seed_city(scale=100)
    before = {
        p.id_number: (p.name, p.residence_id, p.marital_status)
        for p in PopulationRecord.objects.all()
    }
    entities = dict(EntityRecord.objects.values_list("uscc", "name"))
    changes, audits = RegistryChange.objects.count(), AuditEntry.objects.count()

    again = services.registry_seed_city(scale=100)
    assert (again.places, again.persons, again.entities, again.skipped) == (0, 0, 0, PLACES + 120)
    assert RegistryChange.objects.count() == changes
    assert AuditEntry.objects.count() == audits

    grown = services.registry_seed_city(scale=150)
    assert (grown.places, grown.persons, grown.entities) == (0, 50, 10)
    after = {
        p.id_number: (p.name, p.residence_id, p.marital_status)
        for p in PopulationRecord.objects.all()
    }
    assert len(after) == 150 and {k: after[k] for k in before} == before
    assert {k: v for k, v in EntityRecord.objects.values_list("uscc", "name") if k in entities} == (
        entities
    )
    assert RegistryChange.objects.count() == changes + 60


def test_another_seed_draws_another_city(providers):
    services.registry_seed_city(scale=20, seed=1)
    first = set(PopulationRecord.objects.values_list("id_number_hash", flat=True))
    services.registry_seed_city(scale=20, seed=2)
    assert PopulationRecord.objects.count() == 40
    assert first < set(PopulationRecord.objects.values_list("id_number_hash", flat=True))


@pytest.mark.parametrize("scale", [-1, "10", 5_000_001, True])
def test_a_bad_scale_is_refused(providers, scale):
    with pytest.raises(InvalidInput) as caught:
        services.registry_seed_city(scale=scale)
    assert caught.value.code == "registry.query_invalid"
    assert list(caught.value.fields) == ["scale"]
    assert Place.objects.count() == 0


def test_the_demo_registry_holds_the_demo_citizens_and_enterprises(db):
    demo.seed_reference()
    demo.seed_registry()
    assert PopulationRecord.objects.count() == demo.DEMO_REGISTRY_SCALE + len(demo.CITIZENS)
    assert EntityRecord.objects.count() == demo.DEMO_REGISTRY_SCALE // 5 + len(demo.ENTERPRISES)
    for name, number, _ in demo.CITIZENS:
        record = selectors.record_by_key(dataset="population", key=number)
        assert record is not None and record.fields["name"] == name
        assert record.fields["residence_address"].startswith("上海市")
    for code, name, rep, _ in demo.ENTERPRISES:
        record = selectors.record_by_key(dataset="legal_entities", key=code)
        assert record is not None and record.fields["name"] == name
        assert record.fields["legal_representative_name"] == demo.CITIZENS[rep][0]
        assert record.fields["status"] == EntityStatus.EXISTING
    assert demo.registry_totals(0) == {"places": PLACES, "persons": 2003, "entities": 402}


@pytest.mark.parametrize(
    ("value", "message"),
    [("-1", "expected 0 to 5000000, got -1"), ("abc", "expected a whole number, got 'abc'")],
)
def test_the_seed_command_refuses_a_bad_scale_cleanly(tmp_path, value, message):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-c", "from tongban.cli import main; main()", "seed", "--scale", value],
        env={**env, "TONGBAN_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert f"tongban seed: error: argument --scale: {message}" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_seed_command_loads_with_a_progress_bar_and_then_adds_nothing(db, capsys):
    from django.core.management import call_command

    call_command("seed", "--scale", "2500")
    first = capsys.readouterr()
    assert "registries: 14220 places, 2503 persons, 502 entities added, 0 already held;" in (
        first.out
    )
    assert " rows/s" in first.out and "demo city seeded" in first.out
    assert "persons   [##############################]     2,503/2,503" in first.err
    assert "entities  [##############################]       502/502" in first.err
    changes = RegistryChange.objects.count()
    call_command("seed", "--scale", "2500", "--no-progress")
    again = capsys.readouterr()
    assert "registries: 0 places, 0 persons, 0 entities added, 17225 already held;" in again.out
    assert "persons   [" not in again.err  # --no-progress
    assert RegistryChange.objects.count() == changes
