"""Issuing, setting a status and rotating keys, through the real services and database."""

import base64
import json
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from tests import factories
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEntry
from tongban.credentials import services
from tongban.credentials.access import can_rotate_keys
from tongban.credentials.checks import credential_settings, public_url_https
from tongban.credentials.choices import CredentialStatus
from tongban.credentials.verify import verify

from .conftest import CLAIMS, DISCLOSABLE, VCT, issue


def _part(compact: str, index: int) -> dict:
    text = compact.split("~")[0].split(".")[index]
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def test_a_credential_is_an_sd_jwt_vc_of_its_department(department, issued):
    header, payload = _part(issued.compact, 0), _part(issued.compact, 1)
    assert header == {"alg": "Ed25519", "typ": "dc+sd-jwt", "kid": issued.kid}
    assert payload["iss"] == "http://127.0.0.1:8000/issuers/scjgj"
    assert payload["vct"] == VCT
    assert payload["status"] == {
        "status_list": {
            "idx": 0,
            "uri": f"http://127.0.0.1:8000/issuers/scjgj/status-lists/{issued.status_list_id}",
        }
    }
    assert payload["exp"] - payload["nbf"] == 365 * 24 * 3600
    assert payload["licence_number"] == "JY13101150000001"
    assert payload["_sd_alg"] == "sha-256"
    assert len(payload["_sd"]) == 4
    assert payload["_sd"] == sorted(payload["_sd"])
    assert not set(DISCLOSABLE) & set(payload)
    assert issued.compact.endswith("~")
    assert issued.compact.count("~") == 5
    assert issued.status_index == 0


def test_indexes_are_handed_out_in_order_and_a_full_list_opens_the_next(department, monkeypatch):
    monkeypatch.setattr(services, "STATUS_LIST_CAPACITY", 2)
    first, second, third = (issue(department) for _ in range(3))
    assert (first.status_index, second.status_index, third.status_index) == (0, 1, 0)
    assert first.status_list_id == second.status_list_id != third.status_list_id
    assert first.kid == second.kid == third.kid


def test_no_valid_until_means_no_exp(department):
    assert "exp" not in _part(issue(department, days=(0, None)).compact, 1)


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"claims": {**CLAIMS, "iss": "x"}}, "credential.claims.reserved", "claims"),
        ({"claims": {**CLAIMS, "_sd": []}}, "credential.claims.reserved", "claims"),
        ({"disclosable": ["holder_name", "nope"]}, "credential.disclosable.unknown", "disclosable"),
        ({"claims": {"when": datetime(2026, 1, 1)}}, "credential.claims.not_json", "claims"),
        ({"claims": {"n": float("nan")}}, "credential.claims.not_json", "claims"),
        ({"vct": ""}, "credential.vct", "vct"),
        ({"vct": "x" * 201}, "credential.vct", "vct"),
        ({"valid_until": timezone.now() - timedelta(days=1)}, "credential.validity", "valid_until"),
        ({"valid_from": datetime(2026, 1, 1)}, "credential.validity", "valid_from"),
    ],
)
def test_what_cannot_be_issued_is_refused_and_nothing_is_kept(department, kwargs, code, field):
    arguments = {
        "issuer": department,
        "vct": VCT,
        "claims": CLAIMS,
        "disclosable": [],
        "valid_from": timezone.now(),
        "valid_until": timezone.now() + timedelta(days=1),
        **kwargs,
    }
    with pytest.raises(InvalidInput) as refused, transaction.atomic():
        services.credential_issue(**arguments)
    assert refused.value.code == code
    assert list(refused.value.fields) == [field]
    assert not department.signing_keys.exists()
    assert not department.status_lists.exists()


def test_issuing_joins_the_callers_transaction(department):
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(department)
        raise RuntimeError("the licence's own step failed")
    assert not department.signing_keys.exists()
    assert not AuditEntry.objects.filter(action__startswith="credentials.").exists()


def test_first_issue_creates_the_key_and_both_are_audited(department, issued):
    actions = list(
        AuditEntry.objects.filter(action__startswith="credentials.")
        .order_by("seq")
        .values_list("action", "details")
    )
    assert actions == [
        ("credentials.key_created", {"department": "scjgj", "kid": issued.kid, "alg": "Ed25519"}),
        ("credentials.issued", {"vct": VCT, "kid": issued.kid, "status_index": 0}),
    ]


def test_es256_when_configured(department, settings):
    settings.TONGBAN_CREDENTIAL_ALG = "ES256"
    issued = issue(department)
    assert _part(issued.compact, 0)["alg"] == "ES256"
    assert verify(issued.compact).result == "valid"
    (jwk,) = Client().get("/issuers/scjgj/jwks").json()["keys"]
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["kid"]) == ("EC", "P-256", "ES256", issued.kid)
    assert "d" not in jwk


