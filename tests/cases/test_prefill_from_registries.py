"""Fields marked ``x-source`` are answered from the base registries (一数一源), each answer with
its provider and date, shown on the form before anything is submitted."""

import pytest

from tests.registries.city import HOME, registry_city
from tongban.cases import selectors
from tongban.identity import services as identity_services
from tongban.registries import services as registries
from tongban.registries.models import EntityRecord, PopulationRecord

pytestmark = pytest.mark.django_db

ZHANG, USCC = "310115198507160011", "91310115591693856A"
FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string"},
        "address": {"type": "string", "x-source": "population.residence_address"},
        "hukou": {"type": "string", "x-source": "population.hukou_address"},
        "business_address": {"type": "string", "x-source": "legal_entities.address"},
        "registered_capital": {"type": "number", "x-source": "legal_entities.registered_capital"},
        "business_scope": {"type": "string", "x-source": "legal_entities.business_scope"},
    },
}


@pytest.fixture
def registry(db):
    registry_city()
    registries.registry_person_upsert(id_number=ZHANG, name="张晓明", residence_code=HOME)
    registries.registry_entity_upsert(
        uscc=USCC,
        name="上海浦江示范科技有限公司",
        kind="limited_company",
        legal_representative_id_number=ZHANG,
        established_on="2015-03-12",
        registered_capital="500",
        address_code="A31011500400100003",
        business_scope="软件开发；信息技术咨询服务。",
    )


def test_the_applicants_residence_comes_from_the_population_registry(registry, make):
    zhang = make.person(name="张晓明", id_number=ZHANG)
    prefill = selectors.form_prefill(account=zhang.account, schema=FORM)
    # No hukou address on record: left for the applicant; no enterprise acted for: nothing.
    assert prefill.answers == {
        "applicant_name": "张晓明",
        "address": "上海市浦东新区张杨路500弄1号",
    }
    source = prefill.sources["address"]
    assert (source.dataset, source.department, source.value) == (
        "population",
        "上海市公安局",
        "上海市浦东新区张杨路500弄1号",
    )
    assert source.updated_at == PopulationRecord.objects.get().updated_at
    assert set(prefill.sources) == {"address"}


def test_the_enterprises_fields_come_from_the_legal_entity_registry(registry, make):
    zhang = make.person(name="张晓明", id_number=ZHANG)
    company = identity_services.entity_register(
        uscc=USCC, name="上海浦江示范科技有限公司", kind="enterprise", legal_representative=zhang
    )
    identity_services.acting_entity_choose(account=zhang.account, entity=company)
    prefill = selectors.form_prefill(account=zhang.account, schema=FORM)
    assert {k: prefill.answers[k] for k in ("business_address", "registered_capital")} == {
        "business_address": "上海市浦东新区崂山路100号",
        "registered_capital": 500.0,
    }
    assert prefill.answers["business_scope"] == "软件开发；信息技术咨询服务。"
    assert {n: s.department for n, s in prefill.sources.items()} == {
        "address": "上海市公安局",
        "business_address": "上海市市场监督管理局",
        "registered_capital": "上海市市场监督管理局",
        "business_scope": "上海市市场监督管理局",
    }
    assert prefill.sources["business_scope"].updated_at == EntityRecord.objects.get().updated_at


def test_a_person_the_registry_does_not_hold_types_the_answers(registry, make):
    stranger = make.person(name="王小明", id_number="11010519491231002X")
    prefill = selectors.form_prefill(account=stranger.account, schema=FORM)
    assert prefill == selectors.Prefill({"applicant_name": "王小明"}, {})
