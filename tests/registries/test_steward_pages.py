"""The data steward's pages (/workbench/registries/<department>/): the provider's latest quality
run per dataset, with counts per rule and masked samples, its trend, and the corrections
applicants reported (values masked). A steward of another department, and other roles, are
refused."""

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from tongban.core.errors import Forbidden
from tongban.core.models import AuditEntry
from tongban.registries import selectors, services
from tongban.registries.keys import key_hash
from tongban.registries.models import RegistryCorrection

from .conftest import ZHANG

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(people, providers):
    department = providers["sh-police"]
    services.registry_quality_check(dataset="population")
    services.registry_quality_check(dataset="population")
    RegistryCorrection.objects.create(
        provider=department,
        dataset="population",
        record_key_hash=key_hash("population", ZHANG),
        field="hukou_address",
        proposed="上海市浦东新区世纪大道100号",
        reference="310115202612020000001",
        reported_at=timezone.now(),
    )
    return department


def _client(staff):
    client = Client()
    client.force_login(staff.account)
    return client


def test_the_steward_reads_quality_and_corrections_masked(police):
    steward = factories.staff(department=police, roles=("data_steward",))
    (population,) = selectors.quality_for_steward(staff=steward, provider=police)
    assert population.dataset == "population" and len(population.trend) == 2
    (row,) = selectors.corrections_for_provider(staff=steward, provider=police)
    assert (row.field_label, row.proposed_masked, row.reference) == (
        "户籍地址",
        "上********号",
        "310115202612020000001",
    )
    audits = AuditEntry.objects.count()
    response = _client(steward).get("/workbench/registries/sh-police/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "基础库数据质量：上海市公安局" in page
    assert 'data-testid="quality-population"' in page
    assert "<td>上********号</td>" in page
    assert "世纪大道" not in page
    assert AuditEntry.objects.count() == audits  # no personal data read, nothing to audit
    home = _client(steward).get("/workbench/registries/")
    assert (home.status_code, home["Location"]) == (302, "/workbench/registries/sh-police/")


def test_a_steward_of_another_department_is_refused(police, providers):
    other = factories.staff(department=providers["sh-amr"], roles=("data_steward",))
    with pytest.raises(Forbidden):
        selectors.corrections_for_provider(staff=other, provider=police)
    with pytest.raises(Forbidden):
        selectors.quality_for_steward(staff=other, provider=police)
    assert _client(other).get("/workbench/registries/sh-police/").status_code == 403


def test_other_roles_of_the_department_are_refused(police):
    for role in ("reviewer", "department_head", "counter_clerk"):
        staff = factories.staff(department=police, roles=(role,))
        with pytest.raises(Forbidden):
            selectors.corrections_for_provider(staff=staff, provider=police)
        assert _client(staff).get("/workbench/registries/sh-police/").status_code == 403


def test_a_platform_admin_reads_any_department(police, providers):
    admin = factories.staff(department=providers["sh-amr"], roles=("platform_admin",))
    assert _client(admin).get("/workbench/registries/sh-police/").status_code == 200


def test_masking_keeps_the_ends_only():
    values = ["王", "王五", "张三丰", "上海市浦东新区世纪大道100号"]
    assert [selectors.mask_value(v) for v in values] == [
        "王*",
        "王*",
        "张*丰",
        "上********号",
    ]
