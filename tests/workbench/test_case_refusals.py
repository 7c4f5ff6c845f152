"""Every workbench URL for cases and the counter refuses the public (login), citizens (403), staff
of another department (403/404) and staff of the department without the role (403) — each with
a request that would change the case if it were let through, and nothing changes."""

import pytest
from django.urls import URLResolver, get_resolver

from tests.cases.builders import commitment, decided, snapshot, with_gaps, with_upload
from tests.cases.conftest import GOOD_FORM
from tongban.cases import services

from .conftest import correction_post

pytestmark = pytest.mark.django_db


def _theme(w):
    theme = w.theme()
    return w.submitted(theme=theme)


def _task_post(case, action, **fields):
    task = case.tasks.filter(state="open").first()
    return {"task": task.pk, **{f"{action}-{task.pk}-{k}": v for k, v in fields.items()}}


# name → (case builder, action path or "", data builder); GET when data is None
CASE_URLS = {
    "case": (lambda w: w.submitted(), "", None),
    "case_accept": (lambda w: w.submitted(), "accept", lambda c, w: {}),
    "case_correction": (
        lambda w: w.submitted(),
        "correction",
        lambda c, w: correction_post([("身份证", "不清晰")]),
    ),
    "case_refuse": (
        lambda w: w.submitted(),
        "refuse",
        lambda c, w: {"refuse-reasons": "不符合", "refuse-legal_basis": "第九条"},
    ),
    "case_accept_with_gaps": (
        lambda w: w.submitted(item=w.publish(accept_with_gaps=True)),
        "accept-with-gaps",
        lambda c, w: {"gaps-gaps": "租赁合同", "gaps-days": "5"},
    ),
    "case_propose_correction": (
        _theme,
        "propose-correction",
        lambda c, w: correction_post([("申请书", "未签字")], prefix="propose-items"),
    ),
    "case_gaps_close": (with_gaps, "gaps-close", lambda c, w: {}),
    "case_review_start": (lambda w: w.accepted(), "review-start", lambda c, w: {}),
    "case_commitment_approve": (commitment, "commitment-approve", lambda c, w: {}),
    "case_decide": (
        lambda w: w.under_review(),
        "decide",
        lambda c, w: _task_post(c, "decide", decision="approved"),
    ),
    "case_verify": (
        lambda w: commitment(w, approve=True),
        "verify",
        lambda c, w: _task_post(c, "verify", result="fail", note="不实"),
    ),
    "case_reassign": (
        lambda w: w.under_review(),
        "reassign",
        lambda c, w: _task_post(c, "reassign", department_code=w.dept_b.code),
    ),
    "case_extend": (lambda w: w.under_review(), "extend", lambda c, w: {"extend-reason": "核查"}),
    "case_deliver": (decided, "deliver", lambda c, w: {"deliver-method": "electronic"}),
    "case_close": (lambda w: decided(w, deliver=True), "close", lambda c, w: {}),
    "case_material_verify": (
        with_upload,
        "material-verify",
        lambda c, w: {"material": c.materials.get().pk},
    ),
    "case_material": (with_upload, "materials", None),
}
COUNTER_URLS = {"counter", "counter_intake", "counter_receipt"}
QUEUE_URLS = {"case_queue"}


def test_the_tables_cover_every_case_and_counter_url():
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "workbench":
            names |= {p.name for p in entry.url_patterns}
    ours = {n for n in names if n.startswith(("case", "counter"))}
    assert ours == set(CASE_URLS) | COUNTER_URLS | QUEUE_URLS


@pytest.fixture
def outsider(make):
    """Staff of a third department holding every case role: refused for the department alone."""
    return make.staff(
        department=make.department(name="丙局"),
        roles=("counter_clerk", "reviewer", "department_head"),
    )


def _request(client, case, name):
    _build, action, data = CASE_URLS[name]
    if name == "case_material":
        url = f"/workbench/cases/{case.pk}/materials/{case.materials.get().pk}/"
        return client.get(url)
    url = f"/workbench/cases/{case.pk}/" + (f"{action}/" if action else "")
    if data is None:
        return client.get(url)
    return client.post(url, data(case, client.world))


@pytest.mark.parametrize("name", sorted(CASE_URLS))
def test_case_urls_refuse_everyone_but_the_department_with_the_role(name, world, client, outsider):
    case = CASE_URLS[name][0](world)
    client.world = world
    before = snapshot()

    response = _request(client, case, name)
    assert response.status_code == 302 and response["Location"].startswith("/workbench/login/")

    client.force_login(world.person.account)
    assert _request(client, case, name).status_code == 403

    client.force_login(outsider.account)
    assert _request(client, case, name).status_code == 403

    client.force_login(world.steward.account)  # 甲局, but a data steward
    assert _request(client, case, name).status_code == 403
    assert snapshot() == before


def test_the_queue_refuses_the_public_citizens_and_wrong_roles_and_scopes_departments(
    world, client, outsider
):
    case = world.submitted()
    response = client.get("/workbench/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/workbench/login/")
    client.force_login(world.person.account)
    assert client.get("/workbench/cases/").status_code == 403
    client.force_login(world.steward.account)
    assert client.get("/workbench/cases/").status_code == 403
    client.force_login(outsider.account)
    page = client.get("/workbench/cases/")
    assert page.status_code == 200 and case.number not in page.content.decode()


def test_counter_urls_refuse_the_public_citizens_wrong_roles_and_other_centers(
    world, client, outsider, make
):
    item = world.publish(citywide=True)
    case = services.case_counter_create(
        staff=world.clerk_b, item_id=item.pk, id_number=world.person.id_number, form_data=GOOD_FORM
    )
    post = {"applicant-id_number": world.person.id_number, **GOOD_FORM}
    urls = [
        ("get", "/workbench/counter/"),
        ("get", f"/workbench/counter/items/{item.pk}/"),
        ("post", f"/workbench/counter/items/{item.pk}/"),
        ("get", f"/workbench/counter/receipts/{case.pk}/"),
    ]
    before = snapshot()

    def call(method, url):
        return client.post(url, post) if method == "post" else client.get(url)

    for method, url in urls:
        response = call(method, url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/workbench/login/")
    for who in (world.person, world.reviewer_a, world.steward, world.head_a):
        client.force_login(who.account)
        assert [call(m, u).status_code for m, u in urls] == [403] * 4, who
    # a clerk of another center: not this center's receipt
    client.force_login(outsider.account)
    assert client.get(urls[3][1]).status_code == 404
    # a clerk in another district: not an item outside the center's scope
    center = make.department(name="黄浦区行政服务中心")
    center.region = make.region(code="310101", name="黄浦区")
    center.save()
    client.force_login(make.staff(department=center, roles=("counter_clerk",)).account)
    assert client.post(f"/workbench/counter/items/{world.item.pk}/", post).status_code == 403
    assert snapshot() == before
