"""The exchange API: every bad input the issue lists, each with its exact answer, and the
audit entry every call leaves — refused ones included."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests import factories
from tongban.core.audit import audit_verify
from tongban.core.models import AuditEntry
from tongban.exchange import receipts, services
from tongban.exchange.models import ExchangeCall, Grant

from .conftest import LI, ZHANG, token_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/exchange"


def post(client, token, body, path="/query"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(URL + path, json.dumps(body), content_type="application/json", **headers)


def get(client, token, path):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(URL + path, **headers)


def ask(client, token, **overrides):
    body = {"resource": "population-basic", "key": ZHANG, "purpose": "低保资格审核"}
    body.update(overrides)
    return post(client, token, body)


def last_entry():
    return AuditEntry.objects.order_by("-seq").first()


def test_a_granted_query_returns_only_the_granted_fields_with_a_signed_receipt(
    client, grant, token
):
    response = ask(client, token)
    assert response.status_code == 200
    body = response.json()
    assert body["fields"] == {"id_number": ZHANG, "name": "张晓明", "gender": "1"}
    assert (body["resource"], body["key"]) == ("population-basic", ZHANG)
    keys = get(client, None, "/jwks").json()
    checked = receipts.receipt_verify(body["receipt"], keyset=keys)
    assert checked.valid and checked.reason == "valid"
    claims = checked.claims
    assert claims["jti"] == body["receipt_id"]
    assert (claims["consumer"], claims["resource"], claims["provider"]) == (
        "pd-civil", "population-basic", "sh-police",
    )  # fmt: skip
    assert claims["fields"] == ["id_number", "name", "gender"]
    assert claims["purpose"] == "低保资格审核"
    assert claims["answer_sha256"] == receipts.answer_digest(body["fields"])
    entry = last_entry()
    assert entry.action == "exchange.query"
    assert entry.details["result"] == "answered"
    assert entry.details["consumer"] == "pd-civil"
    assert entry.details["fields"] == "id_number,name,gender"
    assert ZHANG not in json.dumps(entry.details)  # the key is kept as its keyed hash
    assert len(entry.details["key_hash"]) == 64


def test_asking_for_fewer_fields_returns_those(client, grant, token):
    response = ask(client, token, fields=["name"])
    assert (response.status_code, response.json()["fields"]) == (200, {"name": "张晓明"})


def test_resources_lists_what_the_client_may_use(client, grant, token):
    response = get(client, token, "/resources")
    assert response.status_code == 200
    [only] = response.json()
    assert (only["code"], only["provider"], only["fields"]) == (
        "population-basic", "上海市公安局", ["id_number", "name", "gender"],
    )  # fmt: skip


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer forged-token-0123456789", "Basic Zm9vOmJhcg==", "Bearer "],
)
def test_a_missing_or_forged_token_is_401_and_audited(client, grant, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    body = json.dumps({"resource": "population-basic", "key": ZHANG, "purpose": "x"})
    response = client.post(URL + "/query", body, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "exchange.token_invalid"
    assert "fields" not in response.json() or response.json()["fields"] == {}
    entry = last_entry()
    assert (entry.action, entry.details["code"], entry.details["status"]) == (
        "exchange.call_refused", "exchange.token_invalid", 401,
    )  # fmt: skip


def test_an_expired_token_is_401(client, grant, registered, token):
    from oauth2_provider.models import AccessToken

    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (401, "exchange.token_invalid")


def test_a_token_without_the_exchange_scope_is_401(client, grant, registered):
    exchange_client, secret = registered
    other = token_for(client, exchange_client.client_id, secret, scope="openid")
    response = ask(client, other)
    assert (response.status_code, response.json()["code"]) == (401, "exchange.token_invalid")


def test_a_wrong_client_secret_gets_no_token(client, registered):
    from .conftest import basic

    exchange_client, _secret = registered
    response = client.post(
        "/oidc/token/",
        {"grant_type": "client_credentials", "scope": "exchange"},
        HTTP_AUTHORIZATION=basic(exchange_client.client_id, "wrong"),
    )
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_no_grant_is_403_and_the_refused_call_leaves_an_audit_entry(client, resource, token):
    before = AuditEntry.objects.count()
    response = ask(client, token)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "exchange.no_grant"
    assert body["fields"] == {"resource": "本部门没有“人口基本信息”的有效共享授权。"}
    assert "张晓明" not in response.content.decode()
    assert AuditEntry.objects.count() == before + 1
    entry = last_entry()
    assert entry.action == "exchange.call_refused"
    assert entry.details["code"] == "exchange.no_grant"
    assert entry.details["consumer"] == "pd-civil"
    assert entry.details["resource"] == "population-basic"
    assert entry.details["purpose"] == "低保资格审核"
    assert entry.details["result"] == "refused"
    assert len(entry.details["key_hash"]) == 64
    call = ExchangeCall.objects.get()
    assert (call.result, call.code, call.receipt) == ("refused", "exchange.no_grant", "")


def test_an_expired_grant_is_403(client, grant, token):
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (403, "exchange.grant_expired")


def test_a_revoked_grant_is_403(client, world, grant, token):
    services.grant_revoke(staff=world.steward, grant_id=grant.pk, reason="用途已结束")
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (403, "exchange.grant_revoked")


def test_fields_beyond_the_grant_are_403(client, grant, token):
    response = ask(client, token, fields=["name", "hukou_address"])
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "exchange.field_not_granted"
    assert body["fields"] == {"fields": "未获授权的字段：hukou_address。"}
    assert "张晓明" not in response.content.decode()


@pytest.mark.parametrize("purpose", ["", "   "])
def test_a_missing_purpose_is_422(client, grant, token, purpose):
    response = ask(client, token, purpose=purpose)
    assert response.status_code == 422
    assert response.json()["code"] == "exchange.purpose_missing"
    assert list(response.json()["fields"]) == ["purpose"]
    assert last_entry().details["code"] == "exchange.purpose_missing"


def test_an_unknown_key_is_404_and_recorded(client, grant, token):
    response = ask(client, token, key=factories.id_number(birth="19900101"))
    assert response.status_code == 404
    assert response.json()["code"] == "exchange.key_unknown"
    assert response.json()["fields"] == {"key": "基础库中没有该查询键的记录。"}
    assert ExchangeCall.objects.get().result == "not_found"


def test_a_malformed_id_number_is_422(client, grant, token):
    response = ask(client, token, key="310115198507160012")  # wrong check character
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "registry.key_malformed"
    assert list(body["fields"]) == ["key"]
    assert last_entry().details["code"] == "registry.key_malformed"


def test_an_unknown_resource_is_404(client, grant, token):
    response = ask(client, token, resource="credit-records")
    assert (response.status_code, response.json()["code"]) == (404, "exchange.resource_not_found")
    assert list(response.json()["fields"]) == ["resource"]


def test_a_body_of_wrong_types_is_422_with_field_names_and_audited(client, grant, token):
    response = post(client, token, {"resource": 5, "key": ZHANG, "purpose": "x"})
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["resource"]
    entry = last_entry()
    assert (entry.action, entry.details["code"], entry.details["status"]) == (
        "exchange.call_refused", "invalid_input", 422,
    )  # fmt: skip
    assert (entry.details["operation"], entry.details["consumer"]) == ("query", "pd-civil")


def test_an_unparseable_body_is_400_and_audited(client, grant, token):
    response = client.post(
        URL + "/query", b"{not json", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 400
    entry = last_entry()
    assert (entry.action, entry.details["status"], entry.details["consumer"]) == (
        "exchange.call_refused", 400, "pd-civil",
    )  # fmt: skip


def test_the_grant_rate_limit_is_429(client, grant, token, settings):
    settings.TONGBAN_EXCHANGE_GRANT_RATE = "2/m"
    assert ask(client, token).status_code == 200
    assert ask(client, token).status_code == 200
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (429, "exchange.rate_limited")
    assert last_entry().details["code"] == "exchange.rate_limited"


def test_a_consumer_reads_its_own_receipt_but_not_another_consumers(client, world, grant, token):
    receipt_id = ask(client, token).json()["receipt_id"]
    mine = get(client, token, f"/receipts/{receipt_id}")
    assert mine.status_code == 200
    assert mine.json()["receipt"] == ExchangeCall.objects.get(receipt_id=receipt_id).receipt
    # a system of another department, with its own grant of the same resource
    other_client, secret = services.client_register(staff=world.other_steward, name="住房系统")
    other_token = token_for(client, other_client.client_id, secret)
    response = get(client, other_token, f"/receipts/{receipt_id}")
    assert (response.status_code, response.json()["code"]) == (404, "exchange.receipt_not_found")
    assert "receipt" not in response.json()
    assert last_entry().details["operation"] == "receipt"
    assert last_entry().details["consumer"] == "pd-housing"


def test_a_tampered_receipt_is_invalid(client, grant, token):
    body = ask(client, token).json()
    keys = get(client, None, "/jwks").json()
    text = body["receipt"]
    header, payload, signature = text.split(".")
    for i in (3, len(payload) // 2, len(payload) - 2):
        flipped = payload[:i] + ("A" if payload[i] != "A" else "B") + payload[i + 1 :]
        result = receipts.receipt_verify(f"{header}.{flipped}.{signature}", keyset=keys)
        assert not result.valid and result.reason in {"signature_invalid", "malformed"}
    other_sig = signature[:-3] + ("A" if signature[-3] != "A" else "B") + signature[-2:]
    assert receipts.receipt_verify(f"{header}.{payload}.{other_sig}", keyset=keys).reason == (
        "signature_invalid"
    )
    assert receipts.receipt_verify(text, keyset={"keys": []}).reason == "unknown_key"


def test_a_tampered_audit_entry_is_detected(client, grant, token):
    assert ask(client, token, key=LI).status_code == 200
    assert audit_verify().intact
    entry = last_entry()
    details = dict(entry.details)
    details["consumer"] = "pd-housing"
    factories.audit_tampered(
        "UPDATE core_auditentry SET details = %s WHERE id = %s",
        [json.dumps(details, ensure_ascii=False), entry.pk],
    )
    report = audit_verify()
    assert not report.intact
    assert report.problems == [f"#{entry.seq} was changed after it was written"]


def test_jwks_is_public_and_holds_only_public_keys(client):
    response = get(client, None, "/jwks")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("OKP", "Ed25519", "Ed25519")
    assert "d" not in key


def test_another_departments_client_lists_and_subscribes_to_nothing_of_ours(client, world, grant):
    other_client, secret = services.client_register(staff=world.other_steward, name="住房系统")
    other_token = token_for(client, other_client.client_id, secret)
    assert get(client, other_token, "/resources").json() == []
    body = {"resource": "population-basic", "endpoint": "https://h.example.cn/e", "keys": [ZHANG]}
    response = post(client, other_token, body, path="/subscriptions")
    assert (response.status_code, response.json()["code"]) == (403, "exchange.no_grant")
    assert last_entry().details["operation"] == "subscribe"


def test_a_login_client_system_is_not_an_exchange_client(client, grant):
    """An OpenID Connect relying party (authorization code flow) cannot take a
    client-credentials token, and a revoked exchange client's token stops working."""
    from tongban.identity.oidc import oidc_client_register

    application, secret = oidc_client_register(
        name="办事系统", redirect_uris=["https://rp.example.cn/callback"]
    )
    from .conftest import basic

    response = client.post(
        "/oidc/token/",
        {"grant_type": "client_credentials", "scope": "exchange"},
        HTTP_AUTHORIZATION=basic(application.client_id, secret),
    )
    assert (response.status_code, response.json()["error"]) == (400, "unauthorized_client")


