"""Search: understanding queries, filters, highlighting, the index following publishes, quality."""

import pytest

from tongban.catalog import search, services
from tongban.catalog.search import Index, doc_from_row
from tongban.catalog.search import cache as search_cache
from tongban.core.errors import InvalidInput


def row(i, name, **kw):
    return {
        "id": i,
        "name": name,
        "department": kw.get("department", "测试局"),
        "department_code": kw.get("department_code", "d1"),
        "region_code": kw.get("region", "310115"),
        "audience": kw.get("audience", "person"),
        "online_depth": kw.get("depth", ["consult"]),
        "themes": kw.get("themes", []),
        "keywords": kw.get("keywords", []),
        "promised_limit_days": 5,
        "legal_limit_days": 10,
        "case_type": "promised",
    }


@pytest.fixture(scope="module")
def small():
    index = Index()
    for r in [
        row(1, "居住证办理", keywords=["暂住证"]),
        row(2, "机动车驾驶证换证", department_code="d2", depth=["consult", "fully_online"]),
        row(
            3,
            "企业设立登记",
            audience="enterprise",
            keywords=["营业执照"],
            themes=["open-business"],
        ),
        row(4, "出生医学证明首次签发", region="310101"),
        row(5, "<script>户籍</script>证明开具"),
    ]:
        index.add(doc_from_row(r))
    return index


def names(result):
    return [h.name for h in result.hits]


def test_pinyin_initials_full_pinyin_and_typos(small):
    assert names(small.search("jzz"))[0] == "居住证办理"
    assert small.search("jzz").did_you_mean == "居住证"
    assert names(small.search("juzhuzheng"))[0] == "居住证办理"
    assert names(small.search("jiashiz"))[0] == "机动车驾驶证换证"  # incomplete last syllable
    result = small.search("居注证")
    assert names(result)[0] == "居住证办理" and result.did_you_mean == "居住证"


def test_colloquial_phrases(small):
    assert names(small.search("我想开公司"))[0] == "企业设立登记"
    assert names(small.search("换驾照"))[0] == "机动车驾驶证换证"
    assert names(small.search("生孩子"))[0] == "出生医学证明首次签发"


def test_filters(small):
    assert names(small.search("登记", audience="enterprise")) == ["企业设立登记"]
    assert names(small.search("驾驶证", online_depth="fully_online")) == ["机动车驾驶证换证"]
    assert names(small.search("驾驶证", department="d1")) == []
    assert names(small.search("出生", district="310101")) == ["出生医学证明首次签发"]
    assert names(small.search("营业执照", theme="open-business")) == ["企业设立登记"]


def test_highlighting_escapes_everything_else(small):
    hit = small.search("户籍").hits[0]
    assert "<script>" not in hit.name_html
    assert hit.name_html == "&lt;script&gt;<mark>户籍</mark>&lt;/script&gt;证明开具"


@pytest.mark.parametrize(
    ("q", "code"),
    [
        ("居" * 10_000, "catalog.search.too_long"),
        ("？！。，、…——《》", "catalog.search.no_terms"),
        ("   ", "catalog.search.no_terms"),
        ("!!!???...", "catalog.search.no_terms"),
    ],
)
def test_bad_queries(small, q, code):
    with pytest.raises(InvalidInput) as caught:
        small.search(q)
    assert caught.value.code == code and caught.value.status == 422 and "q" in caught.value.fields


@pytest.mark.django_db
def test_a_publish_is_searchable_at_once_in_every_process(desk):
    assert search.search("测试事项").total == 0
    desk.publish(1)
    assert search.current_index().version == 1
    assert names(search.search("测试事项")) == ["测试事项登记"]
    # another worker still holds the old index: it catches up from the version counter alone
    stale = search_cache._index
    desk.publish(2, name="第二个测试事项")
    assert search_cache._index is stale and stale.version == 1
    assert set(names(search.search("测试事项"))) == {"测试事项登记", "第二个测试事项"}
    assert search_cache._index is stale and stale.version == 2  # updated in place, not rebuilt
    # a new version replaces the old document
    item = stale.docs and next(iter(stale.docs))
    from tongban.catalog.models import ServiceItem

    item = ServiceItem.objects.get(pk=item)
    draft = services.version_draft(
        staff=desk.steward, item=item, reason="改名", content={"name": "改过名的事项"}
    )
    services.version_submit(staff=desk.steward, version=draft)
    services.version_publish(staff=desk.admin, version=draft)
    assert "改过名的事项" in names(search.search("改过名"))
    assert "测试事项登记" not in names(search.search("测试事项"))


@pytest.mark.django_db
def test_a_warm_search_asks_the_database_nothing(desk, django_assert_num_queries):
    desk.publish(1)
    assert names(search.search("测试事项")) == ["测试事项登记"]
    with django_assert_num_queries(0):
        assert names(search.search("测试事项")) == ["测试事项登记"]
        assert names(search.search("jzz")) == []


