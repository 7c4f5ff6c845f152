"""The workbench's 电子证照库: the list (filters, masked holders, only the department's), the
licence page (an audited read the holder sees), each action posted as a browser would, issuing
by hand from the type's schema and importing a file — each refused for the wrong department
and the wrong role, bad input answered in Chinese beside the field with nothing changed."""

import datetime as dt
import json
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.licences.conftest import FOOD, RESIDENCE, LicenceWorld
from tongban.core.models import AuditEntry
from tongban.licences import services
from tongban.licences.models import Licence, LicenceStatusChange

pytestmark = pytest.mark.django_db
BASE = "/workbench/licences/"
ADDRESS = "浦东新区世纪大道1号"


@pytest.fixture
def lw(make):
    return LicenceWorld(make)


def text(response) -> str:
    return response.content.decode()


def _state():
    return (
        list(Licence.objects.order_by("pk").values_list("identifier", "status", "version")),
        LicenceStatusChange.objects.count(),
    )


def _url(licence, action=""):
    return f"{BASE}{licence.pk}/" + (f"{action}/" if action else "")


def _outsiders(lw, make):
    """Staff who must be refused: every licence role in another department (which issues the
    type too), and the issuing department's data steward (no licence role)."""
    outsider = make.staff(
        department=lw.dept_b, roles=("reviewer", "department_head", "counter_clerk")
    )
    lw.dept_b.issued_licence_types.add(*services.LicenceType.objects.all())
    return outsider, lw.steward


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_departments_licences_masked_newest_first(lw, as_staff):
    first = lw.issue()
    second = lw.issue()
    page = text(as_staff(lw.clerk_a).get(BASE))
    assert page.index(second.identifier) < page.index(first.identifier)
    assert "<td>张*<br>" in page and lw.person.id_number not in page
    masked = lw.person.id_number[:4] + "*" * 10 + lw.person.id_number[-4:]
    assert page.count(masked) == 2
    assert page.count('data-status="valid">有效</span>') == 2
    # a list is not a read of any one licence
    assert not AuditEntry.objects.filter(action="licences.licence.staff_read").exists()


def test_the_list_filters_by_type_status_as_of_today_holder_and_dates(lw, as_staff, make):
    today = timezone.localdate()
    mine = lw.issue()
    old = lw.issue()
    Licence.objects.filter(pk=old.pk).update(
        valid_from=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=1),
        issued_on=today - dt.timedelta(days=400),
    )
    other_person = make.person(name="王五")
    theirs = services.licence_issue(
        staff=lw.reviewer_a,
        type_code=RESIDENCE,
        holder_code=other_person.id_number,
        data={"address": ADDRESS},
    )
    food = services.licence_issue(
        staff=lw.reviewer_a, type_code=FOOD, holder_code=lw.entity.uscc, data={}
    )
    client = as_staff(lw.clerk_a)

    def shown(query):
        response = client.get(BASE + query)
        assert response.status_code == 200, text(response)
        return {
            lic.pk
            for lic in (mine, old, theirs, food)
            if f'data-licence="{lic.pk}"' in text(response)
        }

    assert shown("") == {mine.pk, old.pk, theirs.pk, food.pk}
    assert shown(f"?type_code={FOOD}") == {food.pk}
    assert shown("?status=valid") == {mine.pk, theirs.pk, food.pk}  # old is past its last day
    assert shown("?status=expired") == {old.pk}
    assert shown(f"?holder_code={lw.person.id_number}") == {mine.pk, old.pk}
    assert shown(f"?holder_code={lw.person.id_number.lower()}") == {mine.pk, old.pk}
    assert shown(f"?holder_code={lw.entity.uscc}") == {food.pk}
    assert shown(f"?issued_to={today - dt.timedelta(days=1)}") == {old.pk}
    assert shown(f"?issued_from={today}&type_code={RESIDENCE}") == {mine.pk, theirs.pk}


