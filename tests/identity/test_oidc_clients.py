"""Registering client systems (the `oidc_client` command, the Django admin) and the identity
admin's handling of personal data."""

import io
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from oauth2_provider.models import get_application_model

from tongban.core.models import AuditEntry
from tongban.identity.models import Account

Application = get_application_model()


def run_oidc_client(*args) -> str:
    out = io.StringIO()
    call_command("oidc_client", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_registers_a_confidential_client_and_prints_the_secret_once():
    output = run_oidc_client(
        "公积金管理系统",
        "--redirect-uri",
        "https://gjj.example.gov.cn/oidc/callback",
        "--redirect-uri",
        "https://gjj.example.gov.cn/oidc/callback2",
        "--post-logout-redirect-uri",
        "https://gjj.example.gov.cn/",
    )

    client_id = re.search(r"^client_id: (\S+)$", output, re.M).group(1)
    secret = re.search(r"^client_secret: (\S+)$", output, re.M).group(1)
    application = Application.objects.get(client_id=client_id)
    assert application.name == "公积金管理系统"
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert application.algorithm == Application.RS256_ALGORITHM
    assert application.redirect_uris.split() == [
        "https://gjj.example.gov.cn/oidc/callback",
        "https://gjj.example.gov.cn/oidc/callback2",
    ]
    assert application.post_logout_redirect_uris == "https://gjj.example.gov.cn/"
    assert not application.skip_authorization
    assert application.client_secret != secret  # stored hashed
    assert check_password(secret, application.client_secret)
    entry = AuditEntry.objects.get(action="identity.oidc.client_registered")
    assert entry.details["client_id"] == client_id
    assert secret not in str(entry.details)


@pytest.mark.django_db
def test_command_registers_a_trusted_public_client_without_a_secret():
    output = run_oidc_client(
        "移动端", "--public", "--skip-consent", "--redirect-uri", "https://app.example.gov.cn/cb"
    )
    assert "client_secret" not in output
    client_id = re.search(r"^client_id: (\S+)$", output, re.M).group(1)
    application = Application.objects.get(client_id=client_id)
    assert application.client_type == Application.CLIENT_PUBLIC
    assert application.skip_authorization


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["  ", "--redirect-uri", "https://a.example/cb"], "name"),
        (["系统", "--redirect-uri", "not a uri"], "redirect_uris"),
        (["系统", "--redirect-uri", "javascript:alert(1)"], "redirect_uris"),
    ],
)
def test_command_refuses_bad_input_and_registers_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run_oidc_client(*args)
    assert not Application.objects.exists()


@pytest.fixture
def platform_admin(make):
    make.department()
    return Account.objects.create_superuser("platform-admin", make.PASSWORD)


@pytest.mark.django_db
def test_admin_sign_in_goes_through_the_workbench_login(client, make, platform_admin):
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == "/workbench/login/?next=/admin/"
    response = client.post(
        "/workbench/login/",
        {"username": "platform-admin", "password": make.PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(
        action="identity.login.succeeded", actor_id=platform_admin.pk
    ).exists()


@pytest.mark.django_db
def test_staff_who_are_not_platform_admins_are_refused_without_a_loop(client, make):
    staff = make.staff()
    client.force_login(staff.account)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


@pytest.mark.django_db
def test_platform_admin_registers_a_client_in_the_admin(client, platform_admin):
    client.force_login(platform_admin)
    assert client.get("/admin/oauth2_provider/application/add/").status_code == 200
    response = client.post(
        "/admin/oauth2_provider/application/add/",
        {
            "client_id": "housing-system",
            "client_secret": "a-long-enough-secret-for-the-housing-system",
            "hash_client_secret": "on",
            "name": "住房保障系统",
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "https://housing.example.gov.cn/cb",
            "post_logout_redirect_uris": "https://housing.example.gov.cn/",
            "algorithm": "RS256",
            "allowed_origins": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    application = Application.objects.get(client_id="housing-system")
    assert application.algorithm == "RS256"
    assert check_password("a-long-enough-secret-for-the-housing-system", application.client_secret)
    assert client.get("/admin/oauth2_provider/application/").status_code == 200


@pytest.mark.django_db
def test_identity_admin_pages_open(client, make, platform_admin):
    entity = make.entity()
    agent = make.person(name="经办人甲")
    make.authorization(entity, agent)
    staff = make.staff()
    client.force_login(platform_admin)
    for model in ("account", "person", "legalentity", "agentauthorization", "staff", "department"):
        assert client.get(f"/admin/identity/{model}/").status_code == 200, model
    assert client.get("/admin/identity/region/").status_code == 200
    assert client.get(f"/admin/identity/staff/{staff.pk}/change/").status_code == 200
    account_page = client.get(f"/admin/identity/account/{agent.account.pk}/change/")
    assert account_page.status_code == 200
    # Persons and authorizations change only through the services.
    assert client.get("/admin/identity/person/add/").status_code == 403
    assert client.get("/admin/identity/agentauthorization/add/").status_code == 403


@pytest.mark.django_db
def test_person_admin_shows_the_masked_id_number_only_and_the_read_is_logged(
    client, make, platform_admin
):
    person = make.person(name="郑十")
    client.force_login(platform_admin)

    listing = client.get("/admin/identity/person/").content.decode()
    detail = client.get(f"/admin/identity/person/{person.pk}/change/").content.decode()

    for page in (listing, detail):
        assert person.id_number_masked in page
        assert person.id_number not in page
        assert person.mobile not in page
    entry = AuditEntry.objects.get(action="identity.person.read", subject_person_id=person.pk)
    assert entry.actor_id == platform_admin.pk
    assert entry.details == {"purpose": "admin"}


@pytest.mark.django_db
def test_changing_an_account_in_the_admin_is_logged(client, make, platform_admin):
    staff = make.staff()
    client.force_login(platform_admin)
    page = client.get(f"/admin/identity/account/{staff.account.pk}/change/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/identity/account/{staff.account.pk}/change/",
        {"display_name": "改名后", "is_active": "on"},
    )
    assert response.status_code == 302
    staff.account.refresh_from_db()
    assert staff.account.display_name == "改名后"
    entry = AuditEntry.objects.get(action="identity.account.changed")
    assert entry.details == {"display_name": "改名后"}


@pytest.mark.django_db
def test_client_secrets_use_the_fast_salted_hasher_and_passwords_never_do(make):
    from oauth2_provider.models import get_application_model

    application = get_application_model().objects.create(
        name="测试系统",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="https://rp.example/cb",
        client_secret="s" * 128,
        algorithm="RS256",
    )
    assert application.client_secret.startswith("pbkdf2_sha256_client_secret$1$")
    assert make.person().account.password.startswith("argon2id-owasp$")
