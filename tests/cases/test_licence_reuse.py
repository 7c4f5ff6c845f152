"""免提交: a material an e-licence supplies is satisfied, at submission, by the applicant's (or the
applying entity's) valid licence — recorded with the case, no file — and not by an expired,
suspended or revoked one (the applicant is told why and uploads instead). The reviewer reads
the licence live, audit-logged for its holder; the uploads saved are summed per item and per
department for heads (their department) and platform admins (all)."""

import datetime as dt

import pytest
from django.test import Client

from tests.licences.conftest import FOOD, RESIDENCE, LicenceWorld
from tongban.cases import selectors, services
from tongban.cases.models import Case, CaseMaterial
from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.models import AuditEntry
from tongban.identity import services as identity_services
from tongban.licences import services as licence_services
from tongban.licences.models import Licence

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"
PERMIT = {"name": "居住证", "form": "original", "source": "licence", "licence_type_code": RESIDENCE}
FOOD_LICENCE = {
    "name": "食品经营许可证",
    "form": "original",
    "source": "licence",
    "licence_type_code": FOOD,
}


@pytest.fixture
def lw(make):
    world = LicenceWorld(make)
    world.permit_item = world.publish(name="居住证签注", materials=[PERMIT])
    world.food_item = world.publish(name="食品经营许可变更", materials=[FOOD_LICENCE])
    return world


def _material_id(item) -> int:
    return item.published.materials.get().pk


def _draft(lw, item):
    return services.case_create_draft(account=lw.account, item_id=item.pk, form_data=GOOD_FORM)


def _submit(lw, case):
    return services.case_submit(account=lw.account, case_id=case.pk)


def _client(account):
    client = Client()
    client.force_login(account)
    return client


def test_a_valid_licence_of_the_applicant_stands_for_the_material(lw):
    licence = lw.issue()
    case = _submit(lw, _draft(lw, lw.permit_item))
    (material,) = case.materials.all()
    assert (material.licence_id, material.trust_level, material.file.name, material.name) == (
        licence.pk,
        "A",
        "",
        "居住证",
    )
    assert material.catalog_material_id == _material_id(lw.permit_item)
    assert Case.objects.get(pk=case.pk).uploads_saved == 1
    assert case.state == "pre_review"
    entry = AuditEntry.objects.get(action="cases.case.material_licence")
    assert entry.details == {"name": "居住证", "licence": licence.identifier}
    assert case.events.filter(note="居住证（由电子证照自动提供）").count() == 1


def _expire(licence):
    Licence.objects.filter(pk=licence.pk).update(
        valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1)
    )


def _suspend(lw, licence):
    licence_services.licence_suspend(staff=lw.head_a, licence_id=licence.pk, reason="核查中")


def _revoke(lw, licence):
    licence_services.licence_revoke(
        staff=lw.head_a,
        licence_id=licence.pk,
        reason="以欺骗手段取得",
        legal_basis="《行政许可法》第六十九条",
    )


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda lw, licence: _expire(licence), "您的居住证已过有效期，请上传材料。"),
        (_suspend, "您的居住证已暂停使用，请上传材料。"),
        (_revoke, "您的居住证已被撤销，请上传材料。"),
    ],
)
def test_an_unusable_licence_is_not_used_and_the_applicant_is_told_why(lw, spoil, message):
    spoil(lw, lw.issue())
    case = _draft(lw, lw.permit_item)
    with pytest.raises(InvalidInput) as refused:
        _submit(lw, case)
    material_id = _material_id(lw.permit_item)
    assert (refused.value.code, refused.value.message) == ("case.materials_missing", message)
    assert refused.value.fields == {
        "materials": "还缺少以下必需材料，请上传后再提交：居住证。",
        f"materials.{material_id}": message,
    }
    assert Case.objects.get(pk=case.pk).state == "draft"
    assert not CaseMaterial.objects.exists()
    assert not AuditEntry.objects.filter(action="cases.case.material_licence").exists()


