"""/api/v1/hotline/: the citizen's, the desk's and a department's operations; each staff
operation refuses the wrong role and (for a department's) the wrong department; each bad
input is a specific 4xx that changes nothing."""

import json

import pytest
from django.test import Client

from tongban.hotline import services
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Ticket

from .conftest import BEIJING, NOISE, POINT, dispatched, handling, replied

pytestmark = pytest.mark.django_db
API = "/api/v1/hotline"


def _client(account):
    client = Client()
    client.force_login(account)
    return client


def _post(client, path, body=None):
    return client.post(f"{API}{path}", json.dumps(body or {}), content_type="application/json")


def _error(response):
    return response.status_code, response.json()["code"]


def test_a_citizen_files_follows_and_answers_the_callback(hl):
    client = _client(hl.citizen.account)
    response = _post(
        client,
        "/tickets",
        {"kind": "complaint", "text": NOISE, **{k: float(v) for k, v in POINT.items()}},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["district"], body["street"]) == ("received", "310115", "310115004")
    assert [t["number"] for t in client.get(f"{API}/tickets").json()] == [body["number"]]
    ticket = Ticket.objects.get(pk=body["id"])
    services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise")
    services.ticket_accept(staff=hl.handler, ticket_id=ticket.pk)
    services.ticket_start(staff=hl.handler, ticket_id=ticket.pk)
    services.ticket_reply(staff=hl.handler, ticket_id=ticket.pk, answer="已处理")
    followed = client.get(f"{API}/tickets/{ticket.pk}").json()
    assert followed["state"] == "replied" and followed["answer"] == "已处理"
    answered = _post(client, f"/tickets/{ticket.pk}/callback", {"solved": True, "satisfied": False})
    assert answered.status_code == 200
    assert (answered.json()["state"], answered.json()["satisfied"]) == ("closed", False)


def test_the_desk_and_the_department_through_the_api(hl):
    agent = _client(hl.agent.account)
    filed = _post(
        agent,
        "/desk/tickets",
        {
            "kind": "complaint",
            "text": NOISE,
            "address": "张杨路500弄1号",
            "name": "赵六",
            "mobile": "13900001111",
        },
    )
    assert filed.status_code == 201
    body = filed.json()
    assert (body["requester"], body["contact"]) == ("赵*", "139****1111")
    assert body["suggestion"]["categories"][0][0] == "env-noise"
    tid = body["id"]
    dispatcher = _client(hl.dispatcher.account)
    sent = _post(dispatcher, f"/desk/tickets/{tid}/dispatch", {"category": "env-noise"})
    assert (sent.json()["state"], sent.json()["department"]) == ("dispatched", "310115-hbj")
    department = _client(hl.handler.account)
    assert [t["id"] for t in department.get(f"{API}/department/tickets").json()] == [tid]
    assert _post(department, f"/department/tickets/{tid}/accept").json()["state"] == "accepted"
    assert _post(department, f"/department/tickets/{tid}/start").json()["state"] == "handling"
    asked = _post(
        department, f"/department/tickets/{tid}/extension", {"days": 2, "reason": "需现场核查"}
    )
    assert asked.json()["extension_state"] == "requested"
    supervisor = _client(hl.supervisor.account)
    decided = _post(supervisor, f"/desk/tickets/{tid}/extension-decision", {"approve": True})
    assert decided.json()["extension_state"] == "approved"
    assert (
        _post(supervisor, f"/desk/tickets/{tid}/supervise", {"note": "请尽快"}).json()[
            "supervision_level"
        ]
        == 1
    )
    replied_ = _post(department, f"/department/tickets/{tid}/reply", {"answer": "已责令停工"})
    assert replied_.json()["state"] == "replied"
    called = _post(agent, f"/desk/tickets/{tid}/callback", {"solved": True, "satisfied": True})
    assert called.json()["state"] == "closed"
    reopened = _post(dispatcher, f"/desk/tickets/{tid}/reopen", {"reason": "市民再次来电"})
    assert reopened.json()["state"] == "reopened"


