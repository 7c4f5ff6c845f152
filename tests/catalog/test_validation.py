"""Bad input to the catalog: each refused with a precise code and field, nothing saved."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tongban.catalog import services, validators
from tongban.catalog.models import ServiceItem, ServiceItemVersion
from tongban.core.errors import Conflict, InvalidInput

from .conftest import uscc_for


def code_of(call) -> tuple[str, dict]:
    with pytest.raises((InvalidInput, Conflict)) as caught:
        call()
    return caught.value.code, caught.value.fields


def test_basic_code_is_twelve_uppercase_alphanumerics():
    assert validators.validate_basic_code(" 000105001000 ") == "000105001000"
    assert (
        code_of(lambda: validators.validate_basic_code("00010500100"))[0]
        == "catalog.basic_code.format"
    )


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("short", "catalog.implementation_code.length"),
        (uscc_for(1)[:-1] + "0" + "0" + "070000000001", "catalog.implementation_code.uscc"),
        (uscc_for(1) + "0" + "070000000002", "catalog.implementation_code.basic_code"),
        (uscc_for(1) + "-" + "070000000001", "catalog.implementation_code.format"),
    ],
)
def test_implementation_code_structure(code, error):
    got, fields = code_of(
        lambda: validators.validate_implementation_code(
            code, basic_code="070000000001", department_uscc=None
        )
    )
    assert got == error and "implementation_code" in fields


def test_implementation_code_must_start_with_the_departments_uscc_when_known():
    code = uscc_for(1) + "0070000000001"
    assert validators.validate_implementation_code(
        code, basic_code="070000000001", department_uscc=None
    )
    got, _ = code_of(
        lambda: validators.validate_implementation_code(
            code, basic_code="070000000001", department_uscc=uscc_for(2)
        )
    )
    assert got == "catalog.implementation_code.department"


@pytest.mark.django_db
def test_unknown_department_is_refused(desk, content):
    basic, implementation = desk.codes()
    got, fields = code_of(
        lambda: services.item_create(
            staff=desk.admin,
            department="no-such-dept",
            basic_code=basic,
            implementation_code=implementation,
            content=content(),
            reason="新增",
        )
    )
    assert got == "catalog.department.unknown" and "department" in fields
    assert not ServiceItem.objects.exists()


@pytest.mark.django_db
def test_duplicate_implementation_code_is_refused(desk, content):
    desk.create(1)
    with pytest.raises(Conflict) as caught:
        desk.create(1, name="另一个事项")
    assert caught.value.code == "catalog.implementation_code.duplicate"
    assert ServiceItem.objects.count() == 1 and ServiceItemVersion.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("legal", "promised", "error", "field"),
    [
        (0, 0, "catalog.limit.legal", "legal_limit_days"),
        (-3, 1, "catalog.limit.legal", "legal_limit_days"),
        (10, 0, "catalog.limit.promised", "promised_limit_days"),
        (10, 11, "catalog.limit.promised_exceeds_legal", "promised_limit_days"),
    ],
)
def test_time_limits(desk, legal, promised, error, field):
    got, fields = code_of(lambda: desk.create(legal_limit_days=legal, promised_limit_days=promised))
    assert got == error and field in fields
    assert not ServiceItem.objects.exists()


@pytest.mark.django_db
def test_database_refuses_promised_beyond_legal_even_without_services(desk):
    version = desk.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItemVersion.objects.filter(pk=version.pk).update(promised_limit_days=30)
    version.promised_limit_days, version.legal_limit_days = 5, 4
    with pytest.raises(ValidationError) as caught:
        version.full_clean()
    assert "promised_limit_days" in caught.value.message_dict


@pytest.mark.django_db
def test_fully_online_requires_zero_visits(desk):
    got, fields = code_of(lambda: desk.create(visits=1))
    assert got == "catalog.online_depth.fully_online_visits" and "online_depth" in fields


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("schema", "error"),
    [
        ({"type": "object", "properties": {"a": {"type": "strng"}}}, "catalog.form_schema.invalid"),
        ({"type": "object", "properties": {"a": {"minLength": -1}}}, "catalog.form_schema.invalid"),
        ({"type": "array", "items": {}}, "catalog.form_schema.object"),
        ({"type": "object", "properties": {}, "required": ["x"]}, "catalog.form_schema.required"),
        ("{not json", "catalog.form_schema.json"),
        (
            {"type": "object", "properties": {"a": {"type": "string", "x-bind": "spouse.name"}}},
            "catalog.form_schema.bind",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "integer", "format": "gb11643"}}},
            "catalog.form_schema.format_type",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "x-sensitive": "yes"}}},
            "catalog.form_schema.sensitive",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "x-source": "population"}}},
            "catalog.form_schema.source",
        ),
        (
            {"type": "object", "properties": {"a": {"x-source": "population.salary"}}},
            "catalog.form_schema.source",
        ),
        (
            {"type": "object", "properties": {"a": {"x-source": "places.address"}}},
            "catalog.form_schema.source",
        ),
    ],
)
def test_malformed_json_schema(desk, schema, error):
    got, fields = code_of(lambda: desk.create(form_schema=schema, form_ui={}))
    assert got == error and "form_schema" in fields
    assert not ServiceItem.objects.exists()


@pytest.mark.django_db
def test_a_field_may_be_prefilled_from_a_registry_field(desk):
    schema = {
        "type": "object",
        "properties": {"address": {"type": "string", "x-source": "population.residence_address"}},
    }
    version = desk.create(form_schema=schema, form_ui={})
    assert version.form_schema["properties"]["address"]["x-source"] == (
        "population.residence_address"
    )


@pytest.mark.django_db
def test_ui_hints_must_name_form_fields(desk):
    got, _ = code_of(lambda: desk.create(form_ui={"nope": {"widget": "text"}}))
    assert got == "catalog.form_ui.unknown_field"


@pytest.mark.django_db
def test_material_pointing_at_a_non_existent_licence_type(desk, content):
    materials = [
        {"name": "某证", "source": "licence", "licence_type_code": "11100000000013127D999"}
    ]
    got, fields = code_of(lambda: desk.create(materials=materials))
    assert got == "catalog.material.licence_type_unknown"
    assert "materials[0].licence_type_code" in fields
    bad_format = [{"name": "某证", "source": "licence", "licence_type_code": "营业执照"}]
    assert (
        code_of(lambda: desk.create(materials=bad_format))[0]
        == "catalog.material.licence_type_format"
    )
    assert not ServiceItem.objects.exists()


@pytest.mark.django_db
def test_conditional_material_needs_its_condition(desk):
    got, fields = code_of(lambda: desk.create(materials=[{"name": "证明", "required": False}]))
    assert got == "catalog.material.condition" and "materials[0].condition" in fields


@pytest.mark.django_db
def test_unknown_choices_are_refused(desk):
    assert code_of(lambda: desk.create(item_type="11"))[0] == "catalog.item_type.unknown"
    assert (
        code_of(lambda: desk.create(online_depth=["teleport"]))[0] == "catalog.online_depth.unknown"
    )
    assert code_of(lambda: desk.create(audience="aliens"))[0] == "catalog.audience.unknown"