def test_the_applicant_uploads_instead_of_an_unusable_licence(lw, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bench.cases_prepare import PDF

    settings.MEDIA_ROOT = tmp_path
    _suspend(lw, lw.issue())
    case = _draft(lw, lw.permit_item)
    services.case_material_add(
        account=lw.account,
        case_id=case.pk,
        name="居住证",
        upload=SimpleUploadedFile("permit.pdf", PDF, "application/pdf"),
        catalog_material_id=_material_id(lw.permit_item),
    )
    case = _submit(lw, case)
    assert [(m.trust_level, m.licence_id) for m in case.materials.all()] == [("C", None)]
    assert Case.objects.get(pk=case.pk).uploads_saved == 0


def test_the_apply_page_reuse_says_the_same_before_submission(lw):
    entries = selectors.material_entries(item_version=lw.permit_item.published)
    assert selectors.licence_reuse_for_applicant(account=lw.account, entries=entries) == {}
    licence = lw.issue()
    (offered,) = selectors.licence_reuse_for_applicant(account=lw.account, entries=entries).values()
    assert (offered.licence, offered.refusal) == (licence, "")
    _suspend(lw, licence)
    (offered,) = selectors.licence_reuse_for_applicant(account=lw.account, entries=entries).values()
    assert (offered.licence, offered.refusal) == (None, "您的居住证已暂停使用，请上传材料。")


def test_no_licence_on_record_leaves_the_material_to_the_department(lw):
    case = _submit(lw, _draft(lw, lw.permit_item))
    assert list(case.materials.all()) == []
    assert Case.objects.get(pk=case.pk).uploads_saved == 0


def test_the_entity_licence_stands_for_an_entity_case(lw):
    identity_services.acting_entity_choose(account=lw.account, entity=lw.entity)
    food = licence_services.licence_issue(
        staff=lw.reviewer_a,
        type_code=FOOD,
        holder_code=lw.entity.uscc,
        data={"business_address": "浦东新区张江路1号"},
    )
    lw.issue()  # the person's 居住证 is no 食品经营许可证
    case = _submit(lw, _draft(lw, lw.food_item))
    assert case.entity == lw.entity
    assert [m.licence_id for m in case.materials.all()] == [food.pk]


def test_another_persons_licence_is_never_used(lw):
    licence_services.licence_issue(
        staff=lw.reviewer_a,
        type_code=RESIDENCE,
        holder_code=lw.other.id_number,
        data={"address": "浦东新区世纪大道2号"},
    )
    case = _submit(lw, _draft(lw, lw.permit_item))
    assert list(case.materials.all()) == []


def test_the_counter_uses_the_walk_in_applicants_licence(lw):
    licence = lw.issue()
    case = services.case_counter_create(
        staff=lw.clerk_a,
        item_id=lw.permit_item.pk,
        id_number=lw.person.id_number,
        form_data={"address": "浦东新区世纪大道1号"},
    )
    assert [m.licence_id for m in case.materials.all()] == [licence.pk]
    assert Case.objects.get(pk=case.pk).uploads_saved == 1


# --- the reviewer ----------------------------------------------------------------------------


def test_the_reviewer_reads_the_licence_live_and_the_read_is_audited(lw):
    licence = lw.issue()
    case = _submit(lw, _draft(lw, lw.permit_item))
    material = case.materials.get()
    client = _client(lw.clerk_a.account)
    body = client.get(f"{API}/staff/cases/{case.pk}").json()
    assert body["licences"] == [
        {
            "material_id": material.pk,
            "identifier": licence.identifier,
            "type_name": "居住证",
            "holder_name": "张三",
            "holder_code": licence.holder_code_masked,
            "data": {
                "name": "张三",
                "id_number": licence.holder_code_masked,
                "address": "浦东新区世纪大道1号",
            },
            "valid_from": licence.valid_from.isoformat(),
            "valid_until": licence.valid_until.isoformat(),
            "status": "valid",
            "status_label": "有效",
        }
    ]
    entry = AuditEntry.objects.get(action="cases.material.licence_staff_read")
    assert (entry.actor_id, entry.subject_person_id) == (lw.clerk_a.account_id, lw.person.pk)
    assert entry.details["identifier"] == licence.identifier

    _suspend(lw, licence)  # after submission: the reviewer sees it as it is now
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert licence.identifier in page
    assert '<dd data-testid="licence-status" class="error">暂停使用</dd>' in page
    assert AuditEntry.objects.filter(action="cases.material.licence_staff_read").count() == 2


def test_the_licence_of_a_case_of_another_department_is_not_shown(lw):
    lw.issue()
    case = _submit(lw, _draft(lw, lw.permit_item))
    response = _client(lw.reviewer_b.account).get(f"{API}/staff/cases/{case.pk}")
    assert response.status_code == 403
    page = _client(lw.reviewer_b.account).get(f"/workbench/cases/{case.pk}/")
    assert page.status_code == 403
    assert not AuditEntry.objects.filter(action="cases.material.licence_staff_read").exists()


def test_a_case_without_licences_reads_none(lw):
    case = lw.submitted()
    body = _client(lw.clerk_a.account).get(f"{API}/staff/cases/{case.pk}").json()
    assert body["licences"] == []
    assert not AuditEntry.objects.filter(action="cases.material.licence_staff_read").exists()


# --- the report ------------------------------------------------------------------------------


def _report_world(lw):
    lw.issue()
    for _n in range(2):
        _submit(lw, _draft(lw, lw.permit_item))
    lw.submitted()  # nothing saved: not counted
    other_item = lw.publish(department=lw.dept_b, name="乙局签注", materials=[PERMIT])
    _submit(lw, _draft(lw, other_item))


def test_a_head_sees_the_uploads_saved_in_their_department(lw):
    _report_world(lw)
    report = selectors.uploads_saved_report(staff=lw.head_a)
    assert report == {
        "items": [{"title": "居住证签注", "department": "甲局", "cases": 2, "saved": 2}],
        "departments": [{"department": "甲局", "cases": 2, "saved": 2}],
        "total": 2,
    }
    body = _client(lw.head_a.account).get(f"{API}/staff/reports/uploads-saved").json()
    assert body == report
    page = _client(lw.head_a.account).get("/workbench/cases/uploads-saved/").content.decode()
    assert "电子证照和前序办件共代替申请人上传 2 份材料。" in page
    assert "乙局签注" not in page


def test_a_platform_admin_sees_every_department(lw):
    _report_world(lw)
    report = selectors.uploads_saved_report(staff=lw.admin)
    assert report["departments"] == [
        {"department": "甲局", "cases": 2, "saved": 2},
        {"department": "乙局", "cases": 1, "saved": 1},
    ]
    assert report["total"] == 3


def test_a_head_of_another_department_sees_none_of_it(lw, make):
    _report_world(lw)
    head_c = make.staff(
        department=make.department(code="dept-c", name="丙局"), roles=("department_head",)
    )
    assert selectors.uploads_saved_report(staff=head_c) == {
        "items": [],
        "departments": [],
        "total": 0,
    }


def test_other_roles_are_refused_the_report(lw):
    with pytest.raises(Forbidden):
        selectors.uploads_saved_report(staff=lw.reviewer_a)
    client = _client(lw.reviewer_a.account)
    response = client.get(f"{API}/staff/reports/uploads-saved")
    assert response.status_code == 403
    assert client.get("/workbench/cases/uploads-saved/").status_code == 403
    assert _client(lw.account).get(f"{API}/staff/reports/uploads-saved").status_code == 403


# --- the applicant's pages -------------------------------------------------------------------


def test_the_apply_and_case_pages_show_the_licence_or_why_not(lw):
    licence = lw.issue()
    client = _client(lw.account)
    page = client.get(f"/apply/items/{lw.permit_item.pk}/").content.decode()
    assert '<p class="exempt reused" data-testid="reused">由电子证照自动提供</p>' in page
    assert 'name="material-' not in page  # no upload asked
    case = _submit(lw, _draft(lw, lw.permit_item))
    page = client.get(f"/me/cases/{case.pk}/").content.decode()
    assert '<p class="exempt reused" data-testid="reused">由电子证照自动提供</p>' in page

    _suspend(lw, licence)
    page = client.get(f"/apply/items/{lw.permit_item.pk}/").content.decode()
    assert "您的居住证已暂停使用，请上传材料。" in page
    assert f'name="material-{_material_id(lw.permit_item)}"' in page


def test_an_apply_with_a_licence_material_stays_within_its_statements(lw, settings):
    """The API's apply of an item whose one material is an e-licence the applicant holds, warm as
    test_statement_counts counts: 14 (the bound is 25). Of them 2 are 免提交's: the holder's
    licences of every type the materials name (``licences_for_types``, one query) and the
    licence material's INSERT; no file is stored (the item with one upload runs 13)."""
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.TONGBAN_SEARCH_VERSION_TTL = 3600
    settings.TONGBAN_CALENDAR_TTL = 3600
    lw.issue()
    client = _client(lw.account)
    body = {"item_id": str(lw.permit_item.pk), "form_data": json.dumps(GOOD_FORM)}
    assert client.post(f"{API}/apply", body).status_code == 201  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"{API}/apply", body)
    assert response.status_code == 201, response.content
    assert Case.objects.get(pk=response.json()["id"]).uploads_saved == 1
    assert len(queries.captured_queries) == 14
