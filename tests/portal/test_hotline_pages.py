"""我要诉求 (the citizen's 12345 pages): file with an address picked from the registry or a
point, the list, the progress timeline and the callback — main paths and bad input."""

import pytest

from tests.hotline.conftest import NOISE, POINT, city, hl, providers, replied  # noqa: F401
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Ticket

pytestmark = pytest.mark.django_db
NEW = "/hotline/new/"


@pytest.fixture
def citizen(client, hl):  # noqa: F811
    client.force_login(hl.citizen.account)
    return client


def _post(client, **data):
    return client.post(NEW, {"kind": "complaint", "text": NOISE, **data})


def test_the_page_asks_kind_text_and_where(citizen):
    page = citizen.get(NEW).content.decode()
    for label in ("诉求类型", "诉求内容", "发生地点", "查找地址", "纬度", "经度", "提交诉求"):
        assert label in page
    assert 'value="consult"' not in page  # a consultation is asked by phone, not filed


def test_find_address_lists_the_registry_places_and_files_nothing(citizen):
    response = _post(citizen, address="张杨路500弄", find="1")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="A31011500400100001" checked' in page
    assert 'value="A31011500400100002"' in page
    assert Ticket.objects.count() == 0


def test_filing_with_the_picked_place(citizen, hl):  # noqa: F811
    response = _post(citizen, address="张杨路500弄", place_code="A31011500400100002")
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/me/requests/{ticket.pk}/"
    assert ticket.place_id == "A31011500400100002"
    assert (ticket.channel, ticket.kind, ticket.state) == ("web", "complaint", S.RECEIVED)
    assert ticket.requester_id == hl.citizen.account.pk
    page = citizen.get(response["Location"]).content.decode()
    assert ticket.number in page and "已接收" in page


def test_filing_with_a_point(citizen):
    response = _post(citizen, lat=str(POINT["lat"]), lng=str(POINT["lng"]))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.district_id, ticket.street_id) == ("310115", "310115004")
    assert str(ticket.lat) == "31.228100"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"text": ""}, 422, "请写明诉求内容。"),
        ({"text": "噪" * 50_000}, 422, "最多 4000 个字（现为 50000 个）。"),
        ({"lat": "39.908700", "lng": "116.397500"}, 422, "该位置不在本市范围内"),
        ({"lat": "31.2281"}, 422, "经度和纬度需同时填写。"),
        ({"lat": "abc", "lng": "121.5"}, 400, "请填写数字形式的经纬度"),
        ({"address": ""}, 422, "请填写地址或选择位置。"),
        ({"address": "北京市东城区王府井大街1号"}, 422, "本市标准地址中找不到"),
    ],
)
def test_bad_requests_say_why_and_file_nothing(citizen, data, status, message):
    response = _post(citizen, **{"address": "张杨路500弄1号", **data})
    assert response.status_code == status
    assert message in response.content.decode()
    assert Ticket.objects.count() == 0


def test_find_an_unknown_address_says_so(citizen):
    response = _post(citizen, address="北京市东城区王府井大街1号", find="1")
    assert response.status_code == 422
    assert "本市标准地址中找不到该地址" in response.content.decode()


def test_my_requests_lists_only_mine(citizen, hl):  # noqa: F811
    mine = replied(hl)
    page = citizen.get("/me/requests/").content.decode()
    assert mine.number in page and "已答复" in page
    citizen.force_login(hl.stranger.account)
    assert mine.number not in citizen.get("/me/requests/").content.decode()
    assert citizen.get(f"/me/requests/{mine.pk}/").status_code == 404


def test_the_timeline_and_the_callback(citizen, hl):  # noqa: F811
    ticket = replied(hl)
    page = citizen.get(f"/me/requests/{ticket.pk}/").content.decode()
    assert "回访：请评价办理结果" in page
    for step in ("已接收", "已派单", "已签收", "办理中", "已答复"):
        assert step in page
    assert "已责令工地夜间停工，并处罚款。" in page
    response = citizen.post(
        f"/me/requests/{ticket.pk}/callback/",
        {"solved": "yes", "satisfied": "no", "comment": "处理慢了"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.solved, ticket.satisfied) == (S.CLOSED, True, False)
    page = citizen.get(f"/me/requests/{ticket.pk}/").content.decode()
    assert "回访：处理慢了" in page and "已办结" in page
    assert "回访：请评价办理结果" not in page


def test_callback_without_an_answer_is_refused(citizen, hl):  # noqa: F811
    ticket = replied(hl)
    response = citizen.post(f"/me/requests/{ticket.pk}/callback/", {"solved": "yes"})
    assert response.status_code == 400
    assert "请选择“是”或“否”。" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == S.REPLIED and ticket.solved is None


def test_callback_from_someone_not_the_requester_is_refused(citizen, hl):  # noqa: F811
    ticket = replied(hl)
    citizen.force_login(hl.stranger.account)
    response = citizen.post(
        f"/me/requests/{ticket.pk}/callback/", {"solved": "yes", "satisfied": "yes"}
    )
    assert response.status_code == 403
    assert "只有诉求人本人可以回复这张工单的回访。" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == S.REPLIED and ticket.solved is None


def test_callback_before_the_reply_is_a_conflict(citizen, hl):  # noqa: F811
    response = _post(citizen, address="张杨路500弄1号")
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    response = citizen.post(
        f"/me/requests/{ticket.pk}/callback/", {"solved": "yes", "satisfied": "yes"}
    )
    assert response.status_code == 409
    assert "不能变更为" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == S.RECEIVED


def test_staff_and_anonymous_are_kept_out(client, hl):  # noqa: F811
    assert client.get(NEW).status_code == 302
    client.force_login(hl.agent.account)
    assert client.get(NEW).status_code == 403


def test_the_pages_read_in_english(citizen, hl, settings):  # noqa: F811
    ticket = replied(hl)
    citizen.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = citizen.get(NEW).content.decode()
    assert "Make a request" in page and "Find address" in page and "我要诉求" not in page
    detail = citizen.get(f"/me/requests/{ticket.pk}/").content.decode()
    assert "Follow-up: please rate how it was handled" in detail and "Submit feedback" in detail
