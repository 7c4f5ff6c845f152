"""The applicant's case pages: apply (form, checklist, uploads, draft, submit, receipt),
「我的办件」, correction, withdrawal and the public status query — main paths and bad input."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.registries.city import HOME_ADDRESS, registry_city, registry_resident
from tongban.cases import services
from tongban.cases.models import Case, CaseMaterial, CorrectionNotice
from tongban.core.models import AuditEntry
from tongban.registries.models import RegistryCorrection

from .case_fixtures import EXE, LABOUR, LEASE, PDF, PHOTO, PNG, CaseWorld

pytestmark = pytest.mark.django_db
ANSWERS = {
    "applicant_name": "王小明",
    "residence_basis": "租赁住房",
    "address": "浦东新区世纪大道100号",
}


@pytest.fixture
def world(make):
    return CaseWorld(make)


@pytest.fixture
def citizen(client, world):
    client.force_login(world.person.account)
    return client


def _material_id(item, name):
    return item.published.materials.get(name=name).pk


def _file(name="scan.pdf", content=PDF):
    return SimpleUploadedFile(name, content)


def _post(client, url, *, action="submit", key="key-1", files=None, **answers):
    data = {**ANSWERS, **answers, "action": action, "idempotency_key": key}
    return client.post(url, {**data, **(files or {})})


def _rows(response) -> dict[str, bool]:
    """Checklist entry name → shown (not hidden)."""
    html = response.content.decode()
    rows = re.findall(
        r'<li class="checklist-item[^"]*"[^>]*?( hidden)?>\s*<h3[^>]*>([^<]+)</h3>', html
    )
    return {name: not hidden for hidden, name in rows}


def _apply_url(world):
    return f"/apply/items/{world.item.pk}/"


def _submitted(world, basis="租赁住房"):
    """A case submitted through the page's service, with every required file."""
    uploads = [(_material_id(world.item, PHOTO), _file())]
    uploads.append((_material_id(world.item, LEASE if basis == "租赁住房" else LABOUR), _file()))
    return services.case_application_save(
        account=world.person.account,
        item_id=world.item.pk,
        form_data={**ANSWERS, "residence_basis": basis},
        uploads=uploads,
        submit=True,
    )


# --- apply ----------------------------------------------------------------------------------


def test_the_apply_page_shows_what_the_registry_supplies_and_from_whom(citizen, world):
    registry_city()
    registry_resident(world.person)
    updated = timezone.localdate().isoformat()
    html = citizen.get(_apply_url(world)).content.decode()
    assert f'name="address" type="text" value="{HOME_ADDRESS}"' in html
    assert 'aria-describedby="f-address-source"' in html
    assert f"已从上海市公安局获取，更新于 {updated}" in html
    preview = html.split('data-testid="prefill-preview"')[1].split("</div>")[0]
    assert "将使用的政府数据" in preview and f"<dd>{HOME_ADDRESS}" in preview
    # Changed before submitting (and sent back for another field): the form says what was held.
    response = _post(citizen, _apply_url(world), applicant_name="王", address="浦东新区世纪大道1号")
    assert response.status_code == 422
    assert f"您修改了上海市公安局登记的“{HOME_ADDRESS}”：提交后将请该部门核实。" in (
        response.content.decode()
    )
    assert Case.objects.count() == 0


def test_a_changed_prefilled_answer_goes_to_the_registrys_provider_to_check(world):
    registry_city()
    registry_resident(world.person)
    case = _submitted(world)  # ANSWERS' address is not the one the registry holds
    correction = RegistryCorrection.objects.get()
    assert (correction.provider.name, correction.dataset, correction.field) == (
        "上海市公安局",
        "population",
        "residence_address",
    )
    assert (correction.proposed, correction.reference) == ("浦东新区世纪大道100号", case.number)
    entry = AuditEntry.objects.get(action="registries.correction.report")
    assert entry.actor_id == world.person.account.pk


def test_an_answer_kept_as_the_registry_holds_it_reports_nothing(world):
    registry_city()
    registry_resident(world.person)
    uploads = [
        (_material_id(world.item, PHOTO), _file()),
        (_material_id(world.item, LEASE), _file()),
    ]
    case = services.case_application_save(
        account=world.person.account,
        item_id=world.item.pk,
        form_data={**ANSWERS, "address": HOME_ADDRESS},
        uploads=uploads,
        submit=True,
    )
    assert case.state == "pre_review"
    assert not RegistryCorrection.objects.exists()


def test_without_a_registry_record_the_address_is_left_to_the_applicant(citizen, world):
    html = citizen.get(_apply_url(world)).content.decode()
    assert 'name="address" type="text" value=""' in html
    assert "将使用的政府数据" not in html and "f-address-source" not in html


