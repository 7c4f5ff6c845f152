"""What a new application form is answered with in advance (the applicant's own record and the
enterprise they act for), and which members of a theme make up its cases."""

import pytest

from tongban.cases import selectors
from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.models import ServiceItem
from tongban.identity import services as identity_services

pytestmark = pytest.mark.django_db

PERSON_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string"},
        "id_number": {"type": "string"},
        "mobile": {"type": "string"},
        "address": {"type": "string"},
    },
}
ENTERPRISE_FORM = {
    "type": "object",
    "properties": {
        "entity_name": {"type": "string"},
        "uscc": {"type": "string"},
        "contact_name": {"type": "string"},
        "mobile": {"type": "string"},
    },
}


@pytest.fixture
def wang(make):
    return make.person(name="王小明", id_number="11010519491231002X", mobile="13912345678")


def test_a_person_form_is_answered_from_the_persons_record(wang):
    assert selectors.form_prefill(account=wang.account, schema=PERSON_FORM).answers == {
        "applicant_name": "王小明",
        "id_number": "11010519491231002X",
        "mobile": "13912345678",
    }


def test_enterprise_fields_stay_empty_while_acting_for_nobody(wang):
    assert selectors.form_prefill(account=wang.account, schema=ENTERPRISE_FORM).answers == {
        "mobile": "13912345678"
    }


def test_an_enterprise_form_is_answered_from_the_enterprise_acted_for(wang):
    company = identity_services.entity_register(
        uscc="91350100M000100Y43",
        name="福州测试科技有限公司",
        kind="enterprise",
        legal_representative=wang,
    )
    identity_services.acting_entity_choose(account=wang.account, entity=company)
    assert selectors.form_prefill(account=wang.account, schema=ENTERPRISE_FORM).answers == {
        "entity_name": "福州测试科技有限公司",
        "uscc": "91350100M000100Y43",
        "contact_name": "王小明",
        "mobile": "13912345678",
    }


def test_a_form_without_known_fields_and_a_staff_account_get_nothing(world, wang):
    schema = {"type": "object", "properties": {"address": {"type": "string"}}}
    assert selectors.form_prefill(account=wang.account, schema=schema) == selectors.Prefill({}, {})
    staff = selectors.form_prefill(account=world.clerk_a.account, schema=PERSON_FORM)
    assert staff == selectors.Prefill({}, {})


def test_a_themes_members_without_a_published_version_are_not_its_parts(world):
    theme = world.theme()
    item_b = theme.members.get(part="乙部分").item
    members = catalog_selectors.theme_members_published(catalog_selectors.theme_public("kaiban"))
    assert [(m.part, m.item.department.name) for m in members] == [
        ("甲部分", "甲局"),
        ("乙部分", "乙局"),
    ]
    ServiceItem.objects.filter(pk=item_b.pk).update(published=None)
    members = catalog_selectors.theme_members_published(catalog_selectors.theme_public("kaiban"))
    assert [(m.part, m.item.department.name) for m in members] == [("甲部分", "甲局")]
