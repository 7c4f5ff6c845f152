"""A citizen's inbox, receipts and files in a real Chromium: a refused submit keeps the good
file and opens with the error summary focused; the receipt prints; each state change arrives
in 站内消息 with the header's unread count; the applicant downloads their own upload."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.portal.case_fixtures import EXE, LEASE, PDF, PHOTO, PNG, CaseWorld
from tongban.cases import services
from tongban.cases.models import Case

from .test_case_applicant_journeys import field, log_in, material, pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_refused_submit_keeps_the_good_file_then_the_receipt_prints_and_the_inbox_fills(
    page: Page, make
):
    world = CaseWorld(make)
    log_in(page, world.person, make.PASSWORD)
    header = page.get_by_role("navigation", name="账号")
    expect(header.get_by_test_id("inbox-link")).to_have_text("站内消息")

    # A short address and a bad lease file: both listed, the summary focused, the photo kept.
    page.goto(f"/apply/items/{world.item.pk}/")
    page.get_by_role("group", name="居住依据 *").get_by_label("租赁住房").check()
    field(page, "居住地址 *").fill("浦东")
    field(page, f"上传“{PHOTO}”").set_input_files(
        {"name": "my-photo.png", "mimeType": "image/png", "buffer": PNG}
    )
    field(page, f"上传“{LEASE}”").set_input_files(
        {"name": "lease.pdf", "mimeType": "application/pdf", "buffer": EXE}
    )
    page.get_by_role("button", name="提交申请").click()

    summary = page.get_by_role("alert").filter(has_text="有 2 处需要修改")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "居住地址至少 4 个字。",
            f"{LEASE}：只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。",
        ]
    )
    expect(material(page, PHOTO)).to_contain_text("已上传：my-photo.png（可替换）")
    expect(material(page, LEASE)).to_contain_text("只能上传 PDF、JPG 或 PNG 文件")
    summary.get_by_role("link", name="居住地址至少 4 个字。").click()
    expect(page).to_have_url(re.compile(r"#f-address$"))

    # Fixed: the address and the lease; the photo is not chosen again.
    field(page, "居住地址 *").fill("浦东新区世纪大道100号")
    field(page, f"上传“{LEASE}”").set_input_files(pdf("lease.pdf"))
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    case = Case.objects.get()
    assert sorted(case.materials.values_list("original_name", flat=True)) == [
        "lease.pdf",
        "my-photo.png",
    ]
    expect(page.get_by_test_id("receipt-materials")).to_have_text(f"{PHOTO}、{LEASE}")
    expect(page.get_by_test_id("receipt-applicant")).to_have_text(
        f"王小明（{world.person.id_number_masked}）"
    )

    # 打印: the script's button opens the print dialog; on paper no header and no buttons.
    page.evaluate("window.printed = false; window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(page.get_by_test_id("receipt-number")).to_be_visible()
    page.emulate_media(media="screen")

    # Submitted → pre-review arrived as two messages; acceptance makes three.
    services.case_pre_review_accept(staff=world.clerk, case_id=case.pk)
    page.reload()
    inbox = header.get_by_role("link", name="站内消息 3 条未读消息")
    expect(inbox).to_be_visible()
    inbox.click()
    rows = page.get_by_test_id("inbox").get_by_role("listitem")
    expect(rows).to_have_count(3)
    expect(rows.first.get_by_role("link")).to_have_text(f"未读办件 {case.number} 状态更新")
    rows.first.get_by_role("link").click()
    expect(page.get_by_test_id("message-body")).to_have_text(
        f"【一网通办】您的办件 {case.number}（居住证办理）状态已更新为：已受理。"
    )
    expect(header.get_by_role("link", name="站内消息 2 条未读消息")).to_be_visible()
    page.get_by_role("link", name="查看详情").click()
    expect(page).to_have_url(re.compile(rf"/me/cases/{case.pk}/$"))

    # The applicant's own file, under its name.
    with page.expect_download() as download:
        page.get_by_role("link", name="my-photo.png").click()
    assert download.value.suggested_filename == "my-photo.png"

    page.goto("/me/inbox/")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_role("status")).to_have_text("2 条消息已标为已读。")
    expect(header.get_by_test_id("inbox-link")).to_have_text("站内消息")


def test_a_citizen_prints_the_receipt_of_a_case_taken_at_the_counter(page: Page, make):
    world = CaseWorld(make)
    get = world.item.published.materials.get
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = services.case_counter_intake(
        staff=world.clerk,
        item_id=world.item.pk,
        id_number=world.person.id_number,
        form_data={"applicant_name": "王小明", "residence_basis": "租赁住房",
                   "address": "浦东新区世纪大道100号"},
        scans=[(get(name=PHOTO).pk, PHOTO, SimpleUploadedFile("p.pdf", PDF)),
               (get(name=LEASE).pk, LEASE, SimpleUploadedFile("l.pdf", PDF))],
    )  # fmt: skip
    log_in(page, world.person, make.PASSWORD)
    page.goto(f"/me/cases/{case.pk}/")
    page.get_by_role("link", name="查看回执").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("收件回执")
    expect(page.get_by_test_id("receipt-number")).to_have_text(case.number)
    expect(page.get_by_test_id("receipt-department")).to_have_text("浦东公安分局")
    expect(page.get_by_test_id("receipt-status-help")).to_contain_text(
        f"/status/ 输入办件编号 {case.number}"
    )
    expect(page.get_by_role("button", name="打印")).to_be_visible()
