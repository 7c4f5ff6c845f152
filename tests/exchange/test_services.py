"""The exchange's verbs: publishing, requests and their decisions, who may do each."""

import pytest

from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEntry
from tongban.exchange import selectors, services
from tongban.exchange.models import DataResource, Grant

from .conftest import POPULATION_FIELDS, publish

pytestmark = pytest.mark.django_db


def test_publish_keeps_the_fields_with_their_flags(world, resource):
    assert resource.provider == world.police
    fields = list(resource.fields.values_list("name", "label", "personal", "sensitive"))
    assert fields == [
        ("id_number", "公民身份号码", True, True),
        ("name", "姓名", True, False),
        ("gender", "性别", True, False),
        ("birth_date", "出生日期", True, False),
        ("hukou_address", "户籍地址", True, True),
    ]
    entry = AuditEntry.objects.filter(action="exchange.resource.publish").get()
    assert entry.details["fields"] == ",".join(POPULATION_FIELDS)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"code": "Bad Code"}, "exchange.resource_invalid", "code"),
        ({"name": " "}, "exchange.resource_invalid", "name"),
        ({"dataset": "credit"}, "registry.dataset_unknown", "dataset"),
        ({"fields": []}, "exchange.resource_invalid", "fields"),
        ({"fields": ["name", "salary"]}, "exchange.resource_invalid", "fields"),
        ({"sharing": "sometimes"}, "exchange.resource_invalid", "sharing"),
        ({"update_frequency": "hourly"}, "exchange.resource_invalid", "update_frequency"),
        ({"legal_basis": ""}, "exchange.resource_invalid", "legal_basis"),
        ({"access_methods": ["fax"]}, "exchange.resource_invalid", "access_methods"),
    ],
)
def test_publish_refuses_bad_input_and_changes_nothing(world, overrides, code, field):
    with pytest.raises(InvalidInput) as caught:
        publish(world, **overrides)
    assert (caught.value.code, list(caught.value.fields)) == (code, [field])
    assert not DataResource.objects.exists()


def test_a_code_is_used_once(world, resource):
    with pytest.raises(InvalidInput) as caught:
        publish(world)
    assert caught.value.fields == {"code": "资源编码“population-basic”已被使用。"}


def test_only_a_data_steward_publishes(world):
    with pytest.raises(Forbidden) as caught:
        publish(world, staff=world.reviewer)
    assert caught.value.code == "staff.role"


def test_a_steward_of_another_department_cannot_update_or_decide(world, resource, grant):
    with pytest.raises(Forbidden) as caught:
        services.resource_update(
            staff=world.other_steward,
            resource_id=resource.pk,
            name="改名",
            fields=["name"],
            sharing="conditional",
            update_frequency="daily",
            legal_basis="x",
            access_methods=["query"],
        )
    assert caught.value.code == "staff.department"
    with pytest.raises(NotFound) as caught_grant:
        services.grant_revoke(staff=world.other_steward, grant_id=grant.pk, reason="x")
    assert caught_grant.value.code == "exchange.grant_not_found"


def test_the_provider_approves_fewer_fields_than_asked(world, grant):
    assert grant.requested_fields == ["id_number", "name", "gender", "hukou_address"]
    assert grant.fields == ["id_number", "name", "gender"]
    assert (grant.status, grant.decided_by) == ("approved", world.steward)
    assert 29 <= (grant.expires_at - grant.decided_at).days <= 30


def _request(world, resource, fields=("name",), staff=None):
    return services.grant_request(
        staff=staff or world.requester,
        resource_id=resource.pk,
        fields=list(fields),
        purpose="核对身份",
        legal_basis="《社会救助暂行办法》",
    )


def test_approving_fields_not_asked_for_is_refused(world, resource):
    asked = _request(world, resource, fields=["name"])
    with pytest.raises(InvalidInput) as caught:
        services.grant_approve(staff=world.steward, grant_id=asked.pk, fields=["gender"], days=5)
    assert caught.value.fields == {"fields": "只能批准申请的字段，不包括：gender。"}
    assert Grant.objects.get(pk=asked.pk).status == "requested"


