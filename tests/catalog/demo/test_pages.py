"""Portal catalog pages over the demo catalog: browse, guide, print, template, search."""

import pytest

from tongban.catalog.models import ServiceItem

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
    theme = client.get("/services/themes/newborn/").content.decode()
    for part in (
        "新生儿出生",
        "承诺 5 个工作日内全部办结",
        "出生医学证明首次签发",
        "社会保障卡申领",
    ):
        assert part in theme
    assert "一张表单（相同信息只填一次）" in theme
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
    theme = client.get("/services/search/", {"q": "开办企业"}).content.decode()
    assert '<a href="/services/themes/open-business/">开办企业</a>' in theme


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


def test_search_pages_keep_the_query_and_the_filters(client, demo_catalog):
    first = client.get("/services/search/", {"q": "登记", "audience": "enterprise"})
    text = first.content.decode()
    assert first.status_code == 200 and "1 / " in text
    assert 'href="?q=%E7%99%BB%E8%AE%B0&amp;audience=enterprise&amp;page=2">下一页</a>' in text
    second = client.get("/services/search/", {"q": "登记", "audience": "enterprise", "page": 2})
    back = second.content.decode()
    assert 'href="?q=%E7%99%BB%E8%AE%B0&amp;audience=enterprise&amp;page=1">上一页</a>' in back
