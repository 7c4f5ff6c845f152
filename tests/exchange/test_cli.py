"""``tongban exchange verify-receipt``: offline against a saved JWKS; a flipped character is
invalid and exits non-zero."""

import io
import json

import pytest
from django.core.management import call_command

from .conftest import ZHANG

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("exchange", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def saved(client, grant, token, tmp_path):
    answer = client.post(
        "/api/v1/exchange/query",
        {"resource": "population-basic", "key": ZHANG, "purpose": "低保资格审核"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(client.get("/api/v1/exchange/jwks").json()))
    receipt = tmp_path / "receipt.jws"
    receipt.write_text(answer["receipt"])
    whole = tmp_path / "answer.json"
    whole.write_text(json.dumps(answer, ensure_ascii=False))
    return keys, receipt, whole, answer


def test_a_valid_receipt_exits_0(saved):
    keys, receipt, whole, answer = saved
    status, out = run("verify-receipt", str(receipt), "--keys", str(keys))
    assert status == 0
    assert out.splitlines()[:3] == [
        "result: valid",
        f'  jti: "{answer["receipt_id"]}"',
        '  consumer: "pd-civil"',
    ]
    assert run("verify-receipt", str(whole), "--keys", str(keys))[0] == 0


def test_a_flipped_character_is_invalid(saved, tmp_path):
    keys, receipt, _whole, _answer = saved
    text = receipt.read_text()
    middle = text.index(".") + 10
    flipped = text[:middle] + ("x" if text[middle] != "x" else "y") + text[middle + 1 :]
    tampered = tmp_path / "tampered.jws"
    tampered.write_text(flipped)
    status, out = run("verify-receipt", str(tampered), "--keys", str(keys))
    assert status == 1
    assert out.strip() in {"result: signature_invalid", "result: malformed"}


def test_unreadable_files_exit_2(saved, tmp_path):
    keys, receipt, _whole, _answer = saved
    assert run("verify-receipt", str(tmp_path / "missing"), "--keys", str(keys))[0] == 2
    bad_keys = tmp_path / "bad.json"
    bad_keys.write_text("{not json")
    assert run("verify-receipt", str(receipt), "--keys", str(bad_keys))[0] == 2


def test_another_key_set_is_unknown_key(saved, tmp_path):
    _keys, receipt, _whole, _answer = saved
    empty = tmp_path / "empty.json"
    empty.write_text('{"keys": []}')
    assert run("verify-receipt", str(receipt), "--keys", str(empty)) == (1, "result: unknown_key\n")
