"""A small city in the registries, written through the registries' own verbs."""

from decimal import Decimal

import pytest

from tests import factories
from tongban.identity.choices import DepartmentKind
from tongban.identity.models import Department
from tongban.registries import services
from tongban.registries.bulk import PlaceRow
from tongban.registries.choices import PlaceKind as K

P = "sh-planning"


@pytest.fixture
def providers(db):
    region = factories.region("310000", "上海市", level="city")
    return {
        code: Department.objects.create(
            code=code, name=name, kind=DepartmentKind.MUNICIPAL_BUREAU, region=region
        )
        for code, name in [
            ("sh-police", "上海市公安局"),
            ("sh-amr", "上海市市场监督管理局"),
            ("sh-planning", "上海市规划和自然资源局"),
        ]
    }


PLACES = [
    PlaceRow("310115", K.DISTRICT, "浦东新区", None, P),
    PlaceRow("310115004", K.STREET, "潍坊新村街道", "310115", P),
    PlaceRow("310115004001", K.COMMITTEE, "潍坊一村居民委员会", "310115004", P),
    PlaceRow("G310115004001", K.GRID, "潍坊新村街道第1网格", "310115004", P),
    PlaceRow(
        "A31011500400100001",
        K.ADDRESS,
        "张杨路500弄1号",
        "310115004001",
        P,
        address="上海市浦东新区张杨路500弄1号",
        road="张杨路",
        house_number="500弄1号",
        lat=Decimal("31.228000"),
        lng=Decimal("121.525000"),
        grid_code="G310115004001",
    ),
    PlaceRow(
        "A31011500400100002",
        K.ADDRESS,
        "张杨路500弄2号",
        "310115004001",
        P,
        address="上海市浦东新区张杨路500弄2号",
        road="张杨路",
        house_number="500弄2号",
        lat=Decimal("31.229000"),
        lng=Decimal("121.526000"),
        grid_code="G310115004001",
    ),
    PlaceRow(
        "A31011500400100003",
        K.ADDRESS,
        "崂山路100号",
        "310115004001",
        P,
        address="上海市浦东新区崂山路100号",
        road="崂山路",
        house_number="100号",
        lat=Decimal("31.232000"),
        lng=Decimal("121.520000"),
        grid_code="G310115004001",
    ),
    PlaceRow("310101", K.DISTRICT, "黄浦区", None, P),
    PlaceRow("310101002", K.STREET, "南京东路街道", "310101", P),
    PlaceRow("310101002001", K.COMMITTEE, "贵州居民委员会", "310101002", P),
    PlaceRow("G310101002001", K.GRID, "南京东路街道第1网格", "310101002", P),
    PlaceRow(
        "A31010100200100001",
        K.ADDRESS,
        "南京东路100号",
        "310101002001",
        P,
        address="上海市黄浦区南京东路100号",
        road="南京东路",
        house_number="100号",
        lat=Decimal("31.239000"),
        lng=Decimal("121.487000"),
        grid_code="G310101002001",
    ),
]

# 张晓明 of the demo (GB 11643 check character 1), 李华 (check X)
ZHANG = "310115198507160011"
LI = "31010119900302002X"
USCC = "91310115591693856A"


@pytest.fixture
def city(providers):
    services.registry_bulk_load(places=PLACES)
    return providers


@pytest.fixture
def people(city):
    services.registry_person_upsert(
        id_number=ZHANG,
        name="张晓明",
        hukou_address="上海市浦东新区张杨路500弄1号",
        residence_code="A31011500400100001",
        marital_status="20",
        household_code="H3101150001",
    )
    services.registry_person_upsert(id_number=LI, name="李华")
    services.registry_entity_upsert(
        uscc=USCC,
        name="上海浦江示范科技有限公司",
        kind="limited_company",
        legal_representative_id_number=ZHANG,
        established_on="2015-03-12",
        registered_capital="500",
        address_code="A31011500400100003",
        business_scope="软件开发；信息技术咨询服务。",
    )
    return city