def test_refusal_needs_a_reason_and_ends_the_request(world, resource):
    asked = _request(world, resource)
    with pytest.raises(InvalidInput) as caught:
        services.grant_refuse(staff=world.steward, grant_id=asked.pk, reason="  ")
    assert list(caught.value.fields) == ["reason"]
    refused = services.grant_refuse(staff=world.steward, grant_id=asked.pk, reason="用途不明确")
    assert (refused.status, refused.reason) == ("refused", "用途不明确")
    with pytest.raises(Conflict) as again:
        services.grant_approve(staff=world.steward, grant_id=asked.pk, fields=["name"], days=5)
    assert again.value.code == "exchange.grant_state"


@pytest.mark.parametrize("days", [0, 1096, True, "30"])
def test_grant_days_are_bounded(world, resource, days):
    asked = _request(world, resource)
    with pytest.raises(InvalidInput) as caught:
        services.grant_approve(staff=world.steward, grant_id=asked.pk, fields=["name"], days=days)
    assert list(caught.value.fields) == ["days"]


def test_a_request_names_offered_fields_a_purpose_and_a_basis(world, resource):
    with pytest.raises(InvalidInput) as caught:
        _request(world, resource, fields=["marital_status"])
    assert caught.value.code == "exchange.fields_invalid"
    with pytest.raises(InvalidInput) as no_purpose:
        services.grant_request(
            staff=world.requester, resource_id=resource.pk, fields=["name"], purpose="",
            legal_basis="x",
        )  # fmt: skip
    assert list(no_purpose.value.fields) == ["purpose"]


def test_a_reviewer_cannot_request(world, resource):
    with pytest.raises(Forbidden) as caught:
        _request(world, resource, staff=world.reviewer)
    assert caught.value.code == "staff.role"


def test_an_unconditional_resource_is_granted_at_once_to_a_registered_department(world):
    open_data = publish(
        world, code="places-open", name="标准地址", dataset="places",
        fields=["code", "name", "address"], sharing="unconditional", staff=world.steward,
    )  # fmt: skip
    grant = _request(world, open_data, fields=["code", "address"])
    assert (grant.status, grant.fields, grant.decided_by) == (
        "approved", ["code", "address"], None,
    )  # fmt: skip


def test_a_resource_not_shared_cannot_be_requested(world):
    closed = publish(world, code="closed", sharing="not_shared")
    with pytest.raises(Forbidden) as caught:
        _request(world, closed)
    assert caught.value.code == "exchange.resource_not_shared"
    assert closed not in list(selectors.catalog(staff=world.requester))


def test_client_register_makes_a_client_credentials_application(world, registered):
    from oauth2_provider.models import Application

    client, secret = registered
    application = Application.objects.get(client_id=client.client_id)
    assert application.authorization_grant_type == "client-credentials"
    assert application.client_type == "confidential"
    assert application.client_secret != secret  # kept hashed
    assert client.department == world.consumer
    with pytest.raises(Forbidden):
        services.client_register(staff=world.reviewer, name="x")


def test_the_person_sees_who_read_their_data(client, world, grant, token):
    from tests import factories

    from .conftest import ZHANG

    person = factories.person(name="张晓明", id_number=ZHANG)
    body = {"resource": "population-basic", "key": ZHANG, "purpose": "低保资格审核"}
    client.post(
        "/api/v1/exchange/query",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    [use] = selectors.data_use_for_person(person=person)
    assert (use.department, use.resource, use.fields, use.purpose) == (
        "浦东新区民政局", "人口基本信息", ["公民身份号码", "姓名", "性别"], "低保资格审核",
    )  # fmt: skip
    other = factories.person(name="王五")
    assert selectors.data_use_for_person(person=other) == []
    entry = AuditEntry.objects.filter(action="exchange.query").get()
    assert entry.subject_person_id == person.pk


def test_a_steward_updates_their_resource_and_a_query_returns_only_what_it_still_offers(
    client, world, resource, grant, token
):
    updated = services.resource_update(
        staff=world.steward,
        resource_id=resource.pk,
        name="人口基本信息（精简）",
        fields=["id_number", "name"],
        sharing="conditional",
        update_frequency="weekly",
        legal_basis="《政务信息资源共享管理暂行办法》",
        access_methods=["query"],
    )
    assert list(updated.fields.values_list("name", flat=True)) == ["id_number", "name"]
    assert (updated.update_frequency, updated.access_methods) == ("weekly", ["query"])
    answer = client.post(
        "/api/v1/exchange/query",
        {"resource": "population-basic", "key": "310115198507160011", "purpose": "核对"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert list(answer["fields"]) == ["id_number", "name"]  # gender is granted, no longer offered
