from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone

from tests import factories
from tongban.core.models import AuditEntry
from tongban.notify import services
from tongban.notify.models import Message, MessageStatus

DOWN = {"sms": "tests.notify.backends.GatewayDownBackend"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queue() -> Message:
    return services.message_queue(
        channel="sms", recipient="13800001234", recipient_masked="138****1234", body="您好"
    )


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves: ``clock.now`` is what ``timezone.now()`` returns."""

    class Clock:
        now = T0

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


@pytest.mark.django_db(transaction=True)
def test_a_queued_message_is_delivered_after_commit_and_sealed_at_rest():
    message = queue()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1

    with connection.cursor() as cursor:
        cursor.execute("SELECT body, recipient FROM notify_message WHERE id = %s", [message.pk])
        body, recipient = cursor.fetchone()
    assert "您好" not in body and "13800001234" not in recipient


@pytest.mark.django_db(transaction=True)
def test_delivery_is_idempotent():
    message = queue()
    services.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_backend_error_is_recorded_with_the_attempt_and_a_retry_time(settings, clock):
    settings.TONGBAN_NOTIFY_BACKENDS = DOWN
    message = Message.objects.get(pk=queue().pk)
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert message.last_error == "ConnectionError: 短信网关不可用 (HTTP 503)"
    assert message.next_attempt_at == datetime(2026, 3, 2, 9, 1, tzinfo=UTC)

    services.message_deliver(message_id=message.pk)  # a repeated task before the retry time
    assert Message.objects.get(pk=message.pk).attempts == 1
    assert services.messages_retry_due() == 0


@pytest.mark.django_db(transaction=True)
def test_retries_back_off_and_end_failed_after_the_limit(settings, clock):
    settings.TONGBAN_NOTIFY_BACKENDS = DOWN
    settings.TONGBAN_NOTIFY_MAX_ATTEMPTS = 4
    message = queue()
    retry_times = []
    for _ in range(3):
        clock.now = Message.objects.get(pk=message.pk).next_attempt_at
        assert services.messages_retry_due() == 1
        message.refresh_from_db()
        retry_times.append(message.next_attempt_at)
    assert retry_times[:2] == [T0 + timedelta(minutes=1 + 2), T0 + timedelta(minutes=1 + 2 + 4)]
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 4, None)
    clock.now += timedelta(days=1)
    assert services.messages_retry_due() == 0
    assert list(Message.objects.filter(status="failed")) == [message]


@pytest.mark.django_db(transaction=True)
def test_a_retry_that_succeeds_sends_once(settings, clock):
    settings.TONGBAN_NOTIFY_BACKENDS = DOWN
    message = queue()
    settings.TONGBAN_NOTIFY_BACKENDS = {}
    clock.now = T0 + timedelta(minutes=1)
    assert services.messages_retry_due() == 1
    services.message_deliver(message_id=message.pk)
    clock.now += timedelta(hours=1)
    assert services.messages_retry_due() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (
        "sent",
        2,
        clock.now - timedelta(hours=1),
    )


def _failed_message(settings) -> Message:
    settings.TONGBAN_NOTIFY_BACKENDS = DOWN
    settings.TONGBAN_NOTIFY_MAX_ATTEMPTS = 1
    message = queue()
    settings.TONGBAN_NOTIFY_BACKENDS = {}
    assert Message.objects.get(pk=message.pk).status == MessageStatus.FAILED
    return message


@pytest.mark.django_db(transaction=True)
def test_a_platform_admin_sees_failed_messages_and_requeues_one(client, settings):
    message = _failed_message(settings)
    sent = queue()
    admin = factories.staff(roles=("platform_admin",)).account
    client.force_login(admin)
    assert "发送失败 (1)" in client.get("/admin/notify/message/").content.decode()
    listing = client.get("/admin/notify/message/?status__exact=failed").content.decode()
    assert f"/admin/notify/message/{message.pk}/change/" in listing
    assert f"/admin/notify/message/{sent.pk}/change/" not in listing
    response = client.post(
        "/admin/notify/message/", {"action": "requeue", "_selected_action": [message.pk]}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    entry = AuditEntry.objects.get(action="notify.message.requeue")
    assert (entry.actor_id, entry.target_id) == (admin.pk, str(message.pk))


@pytest.mark.django_db(transaction=True)
def test_staff_who_are_not_platform_admins_cannot_requeue(client, settings):
    """The admin site is the platform admins' alone: a department head, even one holding the
    outbox's view permission, is sent to log in and the message stays failed."""
    message = _failed_message(settings)
    head = factories.staff(roles=("department_head",)).account
    head.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(head)
    assert client.get("/admin/notify/message/?status__exact=failed").status_code == 302
    client.post("/admin/notify/message/", {"action": "requeue", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert not AuditEntry.objects.filter(action="notify.message.requeue").exists()