def test_a_deactivated_client_is_401(client, world, grant, registered, token):
    exchange_client, _secret = registered
    services.client_revoke(staff=world.requester, client_id=exchange_client.pk)
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (401, "exchange.token_invalid")


def _statements(captured) -> list[str]:
    """Each statement as its verb and first table, the test transaction's savepoints left out."""
    kinds = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            continue
        kinds.append(f"{sql.split()[0]} {sql.split(chr(34))[1]}")
    return kinds


CHAINED = [  # what the chain task runs (here at once: the in-process task backend)
    "SELECT exchange_exchangecall",
    "UPDATE exchange_exchangecall",
    "UPDATE core_auditchainhead",
    "INSERT core_auditentry",
]


def test_a_warm_answered_query_takes_2_statements_and_its_audit_entry_is_chained_after(
    client, grant, token
):
    """Warm (token, client, resource, fields, grant and receipt key kept per process; the rate
    counted in memory without Redis): the record, then the call row — one INSERT, its own
    transaction in production, which finds the person by a subquery. The chain task then links
    its entry (one head update)."""
    from django.test.utils import CaptureQueriesContext

    ask(client, token)  # the receipt key is made on the first receipt
    with CaptureQueriesContext(connection) as answered:
        assert ask(client, token).status_code == 200
    with CaptureQueriesContext(connection) as refused:
        assert ask(client, token, resource="nope").status_code == 404
    assert _statements(answered) == [
        "SELECT registries_populationrecord",
        "INSERT exchange_exchangecall",
        *CHAINED,
    ]
    assert _statements(refused) == [
        "SELECT exchange_dataresource",  # a miss is not kept
        "INSERT exchange_exchangecall",
        *CHAINED,
    ]