def test_a_private_contact_is_kept_from_the_department(hl):
    ticket = dispatched(hl, contact_private=True)
    seen = _client(hl.handler.account).get(f"{API}/staff/tickets/{ticket.pk}").json()
    assert (seen["requester"], seen["contact"]) == ("", "")
    desk = _client(hl.dispatcher.account).get(f"{API}/staff/tickets/{ticket.pk}").json()
    assert desk["requester"] == "王**"


# --- bad input: a specific 4xx, nothing changed ------------------------------------------------


def _file(hl, **body):
    return _post(_client(hl.citizen.account), "/tickets", {"kind": "complaint", **body})


def test_empty_text_is_refused(hl):
    response = _file(hl, text="   ", address="张杨路500弄1号")
    assert _error(response) == (422, "hotline.text.empty")
    assert response.json()["fields"].keys() == {"text"}
    assert Ticket.objects.count() == 0


def test_fifty_thousand_characters_are_refused(hl):
    response = _file(hl, text="吵" * 50_000, address="张杨路500弄1号")
    assert _error(response) == (422, "hotline.text.too_long")
    assert Ticket.objects.count() == 0


def test_an_address_outside_the_city_is_refused(hl):
    response = _file(hl, text=NOISE, address="北京市朝阳区建国路88号")
    assert _error(response) == (422, "hotline.location.not_found")
    assert Ticket.objects.count() == 0


def test_a_point_outside_the_city_is_refused(hl):
    response = _file(hl, text=NOISE, **{k: float(v) for k, v in BEIJING.items()})
    assert _error(response) == (422, "hotline.location.outside_city")
    assert Ticket.objects.count() == 0


def test_no_location_is_refused(hl):
    assert _error(_file(hl, text=NOISE)) == (422, "hotline.location.required")


def test_anonymous_is_for_reports_only(hl):
    response = _file(hl, text=NOISE, address="张杨路500弄1号", anonymous=True)
    assert _error(response) == (422, "hotline.anonymous.kind")
    assert Ticket.objects.count() == 0


def test_a_return_without_a_reason_is_refused(hl):
    ticket = dispatched(hl)
    response = _post(
        _client(hl.handler.account), f"/department/tickets/{ticket.pk}/return", {"reason": ""}
    )
    assert _error(response) == (422, "hotline.return.reason")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.return_reason) == (S.DISPATCHED, "")


def test_replying_to_a_ticket_the_department_does_not_hold_is_404(hl):
    ticket = handling(hl)
    response = _post(
        _client(hl.other.account), f"/department/tickets/{ticket.pk}/reply", {"answer": "已处理"}
    )
    assert _error(response) == (404, "hotline.not_found")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.answer) == (S.HANDLING, "")


def test_a_callback_from_someone_not_the_requester_is_refused(hl):
    ticket = replied(hl)
    response = _post(
        _client(hl.stranger.account),
        f"/tickets/{ticket.pk}/callback",
        {"solved": True, "satisfied": True},
    )
    assert _error(response) == (403, "hotline.callback.not_requester")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.solved) == (S.REPLIED, None)


def test_another_citizen_cannot_follow_a_ticket(hl):
    ticket = dispatched(hl)
    response = _client(hl.stranger.account).get(f"{API}/tickets/{ticket.pk}")
    assert _error(response) == (404, "hotline.not_found")


def test_the_public_is_refused(hl):
    assert Client().get(f"{API}/tickets").status_code == 401


# --- every staff operation: the wrong role, and for a department's the wrong department -------

DESK_OPS = [
    ("post", "/desk/tickets", {"kind": "complaint", "text": NOISE, "address": "张杨路500弄1号"}),
    ("get", "/desk/tickets", None),
    ("get", "/desk/hot-issues", None),
    ("get", "/desk/knowledge?q=居住证", None),
    ("post", "/desk/tickets/{id}/answer", {"answer": "答复"}),
    ("post", "/desk/tickets/{id}/dispatch", {"category": "env-noise"}),
    ("post", "/desk/tickets/{id}/arbitrate", {"decision": "reject"}),
    ("post", "/desk/tickets/{id}/close", {"reason": "无法回访"}),
    ("post", "/desk/tickets/{id}/reopen", {"reason": "再次来电"}),
    ("post", "/desk/tickets/{id}/supervise", {"note": "请尽快"}),
    ("post", "/desk/tickets/{id}/extension-decision", {"approve": True}),
    ("post", "/desk/tickets/{id}/callback", {"solved": True, "satisfied": True}),
]
DEPARTMENT_OPS = [
    ("post", "/department/tickets/{id}/accept", None),
    ("post", "/department/tickets/{id}/return", {"reason": "不属于本部门职责"}),
    ("post", "/department/tickets/{id}/start", None),
    ("post", "/department/tickets/{id}/extension", {"days": 2, "reason": "需核查"}),
    ("post", "/department/tickets/{id}/reply", {"answer": "已处理"}),
]


