"""The counter's services (一窗受理): the applicant is the person of the ID card the clerk
checked, also when the platform does not know them yet (a walk-in recorded from the card, who
claims the record by registering); the materials rule is the online one, decided by the
checklist for the answers; a scan is for a material of the case's own checklist."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests import factories
from tests.identity.test_services_registration import register
from tongban.cases import selectors, services
from tongban.cases.choices import CaseState as S
from tongban.cases.models import Case, CaseMaterial
from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.models import AuditEntry
from tongban.identity import services as identity_services
from tongban.identity.models import Person
from tongban.notify.models import Message

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db

ADDRESS = {"address": GOOD_FORM["address"]}  # the applicant's name comes from the lookup
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BASIS_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {
            "type": "string",
            "title": "申请人姓名",
            "minLength": 2,
            "x-bind": "applicant.name",
        },
        "address": {"type": "string", "title": "居住地址", "minLength": 4},
        "basis": {"type": "string", "title": "居住依据", "enum": ["自有住房", "租赁住房"]},
    },
    "required": ["applicant_name", "address", "basis"],
}
MATERIALS = [
    {"name": "身份证复印件", "form": "copy", "count": 1, "required": True},
    {
        "name": "租赁合同",
        "form": "original",
        "count": 1,
        "required": True,
        "condition": "租赁住房的",
        "applies_if": {"field": "basis", "in": ["租赁住房"]},
    },
]


def pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def intake(world, item, *, id_number=None, form_data=ADDRESS, scans=(), **applicant):
    return services.case_counter_intake(
        staff=world.clerk_b,
        item_id=item.pk,
        id_number=world.person.id_number if id_number is None else id_number,
        form_data=form_data,
        scans=scans,
        **applicant,
    )


# --- item 1: one applicant, from the lookup ---------------------------------------------------


def test_the_forms_applicant_fields_are_the_looked_up_persons(world):
    item = world.publish(citywide=True)
    with pytest.raises(InvalidInput) as other:
        intake(world, item, form_data={**GOOD_FORM, "applicant_name": "李四"})
    assert other.value.code == "case.form.applicant_mismatch"
    assert other.value.fields == {
        "form_data.applicant_name": "申请人姓名与申请人（或其代表的单位）不一致。"
    }
    case = intake(world, item)
    assert case.applicant == world.person and case.form_data == GOOD_FORM
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("lookup", "code"), [("", "id_number.length"), ("12345", "id_number.length")]
)
def test_a_lookup_that_is_no_valid_id_number_is_refused(world, lookup, code):
    item = world.publish(citywide=True)
    with pytest.raises(InvalidInput) as bad:
        intake(world, item, id_number=lookup)
    assert bad.value.code == code and set(bad.value.fields) == {"id_number"}
    assert not Case.objects.exists()


# --- item 2: the materials rule of online submission ------------------------------------------


def test_counter_intake_needs_every_material_the_answers_make_necessary(world):
    item = world.publish(citywide=True, form_schema=BASIS_FORM, materials=MATERIALS)
    copy_id, lease_id = (m.pk for m in item.published.materials.order_by("order", "pk"))
    own = {**ADDRESS, "basis": "自有住房"}
    with pytest.raises(InvalidInput) as none:
        intake(world, item, form_data=own)
    assert none.value.code == "case.materials_missing"
    assert none.value.message == "还缺少以下必需材料，请上传后再提交：身份证复印件。"
    leased = {**ADDRESS, "basis": "租赁住房"}
    with pytest.raises(InvalidInput) as lease:
        intake(world, item, form_data=leased, scans=[(copy_id, "身份证复印件", pdf())])
    assert lease.value.message == "还缺少以下必需材料，请上传后再提交：租赁合同。"
    assert not Case.objects.exists() and not CaseMaterial.objects.exists()
    case = intake(world, item, form_data=own, scans=[(copy_id, "身份证复印件", pdf())])
    assert case.state == S.PRE_REVIEW
    assert [m.catalog_material_id for m in case.materials.all()] == [copy_id]
    both = [(copy_id, "身份证复印件", pdf()), (lease_id, "租赁合同", pdf())]
    assert intake(world, item, form_data=leased, scans=both).state == S.PRE_REVIEW


# --- item 3: walk-ins without an account ------------------------------------------------------


def test_a_walk_in_unknown_to_the_platform_is_recorded_and_later_claims_the_record(world):
    item = world.publish(citywide=True)
    id_number, mobile = factories.id_number(birth="19881212"), factories.mobile()
    case = intake(world, item, id_number=id_number, name="王小二", mobile=mobile)
    person = case.applicant
    assert (person.name, person.id_number, person.mobile, person.account_id) == (
        "王小二",
        id_number,
        mobile,
        None,
    )
    recorded = AuditEntry.objects.get(action="identity.person.recorded")
    assert (recorded.actor_id, recorded.subject_person_id) == (world.clerk_b.account_id, person.pk)
    assert recorded.details == {"department": world.clerk_b.department.code, "channel": "counter"}
    assert Message.objects.filter(channel="sms").last().recipient == mobile
    # the person registers with the same number: the record becomes theirs, with their cases
    registered = register(mobile=mobile, id_number=id_number, name="王小二")
    assert registered.pk == person.pk and Person.objects.filter(name="王小二").count() == 1
    mine = selectors.cases_for_applicant(account=registered.account)
    assert [c.number for c in mine] == [case.number]


def test_a_walk_in_without_a_mobile_gets_no_message(world):
    item = world.publish(citywide=True)
    before = Message.objects.count()
    case = intake(world, item, id_number=factories.id_number(birth="19770707"), name="赵大")
    assert case.applicant.mobile == "" and Message.objects.count() == before


def test_a_walk_in_needs_a_name_and_valid_identifiers_and_nothing_is_kept(world):
    item = world.publish(citywide=True)
    id_number = factories.id_number(birth="19660606")
    with pytest.raises(InvalidInput) as unnamed:
        intake(world, item, id_number=id_number)
    assert unnamed.value.code == "case.counter.name_required"
    with pytest.raises(InvalidInput) as bad_mobile:
        intake(world, item, id_number=id_number, name="钱六", mobile="1234")
    assert set(bad_mobile.value.fields) == {"mobile"}
    with pytest.raises(InvalidInput) as bad_form:
        intake(world, item, id_number=id_number, name="钱六", form_data={})
    assert bad_form.value.code == "case.form_invalid"
    assert not Person.objects.filter(name="钱六").exists() and not Case.objects.exists()


def test_only_counter_clerks_record_walk_ins(world):
    for staff in (world.reviewer_a, world.steward, world.head_a):
        with pytest.raises(Forbidden) as refused:
            identity_services.person_record_walk_in(
                staff=staff, name="孙七", id_number=factories.id_number(birth="19550505")
            )
        assert refused.value.code == "staff.role"
    assert not Person.objects.filter(name="孙七").exists()


# --- item 4: a scan is for the case's own checklist -------------------------------------------


def test_a_scan_for_a_material_of_another_item_is_refused(world):
    item = world.publish(citywide=True, form_schema=BASIS_FORM, materials=MATERIALS)
    case = intake(world, world.publish(citywide=True))
    foreign = item.published.materials.first().pk
    with pytest.raises(InvalidInput) as refused:
        services.case_material_scan(
            staff=world.clerk_b,
            case_id=case.pk,
            name="身份证复印件",
            upload=pdf(),
            catalog_material_id=foreign,
        )
    assert refused.value.code == "case.material.unknown" and refused.value.status == 422
    assert refused.value.fields == {
        "catalog_material_id": "所选材料不在本办件的材料清单中，或无需申请人提交。"
    }
    assert not case.materials.exists()


def test_the_counter_numbers_a_case_at_intake(world):
    """A walk-in's case is submitted at the counter, so it is numbered there, in the region of
    its item's department, the first of the day."""
    item = world.publish(citywide=True)
    case = intake(world, item)
    region = item.department.region.code[:6]
    assert case.state == S.PRE_REVIEW
    assert case.number == f"{region}{timezone.localdate():%Y%m%d}000001"
    assert Case.objects.get(pk=case.pk).number == case.number
