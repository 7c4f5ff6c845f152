"""A small city in the base registries for other contexts' tests (prefill, exchange…), written
through the registries' own verbs: the three provider departments and the places of conftest."""

from tests import factories
from tongban.identity.choices import DepartmentKind
from tongban.identity.models import Department
from tongban.registries import services

from .conftest import PLACES

PROVIDERS = [
    ("sh-police", "上海市公安局"),
    ("sh-amr", "上海市市场监督管理局"),
    ("sh-planning", "上海市规划和自然资源局"),
]
HOME = "A31011500400100001"  # 上海市浦东新区张杨路500弄1号
HOME_ADDRESS = "上海市浦东新区张杨路500弄1号"


def registry_city() -> None:
    region = factories.region("310000", "上海市", level="city")
    for code, name in PROVIDERS:
        Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": DepartmentKind.MUNICIPAL_BUREAU, "region": region},
        )
    services.registry_bulk_load(places=PLACES)


def registry_resident(person, *, residence_code: str = HOME) -> None:
    """``person`` (an identity Person) recorded in the population registry at an address."""
    services.registry_person_upsert(
        id_number=person.id_number, name=person.name, residence_code=residence_code
    )
