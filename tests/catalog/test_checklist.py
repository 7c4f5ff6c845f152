"""Materials that apply only for some answers: the machine-readable condition (``applies_if``),
its validation against the item's form, and the checklist an application gets from it."""

import copy

import pytest

from tongban.catalog import selectors, services
from tongban.catalog.models import Material
from tongban.core.errors import InvalidInput

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


def _publish(desk, n=1, materials=MATERIALS, form=FORM, **changes):
    return desk.publish(
        n,
        form_schema=copy.deepcopy(form),
        form_ui={},
        materials=copy.deepcopy(materials),
        **changes,
    )


def _names(entries):
    return [e.name for e in entries]


def test_the_checklist_follows_the_answers(desk):
    version = _publish(desk)
    checklist = lambda data: _names(selectors.material_checklist(version=version, form_data=data))  # noqa: E731
    always = ["申请表", "居民身份证"]
    assert checklist({}) == always
    assert checklist({"residence_basis": "合法稳定就业"}) == ["申请表", "劳动合同", "居民身份证"]
    assert checklist({"residence_basis": "租赁住房"}) == ["申请表", "租赁合同", "居民身份证"]
    assert checklist({"residence_basis": "自有住房"}) == always
    assert checklist({"residence_basis": "自有住房", "languages": ["中文", "英文"]}) == [
        *always,
        "翻译件",
    ]
    licence = selectors.material_checklist(version=version, form_data={})[1]
    assert (licence.uploaded_by_applicant, licence.source_label) == (False, "电子证照获取")


def test_a_condition_is_stored_and_copied_into_the_next_draft(desk):
    version = _publish(desk)
    assert Material.objects.get(version=version, name="劳动合同").applies_if == LABOUR
    assert Material.objects.get(version=version, name="申请表").applies_if is None
    draft = services.version_draft(staff=desk.steward, item=version.item, reason="复制")
    assert draft.materials.get(name="租赁合同").applies_if == LEASE


@pytest.mark.parametrize(
    ("applies_if", "code", "message"),
    [
        (
            {"field": "employer", "in": ["是"]},
            "catalog.material.applies_if.field",
            "适用条件引用了申请表中不存在的字段“employer”。",
        ),
        (
            {"field": "residence_basis", "in": ["就业"]},
            "catalog.material.applies_if.value",
            "适用条件的取值“就业”不在字段“居住依据”的可选项中。",
        ),
        (
            {"field": "residence_basis", "in": []},
            "catalog.material.applies_if.shape",
            '适用条件应为 {"field": 表单字段名, "in": [取值, …]}，且至少有一个取值。',
        ),
        (
            {"field": "residence_basis", "equals": "租赁住房"},
            "catalog.material.applies_if.shape",
            '适用条件应为 {"field": 表单字段名, "in": [取值, …]}，且至少有一个取值。',
        ),
        (
            '{"field": "residence_basis",',
            "catalog.materials[1].applies_if.json",
            "不是合法的 JSON：Expecting property name enclosed in double quotes",
        ),
    ],
)
def test_a_bad_condition_is_refused_naming_the_material(desk, applies_if, code, message):
    materials = [{"name": "申请表"}, {"name": "劳动合同", "applies_if": applies_if}]
    with pytest.raises(InvalidInput) as err:
        desk.create(form_schema=copy.deepcopy(FORM), form_ui={}, materials=materials)
    assert err.value.code == code
    assert err.value.fields == {"materials[1].applies_if": message}
    assert Material.objects.count() == 0


def test_a_condition_needs_a_form(desk):
    with pytest.raises(InvalidInput) as err:
        desk.create(form_schema={}, form_ui={}, materials=[{"name": "合同", "applies_if": LEASE}])
    assert err.value.code == "catalog.material.applies_if.field"


def test_a_theme_checklist_is_the_union_of_its_members_by_name(desk):
    first = _publish(desk, 1, materials=MATERIALS[:3])
    second = _publish(
        desk,
        2,
        name="社保登记",
        materials=[
            {"name": "申请表", "required": False, "condition": "纸质办理的"},
            {"name": "租赁合同", "condition": "租赁住房的", "applies_if": LEASE},
            {"name": "社保卡照片"},
        ],
    )
    theme = services.theme_save(
        code="move-in",
        name="来沪居住",
        audience="person",
        members=[(first.item, "居住证"), (second.item, "社保")],
    )
    entries = selectors.theme_material_checklist(
        theme=theme, form_data={"residence_basis": "租赁住房"}
    )
    assert _names(entries) == ["申请表", "租赁合同", "社保卡照片"]
    form, lease, photo = entries
    assert form.required is True and form.parts == ("居住证", "社保")
    assert len(form.ids) == 2 and len(lease.ids) == 2 and lease.applies_if == LEASE
    assert photo.parts == ("社保",)
    assert _names(selectors.theme_material_checklist(theme=theme, form_data={})) == [
        "申请表",
        "社保卡照片",
    ]


def test_online_application_follows_the_online_depth(desk):
    online = _publish(desk, 1)
    counter_only = _publish(desk, 2, name="窗口事项", online_depth=["consult"], visits=1)
    assert online.applies_online and not counter_only.applies_online
    theme = services.theme_save(
        code="mixed",
        name="混合",
        audience="person",
        members=[(online.item, "一"), (counter_only.item, "二")],
    )
    assert selectors.theme_applies_online(selectors.theme_public("mixed")) is False
    assert theme.code == "mixed"
