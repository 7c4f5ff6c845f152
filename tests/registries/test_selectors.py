"""Every selector of the registries, with the values written out by hand."""

from datetime import date
from decimal import Decimal

import pytest

from tongban.core.errors import InvalidInput
from tongban.registries import selectors, services
from tongban.registries.selectors import PlaceMatch

from .conftest import LI, USCC, ZHANG

pytestmark = pytest.mark.django_db

ADDRESS_1 = PlaceMatch(
    district_code="310115", district_name="浦东新区",
    street_code="310115004", street_name="潍坊新村街道",
    grid_code="G310115004001", grid_name="潍坊新村街道第1网格",
    address_code="A31011500400100001", address="上海市浦东新区张杨路500弄1号",
    lat=Decimal("31.228000"), lng=Decimal("121.525000"),
)  # fmt: skip


def test_datasets_and_fields():
    assert selectors.DATASETS == ("population", "legal_entities", "places")
    population = selectors.dataset_fields("population")
    assert [f.name for f in population] == [
        "id_number", "name", "gender", "birth_date", "hukou_address", "residence_code",
        "residence_address", "marital_status", "household_code",
    ]  # fmt: skip
    id_field = population[0]
    assert (str(id_field.label), id_field.type, id_field.personal, id_field.sensitive) == (
        "公民身份号码", "code", True, True,
    )  # fmt: skip
    entities = {f.name: f for f in selectors.dataset_fields("legal_entities")}
    assert entities["registered_capital"].type == "decimal"
    assert entities["established_on"].type == "date"
    assert (entities["name"].personal, entities["legal_representative_name"].personal) == (
        False, True,
    )  # fmt: skip
    assert [f.name for f in selectors.dataset_fields("places")] == [
        "code", "kind", "name", "parent_code", "address", "district_code", "street_code",
        "grid_code", "lat", "lng",
    ]  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        selectors.dataset_fields("credit")
    assert (caught.value.code, list(caught.value.fields)) == (
        "registry.dataset_unknown",
        ["dataset"],
    )


def test_person_record_by_key(people):
    record = selectors.record_by_key(dataset="population", key=ZHANG)
    assert (record.dataset, record.key, record.provider_code) == ("population", ZHANG, "sh-police")
    assert record.provider_name == people["sh-police"].name != ""
    assert record.fields == {
        "id_number": "310115198507160011",
        "name": "张晓明",
        "gender": "1",
        "birth_date": "1985-07-16",
        "hukou_address": "上海市浦东新区张杨路500弄1号",
        "residence_code": "A31011500400100001",
        "residence_address": "上海市浦东新区张杨路500弄1号",
        "marital_status": "20",
        "household_code": "H3101150001",
    }
    li = selectors.record_by_key(dataset="population", key="31010119900302002x ")
    assert li.key == LI
    assert li.fields == {
        "id_number": LI, "name": "李华", "gender": "2", "birth_date": "1990-03-02",
        "hukou_address": None, "residence_code": None, "residence_address": None,
        "marital_status": "90", "household_code": None,
    }  # fmt: skip


def test_entity_record_by_key(people):
    record = selectors.record_by_key(dataset="legal_entities", key=USCC)
    assert (record.key, record.provider_code) == (USCC, "sh-amr")
    assert record.fields == {
        "uscc": "91310115591693856A",
        "name": "上海浦江示范科技有限公司",
        "kind": "limited_company",
        "legal_representative_name": "张晓明",
        "legal_representative_id_number": "310115198507160011",
        "registered_capital": "500.0000",
        "address_code": "A31011500400100003",
        "address": "上海市浦东新区崂山路100号",
        "business_scope": "软件开发；信息技术咨询服务。",
        "status": "existing",
        "established_on": "2015-03-12",
    }


def test_place_record_by_key(city):
    record = selectors.record_by_key(dataset="places", key="A31011500400100001")
    assert record.provider_code == "sh-planning"
    assert record.fields == {
        "code": "A31011500400100001", "kind": "address", "name": "张杨路500弄1号",
        "parent_code": "310115004001", "address": "上海市浦东新区张杨路500弄1号",
        "district_code": "310115", "street_code": "310115004", "grid_code": "G310115004001",
        "lat": "31.228000", "lng": "121.525000",
    }  # fmt: skip
    street = selectors.record_by_key(dataset="places", key="310115004")
    assert street.fields == {
        "code": "310115004", "kind": "street", "name": "潍坊新村街道", "parent_code": "310115",
        "address": None, "district_code": "310115", "street_code": "310115004",
        "grid_code": None, "lat": None, "lng": None,
    }  # fmt: skip


