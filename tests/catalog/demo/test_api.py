"""The catalog API over the demo catalog: search ranking and filters, item details, themes."""

import pytest

pytestmark = pytest.mark.django_db


def test_search_answers_best_first(client, demo_catalog):
    response = client.get("/api/v1/catalog/search", {"q": "jzz", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["did_you_mean"] == "居住证"
    assert len(body["results"]) == 3
    first = body["results"][0]
    assert first["name"] == "居住证办理" and first["department"].startswith("上海市公安局")
    assert {"id", "name", "department", "online_depth", "promised_limit_days", "url"} <= set(first)
    assert "<mark>" in first["name_highlighted"]
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_search_returns_the_theme_it_names_before_the_items(client, demo_catalog):
    body = client.get("/api/v1/catalog/search", {"q": "开办企业"}).json()
    assert [(t["code"], t["name"], t["url"]) for t in body["themes"]] == [
        ("open-business", "开办企业", "/services/themes/open-business/")
    ]
    assert body["themes"][0]["summary"].startswith("营业执照、公章刻制")
    assert client.get("/api/v1/catalog/search", {"q": "jzz"}).json()["themes"] == []


def test_search_filters_and_bad_queries(client, demo_catalog):
    body = client.get(
        "/api/v1/catalog/search", {"q": "登记", "audience": "enterprise", "limit": 50}
    ).json()
    assert body["results"] and all(r["audience"] in ("enterprise", "both") for r in body["results"])
    too_long = client.get("/api/v1/catalog/search", {"q": "证" * 10_000})
    assert too_long.status_code == 422 and too_long.json()["code"] == "catalog.search.too_long"
    punct = client.get("/api/v1/catalog/search", {"q": "……！？"})
    assert punct.status_code == 422 and punct.json()["code"] == "catalog.search.no_terms"
    assert "q" in punct.json()["fields"]
    assert client.get("/api/v1/catalog/search", {"q": "x", "limit": 500}).status_code == 422


def test_items_detail_and_themes(client, demo_catalog):
    page = client.get("/api/v1/catalog/items", {"life_event": "birth", "limit": 5}).json()
    assert page["total"] >= 10 and len(page["results"]) == 5
    item_id = client.get("/api/v1/catalog/search", {"q": "企业设立登记", "limit": 1}).json()[
        "results"
    ][0]["id"]
    detail = client.get(f"/api/v1/catalog/items/{item_id}").json()
    assert detail["name"] == "企业设立登记"
    assert (
        detail["form_schema"]["type"] == "object" and "uscc" in detail["form_schema"]["properties"]
    )
    assert detail["legal_basis"] and detail["process_steps"] and detail["locations"]
    assert any(m["template_url"] for m in detail["materials"])
    assert any(m["source"] == "licence" and m["licence_type_code"] for m in detail["materials"])
    assert client.get("/api/v1/catalog/items/999999").json()["code"] == "catalog.item.not_found"
    themes = client.get("/api/v1/catalog/themes").json()
    assert {t["code"] for t in themes} == {
        "open-business",
        "newborn",
        "second-hand-home",
        "retirement",
    }
    theme = client.get("/api/v1/catalog/themes/open-business").json()
    assert len(theme["parts"]) == 6
    assert len({p["item"]["department"]["code"] for p in theme["parts"]}) >= 4
    fields = list(theme["form_schema"]["properties"])
    assert len(fields) == len(set(fields)) and "uscc" in fields
