"""一窗受理 in the workbench: the items a center may accept, the walk-in applicant's ID number,
the item's form, scanned materials, the hand-off to the responsible department and the receipt;
each refusal with its specific message and nothing created."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import GOOD_FORM
from tests.cases.test_counter_services import BASIS_FORM, MATERIALS
from tongban.cases.models import Case, CaseMaterial
from tongban.identity.models import Person
from tongban.notify.models import Message

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


def intake(client, item, *, id_number, form=GOOD_FORM, files=None, key="k", **applicant):
    """The counter page posted as a browser would: the applicant's ID card (and, for someone
    not yet known, name and mobile) under ``applicant-``, the item's form, the scans."""
    data = {"applicant-id_number": id_number, "idempotency_key": key, **form}
    data.update({f"applicant-{k}": v for k, v in applicant.items()})
    if isinstance(files, dict):
        data.update(files)
    elif files is not None:
        data[f"material-{item.published.materials.get().pk}"] = files
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
    assert 'for="id_applicant-id_number">申请人公民身份号码' in form_page
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
    assert f'data-testid="receipt-number"><strong>{case.number}</strong><' in receipt
    assert 'data-testid="receipt-department">甲局<' in receipt
    masked = world.person.id_number_masked
    assert f'data-testid="receipt-applicant">张*（{masked}）<' in receipt
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


def test_an_unknown_applicant_without_a_name_is_asked_for_it_and_nothing_is_created(
    world, center, client, make
):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    response = intake(client, item, id_number=make.id_number())
    assert response.status_code == 422
    message = (
        "该身份证号码尚未在平台登记：请按身份证件填写申请人姓名（手机号码选填），窗口登记后收件。"
    )
    assert f'<p class="error" id="id_applicant-name_error" role="alert">{message}</p>' in text(
        response
    )
    assert not Case.objects.exists() and Person.objects.count() == 2  # 张三 and 李四


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


# --- the applicant is identified once, by the lookup (issue 8 item 1) ---------------------------

ID_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {
            "type": "string",
            "title": "申请人姓名",
            "minLength": 2,
            "x-bind": "applicant.name",
        },
        "id_number": {
            "type": "string",
            "title": "公民身份号码",
            "format": "gb11643",
            "x-bind": "applicant.id_number",
        },
        "mobile": {
            "type": "string",
            "title": "手机号码",
            "format": "cn-mobile",
            "x-bind": "applicant.mobile",
        },
        "address": {"type": "string", "title": "居住地址", "minLength": 4},
    },
    "required": ["applicant_name", "id_number", "address"],
}
ADDRESS = {"address": "浦东新区世纪大道1号"}


def test_the_case_is_the_looked_up_applicants_and_the_form_cannot_name_another(
    world, center, client
):
    item = world.publish(citywide=True, form_schema=ID_FORM)
    client.force_login(center.account)
    page = text(client.get(f"/workbench/counter/items/{item.pk}/"))
    assert 'name="applicant-id_number"' in page and 'name="id_number"' not in page
    assert "申请人姓名、公民身份号码、手机号码取自上面核验的申请人，无需填写。" in page
    other = {"id_number": world.other.id_number, "applicant_name": "李四", **ADDRESS}
    refused = intake(client, item, id_number=world.person.id_number, form=other)
    assert refused.status_code == 422
    assert 'data-code="case.form.applicant_mismatch"' in text(refused)
    assert "申请表中的申请人信息须为本人（或所代表单位）的信息：" in text(refused)
    assert not Case.objects.exists()

    before = Message.objects.count()
    response = intake(client, item, id_number=world.person.id_number, form=ADDRESS)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.applicant == world.person
    assert case.form_data == {
        "applicant_name": "张三",
        "id_number": world.person.id_number,
        "mobile": world.person.mobile,
        **ADDRESS,
    }
    sent = Message.objects.order_by("pk")[before:]
    assert [(m.channel, m.recipient) for m in sent] == [
        ("sms", world.person.mobile),
        ("site", str(world.person.account_id)),
    ] * 2


@pytest.mark.parametrize(
    ("lookup", "message"),
    [
        ("", "请填写申请人的公民身份号码（以身份证件为准）。"),
        ("12345", "公民身份号码应为 18 位，实为 5 位"),
    ],
)
def test_an_empty_or_malformed_lookup_is_refused_whatever_the_form_says(
    world, center, client, lookup, message
):
    item = world.publish(citywide=True, form_schema=ID_FORM)
    client.force_login(center.account)
    form = {"id_number": world.person.id_number, "applicant_name": "张三", **ADDRESS}
    response = intake(client, item, id_number=lookup, form=form)
    assert response.status_code == 400
    assert f'id="id_applicant-id_number_error" role="alert">{message}' in text(response)
    assert not Case.objects.exists()


def test_a_name_that_is_not_the_card_holders_is_refused(world, center, client):
    item = world.publish(citywide=True)
    client.force_login(center.account)
    response = intake(client, item, id_number=world.person.id_number, name="李四")
    assert response.status_code == 422
    assert 'id="id_applicant-name_error" role="alert">姓名与身份证号码不一致。' in text(response)
    assert not Case.objects.exists()


# --- materials: the checklist for the answers, as online (issue 8 item 2) ----------------------


def test_conditional_materials_are_shown_as_such_and_required_ones_are_enforced(
    world, center, client
):
    item = world.publish(citywide=True, form_schema=BASIS_FORM, materials=MATERIALS)
    copy_id, lease_id = (m.pk for m in item.published.materials.order_by("order", "pk"))
    client.force_login(center.account)
    page = text(client.get(f"/workbench/counter/items/{item.pk}/"))
    assert (
        f'<label for="material-{copy_id}">身份证复印件 <abbr title="必需">*</abbr></label>' in page
    )
    assert f'<label for="material-{lease_id}">租赁合同</label>' in page
    assert f'<p class="help" id="material-{lease_id}-help">如适用：租赁住房的</p>' in page
    leased = {"basis": "租赁住房", **ADDRESS}
    none = intake(client, item, id_number=world.person.id_number, form=leased)
    assert none.status_code == 422
    assert 'data-code="case.materials_missing"' in text(none)
    assert "还缺少以下必需材料，请上传后再提交：身份证复印件、租赁合同。" in text(none)
    assert not Case.objects.exists()
    own = {"basis": "自有住房", **ADDRESS}
    scan = {f"material-{copy_id}": pdf()}
    response = intake(client, item, id_number=world.person.id_number, form=own, files=scan)
    assert response.status_code == 302
    assert [m.name for m in Case.objects.get().materials.all()] == ["身份证复印件"]


# --- walk-ins without an account (issue 8 item 3) ---------------------------------------------


def test_a_walk_in_without_an_account_is_recorded_from_the_id_card(world, center, client, make):
    item = world.publish(citywide=True)
    id_number = make.id_number(birth="19850315")
    client.force_login(center.account)
    response = intake(
        client, item, id_number=id_number, name="郑申请", mobile="13912345678", form=ADDRESS
    )
    assert response.status_code == 302
    case = Case.objects.get()
    person = Person.objects.get(name="郑申请")
    assert (case.applicant, person.id_number, person.mobile, person.account) == (
        person,
        id_number,
        "13912345678",
        None,
    )
    assert case.form_data == {"applicant_name": "郑申请", **ADDRESS}
    assert "郑**" in text(client.get(response["Location"]))
