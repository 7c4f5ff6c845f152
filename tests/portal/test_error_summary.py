"""The apply, edit and correction pages on a refused save: the error summary at the top (one
link per problem, to its field), each file's error at its input, and the good files kept and
shown as replaceable."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongban.cases import services
from tongban.cases.models import Case

from .case_fixtures import EXE, LEASE, PDF, PHOTO, PNG, CaseWorld

pytestmark = pytest.mark.django_db
ANSWERS = {
    "applicant_name": "王小明",
    "residence_basis": "租赁住房",
    "address": "浦东新区世纪大道100号",
}
TYPE_ERROR = "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"


@pytest.fixture
def world(make):
    return CaseWorld(make)


@pytest.fixture
def citizen(client, world):
    client.force_login(world.person.account)
    return client


def ids(world):
    get = world.item.published.materials.get
    return get(name=PHOTO).pk, get(name=LEASE).pk


def summary(html: str) -> tuple[str, list[tuple[str, str]]]:
    box = re.search(r'<div class="error-box error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert box is not None
    title = re.search(r"<h2[^>]*>(.*?)</h2>", box.group(1)).group(1)
    links = re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', box.group(1))
    return title, links


def test_a_refused_submit_lists_every_problem_and_keeps_the_good_file(citizen, world):
    photo, lease = ids(world)
    response = citizen.post(
        f"/apply/items/{world.item.pk}/",
        {
            **ANSWERS,
            "address": "浦东",
            "action": "submit",
            "idempotency_key": "page-1",
            f"material-{photo}": SimpleUploadedFile("me.png", PNG),
            f"material-{lease}": SimpleUploadedFile("x.pdf", EXE),
        },
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert (
        '<div class="error-box error-summary" role="alert" tabindex="-1" '
        'aria-labelledby="error-summary-title" data-error-summary data-testid="page-error">'
    ) in html
    assert summary(html) == (
        "有 2 处需要修改",
        [("#f-address", "居住地址至少 4 个字。"), (f"#material-{lease}", f"{LEASE}：{TYPE_ERROR}")],
    )
    assert f'<p class="error" id="material-{lease}-error">{TYPE_ERROR}</p>' in html
    kept = Case.objects.get().materials.get()
    link = f"/me/cases/{kept.case_id}/materials/{kept.pk}/"
    assert f'已上传：<a href="{link}" data-testid="download">me.png</a>（可替换）' in html
    assert '<script src="/static/tongban/error-summary.js"></script>' in html
    assert 'value="page-1"' in html  # the next save finds the same draft


def test_a_missing_material_is_a_summary_line_without_a_link(citizen, world):
    photo, _lease = ids(world)
    response = citizen.post(
        f"/apply/items/{world.item.pk}/",
        {
            **ANSWERS,
            "action": "submit",
            "idempotency_key": "k",
            f"material-{photo}": SimpleUploadedFile("p.png", PNG),
        },
    )
    html = response.content.decode()
    assert "有 1 处需要修改" in html
    assert "<li>还缺少以下必需材料，请上传后再提交：房屋租赁合同。</li>" in html


def test_the_edit_page_shows_the_summary(citizen, world):
    draft = services.case_create_draft(account=world.person.account, item_id=world.item.pk)
    response = citizen.post(
        f"/me/cases/{draft.pk}/edit/",
        {
            **ANSWERS,
            "applicant_name": "王",
            "address": "浦东",
            "action": "save",
            "idempotency_key": "k",
        },
    )
    assert response.status_code == 422
    assert summary(response.content.decode()) == (
        "有 2 处需要修改",
        [("#f-applicant_name", "申请人姓名至少 2 个字。"), ("#f-address", "居住地址至少 4 个字。")],
    )


def test_the_correction_page_shows_the_summary(citizen, world):
    photo, lease = ids(world)
    case = services.case_application_save(
        account=world.person.account,
        item_id=world.item.pk,
        form_data=ANSWERS,
        uploads=[
            (photo, SimpleUploadedFile("p.png", PNG)),
            (lease, SimpleUploadedFile("l.pdf", PDF)),
        ],
        submit=True,
    )
    services.case_request_correction(
        staff=world.clerk, case_id=case.pk, items=[{"target": LEASE, "reason": "模糊"}]
    )
    response = citizen.post(
        f"/me/cases/{case.pk}/correct/",
        {
            **ANSWERS,
            "address": "浦东",
            "action": "correct",
            f"material-{lease}": SimpleUploadedFile("c.pdf", PDF),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert summary(html) == ("有 1 处需要修改", [("#f-address", "居住地址至少 4 个字。")])
    assert "c.pdf</a> <span" in html and "（可替换）" not in html  # kept, not replacing


def test_a_page_without_errors_has_no_summary(citizen, world):
    html = citizen.get(f"/apply/items/{world.item.pk}/").content.decode()
    assert "data-error-summary" not in html
