"""The workbench's reports in a real Chromium on a 375 px phone: a department head opens
免提交率 from the home page; a data steward opens the registries' quality page. Neither page
scrolls sideways."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_phone_layout import OVERFLOWS
from tests.e2e.test_workbench_journeys import staff_log_in
from tests.licences.conftest import RESIDENCE, LicenceWorld
from tongban.cases import services as case_services
from tongban.registries.keys import key_hash
from tongban.registries.models import QualityRun, RegistryCorrection

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PERMIT = {"name": "居住证", "form": "original", "source": "licence", "licence_type_code": RESIDENCE}


def _phone(browser, live_server):
    return browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, locale="zh-CN"
    )


def test_a_head_opens_the_materials_report_on_a_phone(browser, live_server, make):
    lw = LicenceWorld(make)
    item = lw.publish(name="居住证签注", materials=[PERMIT])
    lw.issue()
    draft = case_services.case_create_draft(
        account=lw.account, item_id=item.pk, form_data={"applicant_name": "张三",
                                                        "address": "浦东新区世纪大道1号"}
    )  # fmt: skip
    case_services.case_submit(account=lw.account, case_id=draft.pk)
    context = _phone(browser, live_server)
    page = context.new_page()
    try:
        staff_log_in(page, lw.head_a, make.PASSWORD)
        page.get_by_role("link", name="免提交率").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("免提交率")
        expect(page.get_by_test_id("catalog-rate")).to_have_text(
            "事项目录：2 项申请材料中 1 项无需申请人提交，免提交率 50.0%。"
        )
        expect(page.get_by_test_id("cases-rate")).to_have_text(
            "已提交的 1 件办件共用到 1 份材料，其中 1 份无需上传，免提交率 100.0%。"
        )
        page.wait_for_load_state("load")
        assert page.evaluate(OVERFLOWS) == []
    finally:
        context.close()


def test_a_steward_opens_the_quality_page_on_a_phone(browser, live_server, make):
    police = make.department(code="sh-police", name="上海市公安局")
    steward = make.staff(department=police, roles=("data_steward",))
    for findings in (3, 1):
        QualityRun.objects.create(
            provider=police,
            dataset="population",
            records=200,
            counts={"required": findings, "duplicate": 1},
            samples={"required": ["3101**********001X"]},
        )
    RegistryCorrection.objects.create(
        provider=police,
        dataset="population",
        record_key_hash=key_hash("population", "310115198507160011"),
        field="hukou_address",
        proposed="上海市浦东新区世纪大道100号",
        reference="310115202612020000001",
        reported_at=timezone.now(),
    )
    context = _phone(browser, live_server)
    page = context.new_page()
    try:
        staff_log_in(page, steward, make.PASSWORD)
        page.get_by_role("link", name="基础库数据质量").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("基础库数据质量：上海市公安局")
        quality = page.get_by_test_id("quality-population")
        expect(quality).to_contain_text("检查 200 条记录，发现 2 个问题。")
        expect(quality).to_contain_text("3101**********001X")
        expect(page.get_by_test_id("corrections")).to_contain_text("上********号")
        page.wait_for_load_state("load")
        assert page.evaluate(OVERFLOWS) == []
    finally:
        context.close()
