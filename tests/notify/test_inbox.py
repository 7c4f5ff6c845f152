"""The site inbox (站内消息): in-site messages tied to an account, delivered by being stored,
counted unread until opened, and readable only by their owner."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tongban.core.errors import NotFound
from tongban.notify import backends, selectors, services
from tongban.notify.models import Channel, Message

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def tell(account, body="您的办件已受理。", **kwargs) -> Message:
    return services.message_to_account(account=account, subject="办件状态更新", body=body, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_a_site_message_is_delivered_by_being_stored_and_no_task_sends_it(settings):
    settings.TONGBAN_NOTIFY_BACKENDS = {"sms": "tests.notify.backends.GatewayDownBackend"}
    account = factories.person().account

    message = tell(account, link="/me/cases/7/")

    message.refresh_from_db()
    assert (message.channel, message.status, message.attempts) == (Channel.SITE, "sent", 0)
    assert message.account_id == account.pk and message.link == "/me/cases/7/"
    assert message.sent_at is not None and message.read_at is None
    services.message_deliver(message_id=message.pk)  # a stray task: nothing more happens
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 0, "")


def test_the_site_channel_never_goes_to_a_configured_gateway(settings):
    settings.TONGBAN_NOTIFY_BACKENDS = {"site": "tests.notify.backends.GatewayDownBackend"}
    assert type(backends.backend_for("site")) is backends.SiteInboxBackend
    assert type(backends.backend_for("email")) is backends.OutboxOnlyBackend


def test_the_inbox_lists_the_owners_messages_newest_first_and_counts_the_unread(monkeypatch):
    me, other = factories.person().account, factories.person(name="李四").account
    monkeypatch.setattr(timezone, "now", lambda: T0)
    first = tell(me, "第一条")
    monkeypatch.setattr(timezone, "now", lambda: T0.replace(hour=10))
    second = tell(me, "第二条")
    tell(other, "别人的")

    assert list(selectors.inbox_for_account(account=me)) == [second, first]
    with CaptureQueriesContext(connection) as queries:
        assert selectors.inbox_unread_count(account=me) == 2
    assert len(queries) == 1 and "COUNT" in queries[0]["sql"].upper()
    assert selectors.inbox_unread_count(account=other) == 1


def test_opening_a_message_marks_it_read_once(monkeypatch):
    me = factories.person().account
    message = tell(me)
    monkeypatch.setattr(timezone, "now", lambda: T0)

    opened = services.inbox_message_open(account=me, message_id=message.pk)
    assert opened.read_at == T0
    monkeypatch.setattr(timezone, "now", lambda: T0.replace(hour=11))
    services.inbox_message_open(account=me, message_id=message.pk)

    message.refresh_from_db()
    assert message.read_at == T0
    assert selectors.inbox_unread_count(account=me) == 0


def test_another_citizens_message_is_not_found_and_stays_unread():
    me, other = factories.person().account, factories.person(name="李四").account
    theirs = tell(other)

    with pytest.raises(NotFound) as refused:
        services.inbox_message_open(account=me, message_id=theirs.pk)
    assert refused.value.code == "notify.message.not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_sms_without_an_account_is_no_inbox_message():
    me = factories.person().account
    sms = services.message_queue(
        channel="sms", recipient="13800001234", recipient_masked="138****1234", body="验证码"
    )
    with pytest.raises(NotFound):
        selectors.inbox_message(account=me, message_id=sms.pk)
    assert selectors.inbox_unread_count(account=me) == 0


def test_mark_all_read_touches_only_the_owners_unread_messages(monkeypatch):
    me, other = factories.person().account, factories.person(name="李四").account
    monkeypatch.setattr(timezone, "now", lambda: T0)
    read = tell(me)
    services.inbox_message_open(account=me, message_id=read.pk)
    unread = [tell(me), tell(me)]
    theirs = tell(other)
    monkeypatch.setattr(timezone, "now", lambda: T0.replace(hour=12))

    assert services.inbox_mark_all_read(account=me) == 2

    assert Message.objects.get(pk=read.pk).read_at == T0
    assert [Message.objects.get(pk=m.pk).read_at for m in unread] == [T0.replace(hour=12)] * 2
    assert Message.objects.get(pk=theirs.pk).read_at is None
    assert services.inbox_mark_all_read(account=me) == 0