def test_apply_needs_a_login(client, world):
    response = client.get(_apply_url(world))
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/apply/items/{world.item.pk}/"


def test_the_apply_page_prefills_what_is_known_and_lists_the_materials(citizen, world):
    response = citizen.get(_apply_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="applicant_name" type="text" value="王小明"' in html
    assert _rows(response) == {
        PHOTO: True,
        LABOUR: False,
        LEASE: False,
        "居民身份证": True,
        "授权委托书": True,
    }
    assert "免提交，由电子证照获取" in html
    assert Case.objects.count() == 0


def test_the_guide_offers_online_application_only_where_the_item_takes_it(client, world):
    online = client.get(f"/services/items/{world.item.pk}/").content.decode()
    assert f'href="/apply/items/{world.item.pk}/">在线办理</a>' in online
    counter = world.publish(name="窗口事项", online_depth=["consult"], visits=1)
    page = client.get(f"/services/items/{counter.pk}/").content.decode()
    assert "在线办理" not in page
    client.force_login(world.person.account)
    response = client.get(f"/apply/items/{counter.pk}/")
    assert response.status_code == 409
    assert "该事项暂不支持网上申请，请按办事指南到窗口办理。" in response.content.decode()


def test_staff_cannot_apply(client, world):
    client.force_login(world.clerk.account)
    response = client.get(_apply_url(world))
    assert response.status_code == 403
    assert "此页面仅限个人账号使用" in response.content.decode()


def test_save_a_draft_then_submit_it_and_get_a_receipt(citizen, world):
    photo, lease = _material_id(world.item, PHOTO), _material_id(world.item, LEASE)
    response = _post(
        citizen,
        _apply_url(world),
        action="save",
        residence_basis="",
        files={f"material-{photo}": _file("photo.png", PNG)},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/me/cases/{case.pk}/edit/"
    assert case.state == "draft" and case.idempotency_key == "key-1"
    assert case.form_data == {"applicant_name": "王小明", "address": "浦东新区世纪大道100号"}
    assert list(case.materials.values_list("name", "catalog_material_id", "content_type")) == [
        (PHOTO, photo, "image/png")
    ]

    edit = citizen.get(f"/me/cases/{case.pk}/edit/")
    assert "草稿已保存，可随时在“我的办件”中继续填写。" in edit.content.decode()
    upload = f"/me/cases/{case.pk}/materials/{case.materials.get().pk}/"
    shown = f'已上传：<a href="{upload}" data-testid="download">photo.png</a>（可替换）'
    assert shown in edit.content.decode()

    response = _post(
        citizen, f"/me/cases/{case.pk}/edit/", files={f"material-{lease}": _file("lease.pdf")}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/me/cases/{case.pk}/receipt/"
    case.refresh_from_db()
    assert case.state == "pre_review" and case.form_data == ANSWERS
    assert sorted(case.materials.values_list("name", flat=True)) == sorted([PHOTO, LEASE])

    receipt = citizen.get(f"/me/cases/{case.pk}/receipt/").content.decode()
    assert "申请已提交" in receipt and case.number in receipt
    assert f"{case.pre_review_due:%Y-%m-%d} 前完成预审" in receipt
    assert "自受理之日起 7 个工作日内办结" in receipt


def test_a_form_against_its_schema_is_answered_at_the_field_and_nothing_is_saved(citizen, world):
    response = _post(citizen, _apply_url(world), action="save", address="浦东", mobile="12345")
    assert response.status_code == 422
    html = response.content.decode()
    assert '<p class="error" id="f-address-error">居住地址至少 4 个字。</p>' in html
    assert '<p class="error" id="f-mobile-error">手机号码格式不正确。</p>' in html
    assert Case.objects.count() == 0 and CaseMaterial.objects.count() == 0

    response = _post(citizen, _apply_url(world), residence_basis="", address="")
    assert response.status_code == 422
    html = response.content.decode()
    assert '<p class="error" id="f-residence_basis-error">请填写居住依据。</p>' in html
    assert '<p class="error" id="f-address-error">请填写居住地址。</p>' in html
    assert Case.objects.count() == 0


def test_submitting_without_a_required_material_names_it_and_keeps_the_chosen_file(citizen, world):
    photo = _material_id(world.item, PHOTO)
    response = _post(
        citizen,
        _apply_url(world),
        residence_basis="合法稳定就业",
        files={f"material-{photo}": _file()},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "还缺少以下必需材料，请上传后再提交：劳动合同或在职证明。" in html
    assert _rows(response)[LABOUR] is True and _rows(response)[LEASE] is False
    case = Case.objects.get()  # not submitted: a draft with the good file, nothing else
    assert (case.state, case.idempotency_key, case.form_data) == ("draft", "key-1", {})
    assert list(case.materials.values_list("name", "original_name")) == [(PHOTO, "scan.pdf")]


def test_a_draft_missing_a_material_is_refused_on_submit_and_stays_a_draft(citizen, world):
    _post(citizen, _apply_url(world), action="save")
    case = Case.objects.get()
    response = _post(citizen, f"/me/cases/{case.pk}/edit/")
    assert response.status_code == 422
    assert "还缺少以下必需材料，请上传后再提交：近期免冠彩色照片、房屋租赁合同。" in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.state == "draft" and case.received_at is None


@pytest.mark.parametrize(
    ("name", "content", "max_bytes", "message"),
    [
        ("setup.pdf", EXE, None, "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"),
        ("scan.pdf", PDF + b"0" * 1_600_000, 2**20, "文件过大（1.5 MB），单个文件不能超过 1 MB。"),
    ],
)  # fmt: skip
def test_a_bad_upload_is_refused_at_its_material(
    citizen, world, settings, name, content, max_bytes, message
):
    if max_bytes:
        settings.TONGBAN_CASE_UPLOAD_MAX_BYTES = max_bytes
    photo = _material_id(world.item, PHOTO)
    response = _post(
        citizen, _apply_url(world), action="save", files={f"material-{photo}": _file(name, content)}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p class="error" id="material-{photo}-error">{message}</p>' in html
    assert Case.objects.count() == 0 and CaseMaterial.objects.count() == 0


def test_an_upload_for_a_material_of_another_item_is_refused(citizen, world):
    other = world.publish(name="居住证签注")
    foreign = _material_id(other, PHOTO)
    response = _post(
        citizen, _apply_url(world), action="save", files={f"material-{foreign}": _file()}
    )
    assert response.status_code == 422
    assert "所选材料不在本办件的材料清单中，或无需申请人提交。" in response.content.decode()
    assert Case.objects.count() == 0


def test_a_double_clicked_submit_makes_one_case(citizen, world):
    photo, lease = _material_id(world.item, PHOTO), _material_id(world.item, LEASE)
    answers = []
    for _ in range(2):
        files = {f"material-{photo}": _file(), f"material-{lease}": _file()}
        answers.append(_post(citizen, _apply_url(world), key="double", files=files))
    case = Case.objects.get()
    assert [r["Location"] for r in answers] == [f"/me/cases/{case.pk}/receipt/"] * 2
    assert case.state == "pre_review" and case.materials.count() == 2
    assert case.events.filter(kind="transition", to_state="submitted").count() == 1


def test_the_checklist_follows_the_saved_answers(citizen, world):
    _post(citizen, _apply_url(world), action="save", residence_basis="合法稳定就业")
    case = Case.objects.get()
    rows = _rows(citizen.get(f"/me/cases/{case.pk}/edit/"))
    assert (rows[LABOUR], rows[LEASE]) == (True, False)
    _post(citizen, f"/me/cases/{case.pk}/edit/", action="save", residence_basis="租赁住房")
    rows = _rows(citizen.get(f"/me/cases/{case.pk}/edit/"))
    assert (rows[LABOUR], rows[LEASE]) == (False, True)


def test_someone_elses_draft_is_not_found_and_stays_as_it_was(client, world):
    client.force_login(world.person.account)
    _post(client, _apply_url(world), action="save")
    case = Case.objects.get()
    client.force_login(world.other.account)
    photo = _material_id(world.item, PHOTO)
    for url in (f"/me/cases/{case.pk}/", f"/me/cases/{case.pk}/edit/"):
        assert client.get(url).status_code == 404
    response = _post(
        client,
        f"/me/cases/{case.pk}/edit/",
        address="别人改的地址",
        files={f"material-{photo}": _file()},
    )
    assert response.status_code == 404
    assert "办件不存在，或您无权查看。" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "draft" and case.form_data["address"] == ANSWERS["address"]
    assert case.materials.count() == 0


def test_an_agent_applies_in_the_enterprises_name(client, world, make):
    agent = make.person(name="孙经办")
    entity = make.entity(name="上海通办示范科技有限公司")
    make.authorization(entity, agent)
    client.force_login(agent.account)
    client.post("/me/acting/", {"uscc": entity.uscc})
    theme = world.open_business_theme()
    page = client.get(f"/apply/themes/{theme.code}/").content.decode()
    assert "您正在以“上海通办示范科技有限公司”的名义申请（经办人身份）。" in page
    assert 'name="entity_name" type="text" value="上海通办示范科技有限公司"' in page
    ids = {
        name: theme.members.get(item__published__name=item)
        .item.published.materials.get(name=name)
        .pk
        for item, name in [
            ("企业设立登记", "企业设立登记申请书"),
            ("公章刻制备案", "印章刻制申请表"),
            ("新办纳税人涉税事项", "财务负责人信息表"),
            ("单位社会保险登记", "社会保险登记表"),
            ("企业设立登记", "公司章程"),
        ]
    }
    files = {f"material-{i}": _file() for i in ids.values()}
    data = {"entity_name": entity.name, "business_address": "浦东新区张江路1号"}
    response = client.post(
        f"/apply/themes/{theme.code}/",
        {**data, "action": "submit", "idempotency_key": "t-1", **files},
    )
    case = Case.objects.get()
    assert response["Location"] == f"/me/cases/{case.pk}/receipt/"
    assert (case.entity_id, case.applicant_id, case.state) == (entity.pk, agent.pk, "pre_review")
    detail = client.get(f"/me/cases/{case.pk}/").content.decode()
    for department in ("浦东市场监管局", "浦东公安分局", "浦东税务局", "浦东人社局"):
        assert f"<td>{department}</td>" in detail


# --- 我的办件 --------------------------------------------------------------------------------


def test_my_cases_lists_state_next_step_holder_and_days_in_a_fixed_number_of_queries(
    citizen, world
):
    _submitted(world)

    def page():
        with CaptureQueriesContext(connection) as queries:
            response = citizen.get("/me/cases/")
        assert response.status_code == 200
        return len(queries), response.content.decode()

    one, html = page()
    assert "预审中" in html and "部门预审中" in html and "浦东公安分局" in html
    for _ in range(3):
        _submitted(world, basis="合法稳定就业")
    case = services.case_pre_review_accept(staff=world.clerk, case_id=Case.objects.first().pk)
    services.case_review_start(staff=world.clerk, case_id=case.pk)
    four, html = page()
    assert four == one
    assert html.count('<tr data-case="') == 4 and "审查中" in html


def test_me_links_to_my_cases(citizen):
    assert 'href="/me/cases/">我的办件</a>' in citizen.get("/me/").content.decode()


def test_detail_shows_the_notice_and_the_correction_resubmits(citizen, world):
    case = _submitted(world)
    services.case_request_correction(
        staff=world.clerk,
        case_id=case.pk,
        items=[
            {"target": LEASE, "reason": "未登记备案"},
            {"target": "居住地址", "reason": "与租赁合同不一致"},
        ],
    )
    notice = CorrectionNotice.objects.get()
    detail = citizen.get(f"/me/cases/{case.pk}/").content.decode()
    assert "待补正" in detail and "请按一次性告知书补正后重新提交" in detail
    assert f"<strong>{LEASE}</strong>：未登记备案" in detail
    assert "<strong>居住地址</strong>：与租赁合同不一致" in detail
    assert f"请在 <strong>{notice.due:%Y-%m-%d}</strong> 前一次补正以下全部内容" in detail
    assert f'href="/me/cases/{case.pk}/correct/">补正并重新提交</a>' in detail

    form = citizen.get(f"/me/cases/{case.pk}/correct/").content.decode()
    assert "<strong>居住地址</strong>：与租赁合同不一致" in form
    lease = _material_id(world.item, LEASE)
    response = citizen.post(
        f"/me/cases/{case.pk}/correct/",
        {
            **ANSWERS,
            "address": "浦东新区世纪大道200号",
            "action": "correct",
            f"material-{lease}": _file("lease-2.pdf"),
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/me/cases/{case.pk}/"
    case.refresh_from_db()
    notice.refresh_from_db()
    assert case.state == "pre_review" and case.form_data["address"] == "浦东新区世纪大道200号"
    assert notice.corrected_at is not None
    assert case.materials.filter(name=LEASE).count() == 2


def test_a_correction_after_its_deadline_is_refused_and_changes_nothing(citizen, world):
    case = _submitted(world)
    services.case_request_correction(
        staff=world.clerk, case_id=case.pk, items=[{"target": LEASE, "reason": "模糊"}]
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    CorrectionNotice.objects.update(due=yesterday)
    lease = _material_id(world.item, LEASE)
    response = citizen.post(
        f"/me/cases/{case.pk}/correct/",
        {**ANSWERS, "action": "correct", f"material-{lease}": _file()},
    )
    assert response.status_code == 409
    assert (
        f"补正期限已于 {yesterday.isoformat()} 届满，不能再提交补正，请重新申请或联系窗口。"
        in response.content.decode()
    )
    case.refresh_from_db()
    assert case.state == "correction_requested" and case.materials.count() == 2


def test_withdraw_asks_first_then_withdraws(citizen, world):
    case = _submitted(world)
    confirm = citizen.get(f"/me/cases/{case.pk}/withdraw/")
    assert confirm.status_code == 200 and "确认撤回" in confirm.content.decode()
    case.refresh_from_db()
    assert case.state == "pre_review"
    response = citizen.post(f"/me/cases/{case.pk}/withdraw/", {"reason": "已在别处办理"})
    assert response["Location"] == f"/me/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.state == "withdrawn"
    detail = citizen.get(f"/me/cases/{case.pk}/").content.decode()
    assert "状态变为“已撤回”：已在别处办理" in detail and "撤回申请</a>" not in detail
    again = citizen.post(f"/me/cases/{case.pk}/withdraw/", {"reason": ""})
    assert again.status_code == 302
    assert Case.objects.get(pk=case.pk).events.filter(to_state="withdrawn").count() == 1


def test_the_decision_and_the_timeline_are_shown(citizen, world):
    case = _submitted(world)
    services.case_pre_review_accept(staff=world.clerk, case_id=case.pk)
    services.case_review_start(staff=world.clerk, case_id=case.pk)
    services.case_decide(staff=world.reviewer, case_id=case.pk, decision="approved")
    detail = citizen.get(f"/me/cases/{case.pk}/").content.decode()
    assert '<span data-testid="case-decision">准予许可</span>' in detail
    steps = re.findall(r"</time> ([^<]+)</li>", detail)
    assert [s for s in steps if s.startswith("状态变为")] == [
        "状态变为“已提交”",
        "状态变为“预审中”：进入网上预审",
        "状态变为“已受理”：受理",
        "状态变为“审查中”",
        "状态变为“已决定”",
    ]
    assert "<td>居住证办理</td><td>浦东公安分局</td><td>已完成</td><td>准予许可</td>" in detail


# --- public status query ----------------------------------------------------------------------


def test_the_public_status_query_shows_state_and_dates_only(client, world):
    case = _submitted(world)
    response = client.get("/status/", {"number": case.number, "name": "王小明"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd data-testid="status-state">预审中</dd>' in html
    assert world.person.id_number not in html and world.person.mobile not in html

    wrong = client.get("/status/", {"number": case.number, "name": "王大明"})
    assert wrong.status_code == 404 and "办件不存在，或您无权查看。" in wrong.content.decode()
    empty = client.get("/status/", {"number": "", "name": ""})
    assert empty.status_code == 400 and "这个字段是必填项。" in empty.content.decode()


def test_status_queries_are_rate_limited_per_client(client, world, settings):
    settings.TONGBAN_STATUS_QUERY_RATE = "2/m"
    case = _submitted(world)
    query = {"number": case.number, "name": "王小明"}
    assert [client.get("/status/", query).status_code for _ in range(2)] == [200, 200]
    refused = client.get("/status/", query)
    assert refused.status_code == 429
    assert re.search(r"查询过于频繁，请 \d+ 秒后再试。", refused.content.decode())

    api = client.get("/api/v1/cases/status", query)
    assert api.status_code == 429 and api.json()["code"] == "rate_limited"
    other_client = client.get("/api/v1/cases/status", query, REMOTE_ADDR="10.0.0.9")
    assert other_client.status_code == 200 and other_client.json()["state"] == "pre_review"


# --- the submit rule through the API ----------------------------------------------------------


def test_the_api_submit_needs_the_required_materials_too(citizen, world):
    created = citizen.post(
        "/api/v1/cases/",
        {"item_id": world.item.pk, "form_data": ANSWERS},
        content_type="application/json",
    ).json()
    refused = citizen.post(f"/api/v1/cases/{created['id']}/submit", {}, "application/json")
    assert refused.status_code == 422
    assert refused.json()["fields"] == {
        "materials": "还缺少以下必需材料，请上传后再提交：近期免冠彩色照片、房屋租赁合同。"
    }
    for name in (PHOTO, LEASE):
        added = citizen.post(
            f"/api/v1/cases/{created['id']}/materials",
            {"name": name, "catalog_material_id": _material_id(world.item, name), "file": _file()},
        )
        assert added.status_code == 201
    submitted = citizen.post(f"/api/v1/cases/{created['id']}/submit", {}, "application/json")
    assert submitted.status_code == 200 and submitted.json()["state"] == "pre_review"