def test_a_malformed_holder_code_or_date_is_named_beside_its_field(lw, as_staff):
    lw.issue()
    client = as_staff(lw.clerk_a)
    bad_id = client.get(BASE + "?holder_code=310115199001011234")
    assert bad_id.status_code == 422
    assert 'id="id_holder_code_error"' in text(
        bad_id
    ) and "公民身份号码校验位错误：应为 2，实为 4" in text(bad_id)
    bad_date = client.get(BASE + "?issued_from=2026-02-30")
    assert bad_date.status_code == 400 and 'id="id_issued_from_error"' in text(bad_date)
    reversed_dates = client.get(BASE + "?issued_from=2026-03-02&issued_to=2026-03-01")
    assert "结束日期早于开始日期。" in text(reversed_dates)


def test_the_list_pages_by_twenty_and_keeps_the_filters(lw, as_staff):
    for _ in range(21):
        lw.issue()
    client = as_staff(lw.clerk_a)
    first = text(client.get(BASE + "?status=valid"))
    assert first.count("data-licence=") == 20 and "第 1 页，共 2 页" in first
    assert 'href="?status=valid&amp;page=2"' in first
    second = text(client.get(BASE + "?status=valid&page=2"))
    assert second.count("data-licence=") == 1


def test_another_department_sees_none_and_the_wrong_role_is_refused(lw, as_staff, make):
    lw.issue()
    outsider, steward = _outsiders(lw, make)
    response = as_staff(outsider).get(BASE)
    assert response.status_code == 200 and "没有符合条件的电子证照。" in text(response)
    assert as_staff(steward).get(BASE).status_code == 403


def test_the_home_page_links_the_library_for_its_roles_only(lw, as_staff):
    assert 'data-testid="licences-link"' in text(as_staff(lw.clerk_a).get("/workbench/"))
    assert 'data-testid="licences-link"' not in text(as_staff(lw.steward).get("/workbench/"))
    issuers = text(as_staff(lw.reviewer_a).get(BASE))
    assert 'data-testid="issue-link"' in issuers
    assert 'data-testid="issue-link"' not in text(as_staff(lw.clerk_a).get(BASE))


# --- the licence page ------------------------------------------------------------------------


def test_the_licence_page_is_an_audited_read_the_holder_sees(lw, as_staff, client):
    licence = lw.issue()
    page = text(as_staff(lw.head_a).get(_url(licence)))
    masked = lw.person.id_number[:4] + "*" * 10 + lw.person.id_number[-4:]
    assert licence.identifier in page and f"张三（{masked}）" in page
    assert lw.person.id_number not in page and ADDRESS in page
    assert "<td>颁发 → 有效</td>" in page
    entry = AuditEntry.objects.get(action="licences.licence.staff_read")
    assert (entry.actor_id, entry.subject_person_id) == (lw.head_a.account_id, lw.person.pk)
    client.force_login(lw.account)
    security = text(client.get("/me/"))
    assert "工作人员查看电子证照" in security


def test_the_page_offers_only_the_actions_of_the_role(lw, as_staff):
    licence = lw.issue()

    def offered(staff):
        page = text(as_staff(staff).get(_url(licence)))
        return {a for a in ("suspend", "restore", "revoke", "renew", "change") if f'/{a}/"' in page}

    assert offered(lw.head_a) == {"suspend", "revoke", "renew", "change"}
    assert offered(lw.reviewer_a) == {"renew", "change"}
    assert offered(lw.clerk_a) == set()
    services.licence_suspend(staff=lw.head_a, licence_id=licence.pk, reason="核查")
    assert offered(lw.head_a) == {"restore", "revoke"}  # a suspended one is not renewed


