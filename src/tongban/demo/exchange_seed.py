"""The demo's data exchange: the resources its catalog's data-sharing materials name, published
by the department that holds the data (一数一源), and the grants of the departments whose items
read them at submission — through the exchange's own verbs, so a re-run adds nothing."""

from django.db.models import Q

from tongban.catalog.choices import MaterialSource
from tongban.catalog.models import ServiceItem
from tongban.exchange import access as exchange_access
from tongban.exchange import selectors as exchange_selectors
from tongban.exchange import services as exchange
from tongban.exchange import supply
from tongban.identity import selectors as identity_selectors
from tongban.identity import services as identity
from tongban.identity.choices import StaffRoleName
from tongban.identity.models import Staff

# (catalog code, name, provider, dataset, fields, legal basis): the population registry's
# 户籍 data, held by the city's police (registries.synthetic.POPULATION_PROVIDER)
RESOURCES = [
    (
        "DR-310000-POLICE-001",
        "人口户籍信息",
        "sh-police",
        "population",
        ["id_number", "name", "gender", "birth_date", "hukou_address", "residence_address"],
        "《居住证暂行条例》第九条；《上海市居住证管理办法》",
    ),
]


def supplied_codes() -> list[str]:
    """The catalog codes the demo's exchange publishes a resource for."""
    return [row[0] for row in RESOURCES]


def _steward(department, password: str) -> Staff:
    """The department's demo data steward (数据管理员), ``steward.<code>``."""
    username = f"steward.{department.code}"
    staff = Staff.objects.filter(account__username=username).first()
    if staff is None:
        staff = identity.staff_create(
            username=username,
            display_name=f"{department.name}数据管理员",
            password=password,
            department=department,
            roles=[StaffRoleName.DATA_STEWARD],
        )
    return staff


def _consumers(catalog_code: str) -> list:
    """The departments of the published items with a material this code names."""
    items = ServiceItem.objects.filter(
        Q(published__materials__source=MaterialSource.DATA_RESOURCE)
        & Q(published__materials__data_resource_code=catalog_code)
    ).select_related("department")
    return sorted({i.department for i in items}, key=lambda d: d.code)


def seed_exchange(*, password: str) -> int:
    """Publish each resource (once) and grant it to each consuming department that has no live
    grant of it (asked by that department's data steward, approved by the provider's, for a
    year). Returns the grants made."""
    made = 0
    for catalog_code, name, provider_code, dataset, fields, basis in RESOURCES:
        provider = identity_selectors.department_by_code(provider_code)
        steward = _steward(provider, password)
        code = supply.resource_code(catalog_code)
        resource = next(
            (r for r in exchange_selectors.catalog(staff=steward) if r.code == code), None
        )
        if resource is None:
            resource = exchange.resource_publish(
                staff=steward,
                code=code,
                name=name,
                description="公民身份号码、姓名、性别、出生日期、户籍地址、居住地址",
                dataset=dataset,
                fields=fields,
                sharing="conditional",
                update_frequency="daily",
                legal_basis=basis,
                access_methods=["query"],
            )
        for consumer in _consumers(catalog_code):
            if exchange_access.can_use(consumer, resource):
                continue
            requester = _steward(consumer, password)
            asked = exchange.grant_request(
                staff=requester,
                resource_id=resource.pk,
                fields=fields,
                purpose="办理事项时核验申请人身份与户籍，免于提交相关材料",
                legal_basis=basis,
            )
            exchange.grant_approve(staff=steward, grant_id=asked.pk, fields=fields, days=365)
            made += 1
    return made
