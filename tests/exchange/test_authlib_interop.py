"""A department system as a real OAuth2 client (Authlib's requests integration) against the
live server: it gets a token by the client-credentials grant, lists its resources, queries
one, and checks the receipt against the published key set."""

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from tongban.exchange import receipts

from .conftest import ZHANG

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 10


def test_client_credentials_token_then_query(live_server, grant, registered):
    exchange_client, secret = registered
    metadata = requests.get(
        f"{live_server.url}/.well-known/openid-configuration", timeout=TIMEOUT
    ).json()
    with OAuth2Session(
        exchange_client.client_id,
        secret,
        scope="exchange",
        token_endpoint_auth_method="client_secret_basic",
    ) as session:
        token = session.fetch_token(
            metadata["token_endpoint"], grant_type="client_credentials", timeout=TIMEOUT
        )
        assert (token["token_type"], token["scope"]) == ("Bearer", "exchange")
        listed = session.get(f"{live_server.url}/api/v1/exchange/resources", timeout=TIMEOUT)
        assert listed.status_code == 200
        assert [r["code"] for r in listed.json()] == ["population-basic"]
        answer = session.post(
            f"{live_server.url}/api/v1/exchange/query",
            json={"resource": "population-basic", "key": ZHANG, "purpose": "低保资格审核"},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 200
        assert answer.json()["fields"] == {"id_number": ZHANG, "name": "张晓明", "gender": "1"}
    keys = requests.get(f"{live_server.url}/api/v1/exchange/jwks", timeout=TIMEOUT).json()
    assert receipts.receipt_verify(answer.json()["receipt"], keyset=keys).valid
    # a wrong secret gets no token, and no token gets no data
    with OAuth2Session(exchange_client.client_id, "not-the-secret", scope="exchange") as bad:
        response = bad.post(
            metadata["token_endpoint"],
            data={"grant_type": "client_credentials", "scope": "exchange"},
            auth=(exchange_client.client_id, "not-the-secret"),
            timeout=TIMEOUT,
        )
        assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    anonymous = requests.post(
        f"{live_server.url}/api/v1/exchange/query",
        json={"resource": "population-basic", "key": ZHANG, "purpose": "x"},
        timeout=TIMEOUT,
    )
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "exchange.token_invalid")