def test_the_private_key_is_sealed_in_its_column(department, issued):
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key, public_jwk FROM credentials_signingkey")
        ((stored, public),) = cursor.fetchall()
    key = department.signing_keys.get()
    assert key.private_key.startswith("-----BEGIN PRIVATE KEY-----")
    body = "".join(key.private_key.splitlines()[1:-1])
    assert stored.startswith("v1:")
    assert body not in stored
    assert "PRIVATE" not in stored
    assert '"d"' not in str(public)


def _status(department, issued):
    status_list = department.status_lists.get(pk=issued.status_list_id)
    return bytes(status_list.data)[issued.status_index // 4] >> (issued.status_index % 4 * 2) & 3


def test_status_changes_set_the_bits_and_are_audited(department, issued):
    for status in (CredentialStatus.SUSPENDED, CredentialStatus.VALID, CredentialStatus.INVALID):
        with transaction.atomic():
            services.credential_status_set(
                status_list_id=issued.status_list_id, status_index=0, status=status
            )
        assert _status(department, issued) == status
    changes = AuditEntry.objects.filter(action="credentials.status_set").order_by("seq")
    assert [e.details for e in changes] == [
        {"status_index": 0, "from": 0, "to": 2},
        {"status_index": 0, "from": 2, "to": 0},
        {"status_index": 0, "from": 0, "to": 1},
    ]


def test_revocation_is_final(department, issued):
    services.credential_status_set(
        status_list_id=issued.status_list_id, status_index=0, status=CredentialStatus.INVALID
    )
    with pytest.raises(Conflict) as refused:
        services.credential_status_set(
            status_list_id=issued.status_list_id, status_index=0, status=CredentialStatus.VALID
        )
    assert refused.value.code == "credential.status.final"
    assert _status(department, issued) == 1


@pytest.mark.parametrize(("list_offset", "index"), [(0, 1), (0, -1), (1, 0)])
def test_a_status_of_no_credential_is_refused(department, issued, list_offset, index):
    with pytest.raises((InvalidInput, NotFound)) as refused:
        services.credential_status_set(
            status_list_id=issued.status_list_id + list_offset,
            status_index=index,
            status=CredentialStatus.INVALID,
        )
    expected = "credential.status_list.not_found" if list_offset else "credential.status_index"
    assert refused.value.code == expected
    assert _status(department, issued) == 0


def test_rotation_keeps_old_keys_published_and_old_credentials_valid(department, issued):
    admin = factories.staff(department=factories.department(), roles=["platform_admin"])
    new = services.signing_key_rotate(by=admin, department=department)
    later = issue(department)
    assert later.kid == new.kid != issued.kid
    kids = [k["kid"] for k in Client().get("/issuers/scjgj/jwks").json()["keys"]]
    assert kids == [issued.kid, new.kid]
    assert verify(issued.compact).result == "valid"
    assert verify(later.compact).result == "valid"
    rotated = AuditEntry.objects.get(action="credentials.key_rotated")
    assert rotated.actor_id == admin.account_id
    assert rotated.details == {"department": "scjgj", "old_kid": issued.kid, "kid": new.kid}


@pytest.mark.parametrize("roles", [["department_head"], ["reviewer", "data_steward"]])
def test_only_platform_admins_rotate_keys(department, issued, roles):
    staff = factories.staff(department=department, roles=roles)
    admin = factories.staff(department=factories.department(), roles=["platform_admin"])
    assert (can_rotate_keys(staff), can_rotate_keys(admin)) == (False, True)
    with pytest.raises(Forbidden) as refused:
        services.signing_key_rotate(by=staff, department=department)
    assert refused.value.code == "staff.role"
    assert list(department.signing_keys.values_list("kid", "retired_at")) == [(issued.kid, None)]


@pytest.mark.parametrize(
    ("name", "value", "ids"),
    [
        ("TONGBAN_CREDENTIAL_ALG", "RS256", ["tongban.E001"]),
        ("TONGBAN_PUBLIC_URL", "https://zwfw.example.gov.cn/portal", ["tongban.E002"]),
        ("TONGBAN_PUBLIC_URL", "zwfw.example.gov.cn", ["tongban.E002"]),
        ("TONGBAN_PUBLIC_URL", "https://zwfw.example.gov.cn", []),
    ],
)
def test_settings_that_would_issue_wrong_credentials_fail_the_checks(settings, name, value, ids):
    setattr(settings, name, value)
    assert [problem.id for problem in credential_settings(None)] == ids


def test_a_plain_http_public_url_is_a_deploy_warning(settings):
    settings.DEBUG = False
    assert [p.id for p in public_url_https(None)] == ["tongban.W004"]
    settings.TONGBAN_PUBLIC_URL = "https://zwfw.example.gov.cn"
    assert public_url_https(None) == []
