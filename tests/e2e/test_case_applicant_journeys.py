"""Applicants' journeys in a real Chromium: a citizen applies for 居住证 online, is asked to
correct, corrects and is approved; an enterprise agent applies for the 开办企业 theme and sees
its parts in four departments; an enterprise agent applies for 食品经营许可 and its 营业执照 on
record stands for the material (免提交), which the reviewer checks live; anyone queries a case's
status without logging in; a citizen starting 居住证 is spared the material data sharing reads
and sees the read in 数据使用记录. Staff steps are service calls (their pages are tested with the
workbench), but for the reviewer's reading of the licence."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.cases.data_supply_world import HUKOU, SupplyWorld
from tests.e2e.test_workbench_journeys import staff_log_in
from tests.portal.case_fixtures import COMPANY_FORM, LABOUR, LEASE, PDF, PHOTO, PNG, CaseWorld
from tests.registries.city import HOME_ADDRESS, registry_city, registry_resident
from tongban.cases import services
from tongban.cases.models import Case
from tongban.licences import services as licence_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def log_in(page: Page, person, password: str) -> None:
    page.goto("/login/")
    field(page, "身份证号码或手机号码").fill(person.mobile)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def material(page: Page, name: str):
    return (
        page.get_by_test_id("checklist")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("heading", name=name, exact=True))
    )


def test_a_citizen_sees_the_address_the_registry_holds_prefilled_with_its_source(page, make):
    world = CaseWorld(make)
    registry_city()
    registry_resident(world.person)
    log_in(page, world.person, make.PASSWORD)
    page.goto(f"/apply/items/{world.item.pk}/")

    preview = page.get_by_role("region", name="将使用的政府数据")
    expect(preview).to_contain_text(HOME_ADDRESS)
    expect(preview).to_contain_text("上海市公安局")
    address = field(page, "居住地址 *")
    expect(address).to_have_value(HOME_ADDRESS)
    updated = timezone.localdate().isoformat()
    expect(address).to_have_accessible_description(f"已从上海市公安局获取，更新于 {updated}")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_citizen_applies_for_a_residence_permit_corrects_and_is_approved(page, make):
    world = CaseWorld(make)
    log_in(page, world.person, make.PASSWORD)

    # From the guide to the form: what the platform knows is filled in already.
    page.goto(f"/services/items/{world.item.pk}/")
    page.get_by_role("link", name="在线办理", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/apply/items/{world.item.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("居住证办理 · 在线办理")
    expect(field(page, "申请人姓名 *")).to_have_value("王小明")

    # The checklist follows the answer about the residence basis.
    expect(material(page, LABOUR)).to_be_hidden()
    expect(material(page, LEASE)).to_be_hidden()
    basis = page.get_by_role("group", name="居住依据 *")
    basis.get_by_label("合法稳定就业").check()
    expect(material(page, LABOUR)).to_be_visible()
    expect(material(page, LEASE)).to_be_hidden()
    basis.get_by_label("租赁住房").check()
    expect(material(page, LABOUR)).to_be_hidden()
    expect(material(page, LEASE)).to_be_visible()
    expect(material(page, "居民身份证")).to_contain_text("免提交，由电子证照获取")

    # A draft with the photo, then the lease and the submission.
    field(page, "居住地址 *").fill("浦东新区世纪大道100号")
    field(page, f"上传“{PHOTO}”").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status")).to_have_text("草稿已保存，可随时在“我的办件”中继续填写。")
    expect(material(page, PHOTO)).to_contain_text("已上传：photo.png（可替换）")
    expect(material(page, LEASE)).to_contain_text("尚未上传")
    field(page, f"上传“{LEASE}”").set_input_files(pdf("lease.pdf"))
    page.get_by_role("button", name="提交申请").click()

    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    case = Case.objects.get()
    expect(page.get_by_test_id("receipt-number")).to_have_text(case.number)
    expect(page.get_by_test_id("receipt-state")).to_have_text("预审中")
    expect(page.get_by_test_id("receipt-pre-review")).to_contain_text(
        f"{case.pre_review_due:%Y-%m-%d} 前完成预审"
    )

    page.get_by_role("link", name="我的办件", exact=True).click()
    row = page.get_by_test_id("my-cases").get_by_role("row").filter(has_text=case.number)
    expect(row.get_by_role("cell").nth(1)).to_have_text("预审中")
    expect(row.get_by_role("cell").nth(3)).to_have_text("浦东公安分局")

    # Staff ask for a correction, once, with every item.
    services.case_request_correction(
        staff=world.clerk,
        case_id=case.pk,
        items=[
            {"target": LEASE, "reason": "租赁合同未登记备案"},
            {"target": "居住地址", "reason": "门牌号与租赁合同不一致"},
        ],
    )
    row.get_by_role("link", name="居住证办理").click()
    expect(page.get_by_test_id("case-state")).to_have_text("待补正")
    notice = page.get_by_test_id("correction-notice")
    expect(notice.get_by_role("listitem")).to_have_text(
        [f"{LEASE}：租赁合同未登记备案", "居住地址：门牌号与租赁合同不一致"]
    )

    page.get_by_role("link", name="补正并重新提交").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("居住证办理 · 补正")
    field(page, "居住地址 *").fill("浦东新区世纪大道102号")
    field(page, f"上传“{LEASE}”").set_input_files(pdf("lease-registered.pdf"))
    page.get_by_role("button", name="提交补正").click()
    expect(page.get_by_role("status")).to_have_text("补正已提交，办件重新进入预审。")
    expect(page.get_by_test_id("case-state")).to_have_text("预审中")

    # Staff accept, review and approve.
    services.case_pre_review_accept(staff=world.clerk, case_id=case.pk)
    services.case_review_start(staff=world.clerk, case_id=case.pk)
    services.case_decide(staff=world.reviewer, case_id=case.pk, decision="approved")
    page.reload()
    expect(page.get_by_test_id("case-state")).to_have_text("已决定 · 准予许可")
    timeline = page.get_by_test_id("timeline")
    for step in ("状态变为“待补正”：一次性告知补正", "状态变为“预审中”：申请人已补正",
                 "状态变为“已受理”：受理", "状态变为“已决定”"):  # fmt: skip
        expect(timeline).to_contain_text(step)
    expect(page.get_by_role("link", name="撤回申请")).to_have_count(0)


def test_an_enterprise_agent_applies_for_opening_a_business_in_four_departments(page, make):
    world = CaseWorld(make)
    theme = world.open_business_theme()
    entity = make.entity(name="上海通办示范科技有限公司")
    agent = make.person(name="孙经办")
    make.authorization(entity, agent)

    log_in(page, agent, make.PASSWORD)
    page.get_by_role("region", name="我的企业与授权").get_by_role("row").filter(
        has_text=entity.name
    ).get_by_role("button", name="以此企业身份办事").click()
    expect(page.get_by_test_id("acting")).to_have_text(f"当前身份：{entity.name} 经办人")

    page.goto(f"/services/themes/{theme.code}/")
    page.get_by_role("link", name="在线办理", exact=True).click()
    expect(page.get_by_test_id("acting")).to_have_text(
        f"您正在以“{entity.name}”的名义申请（经办人身份）。"
    )
    expect(field(page, "企业名称 *")).to_have_value(entity.name)
    field(page, "经营场所地址 *").fill("浦东新区张江路1号")
    articles = material(page, "公司章程")
    expect(articles).to_contain_text("用于 营业执照、公章刻制、税务、社保")
    for name in ("企业设立登记申请书", "印章刻制申请表", "财务负责人信息表", "社会保险登记表",
                 "公司章程"):  # fmt: skip
        field(page, f"上传“{name}”").set_input_files(pdf(f"{name}.pdf"))
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"代表 {entity.name}")

    page.get_by_role("link", name="查看办件详情").click()
    parts = page.get_by_test_id("case-parts")
    expect(parts.get_by_role("row")).to_have_count(5)
    for department in ("浦东市场监管局", "浦东公安分局", "浦东税务局", "浦东人社局"):
        expect(parts.get_by_role("cell", name=department, exact=True)).to_be_visible()
    expect(parts.get_by_role("cell", name="待分送", exact=True)).to_have_count(4)

    case = Case.objects.get()
    lead_clerk = make.staff(department=world.amr, roles=("counter_clerk",))
    services.case_pre_review_accept(staff=lead_clerk, case_id=case.pk)
    services.case_review_start(staff=lead_clerk, case_id=case.pk)
    page.reload()
    expect(page.get_by_test_id("case-state")).to_have_text("审查中")
    expect(parts.get_by_role("cell", name="办理中", exact=True)).to_have_count(4)
    progress = page.get_by_role("region", name="办理进度")
    for department in ("浦东市场监管局", "浦东公安分局", "浦东税务局", "浦东人社局"):
        expect(progress).to_contain_text(department)


BUSINESS_LICENCE = "11100000MB0143027N001"  # 营业执照, in the national licence catalog


def _business_licence_on_record(world, entity):
    """营业执照 in the licence catalog (issued by the AMR) and the entity's on record."""
    licence_services.licence_types_load(
        types=[
            {
                "code": BUSINESS_LICENCE,
                "name": "营业执照",
                "defining_department": world.amr.code,
                "issuing_departments": [world.amr.code],
                "holder_kind": "legal_entity",
                "validity": {"kind": "long_term"},
                "data_schema": {
                    "type": "object",
                    "properties": {
                        "entity_name": {"type": "string", "title": "名称"},
                        "uscc": {"type": "string", "title": "统一社会信用代码"},
                        "legal_representative": {"type": "string", "title": "法定代表人"},
                    },
                    "required": ["entity_name", "uscc"],
                },
            }
        ]
    )
    issuer = world.make.staff(department=world.amr, roles=("reviewer",))
    return licence_services.licence_issue(
        staff=issuer,
        type_code=BUSINESS_LICENCE,
        holder_code=entity.uscc,
        data={"legal_representative": entity.legal_representative.name},
    )


