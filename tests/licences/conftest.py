"""Licences fixtures: the cases world (two departments, staff, a published 居住证 item, an
applicant), with two licence types loaded through the real service: 居住证 (a person's,
issued by 甲局 on approval of the item) and 食品经营许可证 (an entity's, issued by 甲局)."""

import pytest

from tests.cases.conftest import World
from tongban.licences import services

RESIDENCE = "11100000000013127D005"
FOOD = "11100000MB0143027N002"


def types(dept):
    person = {
        "name": {"type": "string", "title": "姓名", "minLength": 2},
        "id_number": {"type": "string", "title": "公民身份号码", "format": "gb11643"},
    }
    entity = {
        "entity_name": {"type": "string", "title": "名称", "minLength": 2},
        "uscc": {"type": "string", "title": "统一社会信用代码", "format": "gb32100"},
    }
    return [
        {
            "code": RESIDENCE,
            "name": "居住证",
            "defining_department": dept.code,
            "issuing_departments": [dept.code],
            "holder_kind": "person",
            "validity": {"kind": "fixed", "years": 1},
            "data_schema": {
                "type": "object",
                "properties": {
                    **person,
                    "address": {"type": "string", "title": "住址", "minLength": 4, "maxLength": 30},
                },
                "required": ["name", "id_number", "address"],
                "additionalProperties": False,
            },
        },
        {
            "code": FOOD,
            "name": "食品经营许可证",
            "defining_department": dept.code,
            "issuing_departments": [dept.code],
            "holder_kind": "legal_entity",
            "validity": {"kind": "fixed", "years": 5},
            "data_schema": {
                "type": "object",
                "properties": {
                    **entity,
                    "business_address": {"type": "string", "title": "经营场所"},
                },
                "required": ["entity_name", "uscc"],
                "additionalProperties": False,
            },
        },
    ]


class LicenceWorld(World):
    def __init__(self, make):
        super().__init__(make)
        services.licence_types_load(types=types(self.dept_a))
        services.licence_type_result_items_add(type_code=RESIDENCE, item_ids=[self.item.pk])
        self.entity = make.entity(representative=self.person)

    def issue(self, staff=None, **data):
        return services.licence_issue(
            staff=staff or self.reviewer_a,
            type_code=RESIDENCE,
            holder_code=self.person.id_number,
            data={"address": "浦东新区世纪大道1号", **data},
        )


@pytest.fixture
def lw(make):
    return LicenceWorld(make)
