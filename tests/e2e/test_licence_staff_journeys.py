"""The workbench's 电子证照库 in a real Chromium: a department head issues a licence by hand,
suspends and restores it, revokes it (and the holder's wallet and a verifier's share page say
so), imports a CSV whose bad row is named with nothing imported; another department is refused
the licence; the list, a licence, issuing and import fit a 375 px phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_case_applicant_journeys import log_in
from tests.e2e.test_phone_layout import OVERFLOWS
from tests.e2e.test_workbench_journeys import staff_log_in
from tests.licences.conftest import RESIDENCE, LicenceWorld
from tongban.licences import services as licences
from tongban.licences.models import Licence

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def _issue_by_hand(page: Page, lw) -> Licence:
    page.get_by_role("link", name="电子证照库").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("电子证照库")
    page.get_by_test_id("issue-link").click()
    page.get_by_role("link", name="居住证").click()
    field(page, "持证主体代码").fill(lw.person.id_number)
    field(page, "住址 *").fill("浦东新区世纪大道1号")
    page.get_by_role("button", name="颁发", exact=True).click()
    licence = Licence.objects.get()
    expect(page).to_have_url(re.compile(rf"/workbench/licences/{licence.pk}/$"))
    expect(page.get_by_test_id("identifier")).to_have_text(licence.identifier)
    return licence


def test_a_head_issues_suspends_restores_and_revokes_a_licence(page, new_page, make):
    lw = LicenceWorld(make)
    staff_log_in(page, lw.head_a, make.PASSWORD)
    licence = _issue_by_hand(page, lw)
    status = page.get_by_test_id("licence-status")
    expect(status).to_have_text("有效")

    suspend = page.get_by_role("region", name="暂停使用")
    suspend.get_by_role("button", name="暂停使用").click()
    expect(page.get_by_text("请写明原因。")).to_be_visible()  # nothing posted without a reason
    page.get_by_role("region", name="暂停使用").get_by_label("原因").fill("涉嫌违规，核查中")
    page.get_by_role("region", name="暂停使用").get_by_role("button", name="暂停使用").click()
    expect(page.get_by_text("证照已暂停使用，持证人已收到通知。")).to_be_visible()
    expect(page.get_by_test_id("licence-status")).to_have_text("暂停使用")
    expect(page.get_by_test_id("history")).to_contain_text("有效 → 暂停使用")

    restore = page.get_by_role("region", name="恢复使用")
    restore.get_by_label("原因").fill("核查完毕")
    restore.get_by_role("button", name="恢复使用").click()
    expect(page.get_by_test_id("licence-status")).to_have_text("有效")

    holder = new_page()
    log_in(holder, lw.person, make.PASSWORD)
    _share, token = licences.licence_share_create(
        account=lw.account, licence_id=licence.pk, fields=["holder_name"], expires_in="1d"
    )

    revoke = page.get_by_role("region", name="撤销")
    revoke.get_by_label("原因").fill("以欺骗手段取得")
    revoke.get_by_label("法律依据").fill("《行政许可法》第六十九条")
    revoke.get_by_role("button", name="撤销证照").click()
    expect(page.get_by_test_id("licence-status")).to_have_text("已撤销")
    expect(page.get_by_test_id("history")).to_contain_text("《行政许可法》第六十九条")

    holder.goto(f"/me/licences/{licence.pk}/")
    expect(holder.get_by_test_id("licence-status")).to_contain_text("已撤销")
    verifier = new_page()
    verifier.goto(f"/licences/shared/{token}/")
    verifier.get_by_role("button", name="查看并核验").click()
    expect(verifier.get_by_test_id("verify-result")).to_have_text("核验结果：已撤销")


def test_a_csv_with_a_bad_row_is_named_and_nothing_is_imported(page, make, tmp_path):
    lw = LicenceWorld(make)
    data = '"{""address"": ""浦东新区世纪大道1号""}"'
    csv = tmp_path / "old.csv"
    csv.write_text(
        "type_code,holder_code,issued_on,data\n"
        f"{RESIDENCE},{lw.person.id_number},2026-01-05,{data}\n"
        f"{RESIDENCE},{make.id_number()},2026-01-05,{data}\n",
        encoding="utf-8",
    )
    staff_log_in(page, lw.reviewer_a, make.PASSWORD)
    page.goto("/workbench/licences/")
    page.get_by_test_id("import-link").click()
    field(page, "导入文件（JSON 或 CSV）").set_input_files(str(csv))
    page.get_by_role("button", name="检查并导入").click()
    expect(page.get_by_test_id("import-error")).to_have_text(
        "导入文件有 1 处错误，未导入任何证照。"
    )
    row = page.get_by_test_id("import-problems").get_by_role("row").nth(1)
    expect(row).to_have_text(re.compile(r"2\s*holder_code\s*平台上没有该持证主体"))
    assert Licence.objects.count() == 0


def test_another_department_is_refused_the_licence(page, make):
    lw = LicenceWorld(make)
    licence = lw.issue()
    outsider = make.staff(department=lw.dept_b, roles=("reviewer", "department_head"))
    lw.dept_b.issued_licence_types.add(licence.licence_type)  # issues the type, not this one
    staff_log_in(page, outsider, make.PASSWORD)
    response = page.goto(f"/workbench/licences/{licence.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_text("电子证照不存在，或您无权查看。")).to_be_visible()
    page.goto("/workbench/licences/")
    expect(page.get_by_test_id("licences")).to_contain_text("没有符合条件的电子证照。")


def test_the_list_fits_a_phone(browser, live_server, make):
    lw = LicenceWorld(make)
    for _ in range(3):
        lw.issue()
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, locale="zh-CN"
    )
    page = context.new_page()
    try:
        staff_log_in(page, lw.head_a, make.PASSWORD)
        for path in (
            "/workbench/licences/",
            f"/workbench/licences/{Licence.objects.first().pk}/",
            f"/workbench/licences/issue/?type={RESIDENCE}",
            "/workbench/licences/import/",
        ):
            page.goto(path)
            page.wait_for_load_state("load")
            assert page.evaluate(OVERFLOWS) == [], path
    finally:
        context.close()