def test_unknown_keys_are_none(people):
    assert selectors.record_by_key(dataset="population", key="110101200001010010") is None
    assert selectors.record_by_key(dataset="legal_entities", key="91310101MA1FPX3K2X") is None
    assert selectors.record_by_key(dataset="places", key="310199") is None


@pytest.mark.parametrize(
    ("dataset", "key", "message"),
    [
        ("population", "310115198507160012", "公民身份号码校验位错误：应为 1，实为 2"),
        ("population", "3101151985071600", "公民身份号码应为 18 位，实为 16 位"),
        ("population", "31011519850716001\x00", "查询键过长或含有不可见字符。"),
        ("population", "3" * 10240, "查询键过长或含有不可见字符。"),
        ("population", "", "请提供查询键。"),
        ("legal_entities", "91310115591693856B", "统一社会信用代码校验位错误：应为 A，实为 B"),
        ("legal_entities", "9131011559169385", "统一社会信用代码应为 18 位，实为 16 位"),
        ("legal_entities", "x" * 10240, "查询键过长或含有不可见字符。"),
        ("places", "31011", None),
        ("places", "A3101150040010000", None),
        ("places", "310115\x00", "查询键过长或含有不可见字符。"),
    ],
)
def test_malformed_keys_are_coded_errors(city, dataset, key, message):
    with pytest.raises(InvalidInput) as caught:
        selectors.record_by_key(dataset=dataset, key=key)
    error = caught.value
    assert (error.status, error.code, list(error.fields)) == (
        422,
        "registry.key_malformed",
        ["key"],
    )
    if message is not None:
        assert error.message == message
    else:
        assert error.message.startswith("地点编码应为 6 位区划代码")


def test_key_of_wrong_type(city):
    with pytest.raises(InvalidInput) as caught:
        selectors.record_by_key(dataset="population", key=310115198507160011)  # type: ignore[arg-type]
    assert caught.value.code == "registry.key_malformed"


def test_changes_after(people):
    places = selectors.changes_after(dataset="places", after_id=0)
    assert len(places) == 12
    assert places[0].record_key_hash == selectors.record_key_hash(dataset="places", key="310115")
    assert places[0].kind == "created"
    population = selectors.changes_after(dataset="population", after_id=0)
    assert [(c.kind, c.record_key_hash) for c in population] == [
        ("created", selectors.record_key_hash(dataset="population", key=ZHANG)),
        ("created", selectors.record_key_hash(dataset="population", key=LI)),
    ]
    assert population[0].fields == [
        "name", "gender", "birth_date", "hukou_address", "residence", "marital_status",
        "household_code",
    ]  # fmt: skip
    last = population[-1].id
    services.registry_person_upsert(id_number=LI, name="李华", marital_status="20")
    services.registry_entity_status_set(uscc=USCC, status="deregistered")
    later = selectors.changes_after(dataset="population", after_id=last)
    assert [(c.kind, c.fields) for c in later] == [("updated", ["marital_status"])]
    entities = selectors.changes_after(dataset="legal_entities", after_id=0, limit=5)
    assert [(c.kind, c.fields[:1]) for c in entities] == [
        ("created", ["name"]),
        ("status", ["status"]),
    ]
    assert selectors.changes_after(dataset="legal_entities", after_id=entities[-1].id) == []
    assert len(selectors.changes_after(dataset="places", after_id=0, limit=3)) == 3


@pytest.mark.parametrize(
    ("after_id", "limit", "field"),
    [(-1, 10, "after_id"), (0, 0, "limit"), (0, 5001, "limit"), (True, 1, "after_id")],
)
def test_changes_after_bounds(city, after_id, limit, field):
    with pytest.raises(InvalidInput) as caught:
        selectors.changes_after(dataset="places", after_id=after_id, limit=limit)
    assert (caught.value.code, list(caught.value.fields)) == ("registry.query_invalid", [field])