def test_an_enterprise_agent_applies_for_a_food_permit_with_its_business_licence_on_record(
    page, make
):
    world = CaseWorld(make)
    entity = make.entity(name="上海通办餐饮管理有限公司")
    licence = _business_licence_on_record(world, entity)
    item = world.publish(
        department=world.amr,
        name="食品经营许可",
        audience="enterprise",
        life_event="",
        enterprise_stage="operation",
        form_schema=COMPANY_FORM,
        form_ui={},
        materials=[
            {"name": "营业执照", "source": "licence", "licence_type_code": BUSINESS_LICENCE},
            {"name": "食品经营场所平面图"},
        ],
    )
    agent = make.person(name="钱经办")
    make.authorization(entity, agent)
    log_in(page, agent, make.PASSWORD)
    page.get_by_role("region", name="我的企业与授权").get_by_role("row").filter(
        has_text=entity.name
    ).get_by_role("button", name="以此企业身份办事").click()

    page.goto(f"/apply/items/{item.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("食品经营许可 · 在线办理")
    reused = material(page, "营业执照")
    expect(reused).to_contain_text("由电子证照自动提供")
    expect(reused.locator("input[type=file]")).to_have_count(0)
    field(page, "经营场所地址 *").fill("浦东新区张江路1号")
    field(page, "上传“食品经营场所平面图”").set_input_files(pdf("layout.pdf"))
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()

    page.get_by_role("link", name="查看办件详情").click()
    expect(material(page, "营业执照")).to_contain_text("由电子证照自动提供")
    case = Case.objects.get()
    assert (case.uploads_saved, case.entity) == (1, entity)

    reviewer = make.staff(department=world.amr, roles=("reviewer",))
    page.context.clear_cookies()
    staff_log_in(page, reviewer, make.PASSWORD)
    page.goto(f"/workbench/cases/{case.pk}/")
    shown = page.get_by_test_id("licence")
    expect(shown.get_by_role("heading")).to_have_text("由电子证照自动提供：营业执照")
    expect(shown).to_contain_text(licence.identifier)
    expect(shown).to_contain_text(entity.uscc)
    expect(shown).to_contain_text(entity.legal_representative.name)
    expect(shown.get_by_test_id("licence-status")).to_have_text("有效")


def test_anyone_queries_a_case_status_by_number_and_name(page, make):
    world = CaseWorld(make)
    case = services.case_application_save(
        account=world.person.account,
        item_id=world.item.pk,
        form_data={
            "applicant_name": "王小明",
            "residence_basis": "合法稳定就业",
            "address": "浦东新区世纪大道100号",
        },
        uploads=[
            (world.item.published.materials.get(name=PHOTO).pk, _upload()),
            (world.item.published.materials.get(name=LABOUR).pk, _upload()),
        ],
        submit=True,
    )
    page.goto("/status/")
    expect(page.get_by_role("heading", name="办件进度查询")).to_be_visible()
    field(page, "办件编号").fill(case.number)
    field(page, "申请人姓名").fill("王大明")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("status-error")).to_have_text("办件不存在，或您无权查看。")

    field(page, "申请人姓名").fill("王小明")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("status-state")).to_have_text("预审中")
    result = page.get_by_test_id("status-result")
    expect(result).to_contain_text(case.number)
    expect(result).not_to_contain_text(world.person.mobile)


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", PDF)


