"""Demo-catalog tests moved from test_checklist.py: they read the one shared seed."""

import pytest

from tongban.catalog import selectors

pytestmark = pytest.mark.django_db

BASIS = {
    "type": "string",
    "title": "居住依据",
    "enum": ["合法稳定就业", "租赁住房", "自有住房"],
}
FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名"},
        "residence_basis": BASIS,
        "languages": {
            "type": "array",
            "title": "语言",
            "items": {"type": "string", "enum": ["中文", "英文"]},
        },
    },
    "required": ["applicant_name", "residence_basis"],
}
LABOUR = {"field": "residence_basis", "in": ["合法稳定就业"]}
LEASE = {"field": "residence_basis", "in": ["租赁住房"]}
ENGLISH = {"field": "languages", "in": ["英文"]}
MATERIALS = [
    {"name": "申请表"},
    {"name": "劳动合同", "condition": "以就业为居住依据的", "applies_if": LABOUR},
    {"name": "租赁合同", "condition": "租赁住房的", "applies_if": LEASE},
    {"name": "居民身份证", "source": "licence", "licence_type_code": "11100000000013127D001"},
    {"name": "翻译件", "condition": "有英文材料的", "applies_if": ENGLISH},
]  # fmt: skip


def test_the_demo_residence_permit_asks_for_what_the_basis_needs(demo_catalog):
    item = next(
        i
        for i in selectors.published_items()
        if i.published.name == "居住证办理" and i.department.code == "pd-police"
    )
    version = item.published
    assert version.form_schema["properties"]["residence_basis"]["enum"] == [
        "合法稳定就业",
        "租赁住房",
        "自有住房",
        "连续就读",
    ]

    def checklist(basis):
        entries = selectors.material_checklist(
            version=version, form_data={"residence_basis": basis}
        )
        return [(e.name, e.uploaded_by_applicant) for e in entries if e.applies_if]

    assert checklist("合法稳定就业") == [("劳动合同或在职证明", True)]
    assert checklist("租赁住房") == [("房屋租赁合同（已登记备案）", True)]
    assert checklist("自有住房") == [("不动产权证书", False)]
    assert checklist("连续就读") == [("在读证明", True)]
