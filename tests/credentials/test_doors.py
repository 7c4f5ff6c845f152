"""The doors: the verify API, the public issuer metadata, JWKS and status list endpoints, and
the commands (`licences verify`, `credentials keyset`, `credentials rotate-key`)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests import factories
from tongban.core.models import AuditEntry
from tongban.credentials import sdjwt, services
from tongban.credentials.choices import CredentialStatus

from .conftest import VCT, foreign, issue

URL = "/api/v1/licences/verify"


def _post(body, **kwargs):
    return Client().post(URL, body, content_type="application/json", **kwargs)


def _revoke(issued, status=CredentialStatus.INVALID):
    services.credential_status_set(
        status_list_id=issued.status_list_id, status_index=issued.status_index, status=status
    )


def test_api_valid_shows_the_disclosed_fields(issued):
    response = _post({"credential": sdjwt.present(issued.compact, {"holder_name"})})
    assert response.status_code == 200
    assert response.json() == {
        "result": "valid",
        "issuer": "http://127.0.0.1:8000/issuers/scjgj",
        "vct": VCT,
        "kid": issued.kid,
        "status_checked": True,
        "disclosed": {"licence_number": "JY13101150000001", "holder_name": "上海示例餐饮有限公司"},
    }


@pytest.mark.parametrize(
    ("change", "result"),
    [
        ("revoke", "revoked"),
        ("suspend", "suspended"),
        ("expired", "expired"),
        ("future", "not_yet_valid"),
        ("signature", "signature_invalid"),
        ("foreign", "unknown_issuer"),
        ("garbage", "malformed"),
    ],
)
def test_api_answers_every_result_with_200(department, change, result):
    issued = issue(department, days={"expired": (-10, -1), "future": (1, 10)}.get(change, (0, 1)))
    text = issued.compact
    if change == "revoke":
        _revoke(issued)
    elif change == "suspend":
        _revoke(issued, CredentialStatus.SUSPENDED)
    elif change == "signature":
        jwt, _ = sdjwt.split(text)
        text = jwt[:-2] + ("AA" if jwt[-2:] != "AA" else "BA") + "~"
    elif change == "foreign":
        text = foreign(issued, "https://zwfw.elsewhere.example/issuers/scjgj")
    elif change == "garbage":
        text = "not.a.credential~"
    response = _post({"credential": text})
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == result
    if result in {"signature_invalid", "unknown_issuer", "malformed"}:
        assert body == {
            "result": result,
            "issuer": "",
            "vct": "",
            "kid": "",
            "status_checked": False,
            "disclosed": {},
        }


def test_api_refuses_a_missing_credential_by_name(db):
    response = _post({})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert list(response.json()["fields"]) == ["credential"]


def test_api_refuses_a_one_megabyte_credential(db):
    response = _post({"credential": "A" * (1024 * 1024)})
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "credential.too_large"
    assert list(body["fields"]) == ["credential"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ('{"credential": 1}', 422, "invalid_input"),
        ('{"credential": "\\u0000"}', 400, "input.invalid_text"),
        ("[]", 422, "invalid_input"),
        ("{", 400, "input.invalid_json"),
    ],
)
def test_api_refuses_bad_bodies(db, body, status, code):
    response = Client().post(URL, body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_issuer_metadata_is_the_sd_jwt_vc_document(department, issued):
    response = Client().get("/.well-known/jwt-vc-issuer/issuers/scjgj")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Access-Control-Allow-Origin"] == "*"
    key = department.signing_keys.get()
    assert response.json() == {
        "issuer": "http://127.0.0.1:8000/issuers/scjgj",
        "jwks": {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": key.public_jwk["x"],
                    "kid": issued.kid,
                    "alg": "Ed25519",
                    "use": "sig",
                }
            ]
        },
    }
    jwks = Client().get("/issuers/scjgj/jwks")
    assert jwks["Content-Type"] == "application/jwk-set+json"
    assert jwks.json() == response.json()["jwks"]


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/jwt-vc-issuer/issuers/nobody",
        "/issuers/nobody/jwks",
        "/issuers/scjgj/status-lists/999",
        "/issuers/other/status-lists/{list}",
    ],
)
def test_publications_of_no_issuer_are_404(issued, path):
    factories.department(code="other")
    response = Client().get(path.format(list=issued.status_list_id))
    assert response.status_code == 404
    assert response.json()["code"] in {
        "credential.issuer.not_found",
        "credential.status_list.not_found",
    }


def test_publications_are_get_and_head_only(issued):
    assert Client().post("/issuers/scjgj/jwks").status_code == 405
    assert Client().head("/issuers/scjgj/jwks").status_code == 200


# --- commands ------------------------------------------------------------------------------


def _keyset(tmp_path: Path, code="scjgj") -> Path:
    out = io.StringIO()
    call_command("credentials", "keyset", code, stdout=out)
    path = tmp_path / "keys.json"
    path.write_text(out.getvalue())
    return path


def _verify(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("licences", "verify", *args, stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


def test_keyset_holds_the_metadata_and_the_status_lists(issued, tmp_path):
    keyset = json.loads(_keyset(tmp_path).read_text())
    uri = f"http://127.0.0.1:8000/issuers/scjgj/status-lists/{issued.status_list_id}"
    assert keyset["issuer"] == "http://127.0.0.1:8000/issuers/scjgj"
    assert [k["kid"] for k in keyset["jwks"]["keys"]] == [issued.kid]
    assert list(keyset["status_lists"]) == [uri]
    assert "d" not in keyset["jwks"]["keys"][0]


def test_cli_verifies_offline_and_exits_0_only_when_valid(department, issued, tmp_path):
    credential = tmp_path / "licence.txt"
    credential.write_text(sdjwt.present(issued.compact, {"holder_name"}) + "\n")
    keys = _keyset(tmp_path)
    status, out = _verify(str(credential), "--keys", str(keys))
    assert status == 0
    assert out.splitlines() == [
        "result: valid",
        "issuer: http://127.0.0.1:8000/issuers/scjgj",
        f"vct: {VCT}",
        f"kid: {issued.kid}",
        "  licence_number: JY13101150000001",
        "  holder_name: 上海示例餐饮有限公司",
    ]
    _revoke(issued)
    assert _verify(str(credential), "--keys", str(keys))[0] == 0  # the saved list predates it
    status, out = _verify(str(credential), "--keys", str(_keyset(tmp_path)))
    assert (status, out.splitlines()[0]) == (1, "result: revoked")
    assert _verify(str(credential))[0] == 1  # online


def test_cli_exit_codes_for_refusals(issued, tmp_path):
    keys = _keyset(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_text(issued.compact.replace(".", "~", 1))
    assert _verify(str(bad), "--keys", str(keys)) == (1, "result: malformed\n")
    assert _verify(str(tmp_path / "missing.txt"))[0] == 2
    notkeys = tmp_path / "notkeys.json"
    notkeys.write_text("[]")
    assert _verify(str(bad), "--keys", str(notkeys))[0] == 2


def test_cli_verify_reads_standard_input_as_a_user_runs_it(issued, tmp_path):
    """The installed command, offline: no database is opened (TONGBAN_HOME is empty)."""
    keys = _keyset(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env["TONGBAN_HOME"] = str(tmp_path / "home")
    tongban = str(Path(sys.executable).with_name("tongban"))
    run = subprocess.run(
        [tongban, "licences", "verify", "-", "--keys", str(keys)],
        input=issued.compact,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("result: valid\n")
    tampered = (
        issued.compact[:40] + ("A" if issued.compact[40] != "A" else "B") + issued.compact[41:]
    )
    run = subprocess.run(
        [tongban, "licences", "verify", "-", "--keys", str(keys)],
        input=tampered,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout in {"result: signature_invalid\n", "result: malformed\n"}


def test_rotate_key_command_is_audited_and_keeps_the_old_key(department, issued):
    out = io.StringIO()
    call_command("credentials", "rotate-key", "scjgj", stdout=out)
    new = department.signing_keys.get(retired_at__isnull=True)
    assert out.getvalue() == f"scjgj: new key {new.kid} (Ed25519)\n"
    kids = [k["kid"] for k in Client().get("/issuers/scjgj/jwks").json()["keys"]]
    assert kids == [issued.kid, new.kid]
    rotated = AuditEntry.objects.get(action="credentials.key_rotated")
    assert (rotated.actor_id, rotated.details["old_kid"]) == (None, issued.kid)


def test_commands_refuse_an_unknown_department(db):
    with pytest.raises(CommandError, match="部门不存在"):
        call_command("credentials", "rotate-key", "nobody")
