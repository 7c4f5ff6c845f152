"""The data migration that marks the identifier and personal fields of existing forms."""

from importlib import import_module

from tongban.demo.catalog_seed import form_for

migration = import_module("tongban.catalog.migrations.0003_form_identifier_markers")


def _old(schema: dict) -> dict:
    """A form as published before the markers existed."""
    drop = {"format", "x-bind", "x-sensitive"}
    properties = {
        name: {k: v for k, v in prop.items() if k not in drop or v == "date"}
        for name, prop in schema["properties"].items()
    }
    return {**schema, "properties": properties}


def test_old_person_forms_get_the_seeds_markers_and_lose_them_on_reverse():
    schema, _ui = form_for("person", "spouse,bank")
    old = _old(schema)
    new = migration.marked(old, "person")
    props = new["properties"]
    assert props["id_number"]["format"] == "gb11643"
    assert props["id_number"]["x-bind"] == "applicant.id_number"
    assert props["mobile"]["x-bind"] == "applicant.mobile"
    assert props["applicant_name"]["x-bind"] == "applicant.name"
    assert props["spouse_id_number"]["format"] == "gb11643"
    assert "x-bind" not in props["spouse_id_number"]
    assert props["bank_account"]["x-sensitive"] is True
    assert props["bank_name"] == old["properties"]["bank_name"]
    assert migration.unmarked(new, "person") == old


def test_an_enterprise_forms_mobile_is_not_bound_to_the_account_holder():
    schema, _ui = form_for("enterprise", "")
    props = migration.marked(_old(schema), "enterprise")["properties"]
    assert props["uscc"]["format"] == "gb32100" and props["uscc"]["x-bind"] == "entity.uscc"
    assert props["mobile"]["format"] == "cn-mobile" and "x-bind" not in props["mobile"]


def test_a_field_with_an_identifier_widget_gets_its_format_whatever_its_name():
    schema = {"type": "object", "properties": {"holder_id": {"type": "string", "title": "证件号"}}}
    new = migration.marked(schema, "person", {"holder_id": {"widget": "id_number"}})
    holder = new["properties"]["holder_id"]
    assert holder == {"type": "string", "title": "证件号", "format": "gb11643"}
