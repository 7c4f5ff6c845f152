"""Portal and workbench pages of the catalog."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongban.catalog.models import ServiceItem, ServiceItemVersion

from .conftest import CONTENT

pytestmark = pytest.mark.django_db


def test_unpublished_items_are_not_public(client, desk):
    version = desk.create()
    assert client.get(f"/services/items/{version.item_id}/").status_code == 404
    assert client.get(f"/api/v1/catalog/items/{version.item_id}").status_code == 404


def _form_data(**changes):
    data = {k: v for k, v in CONTENT.items() if not isinstance(v, (list, dict))}
    data.update(
        keywords="别名",
        online_depth=["consult"],
        channels=["online"],
        visits="1",
        materials=json.dumps(CONTENT["materials"], ensure_ascii=False),
        form_schema=json.dumps(CONTENT["form_schema"]),
        form_ui="{}",
        reason="新增",
    )
    data.update(changes)
    return data


def test_steward_drafts_submits_and_admin_publishes(client, desk):
    basic, implementation = desk.codes()
    client.force_login(desk.steward.account)
    assert client.get("/workbench/catalog/").status_code == 200
    bad = client.post(
        "/workbench/catalog/items/new/",
        _form_data(basic_code=basic, implementation_code=implementation, promised_limit_days="99"),
    )
    assert bad.status_code == 422 and "不能超过法定时限" in bad.content.decode()
    response = client.post(
        "/workbench/catalog/items/new/",
        _form_data(basic_code=basic, implementation_code=implementation),
    )
    assert response.status_code == 302
    version = ServiceItemVersion.objects.get()
    client.post(f"/workbench/catalog/versions/{version.pk}/submit/")
    assert client.post(f"/workbench/catalog/versions/{version.pk}/publish/").status_code == 403
    client.force_login(desk.admin.account)
    assert "测试事项登记" in client.get("/workbench/catalog/review/").content.decode()
    client.post(f"/workbench/catalog/versions/{version.pk}/publish/", {"note": "同意"})
    version.refresh_from_db()
    assert version.status == "published"


def test_wrong_department_and_role_are_refused(client, desk):
    version = desk.create()
    client.force_login(desk.other_steward.account)
    assert client.get(f"/workbench/catalog/versions/{version.pk}/").status_code == 403
    assert client.get(f"/workbench/catalog/versions/{version.pk}/edit/").status_code == 403
    assert client.post(f"/workbench/catalog/versions/{version.pk}/submit/").status_code == 403
    client.force_login(desk.reviewer.account)
    for path in (
        "/workbench/catalog/",
        "/workbench/catalog/items/new/",
        "/workbench/catalog/import/",
        "/workbench/catalog/export.json",
        "/workbench/catalog/review/",
    ):
        assert client.get(path).status_code == 403, path


def test_every_catalog_staff_page_refuses_the_public_and_citizens(client, make):
    paths = [
        "/workbench/catalog/",
        "/workbench/catalog/items/new/",
        "/workbench/catalog/versions/1/",
        "/workbench/catalog/versions/1/edit/",
        "/workbench/catalog/review/",
        "/workbench/catalog/import/",
        "/workbench/catalog/export.csv",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/workbench/login/" in response["Location"], path
    client.force_login(make.person().account)
    for path in paths:
        assert client.get(path).status_code == 403, path


def test_import_page_lists_row_errors_and_imports_nothing(client, desk):
    from .test_import import as_csv, rows

    data = rows(50)
    data[10]["legal_limit_days"] = "0"
    client.force_login(desk.steward.account)
    upload = SimpleUploadedFile("items.csv", as_csv(data), content_type="text/csv")
    response = client.post("/workbench/catalog/import/", {"file": upload, "reason": "导入"})
    text = response.content.decode()
    assert response.status_code == 422
    assert "<td>12</td>" in text and "legal_limit_days" in text and "法定时限应为大于 0" in text
    assert not ServiceItem.objects.exists()
    ok = SimpleUploadedFile(
        "items.json", json.dumps(rows(3)).encode(), content_type="application/json"
    )
    assert (
        client.post("/workbench/catalog/import/", {"file": ok, "reason": "导入"}).status_code == 200
    )
    assert ServiceItem.objects.count() == 3
    exported = client.get("/workbench/catalog/export.csv")
    assert exported.status_code == 200 and "导入事项2" in exported.content.decode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'[{"name": ' + b"[" * 40 + b"]" * 40 + b"}]", "JSON 嵌套超过 32 层。"),
        (b'[{"name": "x", "legal_limit_days": NaN}]', "数值 NaN 不是有效的数字。"),
    ],
)
def test_import_refuses_json_the_api_would_refuse(client, desk, body, reason):
    """The uploaded file goes through the project's strict JSON parser: deep nesting and NaN are
    a 422 naming the problem, and nothing is imported."""
    client.force_login(desk.steward.account)
    upload = SimpleUploadedFile("items.json", body, content_type="application/json")
    response = client.post("/workbench/catalog/import/", {"file": upload, "reason": "导入"})
    assert response.status_code == 422
    assert reason in response.content.decode()
    assert not ServiceItem.objects.exists()
