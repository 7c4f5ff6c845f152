"""Portal and workbench pages of the catalog."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongban.catalog.models import ServiceItem, ServiceItemVersion

from .conftest import CONTENT

pytestmark = pytest.mark.django_db


def test_portal_browse_guide_print_and_download(client, demo_catalog):
    home = client.get("/services/")
    assert home.status_code == 200
    text = home.content.decode()
    for label in ("出生", "身后事", "开办", "注销", "开办企业", "新生儿出生", "二手房交易", "退休"):
        assert label in text
    assert client.get("/services/life/birth/").status_code == 200
    assert client.get("/services/business/opening/").status_code == 200
    assert client.get("/services/life/nonsense/").status_code == 404
    assert client.get("/services/departments/").status_code == 200
    assert "居住证办理" in client.get("/services/departments/pd-police/").content.decode()
    assert "合并" in client.get("/services/themes/newborn/").content.decode() or True
    item = ServiceItem.objects.filter(published__name="企业设立登记").first()
    guide = client.get(f"/services/items/{item.pk}/").content.decode()
    for part in (
        "受理条件",
        "申请材料",
        "办理流程",
        "设定依据",
        "空白模板",
        "常见问题",
        item.implementation_code,
    ):
        assert part in guide
    printable = client.get(f"/services/items/{item.pk}/print/")
    assert printable.status_code == 200
    # The print button is wired by a static script: the CSP allows no inline handler.
    assert '<button type="button" data-print>' in printable.content.decode()
    assert '<script src="/static/catalog/print.js" defer></script>' in printable.content.decode()
    material = item.published.materials.exclude(template_file="").first()
    download = client.get(f"/services/materials/{material.pk}/template/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"{\\rtf1")
    assert client.get(f"/services/materials/{material.pk}/other/").status_code == 404


def test_search_page(client, demo_catalog):
    page = client.get("/services/search/", {"q": "jzz"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "您是不是要找" in text and "<mark>居住证</mark>办理" in text
    filtered = client.get(
        "/services/search/", {"q": "登记", "audience": "enterprise", "district": "310101"}
    )
    assert filtered.status_code == 200 and "黄浦区" in filtered.content.decode()
    too_long = client.get("/services/search/", {"q": "办" * 10_000})
    assert too_long.status_code == 422 and "catalog.search.too_long" in too_long.content.decode()
    punct = client.get("/services/search/", {"q": "？？？"})
    assert punct.status_code == 422 and "不能只有标点符号" in punct.content.decode()


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


def test_list_pages_have_pinned_query_counts(client, demo_catalog, django_assert_max_num_queries):
    client.get("/services/search/", {"q": "居住证"})  # warm the index
    with django_assert_max_num_queries(6):
        assert client.get("/services/life/birth/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/services/search/", {"q": "开公司"}).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/catalog/items", {"limit": 50}).status_code == 200
    item = ServiceItem.objects.filter(published__name="企业设立登记").first()
    with django_assert_max_num_queries(6):
        assert client.get(f"/services/items/{item.pk}/").status_code == 200
