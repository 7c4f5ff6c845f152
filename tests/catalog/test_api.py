"""The read-only catalog API: items, detail with guide and form, themes, search."""

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_documents_the_catalog(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/catalog/search",
        "/api/v1/catalog/items",
        "/api/v1/catalog/items/{item_id}",
        "/api/v1/catalog/themes",
        "/api/v1/catalog/themes/{code}",
    } <= set(paths)