def test_place_for_point_inside_the_city(city):
    assert selectors.place_for_point(lat=31.2281, lng=121.5249) == ADDRESS_1
    assert selectors.place_for_point(lat=Decimal("31.2291"), lng=Decimal("121.5262")) == (
        PlaceMatch(**{**ADDRESS_1.__dict__, "address_code": "A31011500400100002",
                      "address": "上海市浦东新区张杨路500弄2号",
                      "lat": Decimal("31.229000"), "lng": Decimal("121.526000")})
    )  # fmt: skip
    # by the Bund: nearest is 南京东路100号, 黄浦区
    bund = selectors.place_for_point(lat="31.2400", lng="121.4880")
    assert (bund.district_code, bund.street_name, bund.grid_code, bund.address) == (
        "310101", "南京东路街道", "G310101002001", "上海市黄浦区南京东路100号",
    )  # fmt: skip
    # in the city, far from every address of this small registry (Jinshan, ~50 km away)
    assert selectors.place_for_point(lat=30.75, lng=121.33) is None


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(39.9042, 116.4074), (31.0, 122.6), (30.3, 121.3), (31.2, 120.6), (31.9, 121.6), (0, 0)],
)
def test_place_for_point_outside_the_city(city, lat, lng):
    # Beijing, the East China Sea, Hangzhou Bay, Suzhou, north of Chongming, null island
    assert selectors.place_for_point(lat=lat, lng=lng) is None


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [(float("nan"), 121.5, "lat"), (31.2, 181, "lng"), ("abc", 121.5, "lat"), (True, 121.5, "lat")],
)
def test_place_for_point_refuses_bad_coordinates(city, lat, lng, field):
    with pytest.raises(InvalidInput) as caught:
        selectors.place_for_point(lat=lat, lng=lng)
    assert (caught.value.code, list(caught.value.fields)) == ("registry.point_invalid", [field])


def test_places_search(city):
    codes = lambda matches: [m.address_code for m in matches]  # noqa: E731
    assert selectors.places_search(text="浦东新区张杨路500弄1号") == [ADDRESS_1]
    assert codes(selectors.places_search(text="张杨路500弄")) == [
        "A31011500400100001", "A31011500400100002",
    ]  # fmt: skip
    assert codes(selectors.places_search(text="我住在张杨路５００弄２号附近")) == [
        "A31011500400100002"
    ]
    assert codes(selectors.places_search(text="上海市 崂山路")) == ["A31011500400100003"]
    assert codes(selectors.places_search(text="张杨路", limit=1)) == ["A31011500400100001"]
    assert selectors.places_search(text="黄浦区张杨路") == []  # the road is not in 黄浦区
    assert codes(selectors.places_search(text="南京东路100号")) == ["A31010100200100001"]
    assert selectors.places_search(text="张杨路999号") == []
    # no road named: addresses containing the text
    assert codes(selectors.places_search(text="500弄2")) == ["A31011500400100002"]


@pytest.mark.parametrize(
    ("text", "limit", "field"),
    [
        ("", 10, "text"),
        ("   ", 10, "text"),
        ("路" * 101, 10, "text"),
        ("张杨路\x00", 10, "text"),
        ("张杨路", 0, "limit"),
        ("张杨路", 51, "limit"),
    ],
)
def test_places_search_refuses_bad_queries(city, text, limit, field):
    with pytest.raises(InvalidInput) as caught:
        selectors.places_search(text=text, limit=limit)
    assert (caught.value.code, list(caught.value.fields)) == ("registry.query_invalid", [field])


def test_place_by_code(city):
    assert selectors.place_by_code("A31011500400100001") == ADDRESS_1
    assert selectors.place_by_code("310115004001") == PlaceMatch(
        district_code="310115", district_name="浦东新区", street_code="310115004",
        street_name="潍坊新村街道", grid_code=None, grid_name=None, address_code=None,
        address=None, lat=None, lng=None,
    )  # fmt: skip
    assert selectors.place_by_code("310101") == PlaceMatch(
        "310101", "黄浦区", None, None, None, None, None, None, None, None
    )
    assert selectors.place_by_code("310120") is None
    with pytest.raises(InvalidInput):
        selectors.place_by_code("31012")


def test_birth_date_is_a_date(people):
    from tongban.registries.models import PopulationRecord

    assert PopulationRecord.objects.get(name="张晓明").birth_date == date(1985, 7, 16)
