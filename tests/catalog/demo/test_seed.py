"""The demo catalog and the synthetic generator, over the one shared seed."""

import pytest

from tongban.catalog.models import Material, ServiceItem, Theme
from tongban.demo import catalog_seed

pytestmark = pytest.mark.django_db

NAMED = [
    "居住证办理",
    "户口迁移",
    "出生医学证明首次签发",
    "结婚登记",
    "社会保障卡申领",
    "医疗费用零星报销",
    "住房公积金购房提取",
    "退休申请",
    "失业登记",
    "就业登记",
    "义务教育阶段小学入学",
    "机动车驾驶证换证",
    "机动车注册登记",
    "普通护照签发",
    "往来港澳通行证签发",
    "企业设立登记",
    "企业变更登记",
    "企业注销登记",
    "食品经营许可",
    "公共场所卫生许可",
    "建筑工程施工许可",
    "不动产转移登记",
    "新办纳税人涉税事项",
    "发票申领",
    "企业年度报告公示",
    "商标注册申请",
    "专利申请",
    "人力资源服务许可",
    "建筑施工企业安全生产许可",
]


def test_demo_catalog_is_complete_and_idempotent(demo_catalog):
    items = ServiceItem.objects.filter(published__isnull=False)
    assert items.count() >= 400
    assert items.values("department").distinct().count() >= 25
    names = set(items.values_list("published__name", flat=True))
    assert set(NAMED) <= names
    events = set(
        items.exclude(published__life_event="").values_list("published__life_event", flat=True)
    )
    stages = set(
        items.exclude(published__enterprise_stage="").values_list(
            "published__enterprise_stage", flat=True
        )
    )
    assert len(events) == 9 and len(stages) == 5
    assert Theme.objects.count() == 4
    assert not items.filter(published__legal_basis=[]).exists()
    assert not items.filter(published__process_steps=[]).exists()
    assert not items.filter(published__form_schema={}).exists()
    assert Material.objects.filter(source="licence").exclude(licence_type_code="").exists()
    assert Material.objects.filter(source="data_resource").exists()
    before = ServiceItem.objects.count()
    assert catalog_seed.seed_catalog() == 0
    assert ServiceItem.objects.count() == before


def test_scale_generator_adds_items_of_the_same_structure(demo_catalog):
    added = catalog_seed.seed_catalog_scale(450)
    assert ServiceItem.objects.count() == 450 and added == 450 - 402
    synthetic = (
        ServiceItem.objects.filter(implementation_code__contains="19").order_by("-id").first()
    )
    assert synthetic.published.materials.exists() and synthetic.published.form_schema
    assert catalog_seed.seed_catalog_scale(450) == 0
