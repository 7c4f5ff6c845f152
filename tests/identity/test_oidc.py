"""The OpenID Connect provider end to end, over real HTTP, with two independent relying parties.

Authlib (``OAuth2Session`` with PKCE S256, and joserfc checking the ID token against the JWKS)
and pyoidc (``oic``, which checks the ID token against the JWKS itself) each: sign a user in
through the portal or workbench login (with the TOTP step where the account has one), exchange
the code, validate the ID token, call userinfo, log out through ``end_session_endpoint``, and
find the session and the tokens gone. The user's browser is a ``requests.Session`` that posts
the real login forms (CSRF token and ``next`` included) and stops at the client's redirect URI.
"""

import base64
import html
import json
import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pyotp
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from jwkest import BadSignature
from oic import rndstr
from oic.oic import Client
from oic.oic.message import (
    AuthorizationRequest,
    AuthorizationResponse,
    IdToken,
    RegistrationResponse,
)
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from tongban.core.models import AuditEntry
from tongban.identity import selectors, services
from tongban.identity.models import AgentAuthorization
from tongban.identity.oidc import oidc_client_register, oidc_subject

pytestmark = pytest.mark.django_db(transaction=True)

# The client system's addresses. The browser stand-in never fetches them: it stops at the
# redirect, as a real browser would hand the URL over to the client system.
CALLBACK = "https://rp.example.test/callback"
OTHER_CALLBACK = "https://rp.example.test/other-callback"
LOGGED_OUT = "https://rp.example.test/logged-out"
# What every ID token carries besides our claims (see tongban.identity.oidc).
PROTOCOL_CLAIMS = {"iss", "aud", "exp", "iat", "auth_time", "jti", "nonce", "at_hash"}
TIMEOUT = 10


_open_sessions: list[requests.Session] = []


def closed_after_test(session: requests.Session) -> requests.Session:
    """A live-server thread serving a kept-alive connection holds its database connection
    (CONN_MAX_AGE) until the client closes the socket; left open, it would keep PostgreSQL
    from dropping the test database at the end of the run."""
    _open_sessions.append(session)
    return session


@pytest.fixture(autouse=True)
def _close_http_sessions():
    yield
    while _open_sessions:
        _open_sessions.pop().close()


# The user's browser --------------------------------------------------------------------------


class UserAgent:
    """A browser stand-in: keeps cookies, follows redirects while they stay on the provider,
    and submits forms with their hidden fields (CSRF token, ``next``, the consent form's)."""

    def __init__(self, base: str):
        self.base = base
        self.http = closed_after_test(requests.Session())

    def open(self, url: str, *, data: dict | None = None) -> requests.Response:
        method = "POST" if data is not None else "GET"
        response = self.http.request(
            method, urljoin(self.base, url), data=data, allow_redirects=False, timeout=TIMEOUT
        )
        while response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if not target.startswith(self.base + "/"):
                break
            response = self.http.get(target, allow_redirects=False, timeout=TIMEOUT)
        return response

    def submit(self, page: requests.Response, fields: dict) -> requests.Response:
        hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
        data = {name: html.unescape(value) for name, value in hidden}
        return self.open(page.url, data={**data, **fields})


def path_of(response: requests.Response) -> str:
    return urlparse(response.url).path


def sign_in(
    agent: UserAgent,
    authorize_url: str,
    *,
    identifier: str,
    password: str,
    totp_secret: str | None = None,
    staff: bool = False,
    consent: bool | None = None,
) -> str:
    """Follow an authorization URL as a signed-out user, log in, and return the URL the
    provider finally redirects to (the client's redirect URI with code or error)."""
    page = agent.open(authorize_url)
    assert path_of(page) == "/login/", page.text[:300]
    if staff:
        # The portal login links to the staff login, carrying the same ``next``.
        link = re.search(r'href="(/workbench/login/\?next=[^"]+)"', page.text).group(1)
        page = agent.open(html.unescape(link))
        assert path_of(page) == "/workbench/login/"
        response = agent.submit(page, {"username": identifier, "password": password})
    else:
        response = agent.submit(page, {"identifier": identifier, "password": password})
    if totp_secret is not None:
        assert path_of(response) == "/login/totp/", response.text[:300]
        # The next step's code: the current one was spent confirming the authenticator.
        code = pyotp.TOTP(totp_secret).at(time.time() + 30)
        response = agent.submit(response, {"code": code})
    if consent is not None:
        assert path_of(response) == "/oidc/authorize/", response.text[:300]
        response = agent.submit(response, {"allow": "on"} if consent else {})
    assert response.is_redirect, f"{response.status_code} {response.url} {response.text[:300]}"
    return response.headers["Location"]


