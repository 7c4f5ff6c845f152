"""Hostile input is refused at the one boundary (the input middleware, the API's JSON parser,
bounded schema types) with a coded 4xx, and changes nothing: NUL bytes and lone surrogates,
NaN/Infinity/overflowing numbers, deep nesting, oversize bodies and forms, multipart without a
boundary, ids and offsets past 64 bits; API paths never answer HTML or a redirect."""

import json

import pytest
from django.test import Client

from tests.cases.conftest import GOOD_FORM, World
from tongban.cases.models import Case

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases"


@pytest.fixture
def world(make):
    return World(make)


def _client(account=None):
    client = Client()
    if account is not None:
        client.force_login(account)
    return client


def _post_raw(client, path, text, method="post"):
    return getattr(client, method)(path, text, content_type="application/json")


def _error(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


# --- text that cannot be stored ---------------------------------------------------------------


def test_nul_in_the_public_status_query_is_400_naming_the_field(world):
    response = _client().get(f"{CASES}/status?number=%00&name=x")
    assert _error(response) == (400, "input.invalid_text")
    assert list(response.json()["fields"]) == ["number"]


def test_nul_in_a_catalog_filter_is_400(world):
    response = _client().get("/api/v1/catalog/items?department=a%00b")
    assert _error(response) == (400, "input.invalid_text")
    assert list(response.json()["fields"]) == ["department"]


def test_nul_in_a_page_query_is_a_chinese_error_page(world):
    response = _client().get("/services/?q=%00")
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_nul_in_a_json_body_is_400_and_nothing_stored(world):
    body = json.dumps({"item_id": world.item.pk, "form_data": {"address": "上海\x00路"}})
    response = _post_raw(_client(world.account), f"{CASES}/", body)
    assert _error(response) == (400, "input.invalid_text")
    assert Case.objects.count() == 0


def test_a_lone_surrogate_in_form_data_is_refused_and_nothing_stored(world):
    body = json.dumps({"item_id": world.item.pk, "form_data": {"address": "上海\ud800路"}})
    assert "\\ud800" in body
    response = _post_raw(_client(world.account), f"{CASES}/", body)
    assert _error(response) == (400, "input.invalid_text")
    assert Case.objects.count() == 0


def test_a_lone_surrogate_in_the_apply_forms_answers_is_refused(world):
    answers = json.dumps({**GOOD_FORM, "address": "上海\ud800路"})
    response = _client(world.account).post(
        f"{CASES}/apply", {"item_id": world.item.pk, "form_data": answers}
    )
    assert _error(response) == (400, "input.invalid_text")
    assert list(response.json()["fields"]) == ["form_data"]
    assert Case.objects.count() == 0


def test_a_lone_surrogate_in_a_draft_update_leaves_the_draft_as_it_was(world):
    client = _client(world.account)
    body = {"item_id": world.item.pk, "form_data": GOOD_FORM}
    case_id = client.post(f"{CASES}/", body, content_type="application/json").json()["id"]
    bad = json.dumps({"form_data": {"address": "\udfff"}})
    response = _post_raw(client, f"{CASES}/{case_id}/form", bad, method="put")
    assert _error(response) == (400, "input.invalid_text")
    assert Case.objects.get(pk=case_id).form_data == GOOD_FORM
    assert client.get(f"{CASES}/{case_id}").status_code == 200


# --- numbers and structure ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_nan_infinity_and_overflowing_numbers_are_refused(world, number):
    body = f'{{"item_id": {world.item.pk}, "form_data": {{"age": {number}}}}}'
    response = _post_raw(_client(world.account), f"{CASES}/", body)
    assert _error(response) == (400, "input.invalid_number")
    assert Case.objects.count() == 0


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_nesting_deeper_than_32_is_400(world, depth):
    body = '{"form_data": {"a": ' + "[" * depth + "]" * depth + "}}"
    response = _post_raw(_client(world.account), f"{CASES}/", body)
    assert _error(response) == (400, "input.too_deep")


def test_nesting_within_the_limit_reaches_the_rules(world):
    nested = "[" * 29 + "]" * 29  # body object → form_data → "a" → 29 lists: 32 levels
    body = f'{{"item_id": {world.item.pk}, "form_data": {{"a": {nested}}}}}'
    response = _post_raw(_client(world.account), f"{CASES}/", body)
    assert response.status_code == 201


def test_an_offset_past_64_bits_is_422_not_500(world):
    response = _client().get(f"/api/v1/catalog/items?offset={2**63}")
    assert _error(response) == (422, "invalid_input")
    assert list(response.json()["fields"]) == ["offset"]


def test_an_id_past_64_bits_is_422_not_500(world):
    client = _client(world.account)
    assert _error(client.get(f"{CASES}/{2**63}")) == (422, "invalid_input")
    body = {"item_id": 2**64, "form_data": GOOD_FORM}
    response = client.post(f"{CASES}/", body, content_type="application/json")
    assert _error(response) == (422, "invalid_input")
    assert list(response.json()["fields"]) == ["item_id"]


# --- size and form encoding -------------------------------------------------------------------


def test_a_json_body_over_the_upload_limit_is_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"item_id": world.item.pk, "form_data": {"note": "x" * 2000}})
    response = _post_raw(_client(world.account), f"{CASES}/", body)
    assert _error(response) == (413, "input.too_large")
    assert Case.objects.count() == 0