def test_a_citizen_applying_for_a_residence_permit_is_spared_the_material_data_sharing_reads(
    page, make
):
    """Her address prefilled with its source; 户籍信息 shown as what the police's data will
    supply, with the fields read, and not asked for (one upload fewer than without the grant);
    after submitting, 数据使用记录 shows the district police's read for 居住证办理."""
    world = SupplyWorld(make, granted=False)
    log_in(page, world.person, make.PASSWORD)
    page.goto(f"/apply/items/{world.item.pk}/")
    page.get_by_role("group", name="居住依据 *").get_by_label("合法稳定就业").check()
    # without a grant the material is the applicant's to upload, and the page says why
    expect(material(page, HUKOU)).to_contain_text("办理部门暂无“人口户籍信息”的有效共享授权")
    expect(field(page, f"上传“{HUKOU}”")).to_be_visible()
    asked = page.locator("input[type=file]:visible").count()

    world.grant = world.ask_and_grant()
    page.reload()
    preview = page.get_by_role("region", name="将使用的政府数据")
    expect(preview).to_contain_text(HOME_ADDRESS)
    expect(preview).to_contain_text("上海市公安局")
    expect(field(page, "居住地址 *")).to_have_accessible_description(
        f"已从上海市公安局获取，更新于 {timezone.localdate().isoformat()}"
    )
    page.get_by_role("group", name="居住依据 *").get_by_label("合法稳定就业").check()
    hukou = material(page, HUKOU)
    expect(hukou.get_by_test_id("data-supplied")).to_have_text(
        "将从上海市公安局通过数据共享获取，无需提交"
    )
    expect(hukou.get_by_test_id("data-fields")).to_have_text(
        "读取“人口户籍信息”的字段：公民身份号码、姓名、性别、户籍地址"
    )
    expect(page.get_by_label(f"上传“{HUKOU}”", exact=True)).to_have_count(0)
    assert page.locator("input[type=file]:visible").count() == asked - 1

    field(page, f"上传“{PHOTO}”").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": PNG}
    )
    field(page, f"上传“{LABOUR}”").set_input_files(pdf("labour.pdf"))
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()

    page.goto("/me/")
    page.get_by_role("link", name="数据使用记录").click()
    row = page.get_by_test_id("data-use").get_by_role("row").nth(1)
    expect(row).to_contain_text("浦东公安分局")
    expect(row).to_contain_text("公民身份号码、姓名、性别、户籍地址")
    expect(row).to_contain_text("居住证办理")
