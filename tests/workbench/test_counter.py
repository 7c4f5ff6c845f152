"""一窗受理 in the workbench: the items a center may accept, the walk-in applicant's ID number,
the item's form, scanned materials, the hand-off to the responsible department and the receipt;
each refusal with its specific message and nothing created."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import GOOD_FORM
from tongban.cases.models import Case, CaseMaterial

from .conftest import PDF

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def center(world, make):
    """A service center in another district, with a clerk; items of 甲局 are in 浦东新区."""
    region = make.region(code="310101", name="黄浦区")
    dept = make.department(name="黄浦区行政服务中心")
    dept.region = region
    dept.save()
    return make.staff(department=dept, roles=("counter_clerk",))


def intake(client, item, *, id_number, form=GOOD_FORM, files=None, key="k"):
    data = {"id_number": id_number, "idempotency_key": key, **form}
    material = item.published.materials.get()
    if files is not None:
        data[f"material-{material.pk}"] = files
    return client.post(f"/workbench/counter/items/{item.pk}/", data)


def pdf(name="scan.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_only_citywide_items_and_those_of_the_centers_region_are_offered(world, center, client):
    citywide = world.publish(citywide=True, name="居住证签注")
    local = world.item  # 浦东新区, not citywide
    client.force_login(center.account)
    page = text(client.get("/workbench/counter/"))
    assert "居住证签注" in page and f"/counter/items/{local.pk}/" not in page
    assert "全市通办" in page
    assert "居住证签注" not in text(client.get("/workbench/counter/?q=开办"))
    assert f"/counter/items/{citywide.pk}/" in text(client.get("/workbench/counter/?q=签注"))
    client.force_login(world.clerk_a.account)  # a clerk in 浦东新区 is offered both
    both = text(client.get("/workbench/counter/"))
    assert f"/counter/items/{local.pk}/" in both and f"/counter/items/{citywide.pk}/" in both


def test_a_walk_in_case_is_handed_to_the_department_with_its_scans(world, center, client):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    form_page = text(client.get(f"/workbench/counter/items/{item.pk}/"))
    assert 'for="id_id_number">申请人公民身份号码' in form_page
    assert 'for="f-address">居住地址' in form_page and ">申请表" in form_page
    response = intake(client, item, id_number=world.person.id_number, files=pdf())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/counter/receipts/{case.pk}/"
    assert (case.channel, case.state, case.center, case.department) == (
        "counter",
        "pre_review",
        center.department,
        world.dept_a,
    )
    assert case.applicant == world.person and case.form_data == GOOD_FORM
    assert [(m.name, m.trust_level) for m in case.materials.all()] == [("申请表", "B")]
    receipt = text(client.get(response["Location"]))
    assert f'data-testid="receipt-number">{case.number}<' in receipt
    assert 'data-testid="receipt-department">甲局<' in receipt and "张*" in receipt
    assert world.person.id_number not in receipt
    # 受办分离: the center does not process it; the department sees it in its pre-review queue
    assert client.get(f"/workbench/cases/{case.pk}/").status_code == 403
    client.force_login(world.reviewer_a.account)
    queue = text(client.get("/workbench/cases/"))
    assert case.number in queue and "<td>窗口申请</td>" in queue


def test_a_malformed_id_number_gets_the_validators_message(world, center, client):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    response = intake(client, item, id_number="31011519900101123")
    assert response.status_code == 400
    assert "公民身份号码应为 18 位，实为 17 位" in text(response)
    assert not Case.objects.exists()


def test_an_unknown_applicant_is_named_as_such(world, center, client, make):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    response = intake(client, item, id_number=make.id_number())
    assert response.status_code == 404
    assert "未找到该身份证号码对应的申请人。" in text(response)
    assert not Case.objects.exists()


def test_an_item_outside_the_centers_scope_is_refused_by_the_service(world, center, client):
    client.force_login(center.account)
    response = intake(client, world.item, id_number=world.person.id_number)
    assert response.status_code == 403
    assert "“居住证办理”不是全市通办事项，本中心（黄浦区行政服务中心）不在其受理范围内。" in text(
        response
    )
    assert not Case.objects.exists()


def test_form_errors_are_shown_per_field_and_nothing_is_created(world, center, client):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    response = intake(
        client, item, id_number=world.person.id_number, form={"applicant_name": "张三"}
    )
    assert response.status_code == 422
    assert '<p class="error" id="f-address-error">请填写居住地址。</p>' in text(response)
    assert f'value="{world.person.id_number}"' in text(response)  # the clerk need not retype
    assert not Case.objects.exists()


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_created(world, center, client):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    response = intake(
        client, item, id_number=world.person.id_number, files=pdf("scan.pdf", b"MZ\x90\x00")
    )
    assert response.status_code == 422
    page = text(response)
    assert "申请表：只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。" in page
    assert 'class="error" id="material-' in page
    assert not Case.objects.exists() and not CaseMaterial.objects.exists()


def test_a_double_submitted_intake_makes_one_case(world, center, client):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    first = intake(client, item, id_number=world.person.id_number, files=pdf(), key="same")
    second = intake(client, item, id_number=world.person.id_number, files=pdf(), key="same")
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1 and CaseMaterial.objects.count() == 1


def test_receipts_belong_to_the_center_that_received_the_case(world, center, client, make):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    location = intake(client, item, id_number=world.person.id_number)["Location"]
    other_center = make.staff(department=make.department(), roles=("counter_clerk",))
    client.force_login(other_center.account)
    assert client.get(location).status_code == 404
    client.force_login(world.reviewer_a.account)  # not a counter clerk
    assert client.get(location).status_code == 403
    online = world.submitted()
    client.force_login(world.clerk_a.account)
    assert client.get(f"/workbench/counter/receipts/{online.pk}/").status_code == 404
