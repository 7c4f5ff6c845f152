"""A theme's one form over the demo catalog asks the shared fields once."""

import pytest

from tongban.demo.catalog_seed import form_for

SCHEMA, UI = form_for("person", "child")


@pytest.mark.django_db
def test_theme_form_asks_shared_fields_once(client, demo_catalog):
    page = client.get("/services/themes/newborn/form/").content.decode()
    assert page.count('name="applicant_name"') == 1 and page.count('name="child_name"') == 1
    api = client.post(
        "/api/v1/catalog/themes/newborn/form/check", {}, content_type="application/json"
    )
    assert api.status_code == 422 and "child_name" in api.json()["fields"]
