"""数据共享获取: at submission, a material the catalog maps to an exchange resource is read by the
item's department under its live grant — an exchange call the applicant sees in 数据使用记录 —
and recorded with where it came from; with no live grant (never asked, revoked) or no record
the applicant uploads it, told why. The apply page says beforehand what will be read; the
reviewer sees the provenance on the case page (the wrong department and role still refused)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.timezone import localtime

from tests.portal.case_fixtures import LABOUR, PDF, PHOTO
from tongban.cases import selectors, services
from tongban.cases.models import Case, CaseMaterial
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEntry
from tongban.exchange import selectors as exchange_selectors
from tongban.exchange import services as exchange_services
from tongban.exchange import supply
from tongban.exchange.models import ExchangeCall

from .data_supply_world import (
    FORM,
    HUKOU,
    RESOURCE_CODE,
    RESOURCE_NAME,
    SupplyWorld,
)

pytestmark = pytest.mark.django_db


def _pdf(name="a.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _draft(world):
    case = services.case_create_draft(
        account=world.person.account, item_id=world.item.pk, form_data=FORM
    )
    version = world.item.published
    for name in (PHOTO, LABOUR):
        services.case_material_add(
            account=world.person.account,
            case_id=case.pk,
            name=name,
            upload=_pdf(),
            catalog_material_id=version.materials.get(name=name).pk,
        )
    return case


def _submit(world, case):
    return services.case_submit(account=world.person.account, case_id=case.pk)


def test_the_material_is_read_at_submission_with_its_provenance_and_the_person_sees_the_read(make):
    world = SupplyWorld(make)
    case = _submit(world, _draft(world))
    assert case.state == "pre_review"
    material = CaseMaterial.objects.get(case=case, name=HUKOU)
    call = ExchangeCall.objects.get()
    assert (material.trust_level, material.file.name, material.catalog_material_id) == (
        "A",
        "",
        world.hukou_id(),
    )
    assert material.supplied == {
        "resource": RESOURCE_CODE,
        "resource_name": RESOURCE_NAME,
        "provider": "上海市公安局",
        "receipt_id": str(call.receipt_id),
        "updated_at": material.supplied["updated_at"],
        "fields": ["id_number", "name", "gender", "hukou_address"],
        "labels": ["公民身份号码", "姓名", "性别", "户籍地址"],
    }
    assert material.supplied["updated_at"] == localtime(world.person_record_updated()).isoformat()
    assert json.loads(material.supplied_data) == {
        "id_number": world.person.id_number,
        "name": "王小明",
        "gender": world.person_record().fields["gender"],
        "hukou_address": None,
    }
    # the call: the item's department, under its grant, for the item's name, the person its subject
    assert (call.consumer, call.client, call.grant, call.resource) == (
        world.police,
        None,
        world.grant,
        world.resource,
    )
    assert (call.purpose, call.result, call.subject_person_id) == (
        "居住证办理",
        "answered",
        world.person.pk,
    )
    assert call.fields == ["id_number", "name", "gender", "hukou_address"]
    assert call.receipt.count(".") == 2
    entry = AuditEntry.objects.get(action="exchange.query")
    assert (entry.subject_person_id, entry.details["consumer"], entry.details["purpose"]) == (
        world.person.pk,
        world.police.code,
        "居住证办理",
    )
    audit = AuditEntry.objects.get(action="cases.case.material_data")
    assert audit.details == {
        "name": HUKOU,
        "resource": RESOURCE_CODE,
        "receipt": str(call.receipt_id),
    }
    assert Case.objects.get(pk=case.pk).uploads_saved == 1
    assert case.events.filter(note=f"{HUKOU}（由上海市公安局通过数据共享提供）").count() == 1
    (use,) = exchange_selectors.data_use_for_person(person=world.person)
    assert (use.department, use.resource, use.purpose) == (
        "浦东公安分局",
        RESOURCE_NAME,
        "居住证办理",
    )
    assert use.fields == ["公民身份号码", "姓名", "性别", "户籍地址"]


def _refused(world):
    with pytest.raises(InvalidInput) as refused:
        _submit(world, _draft(world))
    return refused.value


def test_without_a_grant_the_material_is_asked_for_as_an_upload_and_nothing_is_read(make):
    world = SupplyWorld(make, granted=False)
    refusal = _refused(world)
    assert refusal.code == "case.materials_missing"
    reason = "办理部门暂无“人口户籍信息”的有效共享授权，请上传材料。"
    assert refusal.fields[f"materials.{world.hukou_id()}"] == reason
    assert ExchangeCall.objects.count() == 0
    assert Case.objects.get().state == "draft"
    # the applicant uploads it instead, and the submission goes through
    case = Case.objects.get()
    services.case_material_add(
        account=world.person.account,
        case_id=case.pk,
        name=HUKOU,
        upload=_pdf("hukou.pdf"),
        catalog_material_id=world.hukou_id(),
    )
    case = _submit(world, case)
    assert case.state == "pre_review"
    uploaded = CaseMaterial.objects.get(case=case, name=HUKOU)
    assert (uploaded.trust_level, uploaded.supplied, uploaded.original_name) == (
        "C",
        None,
        "hukou.pdf",
    )
    assert ExchangeCall.objects.count() == 0


def test_a_revoked_grant_reads_nothing(make):
    world = SupplyWorld(make)
    exchange_services.grant_revoke(
        staff=world.steward, grant_id=world.grant.pk, reason="用途已变更"
    )
    refusal = _refused(world)
    assert refusal.fields[f"materials.{world.hukou_id()}"] == (
        "办理部门暂无“人口户籍信息”的有效共享授权，请上传材料。"
    )
    assert ExchangeCall.objects.count() == 0


def test_a_person_the_registry_does_not_hold_uploads_it(make):
    world = SupplyWorld(make, resident=False)
    refusal = _refused(world)
    assert refusal.fields[f"materials.{world.hukou_id()}"] == (
        "上海市公安局的数据中没有您的记录，请上传材料。"
    )
    assert ExchangeCall.objects.count() == 0


def test_a_code_no_resource_carries_is_asked_for(make):
    world = SupplyWorld(make)
    offers = supply.supply_offers(
        consumer=world.police, codes=["DR-310000-TAX-001"], person_id_number=world.person.id_number
    )
    assert offers["DR-310000-TAX-001"].reason == "暂未通过数据共享提供，请上传材料。"


def test_another_department_under_no_grant_of_its_own_reads_nothing(make):
    world = SupplyWorld(make)
    offers = supply.supply_offers(
        consumer=world.amr, codes=["DR-310000-POLICE-001"], person_id_number=world.person.id_number
    )
    assert not offers["DR-310000-POLICE-001"].available


def test_the_apply_page_says_what_will_be_read_before_it_is(make):
    world = SupplyWorld(make)
    client = Client()
    client.force_login(world.person.account)
    page = client.get(f"/apply/items/{world.item.pk}/").content.decode()
    assert "将从上海市公安局通过数据共享获取，无需提交" in page
    assert "读取“人口户籍信息”的字段：公民身份号码、姓名、性别、户籍地址" in page
    assert f'name="material-{world.hukou_id()}"' not in page
    assert ExchangeCall.objects.count() == 0


def test_the_apply_page_asks_for_the_upload_when_no_grant_is_live(make):
    world = SupplyWorld(make, granted=False)
    client = Client()
    client.force_login(world.person.account)
    page = client.get(f"/apply/items/{world.item.pk}/").content.decode()
    assert "办理部门暂无“人口户籍信息”的有效共享授权，请上传材料。" in page
    assert f'name="material-{world.hukou_id()}"' in page


def test_the_reviewer_sees_the_provenance_and_other_departments_and_roles_are_refused(make):
    world = SupplyWorld(make)
    case = _submit(world, _draft(world))
    receipt = str(ExchangeCall.objects.get().receipt_id)
    client = Client()
    client.force_login(world.reviewer.account)
    page = client.get(f"/workbench/cases/{case.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "由上海市公安局通过数据共享提供（人口户籍信息）" in text
    assert f"回执 {receipt}" in text
    assert "字段：公民身份号码、姓名、性别、户籍地址" in text
    api = client.get(f"/api/v1/cases/staff/cases/{case.pk}")
    (supplied,) = [m["supplied"] for m in api.json()["materials"] if m["supplied"]]
    assert (supplied["receipt_id"], supplied["provider"]) == (receipt, "上海市公安局")
    # another department's reviewer, and a role that reads no cases
    outsider = make.staff(department=world.amr, roles=("reviewer",))
    steward = make.staff(department=world.police, roles=("data_steward",))
    for staff in (outsider, steward):
        other = Client()
        other.force_login(staff.account)
        assert other.get(f"/workbench/cases/{case.pk}/").status_code in (403, 404)
        assert other.get(f"/api/v1/cases/staff/cases/{case.pk}").status_code in (403, 404)


def test_the_checklist_after_submission_shows_the_read_as_done(make):
    world = SupplyWorld(make)
    case = _submit(world, _draft(world))
    (row,) = [r for r in selectors.case_checklist(case=case) if r["entry"].name == HUKOU]
    assert (row["missing"], row["supplied"]["provider"], row["uploads"]) == (
        False,
        "上海市公安局",
        [],
    )