def test_another_department_and_the_wrong_role_are_refused_every_view(lw, as_staff, make):
    licence = lw.issue()
    outsider, steward = _outsiders(lw, make)
    before = _state()
    posts = {
        "suspend": {"suspend-reason": "核查"},
        "restore": {"restore-reason": "核查"},
        "revoke": {"revoke-reason": "欺骗", "revoke-legal_basis": "第六十九条"},
        "renew": {},
        "change": {"address": "黄浦区外滩2号", "change-reason": "迁居"},
    }
    for staff in (outsider, steward):
        client = as_staff(staff)
        assert client.get(_url(licence)).status_code in (403, 404)
        for action, body in posts.items():
            response = client.post(_url(licence, action), body)
            assert response.status_code in (403, 404), (staff, action)
    # the issuing department's clerk reads but may not act
    clerk = as_staff(lw.clerk_a)
    for action, body in posts.items():
        assert clerk.post(_url(licence, action), body).status_code == 403, action
    assert _state() == before
    assert outsider.department != licence.issuer
    assert not AuditEntry.objects.filter(
        action="licences.licence.staff_read", actor_id=outsider.account_id
    ).exists()


def test_an_unknown_action_and_a_get_change_nothing(lw, as_staff):
    licence = lw.issue()
    head = as_staff(lw.head_a)
    before = _state()
    assert head.post(_url(licence, "destroy"), {"destroy-reason": "x"}).status_code == 404
    assert head.get(_url(licence, "suspend")).status_code == 405
    assert _state() == before


# --- actions ---------------------------------------------------------------------------------


