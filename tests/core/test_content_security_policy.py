"""The Content-Security-Policy header: one strict policy on every page, widened only for the
forms of a login into a client system, to that client's registered addresses. (That the pages
pass it in a browser is tests/e2e/test_content_security_policy.py.)"""

import re
from urllib.parse import urlencode

import pytest

from tongban.identity.oidc import oidc_client_register

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def _client():
    application, _secret = oidc_client_register(
        name="社保经办系统",
        redirect_uris=["https://rp.example.test/callback", "https://rp2.example.test:8443/cb"],
        post_logout_redirect_uris=["https://rp.example.test/bye"],
    )
    return application


def _authorize(client_id: str, redirect_uri: str = "https://rp.example.test/callback") -> str:
    query = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    return "/oidc/authorize/?" + urlencode(query)


@pytest.mark.parametrize(
    "path", ["/", "/login/", "/register/", "/workbench/login/", "/services/", "/api/v1/docs"]
)
def test_every_page_has_the_strict_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert policy(response) == STRICT


def test_the_login_page_on_the_way_to_a_client_may_post_to_its_registered_origins(client):
    application = _client()
    # The request names another redirect URI: only the registered ones widen the policy.
    authorize = _authorize(application.client_id, "https://evil.example/steal")

    response = client.get("/login/?" + urlencode({"next": authorize}))

    assert policy(response) == {
        **STRICT,
        "form-action": ["'self'", "https://rp.example.test", "https://rp2.example.test:8443"],
    }


def test_the_consent_page_may_post_to_the_clients_registered_origins(client, make):
    application = _client()
    client.force_login(make.person().account)

    response = client.get(_authorize(application.client_id) + "&scope=openid")

    assert response.status_code == 200
    assert policy(response)["form-action"] == [
        "'self'",
        "https://rp.example.test",
        "https://rp2.example.test:8443",
    ]


def test_the_logout_confirmation_may_post_to_the_clients_post_logout_origin(client, make):
    application = _client()
    client.force_login(make.person().account)
    query = {
        "client_id": application.client_id,
        "post_logout_redirect_uri": "https://rp.example.test/bye",
    }

    response = client.get("/oidc/logout/?" + urlencode(query))

    assert policy(response)["form-action"] == ["'self'", "https://rp.example.test"]


@pytest.mark.parametrize(
    "next_for",
    [
        lambda application: _authorize("no-such-client"),
        lambda application: "/me/",
        lambda application: "https://evil.example" + _authorize(application.client_id),
    ],
    ids=["unknown-client", "not-an-authorization", "another-host"],
)
def test_other_next_addresses_leave_the_policy_strict(client, next_for):
    response = client.get("/login/?" + urlencode({"next": next_for(_client())}))

    assert policy(response) == STRICT


def test_the_api_docs_page_names_no_other_host(client):
    response = client.get("/api/v1/docs")

    body = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+", body) == []
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in body