@pytest.mark.django_db
def test_a_bump_in_this_process_is_seen_by_its_next_search_at_once(desk, settings):
    settings.TONGBAN_SEARCH_VERSION_TTL = 3600
    desk.publish(1)
    assert search.current_index().version == 1
    desk.publish(2, name="第二个测试事项")
    assert search.current_index().version == 2
    assert set(names(search.search("测试事项"))) == {"测试事项登记", "第二个测试事项"}


def _another_node_publishes() -> int:
    """What another node's publish leaves behind: the row bumped and, once it committed, the
    new version in the shared cache; this process's copy of the version is untouched."""
    from django.core.cache import cache
    from django.db.models import F

    from tongban.catalog.models import CatalogState

    CatalogState.objects.filter(id=1).update(search_version=F("search_version") + 1)
    version = CatalogState.objects.get(id=1).search_version
    cache.set(search_cache.VERSION_KEY, version)
    return version


@pytest.mark.django_db
def test_another_nodes_publish_is_seen_within_the_ttl(desk, settings, monkeypatch):
    settings.TONGBAN_SEARCH_VERSION_TTL = 2
    now = [1000.0]
    monkeypatch.setattr(search_cache, "_clock", lambda: now[0])
    desk.publish(1)
    assert search.current_index().version == 1
    assert _another_node_publishes() == 2
    now[0] += 1.9
    assert search.current_index().version == 1
    now[0] += 0.2
    assert search.current_index().version == 2


@pytest.mark.django_db
def test_a_committed_publish_writes_its_version_to_the_shared_cache(
    desk, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=True):
        desk.publish(1)
    assert cache.get(search_cache.VERSION_KEY) == 1


@pytest.mark.django_db
def test_a_shared_version_behind_the_index_does_not_rebuild_it(desk, settings, monkeypatch):
    """Two publishes' cache writes can land in the wrong order; the index stays as it is."""
    from django.core.cache import cache

    now = [1000.0]
    monkeypatch.setattr(search_cache, "_clock", lambda: now[0])
    desk.publish(1)
    desk.publish(2, name="第二个测试事项")
    index = search.current_index()
    assert index.version == 2
    cache.set(search_cache.VERSION_KEY, 1)
    now[0] += 10
    assert search.current_index() is index and index.version == 2
    assert cache.get(search_cache.VERSION_KEY) == 2


@pytest.fixture(scope="module")
def business():
    """Items whose names differ only in the stage (设立/注销), English-named services, a theme."""
    index = Index()
    for r in [
        row(11, "个体工商户注销登记", audience="enterprise"),
        row(12, "个体工商户设立登记", audience="enterprise"),
        row(13, "企业设立登记", audience="enterprise", themes=["open-business"]),
        row(14, "企业注销登记", audience="enterprise"),
        row(15, "普通护照签发"),
        row(16, "义务教育阶段小学入学"),
        row(17, "民办学校设立审批"),
    ]:
        index.add(doc_from_row(r))
    index.set_themes(
        [
            {
                "code": "open-business",
                "name": "开办企业",
                "keywords": ["企业开办"],
                "summary": "营业执照、公章、发票一次办好。",
                "audience": "enterprise",
            }
        ]
    )
    return index


def test_toneless_pinyin_of_a_colloquial_phrase(business):
    """kaigongsi is 开公司 in pinyin; the dictionary's phrase then reads it as 企业设立登记."""
    result = business.search("kaigongsi")
    assert names(result)[0] == "企业设立登记"
    assert result.did_you_mean == "开公司"
    assert [t.code for t in result.themes] == ["open-business"]


@pytest.mark.parametrize(
    ("q", "first", "understood"),
    [
        ("passport", "普通护照签发", "护照"),
        ("school", "义务教育阶段小学入学", "入学"),
        ("School Enrolment", "义务教育阶段小学入学", "入学"),
        ("close a company", "企业注销登记", "注销 企业"),
    ],
)
def test_english_words_are_translated_to_the_catalog_words(business, q, first, understood):
    result = business.search(q)
    assert names(result)[0] == first
    assert result.did_you_mean == understood


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("办个体户", "个体工商户设立登记"),
        ("开个体户", "个体工商户设立登记"),
        ("个体户不干了", "个体工商户注销登记"),
        ("个体户注销", "个体工商户注销登记"),
    ],
)
def test_the_verb_picks_the_stage(business, q, first):
    assert names(business.search(q))[0] == first


def test_themes_are_found_by_name_keyword_and_colloquial_phrase(business):
    for q in ("开办企业", "企业开办", "我想开公司"):
        assert [t.name for t in business.search(q).themes] == ["开办企业"], q
    assert business.search("开办企业", audience="person").themes == []
    assert business.search("护照").themes == []


def test_tests_do_not_warm_the_index(settings):
    assert settings.TONGBAN_SEARCH_WARM is False


@pytest.mark.django_db(transaction=True)
def test_warm_up_builds_the_index_in_a_background_thread(desk):
    desk.publish(1)
    search.reset_index()
    thread = search.warm_in_background()
    thread.join(timeout=60)
    assert thread.name == "search-index-warm" and not thread.is_alive()
    warmed = search_cache._index
    assert warmed is not None and warmed.version == 1
    assert names(search.search("测试事项")) == ["测试事项登记"]
    assert search_cache._index is warmed  # the first search used the warmed index