def test_suspend_restore_and_revoke_with_their_history(lw, as_staff, client):
    licence = lw.issue()
    head = as_staff(lw.head_a)
    response = head.post(_url(licence, "suspend"), {"suspend-reason": "涉嫌违规，核查中"})
    assert response.status_code == 302 and response.url == _url(licence)
    licence.refresh_from_db()
    assert (licence.status, licence.status_reason) == ("suspended", "涉嫌违规，核查中")
    page = text(head.get(_url(licence)))
    assert "证照已暂停使用，持证人已收到通知。" in page
    assert "<td>有效 → 暂停使用</td>" in page and "涉嫌违规，核查中" in page
    head.post(_url(licence, "restore"), {"restore-reason": "核查完毕"})
    licence.refresh_from_db()
    assert licence.status == "valid"
    response = head.post(
        _url(licence, "revoke"),
        {"revoke-reason": "以欺骗手段取得", "revoke-legal_basis": "《行政许可法》第六十九条"},
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert (licence.status, licence.status_legal_basis) == ("revoked", "《行政许可法》第六十九条")
    assert list(
        LicenceStatusChange.objects.filter(licence=licence)
        .order_by("pk")
        .values_list("from_status", "to_status", "actor")
    ) == [
        ("", "valid", lw.reviewer_a.pk),
        ("valid", "suspended", lw.head_a.pk),
        ("suspended", "valid", lw.head_a.pk),
        ("valid", "revoked", lw.head_a.pk),
    ]
    client.force_login(lw.account)
    wallet = text(client.get(f"/me/licences/{licence.pk}/"))
    assert "已撤销" in wallet


@pytest.mark.parametrize(
    ("action", "body", "field", "message"),
    [
        ("suspend", {"suspend-reason": ""}, "suspend-reason", "请写明原因。"),
        ("suspend", {"suspend-reason": "   "}, "suspend-reason", "请写明原因。"),
        (
            "revoke",
            {"revoke-reason": "欺骗", "revoke-legal_basis": ""},
            "revoke-legal_basis",
            "撤销证照须写明法律依据。",
        ),
        (
            "revoke",
            {"revoke-reason": "", "revoke-legal_basis": "第六十九条"},
            "revoke-reason",
            "请写明原因。",
        ),
        ("suspend", {"suspend-reason": "x" * 501}, "suspend-reason", "500"),
    ],
)
def test_a_missing_reason_or_legal_basis_is_named_and_changes_nothing(
    lw, as_staff, action, body, field, message
):
    licence = lw.issue()
    before = _state()
    response = as_staff(lw.head_a).post(_url(licence, action), body)
    assert response.status_code == 400
    page = text(response)
    assert f'id="id_{field}_error"' in page and message in page
    assert _state() == before


def test_a_nul_byte_is_refused_before_anything(lw, as_staff):
    licence = lw.issue()
    before = _state()
    response = as_staff(lw.head_a).post(_url(licence, "suspend"), {"suspend-reason": "a\x00b"})
    assert response.status_code == 400
    assert _state() == before


def test_a_double_submit_changes_the_status_once(lw, as_staff):
    licence = lw.issue()
    head = as_staff(lw.head_a)
    assert head.post(_url(licence, "suspend"), {"suspend-reason": "核查"}).status_code == 302
    reads = AuditEntry.objects.filter(action="licences.licence.staff_read")
    assert reads.count() == 0  # an action is no read; the page it leads to is
    again = head.post(_url(licence, "suspend"), {"suspend-reason": "核查"})
    assert again.status_code == 409 and reads.count() == 1  # the page shown with the reason
    assert "证照当前状态为“暂停使用”，不能变更为“暂停使用”。" in text(again)
    assert LicenceStatusChange.objects.filter(licence=licence, to_status="suspended").count() == 1


def test_renew_and_change_issue_the_successor(lw, as_staff):
    licence = lw.issue()
    reviewer = as_staff(lw.reviewer_a)
    response = reviewer.post(_url(licence, "renew"), {})
    renewed = Licence.objects.get(previous=licence)
    assert response.status_code == 302 and response.url == _url(renewed)
    assert (renewed.serial != licence.serial, renewed.version) == (True, 1)
    assert reviewer.post(_url(licence, "renew"), {}).status_code == 409  # double submit
    assert Licence.objects.filter(previous=licence).count() == 1
    short = reviewer.post(_url(renewed, "change"), {"address": "短", "change-reason": "迁居"})
    assert short.status_code == 422 and 'id="f-address-error"' in text(short)
    response = reviewer.post(
        _url(renewed, "change"), {"address": "黄浦区外滩2号", "change-reason": "迁居"}
    )
    changed = Licence.objects.get(previous=renewed)
    assert response.status_code == 302
    assert (changed.serial, changed.version, changed.data["address"]) == (
        renewed.serial,
        2,
        "黄浦区外滩2号",
    )
    assert changed.data["id_number"] == lw.person.id_number  # the holder's own, not posted


# --- issuing by hand ---------------------------------------------------------------------------


def _issue_post(lw, **changes):
    return {
        "type_code": RESIDENCE,
        "holder_code": lw.person.id_number,
        "address": ADDRESS,
        "idempotency_key": "k1",
        **changes,
    }


def test_issuing_by_hand_from_the_types_schema(lw, as_staff):
    client = as_staff(lw.reviewer_a)
    choose = text(client.get(BASE + "issue/"))
    assert f'href="?type={RESIDENCE}">居住证</a>' in choose
    form = text(client.get(BASE + f"issue/?type={RESIDENCE}"))
    assert 'name="address"' in form and 'name="id_number"' not in form
    assert 'type="hidden" name="idempotency_key"' in form
    response = client.post(BASE + "issue/", _issue_post(lw))
    licence = Licence.objects.get()
    assert response.status_code == 302 and response.url == _url(licence)
    assert (licence.issuer, licence.holder_person, licence.data) == (
        lw.dept_a,
        lw.person,
        {"name": "张三", "id_number": lw.person.id_number, "address": ADDRESS},
    )
    assert licence.idempotency_key == "k1"


def test_a_double_submitted_issue_returns_the_first_licence(lw, as_staff):
    client = as_staff(lw.reviewer_a)
    first = client.post(BASE + "issue/", _issue_post(lw))
    second = client.post(BASE + "issue/", _issue_post(lw))
    assert first.url == second.url and Licence.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "error_id", "message"),
    [
        ({"holder_code": ""}, 400, "id_holder_code_error", "请填写持证主体代码。"),
        (
            {"holder_code": "310115199001011234"},
            422,
            "id_holder_code_error",
            "公民身份号码校验位错误：应为 2，实为 4",
        ),
        ({"address": ""}, 422, "f-address-error", "请填写住址。"),
        ({"address": "短"}, 422, "f-address-error", "住址"),
        ({"valid_from": "2020-01-01"}, 422, "id_valid_from_error", "有效期起始日不能早于今天。"),
        ({"idempotency_key": "not a key"}, 422, None, "提交标识"),
    ],
)
def test_bad_issue_input_is_named_beside_its_field(
    lw, as_staff, changes, status, error_id, message
):
    response = as_staff(lw.reviewer_a).post(BASE + "issue/", _issue_post(lw, **changes))
    assert response.status_code == status, text(response)
    page = text(response)
    if error_id:
        assert f'id="{error_id}"' in page
    assert message in page
    assert Licence.objects.count() == 0


