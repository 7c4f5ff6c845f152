"""「站内消息」 pages: the list (newest first, paged, unread marked), opening a message, marking
all read, the header's unread count, and nobody reading anyone else's messages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tongban.notify import services
from tongban.notify.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(client):
    person = factories.person(name="王小明")
    client.force_login(person.account)
    client.person = person
    return client


def tell(account, subject="办件 1 状态更新", body="您的办件已受理。", link=""):
    return services.message_to_account(account=account, subject=subject, body=body, link=link)


def items(response) -> list[tuple[bool, str]]:
    """(unread, subject) of each row on the inbox page, top to bottom."""
    html = response.content.decode()
    rows = re.findall(r'<li class="inbox-item( unread)?">\s*<a href="[^"]+">(.*?)</a>', html)
    return [(bool(unread), re.sub(r"<[^>]+>", "", text)) for unread, text in rows]


def test_the_inbox_lists_newest_first_with_the_unread_marked(citizen):
    first = tell(citizen.person.account, subject="第一条")
    tell(citizen.person.account, subject="第二条")
    services.inbox_message_open(account=citizen.person.account, message_id=first.pk)
    tell(factories.person(name="李四").account, subject="别人的")

    response = citizen.get("/me/inbox/")

    assert response.status_code == 200
    assert items(response) == [(True, "未读第二条"), (False, "第一条")]
    assert '<span class="visually-hidden">未读</span>第二条' in response.content.decode()


def test_the_inbox_is_paged_twenty_a_page(citizen):
    for n in range(23):
        tell(citizen.person.account, subject=f"消息{n:02d}")

    first, second = citizen.get("/me/inbox/"), citizen.get("/me/inbox/?page=2")

    assert [s for _u, s in items(first)][:2] == ["未读消息22", "未读消息21"]
    assert len(items(first)) == 20 and len(items(second)) == 3
    assert "第 2 页，共 2 页" in second.content.decode()
    assert len(items(citizen.get("/me/inbox/?page=abc"))) == 20  # a bad page number: page 1


def test_opening_a_message_shows_it_marks_it_read_and_links_its_case(citizen):
    message = tell(citizen.person.account, body="状态已更新为：已受理。", link="/me/cases/5/")

    response = citizen.get(f"/me/inbox/{message.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<p data-testid="message-body">状态已更新为：已受理。</p>' in html
    assert '<a class="button" href="/me/cases/5/">查看详情</a>' in html
    message.refresh_from_db()
    assert message.read_at is not None
    assert "条未读消息" not in html  # the header counts after the read


def test_mark_all_read_is_a_post_and_clears_the_count(citizen):
    tell(citizen.person.account)
    tell(citizen.person.account)

    assert citizen.get("/me/inbox/read-all/").status_code == 405
    assert Message.objects.filter(read_at__isnull=True).count() == 2
    response = citizen.post("/me/inbox/read-all/", follow=True)

    assert response.redirect_chain == [("/me/inbox/", 302)]
    assert "2 条消息已标为已读。" in response.content.decode()
    assert Message.objects.filter(read_at__isnull=True).count() == 0


def test_the_header_shows_the_unread_count_with_one_query(citizen):
    for _n in range(3):
        tell(citizen.person.account)

    with CaptureQueriesContext(connection) as queries:
        response = citizen.get("/services/")
    html = response.content.decode()

    assert (
        '<span class="count" aria-hidden="true">3</span>'
        '<span class="visually-hidden">3 条未读消息</span>'
    ) in html
    counts = [q for q in queries if "notify_message" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0]["sql"].upper()


def test_no_count_without_unread_messages_and_no_inbox_link_when_signed_out(client, citizen):
    html = citizen.get("/services/").content.decode()
    assert 'data-testid="inbox-link">站内消息</a>' in html
    citizen.logout()
    assert "inbox-link" not in client.get("/services/").content.decode()


def test_another_citizens_message_is_not_found_and_stays_unread(citizen):
    theirs = tell(factories.person(name="李四").account)

    assert citizen.get(f"/me/inbox/{theirs.pk}/").status_code == 404
    assert citizen.get("/me/inbox/999999/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_staff_have_no_inbox_here(client):
    staff = factories.staff(department=factories.department())
    client.force_login(staff.account)
    assert client.get("/me/inbox/").status_code == 403
    assert "inbox-link" not in client.get("/services/").content.decode()


def test_the_inbox_needs_a_login(client):
    response = client.get("/me/inbox/")
    assert response.status_code == 302 and response.url.startswith("/login/")
