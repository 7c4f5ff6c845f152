"""The holder's wallet in a real Chromium: a citizen whose 居住证 case is approved finds the
licence in 我的证照, downloads its PDF, shares the name and validity with an expiring link; a
verifier (another browser, not logged in) sees only those fields; once the department head
revokes the licence the same link says 已撤销. Staff steps are service calls."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_case_applicant_journeys import log_in
from tests.licences.conftest import LicenceWorld
from tongban.cases import services as cases
from tongban.licences import services as licences
from tongban.licences.models import Licence

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_citizen_shares_a_residence_permit_and_the_verifier_sees_only_what_was_shared(
    page, new_page, make
):
    lw = LicenceWorld(make)
    case = lw.under_review()
    cases.case_decide(staff=lw.reviewer_a, case_id=case.pk, decision="approved")
    licence = Licence.objects.get()

    log_in(page, lw.person, make.PASSWORD)
    page.get_by_role("link", name="我的证照", exact=True).click()
    card = page.get_by_test_id("wallet").get_by_role("listitem").filter(has_text="居住证")
    expect(card.get_by_test_id("licence-status")).to_have_text("有效")
    card.get_by_role("link", name="居住证").click()
    expect(page.get_by_test_id("licence-identifier")).to_have_text(licence.identifier)

    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"%PDF-") and licence.identifier.encode() in body

    page.get_by_role("link", name="授权用证").click()
    for label in ("持证主体", "有效期起始", "有效期截止"):
        page.get_by_label(label, exact=True).check()
    page.get_by_label("1 天", exact=True).check()
    page.get_by_role("button", name="生成授权链接").click()
    expect(page.get_by_role("img", name="授权链接二维码")).to_be_visible()
    link = page.get_by_test_id("share-link").inner_text()

    verifier = new_page()
    verifier.goto(link)
    verifier.get_by_label("用途（选填）").fill("租房核验")
    verifier.get_by_role("button", name="查看并核验").click()
    expect(verifier.get_by_test_id("verify-result")).to_have_text("核验结果：有效")
    claims = verifier.get_by_test_id("verified-claims")
    expect(claims).to_contain_text("张三")
    expect(claims).to_contain_text(f"{licence.valid_until:%Y-%m-%d}")
    content = verifier.content()
    assert lw.person.id_number not in content and "浦东新区" not in content

    page.goto(f"/me/licences/{licence.pk}/")
    expect(page.get_by_test_id("share-use")).to_contain_text("租房核验")

    licences.licence_revoke(
        staff=lw.head_a,
        licence_id=licence.pk,
        reason="以欺骗手段取得",
        legal_basis="《行政许可法》第六十九条",
    )
    verifier.goto(link)
    verifier.get_by_role("button", name="查看并核验").click()
    expect(verifier.get_by_test_id("verify-result")).to_have_text("核验结果：已撤销")
    assert re.search(lw.person.id_number, verifier.content()) is None
