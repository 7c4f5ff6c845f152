"""The demo 居住证办理 checklist follows the answer about the residence basis."""

import pytest

from tongban.catalog import selectors

pytestmark = pytest.mark.django_db


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