def test_an_unregistered_holder_is_named(lw, as_staff, make):
    response = as_staff(lw.reviewer_a).post(
        BASE + "issue/", _issue_post(lw, holder_code=make.id_number())
    )
    assert response.status_code == 404
    assert "平台上没有该持证主体（自然人），请先登记。" in text(response)
    assert Licence.objects.count() == 0


def test_an_unknown_type_or_one_the_department_does_not_issue_is_refused(lw, as_staff, make):
    client = as_staff(lw.reviewer_a)
    assert client.get(BASE + "issue/?type=11100000000013127D099").status_code == 404
    assert client.post(BASE + "issue/", _issue_post(lw, type_code="NOPE")).status_code == 404
    outsider, steward = _outsiders(lw, make)
    lw.dept_b.issued_licence_types.clear()  # 乙局 issues nothing
    other = as_staff(outsider)
    assert "本部门不是任何证照类型的颁发机构。" in text(other.get(BASE + "issue/"))
    assert other.get(BASE + f"issue/?type={RESIDENCE}").status_code == 403
    assert other.post(BASE + "issue/", _issue_post(lw)).status_code == 403
    steward_client = as_staff(steward)
    assert steward_client.get(BASE + "issue/").status_code == 403
    assert steward_client.post(BASE + "issue/", _issue_post(lw)).status_code == 403
    assert as_staff(lw.clerk_a).post(BASE + "issue/", _issue_post(lw)).status_code == 403
    assert Licence.objects.count() == 0


# --- import ----------------------------------------------------------------------------------


def _file(name, content: str, content_type="text/csv"):
    return SimpleUploadedFile(name, content.encode(), content_type=content_type)


def _csv(lw, *rows):
    lines = ["type_code,holder_code,issued_on,data"]
    for code, holder in rows:
        lines.append(f'{code},{holder},2026-01-05,"{{""address"": ""{ADDRESS}""}}"')
    return "\n".join(lines) + "\n"


def test_a_csv_and_a_json_file_are_imported(lw, as_staff):
    client = as_staff(lw.reviewer_a)
    csv_text = _csv(lw, (RESIDENCE, lw.person.id_number), (RESIDENCE, lw.other.id_number))
    response = client.post(
        BASE + "import/", {"file": _file("old.csv", csv_text), "idempotency_key": "f1"}
    )
    assert response.status_code == 302 and response.url == BASE
    assert Licence.objects.count() == 2
    assert "已导入 2 份电子证照。" in text(client.get(BASE))
    again = client.post(
        BASE + "import/", {"file": _file("old.csv", csv_text), "idempotency_key": "f1"}
    )
    assert again.status_code == 302 and Licence.objects.count() == 2
    assert "该文件已导入过（2 份），未重复导入。" in text(client.get(BASE))
    body = json.dumps(
        [{"type_code": RESIDENCE, "holder_code": lw.person.id_number, "data": {"address": ADDRESS}}]
    )
    client.post(BASE + "import/", {"file": _file("a.json", body, "application/json")})
    assert Licence.objects.count() == 3


