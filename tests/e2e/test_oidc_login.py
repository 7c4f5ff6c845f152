"""A client system's login through Tongban, in a real Chromium.

The browser follows an authorization URL built by Authlib, signs in on the portal login page,
approves the consent page, and arrives at the client's redirect URI (a path on the live server
that answers 404: only its URL matters). The test then exchanges the code with Authlib, checks
the ID token's signature and claims, and logs out through the client's end-session request.
"""

import time
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import expect

from tongban.identity.oidc import oidc_client_register, oidc_subject

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_client_system_login_with_password_and_consent_then_logout(page, live_server, make):
    person = make.person(name="陈一")
    base = live_server.url
    callback, logged_out = f"{base}/rp/callback", f"{base}/rp/logged-out"
    application, secret = oidc_client_register(
        name="社保经办系统",
        redirect_uris=[callback],
        post_logout_redirect_uris=[logged_out],
    )
    provider = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
    rp = OAuth2Session(
        application.client_id,
        secret,
        scope="openid profile",
        redirect_uri=callback,
        code_challenge_method="S256",
    )
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = rp.create_authorization_url(
        provider["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )

    page.goto(url)
    expect(page.get_by_role("heading", name="统一身份认证登录")).to_be_visible()
    page.get_by_label("身份证号码或手机号码").fill(person.id_number)
    page.get_by_label("密码").fill(make.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(
        page.get_by_role("heading", name="“社保经办系统”请求使用您的一网通办账号登录")
    ).to_be_visible()
    expect(page.get_by_text("姓名", exact=True)).to_be_visible()
    page.get_by_role("button", name="同意授权").click()
    page.wait_for_url(f"{callback}?**")

    params = parse_qs(urlparse(page.url).query)
    assert params["state"] == [state]
    assert params["iss"] == [provider["issuer"]] == [base]
    token = rp.fetch_token(
        provider["token_endpoint"], authorization_response=page.url, code_verifier=verifier
    )
    keys = KeySet.import_key_set(requests.get(provider["jwks_uri"], timeout=10).json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": base},
        aud={"essential": True, "value": application.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(id_token.claims)
    assert id_token.claims["exp"] > time.time()
    assert id_token.claims["sub"] == oidc_subject(person.account)
    assert id_token.claims["name"] == "陈一"
    assert id_token.claims["account_kind"] == "person"
    assert id_token.claims["id_number_masked"] == person.id_number_masked
    assert "id_number" not in id_token.claims
    assert rp.get(provider["userinfo_endpoint"], timeout=10).json()["name"] == "陈一"
    rp.close()

    # The person sees the authorization in their security log.
    page.goto("/me/")
    expect(page.get_by_role("cell", name="授权第三方系统登录")).to_be_visible()

    query = urlencode({"id_token_hint": token["id_token"], "post_logout_redirect_uri": logged_out})
    page.goto(f"{provider['end_session_endpoint']}?{query}")
    page.wait_for_url(logged_out)
    page.goto("/me/")
    expect(page).to_have_url(f"{base}/login/?next=/me/")
