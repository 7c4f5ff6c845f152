"""The exchange desk in the workbench and 数据使用记录 in the portal: each page does its one
thing, and the wrong role and the wrong department are refused."""

import pytest

from tests import factories
from tongban.exchange.models import DataResource, ExchangeClient, Grant

from .conftest import ZHANG

pytestmark = pytest.mark.django_db


def signed_in(client, staff):
    client.force_login(staff.account)
    return client


def test_the_desk_shows_each_side_its_part(client, world, resource, grant):
    page = signed_in(client, world.steward).get("/workbench/exchange/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "本部门发布的信息资源" in text and "人口基本信息（population-basic）" in text
    assert "浦东新区民政局" in text  # the decided grant
    client.force_login(world.requester.account)
    text = client.get("/workbench/exchange/").content.decode()
    assert "尚未发布信息资源。" in text  # the consumer's own steward: nothing of its own yet
    assert "信息资源目录" in text and "申请使用" in text
    assert "暂无待审批的申请。" in text  # the police's requests are not shown to it


def test_a_reviewer_is_refused_the_desk(client, world):
    assert signed_in(client, world.reviewer).get("/workbench/exchange/").status_code == 403


def test_publishing_through_the_page(client, world):
    signed_in(client, world.steward)
    data = {
        "dataset": "population", "code": "people-names", "name": "人口姓名",
        "fields": ["id_number", "name"], "sharing": "conditional", "update_frequency": "daily",
        "legal_basis": "《上海市公共数据开放管理办法》", "access_methods": ["query"],
    }  # fmt: skip
    response = client.post("/workbench/exchange/resources/new/", data)
    assert response.status_code == 302
    resource = DataResource.objects.get(code="people-names")
    assert list(resource.fields.values_list("name", flat=True)) == ["id_number", "name"]
    again = client.post("/workbench/exchange/resources/new/", data)
    assert again.status_code == 422
    assert "资源编码“people-names”已被使用。" in again.content.decode()


def test_only_a_steward_opens_the_publish_page(client, world):
    assert (
        signed_in(client, world.reviewer).get("/workbench/exchange/resources/new/").status_code
        == 403
    )
    page = signed_in(client, world.steward).get("/workbench/exchange/resources/new/?dataset=places")
    assert page.status_code == 200 and "标准地址" in page.content.decode()


def test_requesting_through_the_page(client, world, resource):
    signed_in(client, world.requester)
    url = f"/workbench/exchange/resources/{resource.pk}/request/"
    assert client.get(url).status_code == 200
    missing = client.post(url, {"fields": ["name"], "purpose": "", "legal_basis": "x"})
    assert missing.status_code == 400
    done = client.post(url, {"fields": ["name", "gender"], "purpose": "核对", "legal_basis": "x"})
    assert done.status_code == 302
    grant = Grant.objects.get(consumer=world.consumer)
    assert (grant.status, grant.requested_fields) == ("requested", ["name", "gender"])
    client.force_login(world.reviewer.account)
    assert client.get(url).status_code == 403


def _asked(world, resource):
    from tongban.exchange import services

    return services.grant_request(
        staff=world.requester, resource_id=resource.pk, fields=["name", "gender"],
        purpose="核对", legal_basis="x",
    )  # fmt: skip


def test_approving_fewer_fields_through_the_page(client, world, resource):
    asked = _asked(world, resource)
    signed_in(client, world.steward)
    assert "待审批的共享申请" in client.get("/workbench/exchange/").content.decode()
    response = client.post(
        f"/workbench/exchange/grants/{asked.pk}/approve/",
        {f"g{asked.pk}-fields": ["name"], f"g{asked.pk}-days": "90"},
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.status, asked.fields) == ("approved", ["name"])


def test_a_bad_approval_is_a_precise_error_and_changes_nothing(client, world, resource):
    asked = _asked(world, resource)
    response = signed_in(client, world.steward).post(
        f"/workbench/exchange/grants/{asked.pk}/approve/",
        {f"g{asked.pk}-fields": ["name"], f"g{asked.pk}-days": "0"},
    )
    assert response.status_code == 422
    assert "有效期应为 1 至 1095 天。" in response.content.decode()
    assert Grant.objects.get(pk=asked.pk).status == "requested"


def test_another_departments_steward_cannot_decide_or_revoke(client, world, resource, grant):
    asked = _asked(world, resource)
    signed_in(client, world.other_steward)
    for path in (
        f"/workbench/exchange/grants/{asked.pk}/approve/",
        f"/workbench/exchange/grants/{asked.pk}/refuse/",
        f"/workbench/exchange/grants/{grant.pk}/revoke/",
    ):
        assert client.post(path, {"reason": "x"}).status_code == 404, path
    client.force_login(world.reviewer.account)
    assert (
        client.post(f"/workbench/exchange/grants/{asked.pk}/refuse/", {"reason": "x"}).status_code
        == 403
    )
    assert Grant.objects.get(pk=asked.pk).status == "requested"


def test_refusing_and_revoking_through_the_page(client, world, resource, grant):
    asked = _asked(world, resource)
    signed_in(client, world.steward)
    empty = client.post(f"/workbench/exchange/grants/{asked.pk}/refuse/", {"reason": ""})
    assert empty.status_code == 422 and "请填写拒绝理由。" in empty.content.decode()
    assert (
        client.post(
            f"/workbench/exchange/grants/{asked.pk}/refuse/", {"reason": "用途不充分"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/workbench/exchange/grants/{grant.pk}/revoke/", {"reason": "项目结束"}
        ).status_code
        == 302
    )
    assert list(Grant.objects.order_by("pk").values_list("status", flat=True)) == [
        "revoked", "refused",
    ]  # fmt: skip


def test_registering_a_client_shows_its_secret_once(client, world):
    signed_in(client, world.requester)
    response = client.post("/workbench/exchange/clients/", {"name": "低保审核系统"})
    assert response.status_code == 200
    text = response.content.decode()
    exchange_client = ExchangeClient.objects.get()
    assert exchange_client.client_id in text and "它只显示这一次" in text
    assert "它只显示这一次" not in client.get("/workbench/exchange/").content.decode()
    client.force_login(world.reviewer.account)
    assert client.post("/workbench/exchange/clients/", {"name": "x"}).status_code == 403


def test_the_person_sees_only_their_own_data_use(client, world, grant, token):
    zhang = factories.person(name="张晓明", id_number=ZHANG)
    other = factories.person(name="王五")
    client.post(
        "/api/v1/exchange/query",
        {"resource": "population-basic", "key": ZHANG, "purpose": "低保资格审核"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    client.force_login(zhang.account)
    text = client.get("/me/data-use/").content.decode()
    assert (
        "浦东新区民政局" in text and "公民身份号码、姓名、性别" in text and "低保资格审核" in text
    )
    client.force_login(other.account)
    text = client.get("/me/data-use/").content.decode()
    assert "浦东新区民政局" not in text and "暂无部门读取您的信息。" in text
    client.force_login(world.steward.account)
    assert client.get("/me/data-use/").status_code == 403
