"""Every main page works under the Content-Security-Policy, in a real Chromium.

The policy (``settings.security``) allows nothing inline and nothing from another origin. Each
page is loaded with a listener for ``securitypolicyviolation`` installed before any of its
scripts run, and the console is watched as well: the test fails on the first violation, naming
the page and the blocked directive.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from playwright.sync_api import Page, expect

from tests.portal.case_fixtures import CaseWorld
from tongban.identity.oidc import oidc_client_register

from .test_phone_layout import _licence

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.effectiveDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


class Watched:
    """A page with every CSP violation and console CSP error it produces recorded."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy, path
        self.page.wait_for_load_state("networkidle")
        self.assert_clean(path)

    def assert_clean(self, where: str) -> None:
        violations = self.page.evaluate("window.__csp")
        assert violations == [], f"{where}: {violations}"
        assert self.console == [], f"{where}: {self.console}"


def log_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("身份证号码或手机号码", exact=True).fill(identifier)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def staff_log_in(page: Page, username: str, password: str) -> None:
    page.goto("/workbench/login/")
    page.get_by_label("工号/登录名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workbench/$"))


def test_public_pages_raise_no_policy_violation(page, make):
    world = CaseWorld(make)
    watched = Watched(page)
    for path in (
        "/",
        "/services/search/?q=居住证",
        f"/services/items/{world.item.pk}/",
        f"/services/items/{world.item.pk}/print/",
        "/login/",
        "/login/sms/",
        "/register/",
        "/workbench/login/",
        "/admin/login/",
        "/api/v1/docs",
        "/licences/verify/",
    ):
        watched.visit(path)


def test_api_docs_run_swagger_ui_from_our_own_static_files(page):
    watched = Watched(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    watched.visit("/api/v1/docs")

    expect(page.get_by_role("heading", name=re.compile("Tongban API"))).to_be_visible()
    base = page.url.split("/api/")[0]
    assert [url for url in requested if not url.startswith(base + "/")] == []


def test_signed_in_pages_raise_no_policy_violation(page, new_page, make):
    world = CaseWorld(make)
    watched = Watched(page)
    log_in(page, world.person.mobile, make.PASSWORD)
    for path in ("/me/", f"/apply/items/{world.item.pk}/", "/me/cases/", "/me/security/totp/"):
        watched.visit(path)
    page.get_by_role("button", name="开始绑定").click()
    expect(page.get_by_role("img", name="动态口令绑定二维码")).to_be_visible()
    watched.assert_clean("/me/security/totp/ (enrolling)")
    licence = _licence(world)
    for path in ("/me/licences/", f"/me/licences/{licence.pk}/"):
        watched.visit(path)
    page.goto(f"/me/licences/{licence.pk}/share/")
    page.get_by_label("持证主体", exact=True).check()
    page.get_by_role("button", name="生成授权链接").click()
    expect(page.get_by_role("img", name="授权链接二维码")).to_be_visible()
    watched.assert_clean("/me/licences/…/share/ (link and QR code)")

    clerk = Watched(new_page())
    staff_log_in(clerk.page, world.clerk.account.username, make.PASSWORD)
    for path in ("/workbench/", "/workbench/cases/"):
        clerk.visit(path)
    admin = Watched(new_page())
    staff_log_in(admin.page, world.admin.account.username, make.PASSWORD)
    admin.visit("/admin/")


# form-action 'self' and the redirect to a client system -----------------------------------------


def _client_callback(live_server) -> str:
    """The client system's redirect URI on another origin (the live server under another name):
    Chromium applies form-action to the redirects that follow a form's submission."""
    other = live_server.url.replace("localhost", "127.0.0.1")
    assert other != live_server.url
    return f"{other}/rp/callback"


@pytest.mark.parametrize("consent", [True, False], ids=["consent-form", "login-form"])
def test_a_form_may_redirect_to_the_client_systems_registered_address(
    page, live_server, make, consent
):
    person = make.person()
    callback = _client_callback(live_server)
    application, _secret = oidc_client_register(
        name="社保经办系统", redirect_uris=[callback], skip_authorization=not consent
    )
    url, state = OAuth2Session(
        application.client_id, scope="openid", redirect_uri=callback, code_challenge_method="S256"
    ).create_authorization_url(
        f"{live_server.url}/oidc/authorize/", code_verifier=generate_token(48)
    )
    watched = Watched(page)

    page.goto(url)
    page.get_by_label("身份证号码或手机号码", exact=True).fill(person.id_number)
    page.get_by_label("密码", exact=True).fill(make.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    if consent:
        watched.assert_clean("consent page")
        page.get_by_role("button", name="同意授权").click()
    page.wait_for_url(f"{callback}?**")

    assert parse_qs(urlparse(page.url).query)["state"] == [state]
