"""A 居住证办理 item one of whose materials (户籍信息) data sharing supplies from the police's
population resource, over the registries' small city; the item's department (the consumer)
asks for the resource and the police grant it — all through the real services."""

import copy

from tests.portal.case_fixtures import RESIDENCE_MATERIALS, CaseWorld
from tests.registries.city import registry_city, registry_resident
from tongban.exchange import services as exchange_services
from tongban.identity import selectors as identity_selectors
from tongban.registries import selectors as registry_selectors

HUKOU = "户籍信息"
CATALOG_CODE = "DR-310000-POLICE-001"  # the catalog's form of the exchange code below
RESOURCE_CODE = "dr-310000-police-001"
RESOURCE_NAME = "人口户籍信息"
GRANTED = ["id_number", "name", "gender", "hukou_address"]
HUKOU_MATERIAL = {
    "name": HUKOU,
    "form": "copy",
    "source": "data_resource",
    "data_resource_code": CATALOG_CODE,
}
FORM = {
    "applicant_name": "王小明",
    "residence_basis": "合法稳定就业",
    "address": "浦东新区世纪大道1号",
}


class SupplyWorld(CaseWorld):
    def __init__(self, make, *, resident: bool = True, granted: bool = True):
        registry_city()
        super().__init__(make)
        self.police_city = identity_selectors.department_by_code("sh-police")
        self.steward = make.staff(department=self.police_city, roles=("data_steward",))
        self.head = make.staff(department=self.police, roles=("department_head",))
        materials = [*copy.deepcopy(RESIDENCE_MATERIALS), HUKOU_MATERIAL]
        self.item = self.publish(materials=materials)
        if resident:
            registry_resident(self.person)
        self.resource = exchange_services.resource_publish(
            staff=self.steward,
            code=RESOURCE_CODE,
            name=RESOURCE_NAME,
            dataset="population",
            fields=["id_number", "name", "gender", "birth_date", "hukou_address"],
            sharing="conditional",
            update_frequency="daily",
            legal_basis="《居住证暂行条例》第九条",
            access_methods=["query"],
        )
        self.grant = self.ask_and_grant() if granted else None

    def ask_and_grant(self, department_head=None):
        asked = exchange_services.grant_request(
            staff=department_head or self.head,
            resource_id=self.resource.pk,
            fields=GRANTED,
            purpose="居住证办理",
            legal_basis="《居住证暂行条例》第九条",
        )
        return exchange_services.grant_approve(
            staff=self.steward, grant_id=asked.pk, fields=GRANTED, days=30
        )

    def person_record(self):
        return registry_selectors.record_by_key(dataset="population", key=self.person.id_number)

    def person_record_updated(self):
        return self.person_record().updated_at

    def hukou_id(self) -> int:
        return self.item.published.materials.get(name=HUKOU).pk