def _call(client, method, path, body, ticket):
    url = API + path.format(id=ticket.pk)
    if method == "get":
        return client.get(url)
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.mark.parametrize(("method", "path", "body"), DESK_OPS)
def test_desk_operations_refuse_a_department_handler(hl, method, path, body):
    ticket = dispatched(hl)
    before = Ticket.objects.values().get(pk=ticket.pk)
    response = _call(_client(hl.handler.account), method, path, body, ticket)
    assert _error(response) == (403, "staff.role")
    assert Ticket.objects.values().get(pk=ticket.pk) == before
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(("method", "path", "body"), DEPARTMENT_OPS)
def test_department_operations_refuse_another_department(hl, method, path, body):
    ticket = dispatched(hl)
    before = Ticket.objects.values().get(pk=ticket.pk)
    response = _call(_client(hl.other.account), method, path, body, ticket)
    assert _error(response) == (404, "hotline.not_found")
    assert Ticket.objects.values().get(pk=ticket.pk) == before


@pytest.mark.parametrize(("method", "path", "body"), DEPARTMENT_OPS)
def test_department_operations_refuse_the_desk_role(hl, method, path, body):
    ticket = dispatched(hl)
    before = Ticket.objects.values().get(pk=ticket.pk)
    response = _call(_client(hl.dispatcher.account), method, path, body, ticket)
    assert _error(response) == (403, "staff.role")
    assert Ticket.objects.values().get(pk=ticket.pk) == before


def test_department_queue_and_ticket_refuse_the_wrong_role_and_department(hl):
    ticket = dispatched(hl)
    assert _error(_client(hl.agent.account).get(f"{API}/department/tickets")) == (
        403,
        "staff.role",
    )
    assert _client(hl.other.account).get(f"{API}/department/tickets").json() == []
    response = _client(hl.other.account).get(f"{API}/staff/tickets/{ticket.pk}")
    assert _error(response) == (404, "hotline.not_found")


@pytest.mark.parametrize(
    ("who", "path", "body"),
    [
        ("agent", "/desk/tickets/{id}/dispatch", {"category": "env-noise"}),
        ("dispatcher", "/desk/tickets/{id}/supervise", {"note": "请尽快"}),
        ("supervisor", "/desk/tickets/{id}/answer", {"answer": "答复"}),
        ("dispatcher", "/desk/tickets/{id}/callback", {"solved": True, "satisfied": True}),
    ],
)
def test_each_desk_role_does_its_own_work_only(hl, who, path, body):
    ticket = services.ticket_file(
        account=hl.citizen.account, kind="complaint", text=NOISE, address="张杨路500弄1号"
    )
    response = _call(_client(getattr(hl, who).account), "post", path, body, ticket)
    assert _error(response) == (403, "staff.role")
    assert Ticket.objects.get(pk=ticket.pk).state == S.RECEIVED


def test_the_agent_searches_the_catalog_while_the_caller_speaks(hl):
    agent = _client(hl.agent.account)
    response = agent.get(f"{API}/desk/knowledge", {"q": "居住证怎么办"})
    assert (response.status_code, response.json()) == (200, [])
    too_long = agent.get(f"{API}/desk/knowledge", {"q": "居" * 150})
    assert _error(too_long) == (422, "catalog.search.too_long")


def test_the_agent_finds_a_published_guide(hl, make):
    from tests.cases.conftest import World

    World(make)  # publishes 居住证办理
    hits = _client(hl.agent.account).get(f"{API}/desk/knowledge", {"q": "居住证怎么办"}).json()
    assert [h["name"] for h in hits] == ["居住证办理"]