def test_bad_rows_are_listed_and_nothing_is_imported(lw, as_staff, make):
    csv_text = _csv(
        lw,
        (RESIDENCE, lw.person.id_number),
        ("11100000000013127D099", lw.person.id_number),
        (RESIDENCE, make.id_number()),
        (RESIDENCE, "310115199001011234"),
    )
    response = as_staff(lw.reviewer_a).post(BASE + "import/", {"file": _file("x.csv", csv_text)})
    assert response.status_code == 422
    page = text(response)
    assert "导入文件有 3 处错误，未导入任何证照。" in page
    assert "<tr><td>2</td><td>type_code</td><td>证照目录中没有该证照类型。</td></tr>" in page
    assert (
        "<tr><td>3</td><td>holder_code</td><td>平台上没有该持证主体（自然人），请先登记。</td></tr>"
        in page
    )
    assert "<tr><td>4</td><td>holder_code</td>" in page
    assert Licence.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        ("x.xlsx", "a,b", 400, "仅支持 JSON 或 CSV 文件（.json、.csv）。"),
        ("x.json", "{not json", 422, "不是有效的 JSON。"),
        ("x.json", "{}", 422, "JSON 须为证照对象的数组。"),
        ("x.csv", "type_code,holder_code\n", 422, "文件中没有证照。"),
        ("x.csv", "type_code\nA\x00B\n", 422, "空字符"),
    ],
)
def test_a_wrong_file_is_refused(lw, as_staff, name, content, status, message):
    response = as_staff(lw.reviewer_a).post(BASE + "import/", {"file": _file(name, content)})
    assert response.status_code == status, text(response)
    assert message in text(response)
    assert Licence.objects.count() == 0


def test_import_refuses_the_wrong_role_and_a_department_not_issuing(lw, as_staff, make):
    outsider, steward = _outsiders(lw, make)
    lw.dept_b.issued_licence_types.clear()
    csv_text = _csv(lw, (RESIDENCE, lw.person.id_number))
    for staff in (steward, lw.clerk_a):
        client = as_staff(staff)
        assert client.get(BASE + "import/").status_code == 403
        assert client.post(BASE + "import/", {"file": _file("x.csv", csv_text)}).status_code == 403
    refused = as_staff(outsider).post(BASE + "import/", {"file": _file("x.csv", csv_text)})
    assert refused.status_code == 422 and "不是“居住证”的颁发机构" in text(refused)
    assert Licence.objects.count() == 0


def _race(posts):
    """Each (staff, url, body) posted from its own thread at once; the statuses, sorted."""
    from django.db import connection
    from django.test import Client

    barrier, results = threading.Barrier(len(posts)), []

    def post(staff, url, body):
        c = Client()
        c.force_login(staff.account)
        try:
            barrier.wait(timeout=10)
            results.append(c.post(url, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=p) for p in posts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_two_heads_suspending_at_once_change_it_once(make):
    lw = LicenceWorld(make)
    licence = lw.issue()
    other_head = make.staff(department=lw.dept_a, roles=("department_head",))
    body = {"suspend-reason": "核查"}
    url = _url(licence, "suspend")
    assert _race([(lw.head_a, url, body), (other_head, url, body)]) == [302, 409]
    assert LicenceStatusChange.objects.filter(licence=licence, to_status="suspended").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_issue_issues_one_licence(make):
    lw = LicenceWorld(make)
    body = _issue_post(lw, idempotency_key="double-click")
    url = BASE + "issue/"
    assert _race([(lw.reviewer_a, url, body), (lw.reviewer_a, url, body)]) == [302, 302]
    assert Licence.objects.filter(idempotency_key="double-click").count() == 1
