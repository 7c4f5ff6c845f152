"""The receipt (回执) of an online and of a counter case: the same facts from one partial, a 打印
button run by a static script, and a print stylesheet; the citizen opens the receipt of a case
the counter took for them."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import tongban
from tongban.cases import services

from .case_fixtures import LEASE, PDF, PHOTO, PNG, CaseWorld

pytestmark = pytest.mark.django_db
ANSWERS = {
    "applicant_name": "王小明",
    "residence_basis": "租赁住房",
    "address": "浦东新区世纪大道100号",
}
STATIC = Path(tongban.__file__).parent / "static" / "tongban"


@pytest.fixture
def world(make):
    return CaseWorld(make)


def _facts(html: str) -> dict[str, str]:
    """The receipt's facts: data-testid → text (tags removed)."""
    found = re.findall(r'<dd data-testid="receipt-([a-z-]+)">(.*?)</dd>', html, re.S)
    return {name: re.sub(r"<[^>]+>", "", value) for name, value in found}


def _online(world):
    mid = world.item.published.materials.get
    return services.case_application_save(
        account=world.person.account,
        item_id=world.item.pk,
        form_data=ANSWERS,
        uploads=[
            (mid(name=PHOTO).pk, SimpleUploadedFile("photo.png", PNG)),
            (mid(name=LEASE).pk, SimpleUploadedFile("lease.pdf", PDF)),
        ],
        submit=True,
    )


def _counter(world):
    mid = world.item.published.materials.get
    return services.case_counter_intake(
        staff=world.clerk,
        item_id=world.item.pk,
        id_number=world.person.id_number,
        form_data=ANSWERS,
        scans=[
            (mid(name=PHOTO).pk, PHOTO, SimpleUploadedFile("p.pdf", PDF)),
            (mid(name=LEASE).pk, LEASE, SimpleUploadedFile("l.pdf", PDF)),
        ],
    )


def test_the_online_receipt_states_every_fact(client, world):
    case = _online(world)
    client.force_login(world.person.account)

    html = client.get(f"/me/cases/{case.pk}/receipt/").content.decode()

    masked = world.person.id_number_masked
    assert _facts(html) == {
        "number": case.number,
        "title": "居住证办理",
        "applicant": f"王小明（{masked}）",
        "department": "浦东公安分局",
        "state": "预审中",
        "pre-review": f"{case.pre_review_due:%Y-%m-%d} 前完成预审（需补正的会一次性告知）",
        "promised": "自受理之日起 7 个工作日内办结",
        "materials": f"{PHOTO}、{LEASE}",
    }
    assert "<dt>事项</dt>" in html and "<dt>申请渠道</dt><dd>网上申请</dd>" in html
    assert (
        "查询进度：登录后在“我的办件”查看，或在 http://testserver/status/ 输入办件编号 "
        f"{case.number} 和申请人姓名查询。"
    ) in html
    assert '<button type="button" class="secondary" data-print hidden>打印</button>' in html
    assert html.count('<script src="/static/tongban/print.js"></script>') == 1
    assert '<link rel="stylesheet" href="/static/tongban/print.css">' in html


def test_the_citizen_opens_the_receipt_of_their_counter_case(client, world):
    case = _counter(world)
    client.force_login(world.person.account)

    detail = client.get(f"/me/cases/{case.pk}/").content.decode()
    assert f'<a class="button secondary" href="/me/cases/{case.pk}/receipt/">查看回执</a>' in detail
    response = client.get(f"/me/cases/{case.pk}/receipt/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="receipt-title">收件回执</h1>' in html
    facts = _facts(html)
    assert facts["number"] == case.number and facts["applicant"].startswith("王小明（")
    assert facts["materials"] == f"{PHOTO}、{LEASE}"
    assert "<dt>收件中心</dt><dd>浦东公安分局</dd>" in html
    assert "<dt>申请渠道</dt><dd>窗口申请</dd>" in html


def test_the_counter_receipt_shows_the_same_facts_with_the_name_masked(client, world):
    case = _counter(world)
    client.force_login(world.clerk.account)

    html = client.get(f"/workbench/counter/receipts/{case.pk}/").content.decode()

    facts = _facts(html)
    assert facts["applicant"] == f"王**（{world.person.id_number_masked}）"
    assert facts["number"] == case.number and facts["materials"] == f"{PHOTO}、{LEASE}"
    assert set(facts) == {"number", "title", "applicant", "department", "state", "pre-review",
                          "promised", "materials"}  # fmt: skip
    assert "data-print hidden>打印</button>" in html and world.person.id_number not in html


def test_another_citizen_cannot_open_the_receipt(client, world):
    case = _online(world)
    client.force_login(world.other.account)
    assert client.get(f"/me/cases/{case.pk}/receipt/").status_code == 404


def test_the_print_stylesheet_hides_navigation_and_buttons_for_a4():
    css = (STATIC / "print.css").read_text()
    assert css.lstrip().startswith("/*") and "@media print {" in css
    assert "@page { size: A4;" in css
    assert ".site-header, .site-footer, .messages, button, .button, form, .no-print, nav" in css
    assert "color: #000 !important; background: transparent !important" in css
    script = (STATIC / "print.js").read_text()
    assert "window.print()" in script and "button.hidden = false" in script
