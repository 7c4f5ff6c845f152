"""The data-quality rules: each catches a hand-made bad record; a run per provider and dataset
is kept with its counts and masked samples, so a trend can be read."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEntry
from tongban.core.schedule import periodic_jobs
from tongban.registries import selectors, services, tasks
from tongban.registries.keys import key_hash
from tongban.registries.models import EntityRecord, Place, PopulationRecord, QualityRun

from .conftest import LI, USCC

RULES = ["required", "check_character", "reference", "duplicate", "stale"]
CLEAN = dict.fromkeys(RULES, 0)


@pytest.fixture
def clean(people):
    services.registry_person_upsert(
        id_number=LI,
        name="李华",
        hukou_address="上海市黄浦区南京东路100号",
        residence_code="A31010100200100001",
    )
    return people


def _counts(dataset: str) -> dict[str, int]:
    (run,) = services.registry_quality_check(dataset=dataset)
    return run.counts


def _with(**found) -> dict[str, int]:
    return {**CLEAN, **found}


def _person(number: str, name: str, birth: date, gender: str = "1") -> PopulationRecord:
    """A record written past the services' checks, as a faulty import would leave it."""
    return PopulationRecord.objects.create(
        id_number=number,
        id_number_hash=key_hash("population", number),
        name=name,
        gender=gender,
        birth_date=birth,
        hukou_address="上海市浦东新区张杨路500弄1号",
        residence=Place.objects.get(code="A31011500400100001"),
        provider=PopulationRecord.objects.get(name="张晓明").provider,
    )


def test_a_clean_registry_has_no_findings_and_a_run_per_provider(clean):
    audits = AuditEntry.objects.count()
    for dataset in ["population", "legal_entities", "places"]:
        (run,) = services.registry_quality_check(dataset=dataset)
        assert run.counts == CLEAN and run.samples == {}
    runs = QualityRun.objects.order_by("id")
    assert [(r.dataset, r.provider.code, r.records) for r in runs] == [
        ("population", "sh-police", 2),
        ("legal_entities", "sh-amr", 1),
        ("places", "sh-planning", 12),
    ]
    assert AuditEntry.objects.count() == audits + 3


def test_required_a_person_without_a_residence(clean):
    PopulationRecord.objects.filter(name="李华").update(residence=None)
    (run,) = services.registry_quality_check(dataset="population")
    assert run.counts == _with(required=1)
    assert run.samples == {"required": ["3101**********002X"]}


def test_check_character_a_wrong_id_number_and_a_wrong_uscc(clean):
    _person("310115199001010038", "王五", date(1990, 1, 1))  # the check character is 7
    (run,) = services.registry_quality_check(dataset="population")
    assert run.counts == _with(check_character=1)
    assert run.samples == {"check_character": ["3101**********0038"]}
    _person("310115199001010053", "赵六", date(1990, 1, 1), gender="2")  # 17th digit 5: a man
    assert _counts("population") == _with(check_character=2)
    EntityRecord.objects.filter(uscc=USCC).update(uscc=USCC[:17] + "B")
    (run,) = services.registry_quality_check(dataset="legal_entities")
    assert run.counts == _with(check_character=1)
    assert run.samples == {"check_character": ["91310115********6B"]}


def test_reference_an_entity_at_a_street_and_a_hukou_no_address_reads(clean):
    EntityRecord.objects.filter(uscc=USCC).update(address=Place.objects.get(code="310115004"))
    assert _counts("legal_entities") == _with(reference=1)
    PopulationRecord.objects.filter(name="李华").update(hukou_address="上海市黄浦区无名路1号")
    assert _counts("population") == _with(reference=1)
    Place.objects.filter(code="A31011500400100003").update(grid=None)
    assert _counts("places") == _with(reference=1)


def test_duplicate_persons_by_name_and_birth_date_and_entities_by_name(clean):
    _person("310115198507160038", "张晓明", date(1985, 7, 16))
    (run,) = services.registry_quality_check(dataset="population")
    assert run.counts == _with(duplicate=2)
    assert run.samples == {"duplicate": ["3101**********0011", "3101**********0038"]}
    services.registry_entity_upsert(
        uscc="91310101MA1FPX3K2X",
        name="上海浦江示范科技有限公司",
        kind="limited_company",
        legal_representative_id_number=LI,
        established_on="2020-01-02",
        address_code="A31011500400100002",
    )
    assert _counts("legal_entities") == _with(duplicate=2)


def test_stale_a_record_not_updated_within_its_period(clean):
    long_ago = timezone.now() - timedelta(days=366)
    PopulationRecord.objects.filter(name="李华").update(updated_at=long_ago)
    assert _counts("population") == _with(stale=1)
    Place.objects.filter(code="310101").update(updated_at=timezone.now() - timedelta(days=700))
    assert _counts("places") == CLEAN  # places are expected every two years
    Place.objects.filter(code="310101").update(updated_at=timezone.now() - timedelta(days=731))
    (run,) = services.registry_quality_check(dataset="places")
    assert run.counts == _with(stale=1) and run.samples == {"stale": ["310101"]}


def test_a_place_code_that_does_not_descend_from_its_parent(clean):
    Place.objects.filter(code="310101002001").update(code="310115002001")
    assert _counts("places") == _with(check_character=2)  # the committee and its address


def test_the_report_gives_each_provider_its_latest_run_and_trend(clean):
    PopulationRecord.objects.filter(name="李华").update(residence=None)
    services.registry_quality_check(dataset="population")
    PopulationRecord.objects.filter(name="李华").update(
        residence=Place.objects.get(code="A31010100200100001")
    )
    services.registry_quality_check(dataset="population")
    police = clean["sh-police"]
    (report,) = selectors.quality_report(police)
    assert report.dataset == "population"
    assert [run.counts["required"] for run in report.trend] == [1, 0]
    assert report.latest == report.trend[-1] and report.latest.findings == 0
    assert selectors.quality_report(clean["sh-amr"]) == []


def test_the_background_task_checks_every_dataset_daily(clean):
    assert tasks.quality_check_task.call() == 3
    assert QualityRun.objects.count() == 3
    jobs = {job.name: job.every for job in periodic_jobs()}
    assert jobs["registries.quality_check"] == timedelta(days=1)


def test_an_unknown_dataset_is_refused(clean):
    with pytest.raises(InvalidInput) as caught:
        services.registry_quality_check(dataset="cars")
    assert caught.value.code == "registry.dataset_unknown"
    assert QualityRun.objects.count() == 0


def test_the_synthetic_city_passes_every_rule(providers):
    services.registry_seed_city(scale=200)
    assert services.registry_quality_check_all() == 3
    assert [run.counts for run in QualityRun.objects.order_by("id")] == [CLEAN, CLEAN, CLEAN]