def assert_signed_out(agent: UserAgent, provider: dict, access_token: str) -> None:
    """The provider session is gone and so are the client's tokens."""
    assert path_of(agent.open("/me/")) == "/login/"
    userinfo = requests.get(
        provider["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=TIMEOUT,
    )
    assert userinfo.status_code == 401


def _session_is_live(agent: UserAgent) -> bool:
    return path_of(agent.open("/me/")) == "/me/"


def enable_totp(account) -> str:
    device = services.totp_begin(account=account)
    services.totp_confirm(account=account, code=pyotp.TOTP(device.secret).now())
    return device.secret


# The provider and its client systems ------------------------------------------------------------


@pytest.fixture
def provider(live_server) -> dict:
    response = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()


def register_client(*, skip_consent: bool = True, redirect_uris=(CALLBACK,)):
    return oidc_client_register(
        name="不动产登记系统",
        redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=[LOGGED_OUT],
        confidential=True,
        skip_authorization=skip_consent,
    )


def authlib_client(application, secret: str, scope: str) -> OAuth2Session:
    return closed_after_test(
        OAuth2Session(
            application.client_id,
            secret,
            scope=scope,
            redirect_uri=CALLBACK,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
        )
    )


def authlib_authorization(rp: OAuth2Session, provider: dict) -> tuple[str, str, str, str]:
    """(url, state, nonce, code_verifier) of a fresh authorization request."""
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = rp.create_authorization_url(
        provider["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    return url, state, nonce, verifier


def verify_id_token(provider: dict, id_token: str, *, client_id: str, nonce: str) -> dict:
    """Check the ID token's signature against the provider's JWKS, then iss, aud, nonce, exp."""
    jwks = requests.get(provider["jwks_uri"], timeout=TIMEOUT).json()
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert token.header["alg"] == "RS256"
    assert token.header["kid"] in {key["kid"] for key in jwks["keys"]}
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider["issuer"]},
        aud={"essential": True, "value": client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(token.claims)
    assert token.claims["exp"] > time.time()
    return token.claims


def our_claims(claims: dict) -> dict:
    return {k: v for k, v in claims.items() if k not in PROTOCOL_CLAIMS}


def oic_client(provider: dict, application, secret: str) -> Client:
    client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    # Fetches issuer + /.well-known/openid-configuration, checks that the document names the
    # same issuer, and loads the signing keys from jwks_uri.
    client.provider_config(provider["issuer"])
    client.store_registration_info(
        RegistrationResponse(
            client_id=application.client_id,
            client_secret=secret,
            redirect_uris=[CALLBACK],
            post_logout_redirect_uris=[LOGGED_OUT],
        )
    )
    return client


def oic_authorization(client: Client, scope: list[str]) -> tuple[str, str, str, str]:
    """(url, state, nonce, code_verifier); the client remembers the state's nonce."""
    pkce, verifier = client.add_code_challenge()
    state, nonce = rndstr(), rndstr()
    url, _body, _headers, _request = client.request_info(
        AuthorizationRequest,
        method="GET",
        request_args={
            "response_type": "code",
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "redirect_uri": CALLBACK,
            **pkce,
        },
    )
    return url, state, nonce, verifier


def oic_sign_in_and_get_tokens(client, agent, *, scope, identifier, password, **login):
    url, state, nonce, verifier = oic_authorization(client, scope)
    callback = sign_in(agent, url, identifier=identifier, password=password, **login)
    assert callback.startswith(CALLBACK + "?")
    response = client.parse_response(AuthorizationResponse, info=callback, sformat="urlencoded")
    assert response["state"] == state
    tokens = client.do_access_token_request(
        state=state,
        request_args={
            "code": response["code"],
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        authn_method="client_secret_basic",
    )
    assert "error" not in tokens, tokens.to_dict()
    return state, nonce, tokens


def token_request(provider: dict, application, secret: str, **data) -> requests.Response:
    return requests.post(
        provider["token_endpoint"],
        data={"grant_type": "authorization_code", "redirect_uri": CALLBACK, **data},
        auth=(application.client_id, secret),
        timeout=TIMEOUT,
    )


# Discovery ---------------------------------------------------------------------------------------


def test_discovery_names_the_site_root_as_issuer_and_consistent_endpoints(live_server, provider):
    issuer = live_server.url
    assert provider["issuer"] == issuer
    assert provider["authorization_endpoint"] == f"{issuer}/oidc/authorize/"
    assert provider["token_endpoint"] == f"{issuer}/oidc/token/"
    assert provider["userinfo_endpoint"] == f"{issuer}/oidc/userinfo/"
    assert provider["jwks_uri"] == f"{issuer}/oidc/jwks/"
    assert provider["end_session_endpoint"] == f"{issuer}/oidc/logout/"
    assert provider["response_types_supported"] == ["code"]
    assert provider["code_challenge_methods_supported"] == ["S256"]
    assert provider["id_token_signing_alg_values_supported"][0] == "RS256"
    assert provider["authorization_response_iss_parameter_supported"] is True
    assert set(provider["scopes_supported"]) == {
        "openid",
        "profile",
        "id_number",
        "enterprise",
        "staff",
        "exchange",  # department systems' client-credentials scope for the exchange API
    }
    assert set(provider["claims_supported"]) == {
        "sub",
        "account_kind",
        "id_number_masked",
        "name",
        "id_number",
        "uscc",
        "enterprise_name",
        "department",
        "roles",
    }
    # The OAuth 2.0 metadata (RFC 8414) agrees on the issuer.
    oauth = requests.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=TIMEOUT)
    assert oauth.json()["issuer"] == issuer
    jwks = requests.get(provider["jwks_uri"], timeout=TIMEOUT).json()
    assert [(k["kty"], k["alg"], k["use"]) for k in jwks["keys"]] == [("RSA", "RS256", "sig")]
    assert "d" not in jwks["keys"][0]  # the public half only


def test_client_management_pages_of_the_toolkit_are_not_exposed(live_server, make):
    person = make.person()
    agent = UserAgent(live_server.url)
    agent.submit(agent.open("/login/"), {"identifier": person.id_number, "password": make.PASSWORD})
    assert _session_is_live(agent)
    for path in ("/oidc/applications/", "/oidc/applications/register/", "/oidc/authorized_tokens/"):
        assert agent.open(path).status_code == 404


# Authlib -----------------------------------------------------------------------------------------


def test_authlib_person_acting_for_an_enterprise_with_totp(live_server, provider, make):
    entity = make.entity(representative=make.person(name="王法人"), name="上海浦东示范科技有限公司")
    person = make.person(name="李四")
    make.authorization(entity, person)
    services.acting_entity_choose(account=person.account, entity=entity)
    totp_secret = enable_totp(person.account)
    application, secret = register_client()
    rp = authlib_client(application, secret, "openid profile id_number enterprise")
    url, state, nonce, verifier = authlib_authorization(rp, provider)
    agent = UserAgent(live_server.url)

    callback = sign_in(
        agent, url, identifier=person.id_number, password=make.PASSWORD, totp_secret=totp_secret
    )

    assert callback.startswith(CALLBACK + "?")
    params = parse_qs(urlparse(callback).query)
    assert params["state"] == [state]
    assert params["iss"] == [provider["issuer"]]  # RFC 9207 mix-up defence
    token = rp.fetch_token(
        provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    claims = verify_id_token(
        provider, token["id_token"], client_id=application.client_id, nonce=nonce
    )
    expected = {
        "sub": oidc_subject(person.account),
        "account_kind": "person",
        "id_number_masked": person.id_number_masked,
        "name": "李四",
        "id_number": person.id_number,
        "uscc": entity.uscc,
        "enterprise_name": "上海浦东示范科技有限公司",
    }
    assert our_claims(claims) == expected
    assert claims["sub"] != str(person.account.pk)
    assert re.fullmatch(r"[0-9a-f]{64}", claims["sub"])
    userinfo = rp.get(provider["userinfo_endpoint"], timeout=TIMEOUT)
    assert userinfo.status_code == 200
    assert userinfo.json() == expected

    # The person sees the authorization in their security log.
    entry = AuditEntry.objects.get(action="identity.oidc.authorized")
    assert entry.subject_person_id == person.pk
    assert entry.actor_id == person.account.pk
    assert entry.details == {
        "client": "不动产登记系统",
        "client_id": application.client_id,
        "scopes": "enterprise id_number openid profile",
    }
    assert entry in selectors.security_log(person=person)
    assert "授权第三方系统登录" in agent.open("/me/").text

    logout = agent.open(
        provider["end_session_endpoint"]
        + "?"
        + urlencode(
            {
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": LOGGED_OUT,
                "state": "bye",
            }
        )
    )
    assert logout.is_redirect
    assert logout.headers["Location"] == f"{LOGGED_OUT}?state=bye"
    assert_signed_out(agent, provider, token["access_token"])
    assert AuditEntry.objects.filter(action="identity.logout", actor_id=person.account.pk).exists()
    # A new authorization request finds nobody signed in.
    url, *_ = authlib_authorization(rp, provider)
    assert path_of(agent.open(url)) == "/login/"


def test_authlib_consent_page_approve_and_deny(live_server, provider, make):
    person = make.person(name="赵六")
    application, secret = register_client(skip_consent=False)
    rp = authlib_client(application, secret, "openid profile id_number")
    url, state, nonce, verifier = authlib_authorization(rp, provider)
    agent = UserAgent(live_server.url)

    page = agent.open(url)
    page = agent.submit(page, {"identifier": person.id_number, "password": make.PASSWORD})
    assert path_of(page) == "/oidc/authorize/"
    assert "“不动产登记系统”请求使用您的一网通办账号登录" in page.text
    assert "完整公民身份号码" in page.text
    denied = agent.submit(page, {})
    assert denied.is_redirect
    params = parse_qs(urlparse(denied.headers["Location"]).query)
    assert params["error"] == ["access_denied"]
    assert params["state"] == [state]
    assert not AuditEntry.objects.filter(action="identity.oidc.authorized").exists()

    url, state, nonce, verifier = authlib_authorization(rp, provider)
    approved = agent.submit(agent.open(url), {"allow": "on"})
    callback = approved.headers["Location"]
    token = rp.fetch_token(
        provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    claims = verify_id_token(
        provider, token["id_token"], client_id=application.client_id, nonce=nonce
    )
    assert claims["id_number"] == person.id_number
    assert claims["name"] == "赵六"
    assert (
        AuditEntry.objects.filter(
            action="identity.oidc.authorized", subject_person_id=person.pk
        ).count()
        == 1
    )


# pyoidc (oic) ------------------------------------------------------------------------------------


def test_oic_person_gets_masked_id_number_only_without_the_scopes(live_server, provider, make):
    entity = make.entity(name="上海测试贸易有限公司")
    person = make.person(name="张三")
    make.authorization(entity, person)
    services.acting_entity_choose(account=person.account, entity=entity)
    application, secret = register_client()
    client = oic_client(provider, application, secret)
    assert client.issuer == live_server.url
    agent = UserAgent(live_server.url)

    state, nonce, tokens = oic_sign_in_and_get_tokens(
        client,
        agent,
        scope=["openid", "profile"],
        identifier=person.mobile,
        password=make.PASSWORD,
    )

    id_token = tokens["id_token"]  # already verified by oic against the provider's JWKS
    assert id_token["iss"] == live_server.url
    assert id_token["aud"] == [application.client_id]
    assert id_token["nonce"] == nonce
    assert id_token["exp"] > time.time()
    expected = {
        "sub": oidc_subject(person.account),
        "account_kind": "person",
        "id_number_masked": person.id_number_masked,
        "name": "张三",
    }
    assert our_claims(id_token.to_dict()) == expected
    assert "id_number" not in id_token and "uscc" not in id_token
    userinfo = client.do_user_info_request(state=state, method="GET")
    assert userinfo.to_dict() == expected

    end_session = client.construct_EndSessionRequest(
        state=state, request_args={"post_logout_redirect_uri": LOGGED_OUT, "state": state}
    )
    assert end_session["id_token_hint"] == tokens["id_token_jwt"]
    logout = agent.open(end_session.request(client.end_session_endpoint))
    assert logout.is_redirect
    assert logout.headers["Location"] == f"{LOGGED_OUT}?state={state}"
    assert_signed_out(agent, provider, tokens["access_token"])


def test_oic_staff_of_department_a_via_workbench_login_with_totp(live_server, provider, make):
    department_a = make.department(code="a-market", name="浦东新区市场监督管理局")
    department_b = make.department(code="b-housing", name="浦东新区住房和城乡建设管理委员会")
    make.staff(department=department_b, roles=("department_head",), username="b-head")
    staff = make.staff(
        department=department_a, roles=("reviewer", "counter_clerk"), username="a-clerk"
    )
    totp_secret = enable_totp(staff.account)
    application, secret = register_client()
    client = oic_client(provider, application, secret)
    agent = UserAgent(live_server.url)

    state, nonce, tokens = oic_sign_in_and_get_tokens(
        client,
        agent,
        scope=["openid", "profile", "staff"],
        identifier="a-clerk",
        password=make.PASSWORD,
        staff=True,
        totp_secret=totp_secret,
    )

    expected = {
        "sub": oidc_subject(staff.account),
        "account_kind": "staff",
        "name": staff.account.display_name,
        "department": {"code": "a-market", "name": "浦东新区市场监督管理局"},
        "roles": ["counter_clerk", "reviewer"],
    }
    assert our_claims(tokens["id_token"].to_dict()) == expected
    assert tokens["id_token"]["nonce"] == nonce
    assert client.do_user_info_request(state=state, method="GET").to_dict() == expected
    entry = AuditEntry.objects.get(action="identity.oidc.authorized")
    assert entry.actor_id == staff.account.pk and entry.subject_person_id is None

    end_session = client.construct_EndSessionRequest(
        state=state, request_args={"post_logout_redirect_uri": LOGGED_OUT}
    )
    logout = agent.open(end_session.request(client.end_session_endpoint))
    assert logout.headers["Location"] == LOGGED_OUT
    assert path_of(agent.open("/workbench/")) == "/workbench/login/"
    assert_signed_out(agent, provider, tokens["access_token"])


# Bad input ---------------------------------------------------------------------------------------


def _code_for(live_server, provider, make, rp, *, person=None):
    person = person or make.person()
    url, _state, nonce, verifier = authlib_authorization(rp, provider)
    agent = UserAgent(live_server.url)
    callback = sign_in(agent, url, identifier=person.id_number, password=make.PASSWORD)
    return parse_qs(urlparse(callback).query)["code"][0], verifier, nonce, agent


def test_wrong_pkce_verifier_is_invalid_grant(live_server, provider, make):
    application, secret = register_client()
    rp = authlib_client(application, secret, "openid")
    code, _verifier, _nonce, _agent = _code_for(live_server, provider, make, rp)

    response = token_request(
        provider, application, secret, code=code, code_verifier=generate_token(48)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()
    missing = token_request(provider, application, secret, code=code)
    assert missing.status_code == 400
    assert "access_token" not in missing.json()


def test_reused_code_is_invalid_grant(live_server, provider, make):
    application, secret = register_client()
    rp = authlib_client(application, secret, "openid")
    person = make.person()
    code, verifier, _nonce, _agent = _code_for(live_server, provider, make, rp, person=person)

    first = token_request(provider, application, secret, code=code, code_verifier=verifier)
    assert first.status_code == 200 and "id_token" in first.json()
    again = token_request(provider, application, secret, code=code, code_verifier=verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # RFC 6749 section 4.1.2: the replay revokes what the first exchange issued.
    userinfo = requests.get(
        provider["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {first.json()['access_token']}"},
        timeout=TIMEOUT,
    )
    assert userinfo.status_code == 401
    refresh = requests.post(
        provider["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
        auth=(application.client_id, secret),
        timeout=TIMEOUT,
    )
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "invalid_grant"
    # ...and says so in the security log of the person whose tokens it revoked.
    replays = AuditEntry.objects.filter(action="identity.oidc.code_replayed")
    assert list(replays.values_list("subject_person_id", "details")) == [
        (person.pk, {"client_id": application.client_id})
    ]


def test_a_never_exchanged_code_revokes_nothing(live_server, provider, make):
    application, secret = register_client()
    rp = authlib_client(application, secret, "openid")
    code, verifier, _nonce, _agent = _code_for(live_server, provider, make, rp)
    first = token_request(provider, application, secret, code=code, code_verifier=verifier)
    assert first.status_code == 200

    unknown = token_request(provider, application, secret, code="x" * 30, code_verifier=verifier)
    assert unknown.json()["error"] == "invalid_grant"
    userinfo = requests.get(
        provider["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {first.json()['access_token']}"},
        timeout=TIMEOUT,
    )
    assert userinfo.status_code == 200


def test_userinfo_refuses_an_access_token_in_the_query_string(live_server, provider, make):
    application, secret = register_client()
    rp = authlib_client(application, secret, "openid")
    code, verifier, _nonce, _agent = _code_for(live_server, provider, make, rp)
    access_token = token_request(
        provider, application, secret, code=code, code_verifier=verifier
    ).json()["access_token"]

    in_query = requests.get(
        provider["userinfo_endpoint"], params={"access_token": access_token}, timeout=TIMEOUT
    )
    assert in_query.status_code == 401
    assert in_query.json()["error"] == "invalid_request"
    assert "sub" not in in_query.json()
    in_body = requests.post(
        provider["userinfo_endpoint"], data={"access_token": access_token}, timeout=TIMEOUT
    )
    assert in_body.status_code == 200
    assert set(in_body.json()) == {"sub", "account_kind", "id_number_masked"}


# prompt=none (OpenID Connect Core 3.1.2.6) --------------------------------------------------------


def _silent(rp: OAuth2Session, provider: dict, **extra) -> tuple[str, str]:
    """(url, state) of a ``prompt=none`` authorization request."""
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = rp.create_authorization_url(
        provider["authorization_endpoint"],
        code_verifier=verifier,
        nonce=nonce,
        prompt="none",
        **extra,
    )
    return url, state


def _callback_query(response: requests.Response) -> dict:
    assert response.is_redirect, f"{response.status_code} {response.text[:300]}"
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return parse_qs(urlparse(location).query)


def test_prompt_none_signed_out_is_login_required(live_server, provider, make):
    application, secret = register_client()
    url, state = _silent(authlib_client(application, secret, "openid"), provider)

    answer = UserAgent(live_server.url).open(url)

    assert _callback_query(answer) == {"error": ["login_required"], "state": [state]}


def test_prompt_none_signed_in_gets_a_code_from_a_client_without_consent(
    live_server, provider, make
):
    application, secret = register_client(skip_consent=True)
    rp = authlib_client(application, secret, "openid")
    _code, _verifier, _nonce, agent = _code_for(live_server, provider, make, rp)
    url, state = _silent(rp, provider)

    query = _callback_query(agent.open(url))

    assert set(query) == {"code", "state", "iss"}
    assert query["state"] == [state]
    assert query["iss"] == [provider["issuer"]]


def test_prompt_none_where_consent_is_needed_is_consent_required(live_server, provider, make):
    person = make.person()
    application, secret = register_client(skip_consent=False)
    rp = authlib_client(application, secret, "openid profile")
    agent = UserAgent(live_server.url)
    agent.submit(agent.open("/login/"), {"identifier": person.id_number, "password": make.PASSWORD})
    assert _session_is_live(agent)
    url, state = _silent(rp, provider)

    query = _callback_query(agent.open(url))

    assert query == {"error": ["consent_required"], "state": [state]}
    # Once consented (a live grant), approval_prompt=auto lets the silent request through.
    url, _state, _nonce, verifier = authlib_authorization(rp, provider)
    callback = agent.submit(agent.open(url), {"allow": "on"}).headers["Location"]
    code = parse_qs(urlparse(callback).query)["code"][0]
    assert token_request(provider, application, secret, code=code, code_verifier=verifier).ok
    url, state = _silent(rp, provider, approval_prompt="auto")
    query = _callback_query(agent.open(url))
    assert set(query) == {"code", "state", "iss"}
    assert query["state"] == [state]


def test_unknown_client_is_refused_without_a_redirect(live_server, provider, make):
    application, secret = register_client()
    person = make.person()
    agent = UserAgent(live_server.url)
    agent.submit(agent.open("/login/"), {"identifier": person.id_number, "password": make.PASSWORD})
    unknown = OAuth2Session("no-such-client", "x", scope="openid", redirect_uri=CALLBACK)
    url, *_ = authlib_authorization(unknown, provider)

    page = agent.open(url)
    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "授权请求无效" in page.text
    # Wrong credentials at the token endpoint.
    code, verifier, _nonce, _agent = _code_for(
        live_server, provider, make, authlib_client(application, secret, "openid")
    )
    stranger = token_request(
        provider, application, "wrong-secret", code=code, code_verifier=verifier
    )
    assert stranger.status_code == 401
    assert stranger.json()["error"] == "invalid_client"
    nobody = requests.post(
        provider["token_endpoint"],
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=("no-such-client", "x"),
        timeout=TIMEOUT,
    )
    assert nobody.status_code == 401
    assert nobody.json()["error"] == "invalid_client"


def test_redirect_uri_mismatch_is_refused(live_server, provider, make):
    application, secret = register_client(redirect_uris=(CALLBACK, OTHER_CALLBACK))
    person = make.person()
    agent = UserAgent(live_server.url)
    agent.submit(agent.open("/login/"), {"identifier": person.id_number, "password": make.PASSWORD})
    evil = OAuth2Session(
        application.client_id, secret, scope="openid", redirect_uri="https://evil.example/cb"
    )
    url, *_ = authlib_authorization(evil, provider)

    page = agent.open(url)
    assert page.status_code == 400
    assert "Location" not in page.headers  # never sends the user (or a code) to evil.example
    assert "授权请求无效" in page.text

    # The code was issued for CALLBACK: exchanging it for another registered URI fails.
    rp = authlib_client(application, secret, "openid")
    url, _state, _nonce, verifier = authlib_authorization(rp, provider)
    callback = agent.open(url).headers["Location"]
    code = parse_qs(urlparse(callback).query)["code"][0]
    response = token_request(
        provider,
        application,
        secret,
        code=code,
        code_verifier=verifier,
        redirect_uri=OTHER_CALLBACK,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()


def test_pkce_is_required_and_plain_is_refused(live_server, provider, make):
    application, _secret = register_client()
    person = make.person()
    agent = UserAgent(live_server.url)
    agent.submit(agent.open("/login/"), {"identifier": person.id_number, "password": make.PASSWORD})
    base = {
        "client_id": application.client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": CALLBACK,
        "state": "s1",
    }
    for extra in ({}, {"code_challenge": "a" * 43, "code_challenge_method": "plain"}):
        response = agent.open(
            provider["authorization_endpoint"] + "?" + urlencode({**base, **extra})
        )
        assert response.is_redirect
        params = parse_qs(urlparse(response.headers["Location"]).query)
        assert params["error"] == ["invalid_request"]
        assert "code" not in params


def _tamper(id_token: str, **changes) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    raw = json.dumps(claims, ensure_ascii=False).encode()
    return ".".join([header, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), signature])


def test_tampered_id_token_fails_verification(live_server, provider, make):
    victim = make.person(name="钱七")
    application, secret = register_client()
    rp = authlib_client(application, secret, "openid profile")
    code, verifier, nonce, agent = _code_for(live_server, provider, make, rp, person=victim)
    id_token = token_request(
        provider, application, secret, code=code, code_verifier=verifier
    ).json()["id_token"]
    verify_id_token(provider, id_token, client_id=application.client_id, nonce=nonce)
    forged = _tamper(id_token, name="冒名者", sub="0" * 64)

    with pytest.raises(BadSignatureError):
        verify_id_token(provider, forged, client_id=application.client_id, nonce=nonce)
    client = oic_client(provider, application, secret)
    IdToken().from_jwt(id_token, keyjar=client.keyjar)  # the genuine one passes
    with pytest.raises(BadSignature):
        IdToken().from_jwt(forged, keyjar=client.keyjar)
    # The provider refuses a forged hint at end_session and keeps the user signed in.
    query = urlencode({"id_token_hint": forged, "post_logout_redirect_uri": LOGGED_OUT})
    refused = agent.open(f"{provider['end_session_endpoint']}?{query}")
    assert refused.status_code == 400
    assert "Location" not in refused.headers
    assert _session_is_live(agent)


def test_revoked_agent_gets_no_uscc(live_server, provider, make):
    representative = make.person(name="孙法人")
    entity = make.entity(representative=representative, name="上海撤销测试有限公司")
    agent_person = make.person(name="周八")
    authorization = make.authorization(entity, agent_person)
    services.acting_entity_choose(account=agent_person.account, entity=entity)
    application, secret = register_client()
    rp = authlib_client(application, secret, "openid enterprise")
    code, verifier, nonce, agent = _code_for(live_server, provider, make, rp, person=agent_person)
    tokens = token_request(provider, application, secret, code=code, code_verifier=verifier).json()
    claims = verify_id_token(
        provider, tokens["id_token"], client_id=application.client_id, nonce=nonce
    )
    assert claims["uscc"] == entity.uscc

    services.agent_revoke(authorization_id=authorization.pk, revoked_by=representative)

    # userinfo answers for now, not for when the token was issued.
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    userinfo = requests.get(provider["userinfo_endpoint"], headers=bearer, timeout=TIMEOUT).json()
    assert "uscc" not in userinfo and "enterprise_name" not in userinfo
    assert userinfo["sub"] == oidc_subject(agent_person.account)
    # A new login is no different.
    url, _state, nonce, verifier = authlib_authorization(rp, provider)
    callback = agent.open(url).headers["Location"]
    token = rp.fetch_token(
        provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    claims = verify_id_token(
        provider, token["id_token"], client_id=application.client_id, nonce=nonce
    )
    assert "uscc" not in claims and "enterprise_name" not in claims


def test_agent_whose_authorization_lapsed_gets_no_uscc_though_still_marked_acting(
    live_server, provider, make
):
    entity = make.entity(name="上海过期测试有限公司")
    agent_person = make.person(name="吴九")
    authorization = make.authorization(entity, agent_person)
    services.acting_entity_choose(account=agent_person.account, entity=entity)
    past = timezone.now() - timedelta(days=1)
    AgentAuthorization.objects.filter(pk=authorization.pk).update(
        granted_at=past - timedelta(days=30), expires_at=past
    )
    agent_person.account.refresh_from_db()
    assert agent_person.account.acting_entity_id == entity.pk  # stale pointer, on purpose
    application, secret = register_client()
    rp = authlib_client(application, secret, "openid enterprise")
    code, verifier, nonce, _agent = _code_for(live_server, provider, make, rp, person=agent_person)
    tokens = token_request(provider, application, secret, code=code, code_verifier=verifier).json()
    claims = verify_id_token(
        provider, tokens["id_token"], client_id=application.client_id, nonce=nonce
    )
    assert "uscc" not in claims and "enterprise_name" not in claims
    assert claims["id_number_masked"] == agent_person.id_number_masked