def test_a_draft_over_the_form_size_limit_is_refused_with_its_code(world):
    client = _client(world.account)
    huge = {**GOOD_FORM, "note": "x" * 2_400_000}  # 2.4 MB: under Django's 2.5 MB body limit
    body = {"item_id": world.item.pk, "form_data": huge}
    response = client.post(f"{CASES}/", body, content_type="application/json")
    assert _error(response) == (422, "case.form_too_large")
    assert list(response.json()["fields"]) == ["form_data"]
    assert Case.objects.count() == 0


def test_a_draft_update_over_the_form_size_limit_keeps_the_draft(world, settings):
    settings.TONGBAN_CASE_FORM_MAX_BYTES = 1024
    client = _client(world.account)
    body = {"item_id": world.item.pk, "form_data": GOOD_FORM}
    case_id = client.post(f"{CASES}/", body, content_type="application/json").json()["id"]
    bigger = {"form_data": {**GOOD_FORM, "note": "x" * 1100}}
    response = client.put(f"{CASES}/{case_id}/form", bigger, content_type="application/json")
    assert _error(response) == (422, "case.form_too_large")
    assert Case.objects.get(pk=case_id).form_data == GOOD_FORM


def test_multipart_without_a_boundary_is_400(world):
    response = _client(world.account).post(
        f"{CASES}/apply", b"form_data=%7B%7D", content_type="multipart/form-data"
    )
    assert _error(response) == (400, "input.form_invalid")


# --- routes -------------------------------------------------------------------------------------


def test_an_operation_without_its_trailing_slash_is_that_operation(world):
    body = {"item_id": world.item.pk, "form_data": GOOD_FORM}
    response = _client(world.account).post(CASES, body, content_type="application/json")
    assert response.status_code == 201
    assert Case.objects.get().pk == response.json()["id"]


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/abc", "/api/v1/cases/abc/submit", "/api/v1/nothing/", "/api/v2/x"]
)
def test_unknown_api_paths_are_a_json_404(world, path):
    response = _client(world.account).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


# --- the OpenAPI ------------------------------------------------------------------------------


def test_openapi_names_each_schema_once_and_documents_errors():
    schema = _client().get("/api/v1/openapi.json").json()
    names = schema["components"]["schemas"]
    assert {"MaterialOut", "CatalogMaterialOut", "ErrorOut"} <= set(names)
    assert names["CatalogMaterialOut"]["properties"]["legal_basis"]["type"] == "string"
    assert "trust_level" in names["MaterialOut"]["properties"]
    start = names["SlotOut"]["properties"]["start"]
    assert "format" not in start and start["pattern"].startswith("^([01][0-9]|2[0-3])")
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for status in ("400", "401", "403", "404", "409", "413", "422", "429"):
                documented = operation["responses"][status]["content"]["application/json"]
                assert documented["schema"] == error_ref, (method, path, status)


def test_the_api_errors_of_the_framework_speak_the_callers_language(client):
    chinese = client.get("/api/v1/cases", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert (chinese.status_code, chinese.json()["message"]) == (401, "请先登录")
    english = client.get("/api/v1/cases", HTTP_ACCEPT_LANGUAGE="en")
    assert (english.status_code, english.json()["message"]) == (401, "Please log in first")
    invalid = client.get("/api/v1/catalog/items?limit=x", HTTP_ACCEPT_LANGUAGE="en")
    assert (invalid.status_code, invalid.json()["message"]) == (422, "Invalid request parameters")
