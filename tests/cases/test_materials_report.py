"""免提交率: the published catalog's materials by source and the submitted cases' materials by
route (upload, e-licence, data sharing, an earlier case), per department and overall, for a
department head (their department) and a platform admin (all); other roles refused."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from tests.licences.conftest import RESIDENCE, LicenceWorld
from tests.registries.city import registry_city, registry_resident
from tests.workbench.conftest import PDF
from tongban.cases import selectors, services
from tongban.core.errors import Forbidden
from tongban.exchange import services as exchange_services
from tongban.identity import selectors as identity_selectors

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db
PAGE = "/workbench/reports/materials/"
ID_PROOF = {"name": "身份证明", "form": "original", "count": 1, "required": True}
PERMIT = {"name": "居住证", "form": "original", "source": "licence", "licence_type_code": RESIDENCE}
HOUSEHOLD = {
    "name": "户籍证明",
    "form": "original",
    "source": "data_resource",
    "data_resource_code": "DR-310000-POLICE-001",  # the resource dr-310000-police-001
}
PREFILLED_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {
            "type": "string",
            "title": "申请人姓名",
            "minLength": 2,
            "x-bind": "applicant.name",
        },
        "address": {
            "type": "string",
            "title": "居住地址",
            "minLength": 4,
            "x-source": "population.residence_address",
        },
    },
    "required": ["applicant_name", "address"],
}


class ReportWorld(LicenceWorld):
    """甲局: the world's item (1 applicant material) and 签注 (身份证明, 居住证 by e-licence,
    户籍证明 by data sharing — the police's resource, granted to 甲局 —, its address
    prefilled); 乙局: 乙局签注 (居住证 by e-licence)."""

    def __init__(self, make):
        super().__init__(make)
        registry_city()
        registry_resident(self.person)
        police = identity_selectors.department_by_code("sh-police")
        self.police_steward = make.staff(department=police, roles=("data_steward",))
        self.resource = exchange_services.resource_publish(
            staff=self.police_steward,
            code="dr-310000-police-001",
            name="人口户籍信息",
            dataset="population",
            fields=["id_number", "name", "hukou_address"],
            sharing="conditional",
            update_frequency="daily",
            legal_basis="《居住证暂行条例》",
            access_methods=["query"],
        )
        asked = exchange_services.grant_request(
            staff=self.head_a,
            resource_id=self.resource.pk,
            fields=["id_number", "name", "hukou_address"],
            purpose="居住证签注",
            legal_basis="《居住证暂行条例》",
        )
        self.grant = exchange_services.grant_approve(
            staff=self.police_steward, grant_id=asked.pk, fields=["name"], days=30
        )
        self.endorse = self.publish(
            name="居住证签注", materials=[ID_PROOF, PERMIT, HOUSEHOLD], form_schema=PREFILLED_FORM
        )
        self.item_b = self.publish(department=self.dept_b, name="乙局签注", materials=[PERMIT])

    def endorse_case(self, *, upload: bool):
        draft = services.case_create_draft(
            account=self.account, item_id=self.endorse.pk, form_data=GOOD_FORM
        )
        if upload:
            proof = self.endorse.published.materials.get(name="身份证明")
            services.case_material_add(
                account=self.account,
                case_id=draft.pk,
                name="身份证明",
                upload=SimpleUploadedFile("sfz.pdf", PDF, content_type="application/pdf"),
                catalog_material_id=proof.pk,
            )
        return services.case_submit(account=self.account, case_id=draft.pk)


@pytest.fixture
def rw(make, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = ReportWorld(make)
    world.issue()
    first = world.endorse_case(upload=True)  # 身份证明 uploaded, 居住证 by licence, 户籍 by data
    services.case_pre_review_accept(staff=world.clerk_a, case_id=first.pk)
    services.case_review_start(staff=world.clerk_a, case_id=first.pk)
    services.case_decide(staff=world.reviewer_a, case_id=first.pk, decision="approved")
    world.endorse_case(upload=False)  # 身份证明 from the first case
    services.case_create_draft(account=world.account, item_id=world.item_b.pk, form_data={})
    return world


def _client(account):
    client = Client()
    client.force_login(account)
    return client


DEPT_A = {
    "department": "甲局",
    "catalog": {
        "materials": 4,
        "applicant": 2,
        "licence": 1,
        "data": 1,
        "data_unmapped": 0,
        "prefilled_fields": 1,
        "rate": Decimal("50.0"),
    },
    "cases": {
        "cases": 2,
        "uploads": 1,
        "licence": 2,
        "earlier": 1,
        "data": 2,
        "supplied": 6,
        "spared": 5,
        "rate": Decimal("83.3"),
        "licence_rate": Decimal("33.3"),
        "data_rate": Decimal("33.3"),
        "earlier_rate": Decimal("16.7"),
    },
}


def test_a_head_sees_their_departments_rates(rw):
    report = selectors.materials_eliminated_report(staff=rw.head_a)
    assert report["departments"] == [DEPT_A]
    assert report["overall"] == {**DEPT_A, "department": "全部"}
    page = _client(rw.head_a.account).get(PAGE).content.decode()
    assert "事项目录：4 项申请材料中 2 项无需申请人提交，免提交率 50.0%。" in page
    assert "已提交的 2 件办件共用到 6 份材料，其中 5 份无需上传，免提交率 83.3%。" in page
    assert "乙局" not in page


def test_a_platform_admin_sees_every_department(rw):
    report = selectors.materials_eliminated_report(staff=rw.admin)
    assert [r["department"] for r in report["departments"]] == ["甲局", "乙局"]
    dept_b = report["departments"][1]
    assert dept_b["catalog"] == {
        "materials": 1,
        "applicant": 0,
        "licence": 1,
        "data": 0,
        "data_unmapped": 0,
        "prefilled_fields": 0,
        "rate": Decimal("100.0"),
    }
    assert dept_b["cases"]["cases"] == 0  # the draft is not counted
    overall = report["overall"]
    assert (overall["catalog"]["materials"], overall["catalog"]["rate"]) == (5, Decimal("60.0"))
    assert (overall["cases"]["supplied"], overall["cases"]["rate"]) == (6, Decimal("83.3"))


def test_a_material_whose_grant_is_revoked_counts_as_the_applicants(rw):
    exchange_services.grant_revoke(staff=rw.police_steward, grant_id=rw.grant.pk, reason="停止")
    report = selectors.materials_eliminated_report(staff=rw.head_a)
    (dept_a,) = report["departments"]
    assert {k: dept_a["catalog"][k] for k in ("applicant", "data", "data_unmapped", "rate")} == {
        "applicant": 3,
        "data": 0,
        "data_unmapped": 1,
        "rate": Decimal("25.0"),
    }
    # the cases' figures are what was read at their submission, and stay
    assert dept_a["cases"]["data"] == 2


def test_the_csv_says_the_same(rw):
    response = _client(rw.head_a.account).get(PAGE, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1:] == ["甲局,4,1,1,50.0,1,2,1,2,2,1,83.3", "全部,4,1,1,50.0,1,2,1,2,2,1,83.3"]


def test_other_roles_are_refused(rw):
    for staff in (rw.reviewer_a, rw.clerk_a, rw.steward):
        with pytest.raises(Forbidden):
            selectors.materials_eliminated_report(staff=staff)
        assert _client(staff.account).get(PAGE).status_code == 403
    assert _client(rw.account).get(PAGE).status_code == 403  # a citizen's account


def test_a_head_of_another_department_sees_only_theirs(rw):
    head_b = rw.make.staff(department=rw.dept_b, roles=("department_head",))
    report = selectors.materials_eliminated_report(staff=head_b)
    assert [r["department"] for r in report["departments"]] == ["乙局"]
    page = _client(head_b.account).get(PAGE).content.decode()
    assert "甲局" not in page
    assert "事项目录：1 项申请材料中 1 项无需申请人提交，免提交率 100.0%。" in page


def test_the_cli_prints_the_overall_rates(rw):
    out = io.StringIO()
    call_command("report", "materials", stdout=out)
    assert out.getvalue() == (
        "catalog: 3/5 materials not submitted = 60.0% (e-licence 2, data sharing 1; "
        "1 form fields prefilled) | cases: 5/6 materials without an upload = 83.3% over 2 cases "
        "(e-licence 2, data sharing 2, earlier cases 1; uploads 1)\n"
    )
