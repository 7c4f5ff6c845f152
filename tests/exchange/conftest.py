"""A provider (the police's population registry), a consumer department, their staff, a
published resource and a registered client system — all through the real services."""

import base64
from dataclasses import dataclass

import pytest

from tests import factories
from tests.registries import conftest as registry_city
from tests.registries.conftest import LI, USCC, ZHANG
from tongban.exchange import services

__all__ = ["LI", "USCC", "ZHANG"]
# the registries' small city, written through their verbs
providers, city, people = registry_city.providers, registry_city.city, registry_city.people

POPULATION_FIELDS = ["id_number", "name", "gender", "birth_date", "hukou_address"]


@dataclass
class World:
    police: object
    amr: object
    consumer: object
    other: object
    steward: object  # the police's data steward
    amr_steward: object
    requester: object  # the consumer's data steward
    reviewer: object  # a reviewer of the consumer: the wrong role
    other_steward: object  # a data steward of a third department


@pytest.fixture
def world(people):
    consumer = factories.department(code="pd-civil", name="浦东新区民政局")
    other = factories.department(code="pd-housing", name="浦东新区住房保障局")
    return World(
        police=people["sh-police"],
        amr=people["sh-amr"],
        consumer=consumer,
        other=other,
        steward=factories.staff(department=people["sh-police"], roles=["data_steward"]),
        amr_steward=factories.staff(department=people["sh-amr"], roles=["data_steward"]),
        requester=factories.staff(department=consumer, roles=["data_steward"]),
        reviewer=factories.staff(department=consumer, roles=["reviewer"]),
        other_steward=factories.staff(department=other, roles=["data_steward"]),
    )


def publish(world, **overrides):
    values = {
        "staff": world.steward,
        "code": "population-basic",
        "name": "人口基本信息",
        "description": "公民身份号码、姓名、性别、出生日期、户籍地址",
        "dataset": "population",
        "fields": POPULATION_FIELDS,
        "sharing": "conditional",
        "update_frequency": "daily",
        "legal_basis": "《政务信息资源共享管理暂行办法》",
        "access_methods": ["query", "subscription"],
    }
    values.update(overrides)
    return services.resource_publish(**values)


@pytest.fixture
def resource(world):
    return publish(world)


@pytest.fixture
def grant(world, resource):
    """The consumer asked for four fields; the police granted three."""
    asked = services.grant_request(
        staff=world.requester,
        resource_id=resource.pk,
        fields=["id_number", "name", "gender", "hukou_address"],
        purpose="最低生活保障资格审核",
        legal_basis="《社会救助暂行办法》第十一条",
    )
    return services.grant_approve(
        staff=world.steward, grant_id=asked.pk, fields=["id_number", "name", "gender"], days=30
    )


@pytest.fixture
def registered(world):
    """The consumer's client system and its secret."""
    return services.client_register(staff=world.requester, name="低保审核系统")


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_for(client, client_id: str, secret: str, scope: str = "exchange") -> str:
    response = client.post(
        "/oidc/token/",
        {"grant_type": "client_credentials", "scope": scope},
        HTTP_AUTHORIZATION=basic(client_id, secret),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == scope
    return body["access_token"]


@pytest.fixture
def token(client, registered):
    exchange_client, secret = registered
    return token_for(client, exchange_client.client_id, secret)
