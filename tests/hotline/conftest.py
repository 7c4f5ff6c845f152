"""A small city for the hotline: the registries' places, the departments its responsibility
list names there, the hotline office's staff and two departments' handlers."""

import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps

from tests import factories
from tests.registries.conftest import PLACES, city, providers  # noqa: F401 (fixtures)
from tongban.hotline import services
from tongban.hotline.models import Category
from tongban.identity.choices import DepartmentKind
from tongban.identity.choices import StaffRoleName as R
from tongban.identity.models import Department

NOISE = "张杨路500弄1号楼下工地半夜还在施工，电钻声吵得睡不着，请处理。"
VENDING = "张杨路500弄门口有人摆摊卖水果，把人行道都占了。"
POINT = {"lat": Decimal("31.228100"), "lng": Decimal("121.525100")}  # by 张杨路500弄1号
BEIJING = {"lat": Decimal("39.908700"), "lng": Decimal("116.397500")}

DEPARTMENTS = [
    ("sh-gov-office", "上海市12345市民服务热线", DepartmentKind.MUNICIPAL_BUREAU),
    ("sh-transport", "上海市交通委员会", DepartmentKind.MUNICIPAL_BUREAU),
    ("sh-emergency", "上海市应急管理局", DepartmentKind.MUNICIPAL_BUREAU),
    ("sh-greening", "上海市绿化和市容管理局", DepartmentKind.MUNICIPAL_BUREAU),
    ("310115-hbj", "浦东新区生态环境局", DepartmentKind.DISTRICT_BUREAU),
    ("310115-scj", "浦东新区市场监督管理局", DepartmentKind.DISTRICT_BUREAU),
    ("310101-hbj", "黄浦区生态环境局", DepartmentKind.DISTRICT_BUREAU),
    ("310115004-office", "潍坊新村街道办事处", DepartmentKind.STREET_CENTER),
    ("310101002-office", "南京东路街道办事处", DepartmentKind.STREET_CENTER),
]


def category_tree() -> None:
    """The shipped category tree, as migration 0001 loads it, if a flush took it: a transactional
    test with ``serialized_rollback`` empties the tables without the signal that would bring
    the migration's rows back, and the tests after it must not depend on the order they run in."""
    if not Category.objects.exists():
        initial = importlib.import_module("tongban.hotline.migrations.0001_initial")
        initial.load_categories(apps, None)


@pytest.fixture
def hl(city):  # noqa: F811
    category_tree()
    region = factories.region()
    departments = {
        code: Department.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "region": region}
        )[0]
        for code, name, kind in DEPARTMENTS
    }
    departments.update(city)
    rows = services.responsibilities_load()
    office = departments["sh-gov-office"]
    return SimpleNamespace(
        rows=rows,
        dept=departments,
        agent=factories.staff(office, roles=[R.HOTLINE_AGENT]),
        dispatcher=factories.staff(office, roles=[R.HOTLINE_DISPATCHER]),
        supervisor=factories.staff(office, roles=[R.HOTLINE_SUPERVISOR]),
        handler=factories.staff(departments["310115-hbj"], roles=[R.REVIEWER]),
        head=factories.staff(departments["310115-hbj"], roles=[R.DEPARTMENT_HEAD, R.REVIEWER]),
        other=factories.staff(departments["310115-scj"], roles=[R.REVIEWER]),
        citizen=factories.person(name="王小明"),
        stranger=factories.person(name="李四"),
    )


def file_noise(hl, **kwargs):
    """A citizen's noise complaint at 张杨路500弄1号 (the district's ecology bureau's)."""
    defaults = {"kind": "complaint", "text": NOISE, "address": "张杨路500弄1号"}
    return services.ticket_file(account=hl.citizen.account, **{**defaults, **kwargs})


def dispatched(hl, **kwargs):
    ticket = file_noise(hl, **kwargs)
    return services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise")


def handling(hl, **kwargs):
    ticket = dispatched(hl, **kwargs)
    services.ticket_accept(staff=hl.handler, ticket_id=ticket.pk)
    return services.ticket_start(staff=hl.handler, ticket_id=ticket.pk)


def replied(hl, **kwargs):
    ticket = handling(hl, **kwargs)
    return services.ticket_reply(
        staff=hl.handler, ticket_id=ticket.pk, answer="已责令工地夜间停工，并处罚款。"
    )
